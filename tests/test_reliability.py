"""Bad input, interruption, full disks and huge vocabularies: every case ends in a one-line
error or a documented, counted recovery, and never leaves a partial or temporary file."""

import bz2
import contextlib
import gzip
import io
import json
import lzma
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tests.paths import ROOT, SAMPLES
from w2vcli.cli import cli
from w2vcli.errors import CorpusError, VectorsFormatError, W2VError
from w2vcli.io import files, streams
from w2vcli.text import corpus
from w2vcli.text.corpus import LINE_END, read_corpus
from w2vcli.vectors import formats
from w2vcli.vectors.formats import parse_vectors
from w2vcli.vectors.vectors import load_vectors

FAST = ["--epochs", "1", "--dim", "8", "--threads", "1", "-q"]
PREVIOUS = b"2 1\nprevious 1\nfile 2\n"  # an earlier output that must survive a failed run


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


def one_line_error(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 1, result.output
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "en.txt"
    with open(SAMPLES / "en.txt", "rb") as f:
        path.write_bytes(b"".join(f.readline() for _ in range(20)))
    return path


def only_files(directory: Path) -> set:
    """File names in `directory`: what a run left behind, temporary files included."""
    return {p.name for p in directory.iterdir()}


def write(tmp_path, data: bytes, name="c.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# Corpus input.


def test_unreadable_corpus(tmp_path, monkeypatch):
    path = tmp_path / "c.txt"
    path.write_text("a b c\n")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(streams, "open", denied, raising=False)  # root ignores chmod
    result = run("train", path, "-o", tmp_path / "v.txt")
    assert "permission denied" in one_line_error(result)
    assert only_files(tmp_path) == {"c.txt"}


def test_nul_bytes_separate_tokens_and_are_counted(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(b"alpha beta\0gamma alpha\nbeta\0\0gamma alpha beta\n" * 20)
    vocab = tmp_path / "vocab.txt"
    args = ["--min-count", 1, "--save-vocab", vocab]
    result = run("train", path, "-o", tmp_path / "v.txt", *FAST, *args)
    assert result.exit_code == 0
    assert "60 NUL bytes, read as white space" in result.stderr
    assert vocab.read_text().split()[::2] == ["alpha", "beta", "gamma"]


def utf16(text: str) -> bytes:
    return text.encode("utf-16-le")


ZH = (SAMPLES / "zh.txt").read_text(encoding="utf-8")[:20_000]


@pytest.mark.parametrize(
    "data, message",
    [
        (np.random.default_rng(0).bytes(50_000), "not UTF-8 text"),
        (b"\xff\xfe" + utf16(ZH), "UTF-16 byte-order mark"),
        (utf16(ZH), "not UTF-8 text"),
        (ZH.encode("gb18030"), "iconv -f GB18030 -t UTF-8"),
        (b"\0" * 100_000, "not UTF-8 text"),
    ],
    ids=["random-bytes", "utf-16-bom", "utf-16", "gb18030", "nul-only"],
)
def test_binary_junk_and_other_encodings_are_refused(tmp_path, data, message):
    path = tmp_path / "c.txt"
    path.write_bytes(data)
    assert message in one_line_error(run("train", path, "-o", tmp_path / "v.txt"))
    assert only_files(tmp_path) == {"c.txt"}


def test_a_few_invalid_bytes_are_repaired_not_refused(tmp_path):
    raw = read_corpus(str(write(tmp_path, b"caf\xe9 ok\n" + b"fine words here\n" * 10)))
    assert raw.stats.bad_lines == 1 and b"caf\xef\xbf\xbd" in raw.tokens


def test_crlf_and_byte_order_mark_train_the_same_vectors(tmp_path, small_corpus):
    unix = small_corpus.read_bytes()
    windows = write(tmp_path, b"\xef\xbb\xbf" + unix.replace(b"\n", b"\r\n"), "crlf.txt")
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    assert run("train", small_corpus, "-o", a, *FAST).exit_code == 0
    assert run("train", windows, "-o", b, *FAST).exit_code == 0
    assert a.read_bytes() == b.read_bytes()


def test_one_line_of_two_million_tokens(tmp_path):
    words = [b"w%d" % (i % 1000) for i in range(2_000_000)]
    raw = read_corpus(str(write(tmp_path, b" ".join(words))))  # no newline at all
    assert raw.stats.lines == 0 and len(raw.ids) == 2_000_001 and raw.ids[-1] == LINE_END
    assert raw.counts.tolist() == [2000] * 1000


def test_a_token_of_one_megabyte_is_trained_and_written(tmp_path):
    big = "x" * (1 << 20)
    path = tmp_path / "c.txt"
    path.write_text(f"a b {big} c\n" * 5)
    out = tmp_path / "v.txt"
    assert run("train", path, "-o", out, *FAST, "--min-count", 1).exit_code == 0
    assert big in load_vectors(str(out)).words


def test_lines_without_tokens_take_no_memory(tmp_path):
    # 3 million blank or white-space lines between two lines of text: a line end is kept
    # only for lines with tokens (and at most one more for each 1 MiB read).
    raw = read_corpus(str(write(tmp_path, b"a b c\n" + b"\n \n\t\r\n" * 1_000_000 + b"d e\n")))
    assert raw.stats.lines == 3_000_002 and len(raw.ids) < 20
    assert [raw.tokens[i] for i in raw.ids if i >= 0] == [b"a", b"b", b"c", b"d", b"e"]


def test_endless_input_without_white_space_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus, "CHUNK_BYTES", 1 << 10)
    monkeypatch.setattr(corpus, "MAX_TOKEN_BYTES", 1 << 16)
    with pytest.raises(CorpusError, match="MiB without white space"):
        read_corpus(str(write(tmp_path, b"x" * (1 << 17))))


@pytest.mark.parametrize(
    "name, data",
    [
        ("c.gz", b"\x1f\x8b" + b"not the rest of a gzip file\n"),
        ("c.bz2", b"BZh" + b"not the rest of a bzip2 file\n"),
        ("c.xz", b"\xfd7zXZ\x00" + b"not the rest of an xz file\n"),
        ("c.bz2", bz2.compress(b"some words here\n" * 1000)[:-20]),
        ("c.xz", lzma.compress(b"some words here\n" * 1000)[:-20]),
        ("c.gz", gzip.compress(b"some words\n" * 1000) + b"trailing junk"),
        ("corpus", gzip.compress(b"some words\n" * 1000)[:-20]),  # told by content, not name
    ],
    ids=["not-gzip", "not-bzip2", "not-xz", "truncated-bz2", "truncated-xz", "gz-junk", "unnamed"],
)
def test_broken_compressed_files(tmp_path, name, data):
    path = write(tmp_path, data, name)
    assert "cannot read" in one_line_error(run("train", path, "-o", tmp_path / "v.txt"))
    assert only_files(tmp_path) == {name}


@pytest.mark.parametrize("name", ["c.gz", "c.txt", "c"])
def test_compressed_input_is_told_by_its_content_not_its_name(tmp_path, name):
    """A gzip, bzip2 or xz corpus, on any name or on stdin, trains as its text does; a file
    named .gz that holds plain text is plain text."""
    text = b"the cat sat on the mat\n" * 50
    expected = run("train", write(tmp_path, text, "plain.txt"), "-o", "-", *FAST, "--seed", 7)
    assert expected.exit_code == 0, expected.output
    for data in (gzip.compress(text), bz2.compress(text), lzma.compress(text), text):
        path = write(tmp_path, data, name)
        trained = run("train", path, "-o", "-", *FAST, "--seed", 7)
        assert trained.exit_code == 0 and trained.stdout == expected.stdout, trained.output
        piped = run("train", "-", "-o", "-", *FAST, "--seed", 7, input=data)
        assert piped.exit_code == 0 and piped.stdout == expected.stdout, piped.output


def test_stdin_that_ends_mid_line_or_is_empty(tmp_path):
    out = tmp_path / "v.txt"
    text = (b"a b c d " * 10 + b"\n") * 3 + b"a b c"  # the producer stopped mid-line
    assert run("train", "-", "-o", out, *FAST, input=text).exit_code == 0
    assert "empty" in one_line_error(run("train", "-", "-o", out, input=b""))


def w2v(*args, **kwargs) -> subprocess.CompletedProcess:
    """`w2v ARGS` in a child process, as a shell would run it."""
    command = [sys.executable, "-m", "w2vcli", *map(str, args)]
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **kwargs}
    return subprocess.run(command, timeout=120, **streams)


def test_closed_stdin_and_a_full_stdout(tmp_path, small_corpus):
    def close_stdin():
        os.close(0)

    closed = w2v("train", "-", "-o", tmp_path / "v.txt", preexec_fn=close_stdin)
    assert closed.returncode == 1
    assert (
        closed.stderr
        == b"Error: stdin is closed; pipe a corpus into 'w2v train -' or give a file\n"
    )
    if os.path.exists("/dev/full"):  # a full disk behind stdout
        with open("/dev/full", "wb") as full:
            result = w2v("train", small_corpus, "-o", "-", *FAST, stdout=full)
        assert result.returncode == 1
        assert result.stderr.decode().splitlines() == [
            "Error: --output -: cannot write (No space left on device); free some space or "
            "write elsewhere"
        ]


# Options.


@pytest.mark.parametrize(
    "args, message",
    [
        (["--seed", "-1"], "--seed must be from 0"),
        (["--alpha", "inf"], "--alpha must be positive and finite"),
        (["--alpha", "nan"], "--alpha must be positive and finite"),
        (["--alpha", "-0.5"], "--alpha must be positive"),
        (["--threads", "1000"], "--threads must be from 1 to 256"),
        (["--threads", "-2"], "--threads must be from 1 to 256"),
        (["--max-types", "1"], "--max-types must be from 2 to"),
        (["--negative", "-1"], "--negative must be from 0 to 1,000"),
        (["--sample", "-1"], "--sample must be from 0 (off) to 1"),
        (["--min-alpha", "1"], "--min-alpha must be between 0 and --alpha"),
    ],
)
def test_bad_options_fail_before_reading(tmp_path, args, message):
    result = run("train", tmp_path / "missing.txt", "-o", tmp_path / "v.txt", *args)
    assert message in one_line_error(result)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--window", "99999999999999999999"], "--window must be from 1 to 10,000"),
        (["--dim", "1000000"], "--dim must be from 1 to 100,000"),
        (["--negative", "1000000000"], "--negative must be from 0 to 1,000"),
        (["--epochs", "1" + "0" * 20], "--epochs must be from 1 to 1,000,000"),
        (["--min-count", "1" + "0" * 30], "--min-count must be from 1 to"),
        (["--max-vocab", "1" + "0" * 20], "--max-vocab must be from 1 to"),
        (["--max-types", "1" + "0" * 20], "--max-types must be from 2 to"),
        (["--sample", "inf"], "--sample must be from 0 (off) to 1"),
        (["--sample", "nan"], "--sample must be from 0 (off) to 1"),
        (["--sample", "1e308"], "--sample must be from 0 (off) to 1"),
        (["--alpha", "1e400"], "--alpha must be positive and finite"),
        (["--min-alpha", "nan"], "--min-alpha must be between 0 and --alpha"),
        (["--seed", str(2**64)], "--seed must be from 0 to 2**32 - 1"),
    ],
)
def test_extreme_option_values_fail_before_reading(tmp_path, args, message):
    result = run("train", tmp_path / "missing.txt", "-o", tmp_path / "v.txt", *args)
    assert message in one_line_error(result)


def test_matrices_larger_than_the_machine_are_refused_before_allocating(
    tmp_path, small_corpus, monkeypatch
):
    monkeypatch.setattr("w2vcli.training.trainer.physical_memory", lambda: 1 << 28)  # 256 MiB
    result = run("train", small_corpus, "-o", tmp_path / "v.txt", *FAST, "--dim", 100_000)
    assert re.search(
        r"--dim 100000 with [\d,]+ words needs 0\.\d GiB for the two matrices, more than this "
        r"machine's 0\.2 GiB; lower --dim or --max-vocab",
        one_line_error(result),
    )
    assert only_files(tmp_path) == set()


@pytest.mark.parametrize(
    "command",
    [
        ["nearest", "the", "-k", "1" + "0" * 30, "--restrict", "1" + "0" * 30],
        ["analogy", "the", "of", "and", "-k", "1" + "0" * 30],
        ["evaluate", "--pairs", "PAIRS", "--restrict", "1" + "0" * 30],
    ],
)
def test_huge_query_options_are_taken_as_all(tmp_path, command):
    vectors = write(tmp_path, b"4 2\nthe 1 0\nof 0 1\nand 1 1\ncat 1 2\n", "v.txt")
    pairs = write(tmp_path, b"the of 1\nof cat 2\ncat and 3\n", "pairs.txt")
    command = [str(pairs) if c == "PAIRS" else c for c in command]
    result = run(*command, "-v", vectors)
    assert result.exit_code == 0, result.output
    if command[0] != "evaluate":
        assert len(result.stdout.splitlines()) == 3 if command[0] == "nearest" else 1


def test_plot_sizes_are_bounded_before_loading(tmp_path):
    missing = tmp_path / "missing.txt"
    for args, message in [
        (["--top", "7000"], "--top: at most 1,000 words fit in a legible picture"),
        (["a", "b", "--neighbours", "1" + "0" * 20], "2 words and 1" + "0" * 20),
        (["--seed", str(2**40), "a"], "--seed"),
    ]:
        result = run("plot", *args, "-v", missing, "-o", tmp_path / "p.png")
        assert message in result.output and result.exit_code in (1, 2), result.output
        assert len(result.output.strip().splitlines()) == 1


def test_more_threads_than_cores_are_honoured(tmp_path, small_corpus):
    # The summary counts the threads that trained; each needs batches (10,000 words) to
    # take before the others have taken them all, so the corpus has twenty for each thread.
    threads = 2 * (os.cpu_count() or 1) + 1
    text = small_corpus.read_bytes()
    corpus = write(tmp_path, text * -(-20 * threads * 10_000 // len(text.split())))
    args = ["--epochs", "1", "--dim", "8", "--threads", threads]
    result = run("train", corpus, "-o", tmp_path / "v.txt", *args)
    assert result.exit_code == 0 and f", {threads} threads, " in result.stderr


def test_output_in_a_directory_we_cannot_write(tmp_path, small_corpus, monkeypatch):
    def denied(**kwargs):
        raise PermissionError(13, "Permission denied")

    out = write(tmp_path, PREVIOUS, "v.txt")
    monkeypatch.setattr(files.tempfile, "mkstemp", denied)  # root ignores chmod
    result = run("train", small_corpus, "-o", out)
    assert f"folder {tmp_path} is not writable" in one_line_error(result)


def test_output_that_is_a_directory(tmp_path, small_corpus):
    for target in (tmp_path, f"{tmp_path}/new/"):
        assert "a directory" in one_line_error(run("train", small_corpus, "-o", target))


def test_running_out_of_memory_is_one_line(tmp_path, small_corpus, monkeypatch):
    def no_memory(*args):
        raise MemoryError()

    monkeypatch.setattr("w2vcli.training.trainer.init_weights", no_memory)  # as --dim 10**12 would
    result = run("train", small_corpus, "-o", tmp_path / "v.txt", *FAST)
    assert "out of memory; use smaller settings" in one_line_error(result)
    assert only_files(tmp_path) == set()


@pytest.mark.parametrize("arch, loss", [("cbow", "hs"), ("skipgram", "ns"), ("skipgram", "hs")])
def test_divergence_in_every_mode(tmp_path, small_corpus, arch, loss):
    out = write(tmp_path, PREVIOUS, "v.txt")
    args = ["--arch", arch, "--loss", loss, "--alpha", "1e30"]
    result = run("train", small_corpus, "-o", out, *FAST, *args)
    assert "try a smaller --alpha" in one_line_error(result)
    assert out.read_bytes() == PREVIOUS and only_files(tmp_path) == {"v.txt"}


# Vectors files.

ROWS = b"the 0.5 -1 2\nof 1 2 3\ncat 4 5 6\n"


@pytest.mark.parametrize("bad", [b"nan", b"inf", b"-inf", b"1e39", b"NaN"])
def test_nan_and_infinite_values_are_refused_with_the_line(bad):
    data = b"3 3\n" + ROWS.replace(b"5 6", b"5 " + bad)
    with pytest.raises(VectorsFormatError, match="name, line 4: the vector of 'cat' has NaN"):
        parse_vectors(data, "name")


def test_nan_line_number_counts_blank_lines():
    data = b"3 3\n\n" + ROWS.replace(b"\n", b"\n\n").replace(b"2 3", b"2 nan")
    with pytest.raises(VectorsFormatError, match="line 5: the vector of 'of'"):
        parse_vectors(data, "name")


def test_nan_in_a_binary_file():
    rows = np.array([[1, 2], [3, np.nan]], dtype="<f4")
    data = b"2 2\n" + b"".join(w + b" " + r.tobytes() + b"\n" for w, r in zip([b"a", b"b"], rows))
    with pytest.raises(VectorsFormatError, match="binary vector 2: the vector of 'b'"):
        parse_vectors(data, "name")


def test_duplicate_words_keep_the_first_row(tmp_path):
    path = write(tmp_path, b"4 3\n" + ROWS + b"the 9 9 9\n", "v.txt")
    loaded = load_vectors(str(path))
    assert loaded.words == ["the", "of", "cat"] and loaded.duplicates == 1
    np.testing.assert_array_equal(loaded.vectors[0], [0.5, -1, 2])
    result = run("similarity", "the", "of", "-v", path)
    assert result.exit_code == 0
    assert "1 duplicate word; the first row of each is used" in result.stderr
    converted = tmp_path / "c.txt"
    assert run("convert", path, converted, "--to", "text").exit_code == 0
    assert converted.read_bytes().startswith(b"3 3\n")


def test_binary_file_whose_first_row_reads_as_text():
    # dim 1: the float's bytes "12\n\0" make the first row read as the text row "a 12".
    value = np.frombuffer(b"12\n\0", dtype="<f4")
    data = b"2 1\na " + value.tobytes() + b"\nb " + value.tobytes() + b"\n"
    loaded = parse_vectors(data)
    assert loaded.binary and loaded.words == ["a", "b"]
    np.testing.assert_array_equal(loaded.vectors, [value, value])


def test_a_query_on_a_bad_file_is_one_line(tmp_path):
    path = write(tmp_path, b"3 3\n" + ROWS.replace(b"5 6", b"5 nan"), "v.txt")
    assert "line 4" in one_line_error(run("nearest", "the", "-v", path))


def test_a_header_larger_than_the_machine_is_refused_before_reading():
    with pytest.raises(VectorsFormatError, match="more than this machine's memory"):
        parse_vectors(b"3000000000 300\nthe 1 2 3\n", "name")


def sh(script: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """A shell pipeline with `w2v` as this Python's w2v; all of it is killed on a timeout."""
    w2v = f"{sys.executable} -m w2vcli"
    command = ["sh", "-c", script.replace("w2v ", w2v + " ")]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    ) as child:
        try:
            out, err = child.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            raise
    return subprocess.CompletedProcess(command, child.returncode, out, err)


@pytest.mark.parametrize(
    "pipeline, message",
    [
        ("w2v info /dev/zero", "/dev/zero, line 1: expected a 'V N' header"),
        ("w2v nearest a -v /dev/zero", "/dev/zero, line 1: expected a 'V N' header"),
        ("head -c 300000000 /dev/zero | w2v info -", "stdin, line 1: expected a 'V N' header"),
        ("(echo 1 2; yes 'a 1 2') | w2v info -", "past the 1 vector of 2 numbers"),
        ("w2v evaluate -v V --pairs /dev/zero", "--pairs /dev/zero, line 1: longer than 1 MiB"),
        ("w2v evaluate -v V --analogies /dev/zero", "line 1: longer than 1 MiB"),
        ("yes ': a' | w2v evaluate -v V --analogies /dev/stdin", "more than 10,000 sections"),
    ],
)
def test_endless_or_huge_inputs_end_in_one_line(tmp_path, pipeline, message):
    vectors = write(tmp_path, b"2 2\na 1 0\nb 0 1\n", "v.txt")
    result = sh(pipeline.replace(" V ", f" {vectors} "))
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_evaluation_files_are_bounded_in_size():
    from w2vcli.io.streams import text_lines

    class Endless(io.RawIOBase):  # `yes 'a b 1'`
        def readable(self):
            return True

        def readinto(self, buffer):
            buffer[:] = (b"a b 1\n" * len(buffer))[: len(buffer)]
            return len(buffer)

    endless = io.BufferedReader(Endless())
    with pytest.raises(W2VError, match="name: more than 1 MiB; give a smaller file"):
        for _ in text_lines(lambda: endless.read(1 << 16), "name", max_bytes=1 << 20):
            pass


def test_an_analogy_file_with_empty_sections(tmp_path):
    vectors = write(tmp_path, b"3 2\na 1 0\nb 0 1\nc 1 1\n", "v.txt")
    questions = write(tmp_path, b": empty\n: also empty\n: full\na b c a\n", "q.txt")
    result = run("evaluate", "-v", vectors, "--analogies", questions, "--json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["section"], r["total"], r["coverage"]) for r in rows[:3]] == [
        ("empty", 0, None),
        ("also empty", 0, None),
        ("full", 1, 100.0),
    ]


# Numbers.


def test_huge_and_tiny_finite_values_keep_their_cosines(tmp_path):
    rows = [
        ("big", 1e20, 1e20),
        ("big2", 1e20, -3e19),
        ("tiny", 1e-30, 1e-30),
        ("tiny2", 3e-30, -1e-30),
    ]
    data = "4 2\n" + "".join(f"{w} {x} {y}\n" for w, x, y in rows)
    vectors = write(tmp_path, data.encode(), "v.txt")

    def cosine(a, b):
        a, b = np.array(a[1:]), np.array(b[1:])
        return a @ b / np.linalg.norm(a) / np.linalg.norm(b)

    result = run("similarity", "-v", vectors, input="big big2\ntiny tiny2\nbig tiny\n")
    assert result.exit_code == 0 and result.stderr == ""
    values = [float(line.split("\t")[2]) for line in result.stdout.splitlines()]
    expected = [cosine(rows[0], rows[1]), cosine(rows[2], rows[3]), cosine(rows[0], rows[2])]
    np.testing.assert_allclose(values, expected, atol=1e-6)
    info = run("info", vectors, "--json")
    facts = json.loads(info.stdout)
    assert info.stderr == "" and "Infinity" not in info.stdout and "NaN" not in info.stdout
    assert facts["norm_max"] == pytest.approx(np.hypot(1e20, 1e20), rel=1e-6)
    assert facts["norm_min"] == pytest.approx(np.hypot(1e-30, 1e-30), rel=1e-6)


def test_gold_scores_that_are_not_finite_are_refused_with_the_line(tmp_path):
    vectors = write(tmp_path, b"3 2\na 1 0\nb 0 1\nc 1 1\n", "v.txt")
    for bad in (b"nan", b"inf", b"-Infinity", b"1e999"):
        pairs = write(tmp_path, b"a b 1\n# comment\nb c " + bad + b"\n", "p.txt")
        message = one_line_error(run("evaluate", "-v", vectors, "--pairs", pairs))
        assert message == f"Error: {pairs}, line 3: the score is not a finite number"


def test_constant_scores_have_no_correlation_and_no_warning(tmp_path):
    vectors = write(tmp_path, b"3 2\na 1 0\nb 0 1\nc 1 1\n", "v.txt")
    pairs = write(tmp_path, b"a b 5\nb c 5\na c 5\n", "p.txt")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning fails the test
        result = run("evaluate", "-v", vectors, "--pairs", pairs, "--json")
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["value"] for line in result.stdout.splitlines()] == [None, None]
    assert "no correlation: fewer than two pairs, or the gold scores or the similarities" in (
        result.stderr
    )


# Nothing lost: interruptions and full disks.


def test_interrupted_write_keeps_the_previous_file(tmp_path, small_corpus, monkeypatch):
    out = write(tmp_path, PREVIOUS, "v.txt")

    def write_then_interrupt(f, words, vectors, binary=False, format_rows=None):
        f.write(b"half a file")
        f.flush()
        raise KeyboardInterrupt

    monkeypatch.setattr(formats, "write_vectors", write_then_interrupt)
    result = run("train", small_corpus, "-o", out, *FAST)
    assert result.exit_code == 130 and "interrupted; no output written" in result.stderr
    assert out.read_bytes() == PREVIOUS and only_files(tmp_path) == {"v.txt"}


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs Linux's /dev/full")
def test_a_full_disk_leaves_no_partial_file(tmp_path, small_corpus, monkeypatch):
    out = write(tmp_path, PREVIOUS, "v.txt")
    real_mkstemp = tempfile.mkstemp

    def temporary_file_on_a_full_disk(**kwargs):
        fd, path = real_mkstemp(**kwargs)
        os.close(fd)
        return os.open("/dev/full", os.O_WRONLY), path  # every write: ENOSPC

    monkeypatch.setattr(files.tempfile, "mkstemp", temporary_file_on_a_full_disk)
    result = run("train", small_corpus, "-o", out, *FAST)
    message = one_line_error(result)
    assert f"--output {out}: cannot write (No space left on device)" in message
    assert out.read_bytes() == PREVIOUS and only_files(tmp_path) == {"v.txt"}


def start_w2v(*args) -> subprocess.Popen:
    command = [sys.executable, "-m", "w2vcli", *map(str, args)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for_stderr(child: subprocess.Popen, text: bytes, timeout: float = 120) -> None:
    seen, deadline = b"", time.monotonic() + timeout
    while text not in seen:
        assert time.monotonic() < deadline, seen
        if select.select([child.stderr], [], [], 0.1)[0]:
            chunk = os.read(child.stderr.fileno(), 1 << 16)
            assert chunk, f"w2v ended before {text}: {seen}"
            seen += chunk


@pytest.mark.parametrize(
    "signum, status, message",
    [
        (signal.SIGINT, 130, "interrupted"),
        (signal.SIGTERM, 143, "terminated"),
        (signal.SIGHUP, 129, "stopped by SIGHUP"),  # the terminal or SSH session closed
        (signal.SIGQUIT, 131, "stopped by SIGQUIT"),  # Ctrl-\
        (signal.SIGUSR1, 138, "stopped by SIGUSR1"),
        (signal.SIGPROF, 155, "stopped by SIGPROF"),
        (
            signal.SIGRTMIN + 3,
            128 + signal.SIGRTMIN + 3,
            f"stopped by signal {signal.SIGRTMIN + 3}",
        ),
    ],
)
def test_a_signal_during_training(tmp_path, small_corpus, signum, status, message):
    out = write(tmp_path, PREVIOUS, "v.txt")
    args = ["--epochs", 10_000, "--dim", 8, "--threads", 1]
    child = start_w2v("train", small_corpus, "-o", out, "--save-vocab", tmp_path / "vocab", *args)
    wait_for_stderr(child, b"train:")  # the progress bar: training has started
    child.send_signal(signum)
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == status
    assert stderr.decode().splitlines()[-1].endswith(f"w2v: {message}; no output written")
    assert out.read_bytes() == PREVIOUS and only_files(tmp_path) == {"v.txt"}


def writing_started(folder: Path) -> bool:
    """Whether a temporary file in `folder` has data (the plan's probe makes empty ones)."""
    for path in folder.iterdir():
        with contextlib.suppress(FileNotFoundError):  # removed since it was listed
            if path.suffix == ".tmp" and path.stat().st_size:
                return True
    return False


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_while_writing(tmp_path, signum):
    # 30,000 words x 300 dimensions: about a second of writing text after a quick epoch.
    words = [f"w{i}" for i in range(30_000)]
    path = tmp_path / "c.txt"
    path.write_text(" ".join(words + words) + "\n")
    out = write(tmp_path, PREVIOUS, "v.txt")
    args = ["--epochs", 1, "--dim", 300, "--threads", 1, "--min-count", 1, "-q"]
    child = start_w2v("train", path, "-o", out, *args)
    deadline = time.monotonic() + 120
    while not writing_started(tmp_path):
        assert child.poll() is None and time.monotonic() < deadline
        time.sleep(0.001)
    child.send_signal(signum)  # the first block of rows is on disk
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == 128 + signum, stderr
    assert out.read_bytes() == PREVIOUS and only_files(tmp_path) == {"c.txt", "v.txt"}


# Memory: the table of distinct tokens stays within --max-types.


def test_pruning_keeps_the_frequent_types_and_drops_the_rest(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus, "CHUNK_BYTES", 64)
    lines = [f"common{i % 3} rare{i} common{i % 3}\n" for i in range(300)]
    raw = read_corpus(str(write(tmp_path, "".join(lines).encode())), max_types=20)
    assert raw.stats.prunings > 0 and len(raw.tokens) <= 20 + 64 // 2
    counts = dict(zip(raw.tokens, raw.counts.tolist()))
    assert [counts[b"common%d" % i] for i in range(3)] == [200, 200, 200]  # exact
    assert raw.counts.sum() + raw.stats.pruned_tokens == 900
    assert raw.stats.lines == 300 and np.count_nonzero(raw.ids == LINE_END) == 301
    assert raw.ids.min() >= LINE_END and raw.ids.max() < len(raw.tokens)


def test_pruning_through_the_command_line(tmp_path, small_corpus):
    result = run("train", small_corpus, "-o", tmp_path / "v.txt", *FAST, "--max-types", 1000)
    assert result.exit_code == 0
    assert re.search(
        r"more than --max-types 1,000 distinct tokens \(or .*\); pruned", result.stderr
    )
    unpruned = tmp_path / "u.txt"
    assert run("train", small_corpus, "-o", unpruned, *FAST).exit_code == 0
    # Pruning only lowers counts (of rare words): the vocabulary can only lose words near
    # --min-count, and the frequent words are the same, in the same order.
    pruned, full = load_vectors(str(tmp_path / "v.txt")).words, load_vectors(str(unpruned)).words
    assert set(pruned) <= set(full) and pruned[:100] == full[:100]


# The peak resident memory of this process (ru_maxrss would include the parent's: Linux
# keeps it across exec).
PEAK_RSS = """
import sys
from w2vcli.text import corpus

def peak():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) << 10 for line in f if line.startswith("VmHWM:"))

corpus.CHUNK_BYTES = 1 << 16
before = peak()
raw = corpus.read_corpus(sys.argv[1], int(sys.argv[2]))
print(peak() - before, len(raw.tokens))
"""


def peak_of_reading(path: Path, max_types: int) -> tuple:
    """The growth of peak memory while reading `path`, and the types kept."""
    result = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, str(path), str(max_types)],
        capture_output=True,
        check=True,
        timeout=120,
    )
    grown, types = result.stdout.split()
    return int(grown), int(types)


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads Linux's VmHWM")
def test_peak_memory_with_many_distinct_tokens(tmp_path):
    lines = (" ".join(f"t{n}_{i}" if i % 4 else f"w{i}" for i in range(40)) for n in range(15_000))
    path = write(tmp_path, "\n".join(lines).encode())  # 600,000 tokens, 450,010 distinct
    unbounded, all_types = peak_of_reading(path, 10_000_000)
    bounded, kept = peak_of_reading(path, 10_000)
    assert all_types == 450_010 and kept <= 10_000
    assert bounded < 12 << 20  # stream 2 MB, table 10,000 types + one 64 KiB chunk's
    assert unbounded > 4 * bounded


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads Linux's VmHWM")
def test_long_tokens_take_no_more_memory_than_short_ones(tmp_path):
    # --max-types bounds the bytes of the tokens held too, not only their number: 20,000
    # distinct tokens of 2 KB (40 MB of text) are held in the same budget as short ones.
    def corpus(name: str, width: int) -> Path:
        lines = (
            " ".join(["the", "of", "and"] + [f"{n}_{i}".rjust(width, "x") for i in range(4)])
            for n in range(5_000)
        )
        return write(tmp_path, "\n".join(lines).encode(), name)

    long_bounded, _ = peak_of_reading(corpus("long.txt", 2000), 10_000)
    short_bounded, _ = peak_of_reading(corpus("short.txt", 8), 10_000)
    long_unbounded, _ = peak_of_reading(corpus("long.txt", 2000), 10_000_000)
    assert long_unbounded > 40 << 20  # the text of 20,000 distinct 2 KB tokens
    assert long_bounded < short_bounded + (4 << 20)  # the budget, and the chunks read


# Nothing unsafe.


def test_no_pickle_eval_or_shell_in_the_package():
    forbidden = (
        r"\bmarshal\b|\beval\(|\bexec\(|shell=True|os\.system|os\.popen|allow_pickle=True|"
        r"yaml\.load|import pickle|from pickle\b|pickle\.load"
    )
    # w2v import reads gensim's files, which are pickles, only through gensim (lint-imports:
    # gensim only in training/imported.py) and only when asked (--allow-pickle): its two
    # modules may name the word; no other module may.
    says_pickle = {"training/imported.py", "cli/imported.py"}
    package = ROOT / "w2vcli"
    sources = sorted(package.rglob("*.py"))
    assert len(sources) > 30  # the whole package, its subpackages included
    for source in sources:
        named = source.relative_to(package).as_posix() in says_pickle
        pattern = re.compile(forbidden if named else forbidden + r"|\bpickle\b")
        for number, line in enumerate(source.read_text().splitlines(), start=1):
            assert not pattern.search(line), f"{source.name}:{number}: {line.strip()}"
    # Only the kernel build (Python and cc) and an .mp4 animation (ffmpeg) run programs:
    # fixed argument lists, no shell, found on PATH's absolute entries only.
    runners = sorted(
        p.relative_to(package).as_posix() for p in sources if "subprocess" in p.read_text()
    )
    assert runners == ["explore/animate.py", "kernel/native.py"]


def test_file_names_and_words_are_data(tmp_path):
    words = [
        "$(touch${IFS}pwned)",
        "`touch${IFS}pwned`",
        "__import__('os').system('pwned')",
        "'\";|&",
    ]
    directory = tmp_path / "$(touch pwned); 'x"
    directory.mkdir()
    path = directory / "c $HOME *.txt"
    path.write_text((" ".join(words) + "\n") * 10)
    out = directory / "v;rm -rf ~.txt"
    assert run("train", path, "-o", out, *FAST, "--min-count", 1).exit_code == 0
    assert sorted(load_vectors(str(out)).words) == sorted(words)
    assert not list(tmp_path.rglob("pwned")) and not Path("pwned").exists()


# Found by a second look (a red-team review): each a traceback, a crash or a wrong answer.


def test_tsne_of_identical_vectors_is_one_line_not_a_crash(tmp_path):
    # scikit-learn's t-SNE ended the process with a segmentation fault on these.
    vectors = write(tmp_path, ("50 2\n" + "".join(f"w{i} 1 1\n" for i in range(50))).encode())
    result = sh(f"w2v plot -v {vectors} --top 5 --method tsne -o {tmp_path}/p.png")
    assert result.returncode == 1 and result.stderr.splitlines() == [
        "Error: fewer than 3 distinct vectors among these words: t-SNE cannot place them; use "
        "--method pca"
    ]


def test_header_numbers_of_any_length():
    # Python's int() refuses more than 4,300 digits: leading zeros are no number's size.
    assert parse_vectors(b"0" * 5000 + b"1 01\na 1\n").words == ["a"]
    with pytest.raises(VectorsFormatError, match="expected a 'V N' header"):
        parse_vectors(b"9" * 5000 + b" 1\na 1\n", "name")


@pytest.mark.parametrize("number", ["\u00b2", "\u0661", "99999999999999999999", "9" * 5000])
def test_descriptor_paths_with_odd_digits(tmp_path, number):
    out = f"/dev/fd/{number}"
    result = run("train", tmp_path / "missing.txt", "-o", out)
    assert result.exit_code == 1 and result.output.startswith(f"Error: --output {out}: ")


def test_files_of_the_kernel_are_not_inputs(tmp_path):
    for path in ("/proc/self/status", "/proc/cpuinfo"):
        if os.path.exists(path):
            result = run("info", path)
            assert result.output.startswith(f"Error: {path}: is a file of the kernel's")
    with open(write(tmp_path, b"1 1\na 1\n", "v.txt"), "rb") as f:  # but /dev/fd/N is ours
        result = w2v("info", f"/dev/fd/{f.fileno()}", pass_fds=(f.fileno(),))
    assert result.returncode == 0, result.stderr


def test_a_binary_file_whose_floats_spell_digits_reads_back(tmp_path):
    # Float bytes b"1234" read as the text number 1234: w2v leaves out the optional newline
    # after each vector, so the file can never read as valid text.
    values = np.frombuffer(b"123456780.25", dtype="<f4").reshape(3, 1)
    out = tmp_path / "v.bin"
    with open(out, "wb") as f:
        formats.write_vectors(f, ["a", "b", "c"], values, binary=True)
    loaded = load_vectors(str(out))
    assert loaded.binary and loaded.words == ["a", "b", "c"]
    np.testing.assert_array_equal(loaded.vectors, values)


@pytest.mark.parametrize(
    "data, message",
    [
        (b"2 3\nfoo 1 2 3\nbar 1 2 3\nbaz 1 2 3\n", "the header announces 2 words but the file"),
        (b"2 3\nfoo 1 2 x\nbar 1 2 3\n", "line 2: 'x' is not a number"),
    ],
)
def test_malformed_text_is_reported_as_text_not_read_as_binary(data, message):
    with pytest.raises(VectorsFormatError, match=message):
        parse_vectors(data, "name")


def test_a_sample_that_keeps_no_word_is_refused(tmp_path, small_corpus):
    result = run("train", small_corpus, "-o", tmp_path / "v.txt", *FAST, "--sample", "1e-30")
    assert "--sample 1e-30 keeps no word of the corpus" in one_line_error(result)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tiny = run("train", small_corpus, "-o", tmp_path / "v.txt", *FAST, "--sample", "5e-324")
    assert "keeps no word" in one_line_error(tiny)


def test_gold_scores_near_the_float_limit(tmp_path):
    vectors = write(tmp_path, b"3 2\na 1 0\nb 0 1\nc 1 1\n", "v.txt")
    pairs = write(tmp_path, b"a b 1.5e308\nb c 1.4e308\na c -1.5e308\n", "p.txt")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = run("evaluate", "-v", vectors, "--pairs", pairs, "--json")
    assert result.exit_code == 0, result.output
    values = [json.loads(line)["value"] for line in result.stdout.splitlines()]
    scipy = pytest.importorskip("scipy.stats")
    gold, model = [1.5e308, 1.4e308, -1.5e308], [0.0, 0.70710678, 0.70710678]
    assert values[1] == pytest.approx(scipy.pearsonr(np.array(gold) / 1e308, model)[0], abs=1e-6)


def test_tokenize_reads_lines_in_bounded_memory(tmp_path):
    result = sh("head -c 40000000 /dev/zero | w2v tokenize > /dev/null")
    assert result.returncode == 1
    assert (
        result.stderr
        == "Error: stdin, line 1: longer than 16 MiB; give a text file of short lines\n"
    )


def test_long_words_are_cut_in_a_plot(tmp_path):
    words = [f"{i}" + "W" * 50_000 for i in range(5)]
    data = "5 2\n" + "".join(f"{w} {i} {i * i % 3}\n" for i, w in enumerate(words))
    out = tmp_path / "p.svg"
    assert run("plot", "--top", "5", "-v", write(tmp_path, data.encode()), "-o", out).exit_code == 0
    assert "0" + "W" * 38 + "…" in out.read_text() and "W" * 40 not in out.read_text()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_the_corpus_temporary_file_is_gone_however_training_ends(tmp_path, small_corpus, signum):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    args = ["--epochs", 10_000, "--dim", 8, "--threads", 1, "--corpus-in", "disk", "--tmp-dir", tmp]
    child = start_w2v("train", small_corpus, "-o", tmp_path / "v.txt", *args)
    wait_for_stderr(child, b"train:")  # training, from the file
    fds = Path(f"/proc/{child.pid}/fd")
    open_files = [os.readlink(fd) for fd in fds.iterdir()]
    assert any(f.startswith(str(tmp)) and f.endswith("(deleted)") for f in open_files)
    assert list(tmp.iterdir()) == []  # it never had a name there
    child.send_signal(signum)
    child.communicate(timeout=60)
    assert child.returncode != 0 and list(tmp.iterdir()) == []


def test_a_corpus_that_does_not_fit_beside_the_matrices_is_sent_to_disk(
    tmp_path, small_corpus, monkeypatch
):
    # A machine whose memory holds the matrices and 1,000 bytes more: not the ids.
    matrices = 2 * 4 * 16 * 1_000  # --dim 8 is padded to 16 floats; --max-vocab 1000
    monkeypatch.setattr("w2vcli.training.trainer.physical_memory", lambda: matrices + 1000)
    args = ["-o", tmp_path / "v.txt", *FAST, "--max-vocab", 1_000, "--corpus-in"]
    error = one_line_error(run("train", small_corpus, *args, "memory"))
    assert re.search(r"GiB for the corpus's ids, .*use --corpus-in disk, or lower --dim", error)
    result = run("train", small_corpus, *args, "disk")
    assert result.exit_code == 0, result.output
