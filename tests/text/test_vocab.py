"""Control of the vocabulary: --read-vocab (word2vec C's -read-vocab), --keep (gensim's
RULE_KEEP) and --ns-exponent, each with today's behaviour as its default."""

import bz2
import gzip
import lzma

import numpy as np
import pytest
from click.testing import CliRunner

import w2vcli
from w2vcli.cli import cli
from w2vcli.config import TrainConfig
from w2vcli.errors import CorpusError, W2VWarning
from w2vcli.text.corpus import read_corpus
from w2vcli.text.vocab import build_vocab, read_vocab_file, vocab_and_ids
from w2vcli.training import tables
from w2vcli.training.trainer import Trainer

FAST = ["--epochs", "1", "--dim", "16", "--threads", "1", "-q"]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_keep_adds_rare_words_and_max_vocab_makes_room_for_them():
    tokens = [b"a", b"b", b"c", b"d"]
    counts = np.array([9, 1, 7, 2])
    vocab, new_ids = build_vocab(tokens, counts, 5)
    assert vocab.words == ["a", "c"]
    with pytest.warns(W2VWarning, match="zz"):  # not in the corpus
        vocab, new_ids = build_vocab(tokens, counts, 5, keep={b"b", b"zz"})
    assert vocab.words == ["a", "c", "b"] and list(vocab.counts) == [9, 7, 1]
    assert new_ids.tolist() == [0, 2, 1, -2]
    vocab, _ = build_vocab(tokens, counts, 1, max_vocab=2, keep={b"d"})
    assert vocab.words == ["a", "d"]  # the kept word first, the rest by count


def test_read_vocab_file(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("the 10\nrare 2\ncat 7\nthe 99\n\ndog 7\n")
    vocab = read_vocab_file(str(path), 5)
    assert vocab.words == ["the", "cat", "dog"] and list(vocab.counts) == [10, 7, 7]
    assert read_vocab_file(str(path), 1, max_vocab=2).words == ["the", "cat"]
    path.write_text("the ten\n")
    with pytest.raises(CorpusError, match="line 1: expected `word count`"):
        read_vocab_file(str(path), 1)
    path.write_text("the 1\n")
    with pytest.raises(CorpusError, match="no word with a count of 5"):
        read_vocab_file(str(path), 5)


def test_train_with_a_vocabulary_read_from_a_file(tmp_path, small_corpus):
    saved = tmp_path / "vocab.txt"
    first = run("train", small_corpus, "-o", tmp_path / "a.txt", "--save-vocab", saved, *FAST)
    assert first.exit_code == 0, first.output
    lines = saved.read_text().splitlines()
    saved.write_text("\n".join(lines[:100] + ["notinthecorpus 50"]) + "\n")
    result = run(
        "train", small_corpus, "-o", tmp_path / "b.txt", "--read-vocab", saved,
        "--save-vocab", tmp_path / "again.txt", *FAST,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    written = (tmp_path / "again.txt").read_text().splitlines()
    assert sorted(written) == sorted(lines[:100] + ["notinthecorpus 50"])  # the file's counts
    vectors = w2vcli.load(tmp_path / "b.txt")
    assert len(vectors) == 101 and "notinthecorpus" in vectors
    words = [line.split()[0] for line in lines[:100]]
    model = w2vcli.train(small_corpus, read_vocab=str(saved), epochs=1, dim=16, threads=1)
    assert set(model.vectors.words) == {*words, "notinthecorpus"}
    (tmp_path / "none.txt").write_text("zzzq 9\n")
    result = run("train", small_corpus, "--read-vocab", tmp_path / "none.txt", *FAST)
    assert result.exit_code == 1 and "none of its words is in --read-vocab" in result.output


def test_keep_through_the_command_line(tmp_path, small_corpus):
    counts = {}
    for token in small_corpus.read_text().split():
        counts[token] = counts.get(token, 0) + 1
    rare = sorted(w for w, c in counts.items() if c == 1)[:3]
    (tmp_path / "keep.txt").write_text("\n".join([*rare, "zzzq"]) + "\n")
    out = tmp_path / "v.txt"
    result = run("train", small_corpus, "-o", out, "--keep", tmp_path / "keep.txt", *FAST)
    assert result.exit_code == 0, result.output
    vectors = w2vcli.load(out)
    assert all(w in vectors for w in rare) and "zzzq" not in vectors
    plain = run("train", small_corpus, "-o", tmp_path / "p.txt", *FAST)
    assert plain.exit_code == 0
    assert len(vectors) == len(w2vcli.load(tmp_path / "p.txt")) + 3


@pytest.mark.parametrize("exponent", [0.0, 0.75, 1.0])
def test_the_noise_table_follows_the_exponent(small_corpus, exponent):
    config = TrainConfig(ns_exponent=exponent, threads=1).validate()
    vocab, ids = vocab_and_ids(read_corpus(str(small_corpus)), config)
    trainer = Trainer(vocab, ids, config)
    accept, alias = trainer.shared.noise_accept.astype(np.float64), trainer.shared.noise_alias
    n = len(accept)
    drawn = accept / n  # each slot's own share, and what it gives to its alias
    np.add.at(drawn, alias, (1 - accept) / n)
    expected = tables.noise_distribution(vocab.counts, exponent)
    np.testing.assert_allclose(drawn, expected, rtol=1e-5, atol=1e-9)


def test_the_defaults_are_todays_behaviour(tmp_path, small_corpus):
    default = run("train", small_corpus, "-o", tmp_path / "a.txt", *FAST)
    explicit = run(
        "train", small_corpus, "-o", tmp_path / "b.txt", "--ns-exponent", 0.75, *FAST
    )  # fmt: skip
    assert default.exit_code == explicit.exit_code == 0
    assert (tmp_path / "a.txt").read_bytes() == (tmp_path / "b.txt").read_bytes()
    result = run("train", small_corpus, "--ns-exponent", 11, *FAST)
    assert result.exit_code == 1 and "--ns-exponent" in result.output


@pytest.mark.parametrize("pack", [gzip.compress, bz2.compress, lzma.compress])
def test_read_vocab_and_keep_files_may_be_compressed(tmp_path, small_corpus, pack):
    """Before, a compressed --read-vocab was "expected `word count`", a --keep kept nothing."""
    plain, packed = tmp_path / "plain", tmp_path / "packed"
    plain.write_text("the 100\nof 50\nand 40\nzebra 9\n")
    packed.write_bytes(pack(plain.read_bytes()))
    for option in ("--read-vocab", "--keep"):
        outputs = []
        for path in (plain, packed):
            out = tmp_path / f"{path.name}{option}.txt"
            result = run("train", small_corpus, "-o", out, option, path, *FAST)
            assert result.exit_code == 0, result.output
            outputs.append(out.read_bytes())
        assert outputs[0] == outputs[1]


def test_keep_names_its_words_the_corpus_has_not(tmp_path, small_corpus):
    """Before, they were left out without a word."""
    keep = tmp_path / "keep.txt"
    keep.write_text("the\nzzzq\nqqqz\n")
    result = run("train", small_corpus, "-o", tmp_path / "v.txt", "--keep", keep, *FAST)
    assert result.exit_code == 0, result.output
    assert result.stderr == "w2v: --keep: 2 of its words not in the corpus: qqqz, zzzq\n"
    with pytest.warns(W2VWarning, match="1 of its words not in the corpus: zz$"):
        build_vocab([b"a", b"b"], np.array([9, 1]), 5, keep={b"b", b"zz"})
    many = {f"w{i:02}".encode() for i in range(12)}
    with pytest.warns(W2VWarning, match="12 of its words not in the corpus: w00, .*, w09, ...$"):
        build_vocab([b"a"], np.array([9]), 5, keep=many)


def test_the_summary_says_the_kept_rarer_words(tmp_path, small_corpus):
    """Before: "vocabulary: N words with count >= 5", the kept rarer words among them."""
    counts = {}
    for token in small_corpus.read_text().split():
        counts[token] = counts.get(token, 0) + 1
    rare = sorted(w for w, c in counts.items() if c == 1)[:3]
    common = len([w for w, c in counts.items() if c >= 5])
    keep = tmp_path / "keep.txt"
    keep.write_text("\n".join([*rare, "the"]) + "\n")
    result = run("train", small_corpus, "--keep", keep, "--dry-run")
    assert result.exit_code == 0, result.output
    said = (
        f"vocabulary: {common + 3:,} words: {common:,} with count >= 5 and 3 rarer kept by --keep"
    )
    assert said in result.stderr
    plain = run("train", small_corpus, "--dry-run")
    assert f"vocabulary: {common:,} words with count >= 5\n" in plain.stderr
