"""`w2v train` through the command line: outputs, reproducibility, and bad input."""

import bz2
import gzip
import hashlib
import io
import json
import lzma
import os
import subprocess
import sys
import time

import numpy as np
import pytest
from click.testing import CliRunner
from gensim.models import KeyedVectors

from tests.paths import SAMPLES
from w2vcli.cli import cli
from w2vcli.training.trainer import learning_rate

FAST = ["--epochs", "1", "--dim", "16", "--threads", "1", "-q"]


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


@pytest.mark.parametrize("arch", ["cbow", "skipgram"])
@pytest.mark.parametrize("loss", ["ns", "hs", "softmax"])
def test_every_combination_trains_and_gensim_reads_the_output(tmp_path, small_corpus, arch, loss):
    out = tmp_path / "v.txt"
    extra = ["--max-vocab", "300"] if loss == "softmax" else []
    result = run("train", small_corpus, "-o", out, "--arch", arch, "--loss", loss, *FAST, *extra)
    assert result.exit_code == 0, result.output
    kv = KeyedVectors.load_word2vec_format(str(out))
    assert kv.vector_size == 16 and "the" in kv.key_to_index
    assert np.all(np.isfinite(kv.vectors))
    assert np.abs(kv.vectors).max() > 1 / 16  # trained past the initial range [-1/N, 1/N)
    assert kv.index_to_key[0] == "the"  # most frequent first


def test_same_seed_one_thread_is_byte_identical(tmp_path, small_corpus):
    a, b, c = tmp_path / "a.txt", tmp_path / "b.txt", tmp_path / "c.txt"
    run("train", small_corpus, "-o", a, "--seed", 7, *FAST)
    run("train", small_corpus, "-o", b, "--seed", 7, *FAST)
    run("train", small_corpus, "-o", c, "--seed", 8, *FAST)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_text_and_binary_hold_the_same_vectors(tmp_path, small_corpus):
    text, binary = tmp_path / "v.txt", tmp_path / "v.bin"
    run("train", small_corpus, "-o", text, *FAST)
    run("train", small_corpus, "-o", binary, "--format", "binary", *FAST)
    kt = KeyedVectors.load_word2vec_format(str(text))
    kb = KeyedVectors.load_word2vec_format(str(binary), binary=True)
    assert kt.index_to_key == kb.index_to_key
    np.testing.assert_array_equal(kt.vectors, kb.vectors)  # %.9g round-trips float32


def test_stdin_gzip_stdout_and_vocab_file(tmp_path, small_corpus):
    data = small_corpus.read_bytes()
    gz = tmp_path / "c.txt.gz"
    gz.write_bytes(gzip.compress(data))
    vocab = tmp_path / "vocab.txt"
    from_gz = run("train", gz, "-o", "-", "--save-vocab", vocab, *FAST)
    from_stdin = run("train", "-", "-o", "-", *FAST, input=data)
    assert from_gz.exit_code == 0 and from_stdin.exit_code == 0
    assert from_gz.stdout == from_stdin.stdout  # same corpus, same seed
    header = from_gz.stdout.splitlines()[0].split()
    lines = vocab.read_text().splitlines()
    assert int(header[0]) == len(lines) and int(header[1]) == 16
    word, count = lines[0].split()
    assert word == "the" and int(count) == data.split().count(b"the")


@pytest.mark.parametrize("suffix, pack", [(".gz", gzip.compress), (".bz2", bz2.compress),
                                          (".xz", lzma.compress)])  # fmt: skip
def test_a_compressed_corpus_on_stdin_trains_the_bytes_of_the_file(tmp_path, suffix, pack):
    """`cat corpus.gz | w2v train -` writes, at one thread, the vectors `w2v train corpus.gz`
    writes (their provenance names the input otherwise: stdin)."""
    lines = (SAMPLES / "en.txt").read_text().splitlines(keepends=True)[:20]
    corpus = tmp_path / f"corpus.txt{suffix}"
    corpus.write_bytes(pack("".join(lines).encode()))
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    same = ["--threads", 1, "--seed", 1, "--epochs", 1, "--dim", 16, "-q"]
    assert run("train", "-", *same, "-o", a, input=corpus.read_bytes()).exit_code == 0
    assert run("train", corpus, *same, "-o", b).exit_code == 0
    assert a.read_bytes() == b.read_bytes() and len(a.read_bytes()) > 10_000


def test_chinese_and_unicode_spaces_survive(tmp_path):
    corpus = tmp_path / "zh.txt"
    lines = (SAMPLES / "zh.txt").read_text().splitlines()[:300]
    corpus.write_text(
        "\n".join(lines)
        + "\n全角\u3000空格 全角\u3000空格 全角\u3000空格 全角\u3000空格 全角\u3000空格\n"
    )
    out = tmp_path / "v.txt"
    assert run("train", corpus, "-o", out, *FAST).exit_code == 0
    kv = KeyedVectors.load_word2vec_format(str(out))
    assert "北京" in kv.key_to_index and "全角\u3000空格" in kv.key_to_index
    # Words never contain ASCII white space: the reader splits on it, so the writer is safe.
    assert not any(set(w) & set(" \t\n\r\x0b\x0c") for w in kv.index_to_key)


def test_learning_rate_decays_linearly_to_the_floor():
    assert learning_rate(0.0, 0.025, 2.5e-6) == 0.025
    assert learning_rate(0.5, 0.025, 2.5e-6) == pytest.approx(0.0125)
    assert learning_rate(0.99999, 0.025, 2.5e-6) == 2.5e-6
    assert learning_rate(1.0, 0.05, 0.001) == 0.001


def one_line_error(result):
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code != 0
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    return lines[0]


@pytest.mark.parametrize(
    "content,args,message",
    [
        (None, [], "no such file"),
        (b"", [], "empty"),
        (b"  \n\t\n", [], "empty"),
        (b"a b c d\ne f g\n", [], "lower --min-count"),
        (b"a a a a a a\n", ["--arch", "sideways"], "--arch"),
        (b"a a a a a a\n", ["--dim", "0"], "--dim"),
        (b"a a a a a a\n", ["--window", "-1"], "--window"),
        (b"a a a a a a\n", ["--epochs", "0"], "--epochs"),
        (b"a a a a a a\n", ["--negative", "0"], "--negative"),
        (b"a a a a a a\n", ["--alpha", "0"], "--alpha"),
        (b"a a a a a a\n", ["--min-count", "0"], "--min-count"),
        (b"a a a a a a\n", ["--dim", "many"], "--dim"),
    ],
)
def test_bad_input_gives_one_line_and_no_output(tmp_path, content, args, message):
    corpus = tmp_path / "corpus.txt"
    if content is not None:
        corpus.write_bytes(content)
    out = tmp_path / "v.txt"
    result = run("train", corpus, "-o", out, *args)
    assert message in one_line_error(result)
    assert list(tmp_path.iterdir()) == ([corpus] if content is not None else [])


def test_missing_output_directory_fails_before_reading(tmp_path, small_corpus):
    result = run("train", small_corpus, "-o", tmp_path / "no" / "v.txt")
    assert "does not exist" in one_line_error(result)


def test_invalid_utf8_is_reported_not_fatal(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_bytes(b"a b c \xff d\n" * 10 + b"a b c d\n" * 10)
    result = CliRunner().invoke(
        cli, ["train", str(corpus), "-o", str(tmp_path / "v.txt"), "--epochs", "1"]
    )
    assert result.exit_code == 0
    assert "10 lines had invalid UTF-8" in result.stderr


def test_softmax_refuses_a_large_vocabulary(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text(" ".join(f"w{i}" for i in range(10_001)) + "\n")
    result = run("train", corpus, "-o", tmp_path / "v.txt", "--loss", "softmax", "--min-count", 1)
    assert "--force-softmax" in one_line_error(result)


def test_divergence_is_stopped_with_advice_and_no_output(tmp_path, small_corpus):
    out = tmp_path / "v.txt"
    result = run("train", small_corpus, "-o", out, "--alpha", "1e6", *FAST)
    assert "try a smaller --alpha" in one_line_error(result)
    assert not out.exists()


@pytest.mark.parametrize("loss", ["ns", "hs"])
def test_disk_and_memory_modes_write_the_same_bytes(tmp_path, small_corpus, loss):
    packed = tmp_path / "c.txt.gz"
    packed.write_bytes(gzip.compress(small_corpus.read_bytes()))
    outputs = []
    for mode in ("memory", "disk", "auto"):
        for source, stdin in (
            (small_corpus, None),
            (packed, None),
            ("-", small_corpus.read_text()),
        ):
            out = tmp_path / f"{mode}-{len(outputs)}.bin"
            args = ["--corpus-in", mode, "--loss", loss, "--seed", 5, "--format", "binary"]
            result = run("train", source, "-o", out, *FAST, *args, input=stdin)
            assert result.exit_code == 0, result.output
            outputs.append(out.read_bytes())
    assert len(set(outputs)) == 1


def test_dry_run_says_what_the_run_would_hold_and_writes_nothing(tmp_path, small_corpus):
    out = tmp_path / "v.txt"
    result = run("train", small_corpus, "-o", out, "--dry-run", "--dim", 200)
    assert result.exit_code == 0, result.output
    assert not out.exists() and list(tmp_path.iterdir()) == []
    last = result.output.splitlines()[-1]
    assert last.startswith("memory: ") and last.endswith("not trained (--dry-run)")
    vocabulary = int(result.output.split("vocabulary: ")[1].split()[0].replace(",", ""))
    matrices = 2 * 4 * vocabulary * 208  # dim 200, rows padded to 208 floats
    assert f"{matrices / 2**20:,.0f} MiB for the two matrices" in last


# An option given an empty value is refused, never taken as left out (issue 29, class 15).


@pytest.mark.parametrize(
    "option",
    ["--save-model", "--snapshots", "--init-vectors", "--read-vocab", "--keep", "--resume"]
    + ["--checkpoint", "--from", "--save-vocab", "--output", "--tmp-dir", "--watch"],
)
def test_an_empty_option_is_refused_not_ignored(tmp_path, small_corpus, option):
    """`--resume ''` with a corpus used to train from scratch; `--save-model ''` to save
    nothing; each now says so and writes nothing."""
    result = run("train", small_corpus, *FAST, "-o", tmp_path / "v.txt", option, "")
    assert result.exit_code == 2 and f"{option}: an empty value" in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [
        ["serve", "--host", ""],
        ["teach", "--host", ""],
        ["prepare", "c.txt", "-o", ""],
        ["phrases", "c.txt", "--connectors", ""],
        ["plot", "the", "--font", ""],
        ["convert", "v.txt", ""],
    ],
    ids=["serve host", "teach host", "prepare output", "connectors", "font", "convert target"],
)
def test_empty_values_are_refused_by_every_command(args):
    result = run(*args)
    assert result.exit_code == 2 and "an empty value; give one" in result.output


def test_the_library_refuses_empty_paths_too(small_corpus):
    import w2vcli
    from w2vcli.errors import ConfigError

    for setting in ("read_vocab", "keep", "tmp_dir"):
        with pytest.raises(ConfigError, match="is empty"):
            w2vcli.train(small_corpus, epochs=1, **{setting: ""})


# The output's name says its format and compression (gensim reads by name: tested with it).

MAGIC = {"gzip": b"\x1f\x8b", "bzip2": b"BZh", "xz": b"\xfd7zXZ\x00"}


@pytest.fixture(scope="module")
def reference(tmp_path_factory, small_corpus):
    """The vectors every named output must hold: a plain text run, read by gensim."""
    out = tmp_path_factory.mktemp("reference") / "v.txt"
    assert run("train", small_corpus, "-o", out, *FAST).exit_code == 0
    return KeyedVectors.load_word2vec_format(str(out))


@pytest.mark.parametrize(
    "name,binary,compression",
    [
        ("v.bin", True, None),
        ("v.bin.gz", True, "gzip"),
        ("v.txt.gz", False, "gzip"),
        ("v.gz", False, "gzip"),  # the name says no format: text, the default
        ("v.vec.bz2", False, "bzip2"),
        ("v.bin.xz", True, "xz"),
        ("V.BIN.GZ", True, "gzip"),  # as smart_open reads names: in any case
    ],
)
def test_the_output_name_decides_format_and_compression(
    tmp_path, small_corpus, reference, name, binary, compression
):
    out = tmp_path / name
    result = run("train", small_corpus, "-o", out, *FAST)
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(MAGIC[compression]) if compression else data[:1].isdigit()
    kv = KeyedVectors.load_word2vec_format(str(out), binary=binary)
    assert kv.index_to_key == reference.index_to_key
    np.testing.assert_array_equal(kv.vectors, reference.vectors)  # %.9g round-trips float32
    # the provenance describes the bytes on disk, so info knows it is current
    record = json.loads((tmp_path / f"{name}.w2v.json").read_text())["vectors"]
    assert record["sha256"] == hashlib.sha256(data).hexdigest() and record["bytes"] == len(data)
    assert record["format"] == ("binary" if binary else "text")
    assert record["compression"] == compression
    info = dict(line.split("\t", 1) for line in run("info", out).stdout.splitlines())
    assert info["compression"] == (compression or "none")
    assert info["provenance_current"] == "True"


def test_gzip_output_is_the_same_bytes_every_run(tmp_path, small_corpus):
    a, b = tmp_path / "a.bin.gz", tmp_path / "sub" / "b.bin.gz"
    b.parent.mkdir()
    run("train", small_corpus, "-o", a, *FAST)
    run("train", small_corpus, "-o", b, *FAST)
    assert a.read_bytes()[:2] == b"\x1f\x8b" and a.read_bytes() == b.read_bytes()
    flags, mtime = a.read_bytes()[3], a.read_bytes()[4:8]
    assert flags == 0 and mtime == b"\0\0\0\0"  # no file name, no time (gzip -n)


@pytest.mark.parametrize(
    "name,fmt,hint",
    [
        ("x.bin", "text", "name it .txt or .vec, or leave --format out"),
        ("x.txt.gz", "binary", "name it .bin.gz, or leave --format out"),
        ("x.vec", "binary", "name it .bin, or leave --format out"),
    ],
)
def test_a_name_that_contradicts_format_is_refused(tmp_path, small_corpus, name, fmt, hint):
    out = tmp_path / name
    result = run("train", small_corpus, "-o", out, "--format", fmt, *FAST)
    says = "binary" if fmt == "text" else "text"
    assert one_line_error(result) == (
        f"Error: --output {out}: the name says {says} but --format says {fmt}; {hint}"
    )
    assert list(tmp_path.iterdir()) == []


def test_format_decides_where_the_name_says_nothing(tmp_path, small_corpus, reference):
    out = tmp_path / "v.w2v"
    assert run("train", small_corpus, "-o", out, "--format", "binary", *FAST).exit_code == 0
    kv = KeyedVectors.load_word2vec_format(str(out), binary=True)
    np.testing.assert_array_equal(kv.vectors, reference.vectors)
    to_stdout = run("train", small_corpus, "-o", "-", "--format", "binary", *FAST)
    assert to_stdout.stdout_bytes == out.read_bytes()  # stdout has no name: not compressed


# Without -o, vectors.txt is written only where there is none.


def test_a_vectors_txt_made_while_a_default_run_trains_is_left_as_it_is(
    tmp_path, small_corpus, monkeypatch
):
    """Without -o, vectors.txt is put in place only where nothing is, also at the end: a
    file made there while w2v trained is kept, and the vectors too, under the name said."""
    from w2vcli.training import pipeline

    monkeypatch.chdir(tmp_path)
    train_run = pipeline.train_run

    def meanwhile(run):
        model = train_run(run)
        (tmp_path / "vectors.txt").write_text("my notes\n")
        return model

    monkeypatch.setattr(pipeline, "train_run", meanwhile)
    result = run("train", small_corpus, *FAST)
    message = one_line_error(result)
    assert message.startswith("Error: --output vectors.txt: appeared while w2v worked")
    assert (tmp_path / "vectors.txt").read_text() == "my notes\n"
    kept = message.rsplit(" is in ", 1)[1]
    assert kept.endswith(".tmp") and os.path.exists(kept)
    assert open(kept).readline().split()[1] == "16"  # the run's vectors, whole


def test_without_output_an_existing_vectors_txt_is_never_replaced(
    tmp_path, small_corpus, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    notes = tmp_path / "vectors.txt"
    notes.write_text("my notes\n")
    result = run("train", small_corpus, *FAST)
    assert one_line_error(result) == (
        "Error: vectors.txt exists; give -o vectors.txt to replace it, or another -o"
    )
    assert notes.read_text() == "my notes\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vectors.txt"]
    # named, it is replaced; absent, it is the default
    assert run("train", small_corpus, "-o", "vectors.txt", *FAST).exit_code == 0
    assert notes.read_text().split()[1] == "16"
    notes.unlink()
    assert run("train", small_corpus, *FAST).exit_code == 0
    assert notes.read_text().split()[1] == "16"
    assert run("train", small_corpus, "--dry-run").exit_code == 0  # it writes nothing


# Progress: a line within 2 s of starting to read, plain lines when stderr is not a terminal.


class SlowText(io.RawIOBase):
    """A corpus that arrives slowly (a slow disk, a network, a pipe): a block of text every
    `pause` seconds; `started` is when it was first read."""

    def __init__(self, block: bytes, blocks: int, pause: float):
        self.block, self.left, self.pause, self.started = block, blocks, pause, None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.started is None:
            self.started = time.monotonic()
        if not self.left or not len(buffer):
            return 0
        time.sleep(self.pause)
        self.left -= 1
        n = min(len(buffer), len(self.block))  # (the reader asks for 1 MiB)
        buffer[:n] = self.block[:n]
        return n


def test_the_first_progress_line_comes_within_2_s_of_starting_to_read(monkeypatch):
    from w2vcli.cli import console

    drawn, draw = [], console._draw
    monkeypatch.setattr(console, "_draw", lambda text: (drawn.append(time.monotonic()), draw(text)))
    slow = SlowText(b"the cat sat on the mat\n" * 10_000, 16, 0.1)  # 3.7 MB in 1.6 s
    result = run("train", "-", "--dry-run", input=slow)
    assert result.exit_code == 0, result.output
    progress = [line for line in result.stderr.splitlines() if line.startswith("reading stdin: ")]
    assert progress and "\r" not in result.stderr  # stderr is not a terminal here
    assert progress[0].endswith(" MiB/s") and " tokens, " in progress[0]
    assert 1.0 <= drawn[0] - slow.started <= 2.0
    assert "read 960,000 tokens, 5 distinct" in result.stderr


def test_quiet_training_says_nothing_while_it_reads(tmp_path):
    slow = SlowText(b"the cat sat on the mat\n" * 10_000, 12, 0.1)  # 1.2 s
    result = run("train", "-", "-o", tmp_path / "v.txt", *FAST, input=slow)
    assert result.exit_code == 0 and result.stderr == ""


def test_off_a_terminal_training_writes_plain_lines_a_few_seconds_apart(tmp_path, small_corpus):
    log = tmp_path / "stderr.log"
    t0 = time.monotonic()
    with open(log, "wb") as stderr:  # a file, as `w2v train ... 2> log` or nohup makes it
        subprocess.run(
            [sys.executable, "-m", "w2vcli", "train", str(small_corpus), "-o", tmp_path / "v.txt"]
            + ["--epochs", "150", "--dim", "16", "--threads", "1"],
            stderr=stderr,
            check=True,
        )
    seconds = time.monotonic() - t0
    said = log.read_bytes().decode()  # (as it is: read_text would make each \r a \n)
    assert "\r" not in said
    bars = [line for line in said.splitlines() if line.startswith("train: ")]
    assert 1 <= len(bars) <= 2 + seconds / 5  # a line at 1 s, every 5 s, and the last
    assert bars[-1].startswith("train: 100% ") and "alpha=0.0" in bars[-1]
    assert ", 1 thread, compile " in said  # not "1 threads"
