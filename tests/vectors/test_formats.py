"""Reading the vectors files people have (w2vcli.vectors.formats): streamed into the matrix, the
same vectors as the whole-file reader, compressed files, GloVe, --limit, bounded memory."""

import bz2
import gzip
import lzma
import tracemalloc

import numpy as np
import pytest
from click.testing import CliRunner
from gensim.models import KeyedVectors

import w2vcli
from w2vcli.cli import cli
from w2vcli.errors import VectorsFormatError
from w2vcli.vectors import formats
from w2vcli.vectors.formats import parse_vectors, write_vectors
from w2vcli.vectors.vectors import load_vectors

COMPRESS = {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}


def vectors_bytes(words, matrix, binary: bool) -> bytes:
    import io

    f = io.BytesIO()
    write_vectors(f, words, matrix, binary)
    return f.getvalue()


@pytest.fixture(scope="module")
def sample():
    rng = np.random.default_rng(5)
    words = [f"w{i}" for i in range(300)] + ["中国", "naïve", "a-b"]
    return words, rng.standard_normal((len(words), 7)).astype(np.float32)


def same(a, b) -> bool:
    fields = ("binary", "invalid_utf8", "duplicates", "blank_words")
    return (
        a.words == b.words
        and np.array_equal(a.matrix, b.matrix)
        and all(getattr(a, f) == getattr(b, f) for f in fields)
    )


# Files as other tools write them: CRLF, blank lines, a BOM, a trailing space, a binary
# file without the newline after each vector, repeated words, invalid UTF-8.
def variants(words, matrix) -> dict:
    text = vectors_bytes(words, matrix, False)
    binary = vectors_bytes(words, matrix, True)
    header, _, body = text.partition(b"\n")
    rows = body.splitlines(keepends=True)
    return {
        "text": text,
        "binary": binary,
        "crlf": text.replace(b"\n", b"\r\n"),
        "blank lines": header + b"\n\n" + b"\n".join(rows[:5]) + b"\n\n" + b"".join(rows[5:]),
        "bom, trailing spaces": b"\xef\xbb\xbf" + text.replace(b"\n", b" \n"),
        "binary without newlines": _binary_without_newlines(words, matrix),
        "repeated word": header + b"\n" + rows[0] + b"".join(rows[1:-1]) + rows[0],
        "invalid utf-8": text.replace(b"\nw5 ", b"\nw5\xff ", 1),
    }


def _binary_without_newlines(words, matrix) -> bytes:
    out = [f"{len(words)} {matrix.shape[1]}\n".encode()]
    for word, row in zip(words, matrix, strict=True):
        out.append(word.encode() + b" " + row.astype("<f4").tobytes())
    return b"".join(out)


@pytest.mark.parametrize("block", [7, 100, formats.BLOCK_BYTES])
def test_streaming_reads_what_the_whole_file_reader_reads(sample, tmp_path, monkeypatch, block):
    monkeypatch.setattr(formats, "BLOCK_BYTES", block)
    for kind, data in variants(*sample).items():
        path = tmp_path / "v"
        path.write_bytes(data)
        streamed, whole = load_vectors(str(path)), parse_vectors(data, str(path))
        assert same(streamed, whole), kind


def test_streaming_never_falls_back_on_well_formed_files(sample, tmp_path, monkeypatch):
    def whole_file_reader_used(*args):
        raise AssertionError("the whole-file reader was used")

    monkeypatch.setattr("w2vcli.vectors.formats.parse_vectors", whole_file_reader_used)
    for data in variants(*sample).values():
        path = tmp_path / "v"
        path.write_bytes(data)
        load_vectors(str(path))  # would raise


@pytest.mark.parametrize("fmt", ["text", "binary"])
@pytest.mark.parametrize("compression", list(COMPRESS))
def test_compressed_files_are_told_by_their_content(sample, tmp_path, fmt, compression):
    data = vectors_bytes(*sample, fmt == "binary")
    plain, packed = tmp_path / "v", tmp_path / "named-as-anything.txt"
    plain.write_bytes(data)
    packed.write_bytes(COMPRESS[compression](data))
    assert same(w2vcli.load(packed), w2vcli.load(plain))
    assert same(w2vcli.load(packed, limit=10), w2vcli.load(plain, limit=10))


def test_glove_files_read_as_gensim_reads_them(sample, tmp_path):
    words, matrix = sample
    text = vectors_bytes(words, matrix, False)
    glove = tmp_path / "glove.txt"
    glove.write_bytes(text.split(b"\n", 1)[1])  # no 'V N' line
    ours = w2vcli.load(glove)
    theirs = KeyedVectors.load_word2vec_format(str(glove), no_header=True)
    assert ours.words == list(theirs.index_to_key) and not ours.binary
    assert np.array_equal(ours.matrix, theirs.vectors)
    gz = tmp_path / "glove.txt.gz"
    gz.write_bytes(gzip.compress(glove.read_bytes()))
    assert same(w2vcli.load(gz), ours)
    first = w2vcli.load(glove, limit=25)
    limited = KeyedVectors.load_word2vec_format(str(glove), no_header=True, limit=25)
    assert first.words == list(limited.index_to_key)
    assert np.array_equal(first.matrix, limited.vectors)


@pytest.mark.parametrize("fmt", ["text", "binary"])
def test_limit_reads_the_first_vectors_as_gensim_does(sample, tmp_path, fmt):
    path = tmp_path / "v"
    path.write_bytes(vectors_bytes(*sample, fmt == "binary"))
    for limit in (1, 50, len(sample[0]), 10_000):
        ours = w2vcli.load(path, limit=limit)
        theirs = KeyedVectors.load_word2vec_format(str(path), binary=fmt == "binary", limit=limit)
        assert ours.words == list(theirs.index_to_key)
        assert np.array_equal(ours.matrix, theirs.vectors)


def test_limit_stops_before_what_is_wrong_further_on(sample, tmp_path):
    data = vectors_bytes(*sample, False)
    path = tmp_path / "v.txt"
    path.write_bytes(data.replace(b"\nw200 ", b"\nw200 nonsense ", 1))
    assert len(w2vcli.load(path, limit=100)) == 100
    with pytest.raises(VectorsFormatError, match="line 202: expected a word and 7 numbers"):
        w2vcli.load(path)


@pytest.mark.parametrize("compression", list(COMPRESS))
def test_a_truncated_compressed_file_is_one_line(sample, tmp_path, compression):
    data = COMPRESS[compression](vectors_bytes(*sample, True))
    path = tmp_path / "v.bin"
    path.write_bytes(data[: len(data) // 2])
    result = CliRunner().invoke(cli, ["info", str(path)])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {path}: ")
    assert "is the file complete?" in result.output or "truncated" in result.output
    assert len(result.output.splitlines()) == 1


def test_glove_errors_name_the_line(sample, tmp_path):
    rows = vectors_bytes(*sample, False).split(b"\n", 1)[1].splitlines(keepends=True)
    path = tmp_path / "glove.txt"
    path.write_bytes(b"".join(rows[:4]) + b"ragged 1 2 3\n" + b"".join(rows[4:]))
    with pytest.raises(VectorsFormatError, match=r"line 5: expected a word and 7 numbers"):
        w2vcli.load(path)
    path.write_bytes(b"".join(rows[:2]) + b"odd " + b"nan " * 7 + b"\n")
    with pytest.raises(VectorsFormatError, match="row 3 has NaN"):
        w2vcli.load(path)


def test_the_limit_option_of_the_query_commands(sample, tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(vectors_bytes(*sample, False))
    runner = CliRunner()
    out = runner.invoke(cli, ["nearest", "w0", "-v", str(path), "--limit", "20", "-k", "30"])
    assert out.exit_code == 0, out.output
    answers = [line.split("\t")[1] for line in out.output.splitlines()]
    assert sorted(answers) == sorted(f"w{i}" for i in range(1, 20))
    out = runner.invoke(cli, ["info", str(path), "--limit", "20"])
    assert "words\t20" in out.output
    out = runner.invoke(cli, ["nearest", "w50", "-v", str(path), "--limit", "20"])
    assert out.exit_code == 1 and "unknown word: w50" in out.output
    out = runner.invoke(cli, ["info", str(path), "--limit", "0"])
    assert out.exit_code == 2 and "--limit" in out.output


@pytest.mark.slow  # 8 s: a big file loaded and measured
def test_loading_holds_the_matrix_not_the_file(tmp_path):
    # 200,000 x 100: an 80 MB matrix. Reading the whole file first would hold twice that.
    rng = np.random.default_rng(2)
    words = [f"w{i}" for i in range(200_000)]
    matrix = rng.standard_normal((len(words), 100)).astype(np.float32)
    path = tmp_path / "v.bin"
    with open(path, "wb") as f:
        write_vectors(f, words, matrix, True)
    tracemalloc.start()
    try:
        loaded = load_vectors(str(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert np.array_equal(loaded.matrix, matrix)
    # The matrix, the words (as bytes, then as str: 200,000 of each), one block.
    assert peak < 1.5 * matrix.nbytes, peak / matrix.nbytes


def test_compressed_vectors_from_a_pipe(sample, tmp_path):
    import subprocess
    import sys

    data = vectors_bytes(*sample, True)
    w2v = [sys.executable, "-m", "w2vcli", "nearest", "w0", "-v", "-", "-k", "3"]
    plain = subprocess.run(w2v, input=data, capture_output=True)
    packed = subprocess.run(w2v, input=gzip.compress(data), capture_output=True)
    assert plain.returncode == 0 and packed.stdout == plain.stdout
    cut = subprocess.run(w2v, input=gzip.compress(data)[:500], capture_output=True)
    assert cut.returncode == 1 and cut.stderr.decode().count("\n") == 1
    assert "stdin: cannot decompress" in cut.stderr.decode()


@pytest.mark.parametrize("compression", [None, "gzip", "xz"])
def test_text_formatted_in_compiled_code_is_pythons(sample, monkeypatch, compression):
    """write_vectors given text.format_rows (as w2v train gives it) writes Python's bytes,
    compressed or not: rows of numbers it leaves to Python (tiny, huge, infinite, NaN) in
    their place, across the blocks it formats at once."""
    import io

    from w2vcli.io.streams import compressing
    from w2vcli.kernel.text import format_rows

    words, matrix = sample
    matrix = matrix.copy()
    tiny = np.finfo(np.float32).smallest_subnormal
    for row, value in zip([0, 9, 10, 11, 150, 302], [1e-30, np.inf, np.nan, tiny, 3e20, -0.0]):
        matrix[row, row % 7] = value
    monkeypatch.setattr(formats, "NUMBERS_PER_WRITE", 7 * 10)  # blocks of 10 rows
    expected = vectors_bytes(words, matrix, False)
    f = io.BytesIO()
    with compressing(f, compression) as out:
        write_vectors(out, words, matrix, format_rows=format_rows)
    written = f.getvalue()
    if compression:
        written = {"gzip": gzip.decompress, "xz": lzma.decompress}[compression](written)
    assert written == expected
    padded = np.pad(matrix, ((0, 0), (0, 9)))[:, :7]  # as training's rows: not contiguous
    f = io.BytesIO()
    write_vectors(f, words, padded, format_rows=format_rows)
    assert f.getvalue() == expected
    doubles = matrix.astype(np.float64) / 3  # not float32: Python formats its own digits
    f = io.BytesIO()
    write_vectors(f, words, doubles, format_rows=format_rows)
    assert f.getvalue() == vectors_bytes(words, doubles, False)
