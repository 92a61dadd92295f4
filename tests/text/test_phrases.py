"""`w2v phrases` and w2vcli.text.phrases: word2phrase's output, held to a plain port of
word2phrase.c; gensim's Phrases (npmi, connector words), held to gensim itself; the same
output whatever the chunks the text is read in; passes; pruning; the command line."""

import bz2
import gzip
import io
import lzma
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest
from click.testing import CliRunner

import w2vcli
import w2vcli.text.corpus
import w2vcli.text.phrases
from tests.paths import SAMPLES
from w2vcli.cli import cli
from w2vcli.text.phrases import ENGLISH_CONNECTORS, run_passes

SAMPLE = SAMPLES / "en.txt"
W2V = [sys.executable, "-m", "w2vcli"]


def word2phrase(text: bytes, min_count: int = 5, threshold: float = 100.0) -> bytes:
    """word2vec C's word2phrase.c, written plainly from its source: it counts every word and
    every pair of consecutive words in the whole text (across line ends too), then writes
    each word after "_" if (pab - min_count) / pa / pb * words > threshold in float32, pa
    the previous word's count (0 once it ends a phrase), and after " " otherwise."""
    words = text.split()
    uni, bi = Counter(words), Counter(zip(words, words[1:]))
    f = np.float32
    lines = []
    for line in text.split(b"\n"):
        out, pa, prev = [], 0, None
        for word in line.split():
            pb, pab = uni[word], bi[(prev, word)]
            known = prev is not None and min(pa, pb, pab) >= min_count
            score = f(pab - min_count) / f(pa) / f(pb) * f(len(words)) if known else 0
            if score > threshold:
                out[-1] += b"_" + word
                pb = 0
            else:
                out.append(word)
            pa, prev = pb, word
        lines.append(b" ".join(out))
    return b"\n".join(lines)


def joined(text: bytes, **options) -> bytes:
    out = io.BytesIO()
    run_passes(io.BytesIO(text), out.write, "text", **options)
    return out.getvalue()


def made_up_text(seed: int) -> bytes:
    """Lines of Zipf-distributed words with planted pairs and triples, blank lines, runs of
    spaces and tabs, and sometimes no newline at the end."""
    rng = np.random.default_rng(seed)
    vocab = [f"w{i}".encode() for i in range(60)] + [b"new york", b"san francisco bay"]
    p = 1.0 / np.arange(1, len(vocab) + 1)
    lines = []
    for _ in range(rng.integers(50, 300)):
        picks = rng.choice(len(vocab), size=rng.integers(0, 30), p=p / p.sum())
        gaps = rng.choice([b" ", b"  ", b"\t"], size=len(picks))
        lines.append(b"".join(g + vocab[i] for g, i in zip(gaps, picks, strict=True)))
    return b"\n".join(lines) + (b"\n" if seed % 2 else b"")


@pytest.fixture
def small_chunks(monkeypatch):
    """Read text 61 bytes at a time, so that lines run on across many chunks."""
    monkeypatch.setattr(w2vcli.text.corpus, "CHUNK_BYTES", 61)


def test_word2phrase_scoring_is_word2phrase_on_real_text():
    text = SAMPLE.read_bytes()
    for min_count, threshold in [(5, 100.0), (3, 20.0), (10, 400.0)]:
        expected = word2phrase(text, min_count, threshold)
        assert expected.count(b"_") > 100  # pairs are joined: the check can fail
        assert joined(text, min_count=min_count, threshold=threshold) == expected


def test_word2phrase_scores_in_float32():
    """a: 5, b: 15, a b: 4 in 25 words, min_count 1: (4 - 1) / 5 / 15 * 25 is exactly 1,
    but 1.0000001 in word2phrase's float32, which joins the pair at threshold 1."""
    text = b"a b\na b\na b\na b\nc a c\n" + b"b " * 11 + b"\ne e e\n"
    assert text.count(b"a") == 5 and text.count(b"b") == 15 and len(text.split()) == 25
    assert b"a_b" in word2phrase(text, 1, 1.0)
    assert joined(text, min_count=1, threshold=1.0) == word2phrase(text, 1, 1.0)


@pytest.mark.parametrize("seed", range(6))
def test_word2phrase_on_made_up_text_read_in_small_chunks(seed, small_chunks):
    text = made_up_text(seed)
    expected = word2phrase(text, 3, 5.0)
    assert b"new_york" in expected
    assert joined(text, min_count=3, threshold=5.0) == expected


def test_chunks_and_line_ends_do_not_change_the_pairs_joined(monkeypatch):
    """A long line cut into chunks anywhere joins as it does read whole; the same text as
    one line joins the same pairs, and the pairs across the former line ends."""
    text = SAMPLE.read_bytes()[:400_000]
    for options in [{}, {"scoring": "npmi"}, {"connectors": ENGLISH_CONNECTORS}]:
        whole = joined(text, **options)
        one_line = joined(text.replace(b"\n", b" "), **options)
        monkeypatch.setattr(w2vcli.text.corpus, "CHUNK_BYTES", 997)
        assert joined(text, **options) == whole
        assert joined(text.replace(b"\n", b" "), **options) == one_line
        monkeypatch.setattr(w2vcli.text.corpus, "CHUNK_BYTES", 1 << 20)
        assert whole.split() != text.split() and len(whole) == len(text)  # "_" for " "


@pytest.mark.parametrize("connectors", [False, True])
def test_npmi_and_connector_words_are_gensims(connectors):
    from gensim.models.phrases import ENGLISH_CONNECTOR_WORDS, Phrases

    text = SAMPLE.read_bytes()[:600_000]
    sentences = [line.split() for line in text.decode().split("\n")]
    words = ENGLISH_CONNECTOR_WORDS if connectors else ()
    assert set(ENGLISH_CONNECTORS) == ENGLISH_CONNECTOR_WORDS
    for threshold in (0.3, 0.6):
        model = Phrases(
            sentences, min_count=5, threshold=threshold, scoring="npmi", connector_words=words
        )
        expected = "\n".join(" ".join(model[s]) for s in sentences)
        ours = joined(text, scoring="npmi", threshold=threshold, connectors=sorted(words))
        assert ours.decode() == expected
        assert ("_of_" in expected) == connectors


def test_two_passes_are_two_runs_with_falling_thresholds(tmp_path):
    text = SAMPLE.read_bytes()
    once = joined(joined(text, threshold=200.0), threshold=100.0)
    twice = joined(text, passes=2)
    assert twice == once
    assert any(w.count(b"_") >= 2 for w in twice.split())  # phrases of three or four words
    assert joined(text, passes=2, scoring="npmi") == joined(
        joined(text, scoring="npmi"), scoring="npmi"
    )


def test_pruning_keeps_the_frequent_pairs_exact(small_chunks):
    """Past max_types words or pairs the rarer half is dropped: a table of 64 cannot hold
    3,000 one-off words, yet the frequent pairs and phrases come out as without pruning,
    read in small chunks (whose last words are renumbered by each pruning)."""
    lines = [f"x{i} new york y{i} bank of america z{i}" for i in range(1000)]
    text = "\n".join(lines).encode() + b"\n"
    options = dict(min_count=5, threshold=1.0, connectors=["of"])
    out = io.BytesIO()
    reports = run_passes(io.BytesIO(text), out.write, "t", max_types=64, **options)
    assert reports[0].prunings > 0
    assert out.getvalue() == joined(text, **options)
    assert out.getvalue().count(b"new_york") == 1000
    assert out.getvalue().count(b"bank_of_america") == 1000


def counted(text: bytes, max_types: int) -> dict:
    """{(word, connector words..., word): count} of the candidates counted in `text`."""
    chunks = w2vcli.text.phrases.cleaned(
        w2vcli.text.phrases.Source(io.BytesIO(text), "t").chunks(), "t"
    )
    counts = w2vcli.text.phrases.count(chunks, [b"of", b"the"], "word2phrase", max_types)
    counts.merge()
    token = {i: t for t, i in counts.index.items()}
    link = {i: (word, *between) for (word, between), i in counts.links.items()}
    table = {}
    for key, n in zip(counts.keys.tolist(), counts.pair_counts.tolist(), strict=True):
        left, right = key >> 32, key & 0xFFFFFFFF
        words = link[left] if left >= w2vcli.text.phrases.LINKED else (left,)
        table[tuple(token[i] for i in (*words, right))] = n
    return table


def test_pruned_counts_are_never_too_high(small_chunks):
    """Pruned tables hold counts no higher than the true ones, and the frequent exactly:
    each pruning renumbers words, also those of the text that runs on to the next chunk."""
    rng = np.random.default_rng(7)
    lines = []
    for i in range(3000):
        rare = [f"r{i}_{j}".encode() for j in range(3)]
        common = [f"w{k}".encode() for k in rng.integers(0, 20, 4)]
        lines.append(b" ".join([rare[0], *common[:2], b"of the", rare[1], *common[2:], rare[2]]))
    text = b"\n".join(lines) + b"\n"
    true, pruned = counted(text, 10**7), counted(text, 2000)
    assert len(pruned) < len(true) / 2
    assert all(pair in true and n <= true[pair] for pair, n in pruned.items())
    frequent = sorted(true, key=true.get)[-20:]
    assert all(pruned.get(pair) == true[pair] for pair in frequent)


def test_library_call_writes_a_file_and_reports(tmp_path):
    source, target = tmp_path / "in.txt", tmp_path / "out.txt"
    source.write_bytes(SAMPLE.read_bytes()[:300_000])
    reports = w2vcli.join_phrases(source, target, threshold=50)
    assert reports[0].joined == target.read_text().count("_") > 0
    assert reports[0].words == len(source.read_bytes().split())
    buffer = io.BytesIO()
    w2vcli.join_phrases(open(source, "rb"), buffer, threshold=50)
    assert buffer.getvalue() == target.read_bytes()


def invoke(*args, input=None):
    return CliRunner().invoke(cli, ["phrases", *map(str, args)], input=input)


def test_cli_stdin_files_and_compressed_input_give_the_same_text(tmp_path):
    text = SAMPLE.read_bytes()[:300_000]
    expected = word2phrase(text)
    source = tmp_path / "in.txt.gz"
    source.write_bytes(gzip.compress(text))
    result = invoke("-", input=text)
    assert result.exit_code == 0 and result.stdout_bytes == expected
    (said,) = result.stderr.splitlines()  # nothing pruned: nothing said of it
    assert said.startswith("pass 1 (threshold 100): ") and said.endswith(" pairs seen 5+ times")
    assert invoke(source, "-o", tmp_path / "out.txt").exit_code == 0
    assert (tmp_path / "out.txt").read_bytes() == expected
    words = tmp_path / "connectors.txt"
    words.write_text("for the\nto\n")
    result = invoke(source, "--connectors", words, "--threshold", "20")
    assert result.exit_code == 0 and b"tit_for_tat" in result.stdout_bytes
    english = invoke(source, "--connectors", "english", "--threshold", "20")
    assert english.exit_code == 0 and b"people_with_autism" in english.stdout_bytes
    assert b"people_with_autism" not in result.stdout_bytes  # "with" is not in the file


@pytest.mark.parametrize("pack", [gzip.compress, bz2.compress, lzma.compress])
def test_cli_compressed_stdin_is_read_decompressed(tmp_path, pack):
    """Before, compressed stdin was refused as not UTF-8, with a hint to run iconv."""
    text = SAMPLE.read_bytes()[:100_000]
    expected = word2phrase(text)
    packed = pack(text)
    (tmp_path / "in").write_bytes(packed)
    for result in (
        invoke("-", "--passes", 2, input=packed),
        invoke(tmp_path / "in", "--passes", 2),
    ):
        assert result.exit_code == 0, result.output
        assert result.stdout_bytes == invoke("-", "--passes", 2, input=text).stdout_bytes
    assert invoke("-", input=packed).stdout_bytes == expected
    plain, words = tmp_path / "plain", tmp_path / "connectors"  # --connectors FILE, packed
    plain.write_bytes(b"of the\nto\na\n")
    words.write_bytes(pack(plain.read_bytes()))
    joined = [invoke("-", "--connectors", f, "--threshold", 10, input=text) for f in (plain, words)]
    assert joined[1].exit_code == 0, joined[1].output
    assert joined[1].stdout_bytes == joined[0].stdout_bytes
    assert joined[0].stdout_bytes != invoke("-", "--threshold", 10, input=text).stdout_bytes


def test_cli_bad_input_is_one_line(tmp_path):
    binary = tmp_path / "data.bin"
    binary.write_bytes(bytes(range(256)) * 100)
    text = tmp_path / "in.txt"
    text.write_text("a b c\n")
    cases = [
        ([tmp_path / "missing.txt"], "missing.txt"),
        ([binary], "not UTF-8 text"),
        ([text, "--scoring", "npmi", "--threshold", "1.5"], "--threshold"),
        ([text, "--connectors", tmp_path / "none.txt"], "--connectors"),
        ([text, "-o", text], "same file"),
    ]
    for args, message in cases:
        result = invoke(*args)
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), args
        assert message in result.output and result.output.count("\n") == 1, result.output
    assert text.read_text() == "a b c\n"


def test_pipeline_into_training_learns_the_phrases(tmp_path):
    """w2v phrases CORPUS | w2v train -: the joined tokens are words of the vectors."""
    vectors = tmp_path / "vectors.txt"
    phrases = subprocess.run(
        [*W2V, "phrases", SAMPLE, "--passes", "2"], capture_output=True, check=True
    )
    train = [*W2V, "train", "-", "-o", vectors, "--epochs", "1", "--dim", "20", "-q"]
    subprocess.run(train, input=phrases.stdout, check=True)
    words = {line.split(" ", 1)[0] for line in vectors.read_text().splitlines()[1:]}
    assert {"united_states", "th_century", "new_york"} <= words
