"""Property-based tests (hypothesis) of the corpus reader and the vectors readers.

Arbitrary bytes never raise anything but the project's own errors, and what is read back
is exactly what a simple reference reads. CI runs W2V_FUZZ_EXAMPLES cases per property
(default 40, a few seconds); a longer run by hand:

    W2V_FUZZ_EXAMPLES=5000 pytest tests/test_fuzz.py
"""

import bz2
import gzip
import io
import itertools
import lzma
import os
from unittest import mock

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st

from tests.paths import DATA
from w2vcli.cli import cli
from w2vcli.errors import CorpusError, VectorsFormatError, W2VError
from w2vcli.io.streams import MAGIC, UNSAFE, read_lines, shown, text_lines
from w2vcli.text import corpus
from w2vcli.text.corpus import LINE_END, read_corpus
from w2vcli.vectors.evaluate import evaluate_analogies, evaluate_pairs
from w2vcli.vectors.formats import parse_vectors, write_vectors
from w2vcli.vectors.vectors import load_vectors

QUESTIONS = DATA / "questions-words.txt"

fuzz = settings(
    max_examples=int(os.environ.get("W2V_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

ASCII_SPACE = " \t\n\r\x0b\x0c"
# Tokens: any Unicode but ASCII white space and NUL (the separators); CJK, emoji, U+3000,
# U+00A0, U+2028 and control characters included.
token = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters=ASCII_SPACE + "\0"),
    min_size=1,
    max_size=10,
)
# Text-like bytes: tokens, separators, byte-order marks and broken UTF-8, in any order.
SPECIAL = b" |\n|\t|\r\n|\x0b|\0|\xef\xbb\xbf|\xff|\xc3|\xe4\xb8".split(b"|")
pieces = st.one_of(token.map(str.encode), st.sampled_from(SPECIAL))
text_like = st.lists(pieces, max_size=80).map(b"".join)
any_bytes = st.one_of(st.binary(max_size=400), text_like)
# Reads of at least 3 bytes: a file or pipe gives all a read asks for until its end.
chunk_bytes = st.one_of(st.integers(3, 40), st.just(corpus.CHUNK_BYTES))


def read(tmp_path_factory, data: bytes, name: str, chunk: int):
    path = tmp_path_factory.mktemp("fuzz") / name
    path.write_bytes(data)
    with mock.patch.object(corpus, "CHUNK_BYTES", chunk):
        return read_corpus(str(path))


def reference(data: bytes) -> tuple:
    """Lines of tokens as the README describes the format, and the share of bad bytes."""
    data = data.removeprefix(b"\xef\xbb\xbf").replace(b"\0", b" ")
    lines = data.split(b"\n")
    repaired = [line.decode("utf-8", "replace").encode() for line in lines]
    invalid = sum(len(ln) - len(ln.decode("utf-8", "ignore").encode()) for ln in lines)
    return [line.split() for line in repaired if line.split()], invalid


def lines_of(raw) -> list:
    """The stream back as its lines of tokens (the last line, unterminated, included), those
    without tokens left out: the stream keeps no line end for them (at most one a chunk)."""
    lines, line = [], []
    for i in raw.ids.tolist():
        if i == LINE_END:
            lines.append(line)
            line = []
        else:
            line.append(raw.tokens[i])
    return [line for line in lines if line]


def check_invariants(raw) -> None:
    assert raw.ids.dtype == np.int32 and raw.ids[-1] == LINE_END
    assert raw.ids.min() >= LINE_END and raw.ids.max(initial=-1) < len(raw.tokens)
    assert np.count_nonzero(raw.ids == LINE_END) <= raw.stats.lines + 1
    assert len(set(raw.tokens)) == len(raw.tokens)
    np.testing.assert_array_equal(
        raw.counts, np.bincount(raw.ids[raw.ids >= 0], minlength=len(raw.tokens))
    )
    for t in raw.tokens:
        assert t and not any(c in t for c in ASCII_SPACE.encode() + b"\0")
        t.decode("utf-8")  # valid UTF-8


@fuzz
@given(data=any_bytes, chunk=chunk_bytes)
@example(data=b"\xef\xbb\xbfa b\r\nc\0d \xff e\n", chunk=3)
@example(data=b"\xff\xfea\0", chunk=corpus.CHUNK_BYTES)
def test_corpus_reader_on_any_bytes(tmp_path_factory, data, chunk):
    try:
        raw = read(tmp_path_factory, data, "c.txt", chunk)
    except CorpusError as e:
        message = str(e)
        event("refused")
        assert "\n" not in message and message.startswith(str(tmp_path_factory.getbasetemp()))
        if data.startswith(tuple(MAGIC)):  # compressed, told by its first bytes: not whole
            assert "cannot read" in message
            return
        assert "not UTF-8 text" in message or "UTF-16" in message
        assert (
            b"\0" in data or reference(data)[1] > 0 or data.startswith((b"\xff\xfe", b"\xfe\xff"))
        )
        return
    event("read")
    check_invariants(raw)
    expected, invalid = reference(data)
    assert lines_of(raw) == expected  # whatever the chunk size
    assert invalid + raw.stats.nul_bytes <= 0.1 * len(data.removeprefix(b"\xef\xbb\xbf"))


COMPRESS = {".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress}


@fuzz
@given(
    data=any_bytes,
    ext=st.sampled_from(sorted(COMPRESS)),
    how=st.sampled_from(["raw", "compressed", "truncated"]),
    cut=st.integers(0, 50),
)
def test_compressed_corpus_on_any_bytes(tmp_path_factory, data, ext, how, cut):
    payload = data if how == "raw" else COMPRESS[ext](data)
    if how == "truncated":
        payload = payload[: max(0, len(payload) - 1 - cut)]
    try:
        raw = read(tmp_path_factory, payload, "c.txt" + ext, corpus.CHUNK_BYTES)
    except CorpusError as e:
        assert "\n" not in str(e)
        return
    check_invariants(raw)
    if how == "compressed":
        assert lines_of(raw) == reference(data)[0]


@fuzz
@given(
    lines=st.lists(st.lists(token, max_size=8), max_size=8),
    space=st.sampled_from([" ", "\t", "  ", " \x0b", "\x0c"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    chunk=chunk_bytes,
)
@example(
    lines=[["北京", "😀", "全角\u3000空格", "a\u00a0b", "\u2028"]], space=" ", newline="\n", chunk=3
)
def test_any_unicode_tokens_are_read_back_exactly(tmp_path_factory, lines, space, newline, chunk):
    text = "".join(space.join(line) + newline for line in lines)
    raw = read(tmp_path_factory, text.encode(), "c.txt", chunk)
    assert [[t.decode() for t in line] for line in lines_of(raw)] == [
        line for line in lines if line
    ]
    assert raw.stats.bad_lines == 0 and raw.stats.nul_bytes == 0


def written(words: list, vectors: np.ndarray, binary: bool) -> bytes:
    f = io.BytesIO()
    write_vectors(f, words, vectors, binary=binary)
    return f.getvalue()


def check_vectors(loaded, data: bytes) -> None:
    """What any successful read guarantees."""
    n_words, dim = map(int, data.removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[0].split())
    assert loaded.vectors.dtype == np.float32 and loaded.vectors.shape == (len(loaded.words), dim)
    assert np.isfinite(loaded.vectors).all()
    assert len(set(loaded.words)) == len(loaded.words)
    assert len(loaded.words) + loaded.duplicates == n_words


headers = st.builds("{} {}\n".format, st.integers(0, 4), st.integers(1, 3)).map(str.encode)
# Numbers as other tools write them, and strings that only look like numbers.
number = st.one_of(
    st.floats(width=32).map(lambda x: repr(x).encode()),
    st.sampled_from(
        [b"nan", b"-inf", b"1e39", b"1e-50", b"-0", b"+.5", b"1_0", b"0x1p3", b"\xd9\xa3", b"1e"]
    ),
)


@st.composite
def text_files(draw) -> bytes:
    """Text files that are nearly right: the header's counts, give or take a row or number."""
    n_words, dim = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    n_rows = draw(st.sampled_from([n_words, n_words, n_words, n_words - 1, n_words + 1]))
    rows = []
    for _ in range(n_rows):
        size = draw(st.sampled_from([dim, dim, dim, dim - 1, dim + 1]))
        rows.append(
            b" ".join([draw(token).encode(), *draw(st.lists(number, min_size=size, max_size=size))])
        )
    end = draw(st.sampled_from([b"\n", b"\r\n", b" \n", b"\n\n"]))
    return f"{n_words} {dim}\n".encode() + end.join(rows) + end


# Arbitrary bytes, a valid header before arbitrary bytes, and text files nearly right.
vector_bytes = st.one_of(any_bytes, st.builds(bytes.__add__, headers, any_bytes), text_files())


@fuzz
@given(data=vector_bytes)
@example(data=b"1 1\na nan\n")
@example(data=b"2 1\na 1\na 2\n")
def test_vectors_reader_on_any_bytes(data):
    try:
        loaded = parse_vectors(data, "name")
    except VectorsFormatError as e:
        assert str(e).startswith("name") and "\n" not in str(e)
        event("refused: " + str(e).split(": ", 1)[1][:20])
        return
    event("read")
    check_vectors(loaded, data)


floats = st.floats(width=32, allow_nan=False, allow_infinity=False)
words_strategy = st.lists(
    st.text(
        st.characters(blacklist_categories=["Cs"], blacklist_characters=ASCII_SPACE + "\0"),
        min_size=1,
        max_size=8,
    ),
    min_size=1,
    max_size=12,
    unique=True,
)


@st.composite
def vector_files(draw):
    words = draw(words_strategy)
    dim = draw(st.integers(1, 5))
    values = draw(st.lists(floats, min_size=len(words) * dim, max_size=len(words) * dim))
    vectors = np.array(values, dtype=np.float32).reshape(len(words), dim)
    return words, vectors, draw(st.booleans())


@fuzz
@given(file=vector_files())
@example(
    file=(
        ["北京", "😀", "全角\u3000空格", "\ufeffbom", "nan", "1e5"],
        np.ones((6, 2), np.float32),
        True,
    )
)
def test_any_words_and_floats_round_trip(file):
    words, vectors, binary = file
    loaded = parse_vectors(written(words, vectors, binary))
    assert loaded.binary == binary and loaded.words == words
    np.testing.assert_array_equal(loaded.vectors, vectors)


@fuzz
@given(
    file=vector_files(), edit=st.sampled_from(["cut", "flip", "insert", "repeat"]), data=st.data()
)
def test_damaged_vector_files(file, edit, data):
    words, vectors, binary = file
    raw = bytearray(written(words, vectors, binary))
    at = data.draw(st.integers(0, len(raw) - 1))
    if edit == "cut":
        del raw[at:]
    elif edit == "flip":
        raw[at] ^= data.draw(st.integers(1, 255))
    elif edit == "insert":
        raw[at:at] = data.draw(st.binary(min_size=1, max_size=8))
    else:  # a row written twice, the header corrected: the first row must win
        first = raw.index(b"\n") + 1
        raw += written(words[:1], vectors[:1], binary).split(b"\n", 1)[1]
        raw[:first] = f"{len(words) + 1} {vectors.shape[1]}\n".encode()
    try:
        loaded = parse_vectors(bytes(raw), "name")
    except VectorsFormatError as e:
        assert "\n" not in str(e)
        event(f"{edit}: refused")
        return
    event(f"{edit}: read")
    check_vectors(loaded, bytes(raw))
    if edit == "repeat":
        assert loaded.words == words and loaded.duplicates == 1
        np.testing.assert_array_equal(loaded.vectors, vectors)


@pytest.mark.parametrize("binary", [False, True])
def test_header_words_with_nothing_else(binary):
    with pytest.raises(VectorsFormatError):
        parse_vectors(written(["a"], np.zeros((1, 3), np.float32), binary)[:4])


# Hostile input: words with any byte, stdin queries of any bytes, extreme option values.

hostile_word = st.binary(min_size=1, max_size=12).filter(lambda w: b" " not in w)


@fuzz
@given(words=st.lists(hostile_word, min_size=1, max_size=8, unique=True), newline=st.booleans())
@example(words=[b"a\nb", b"\x1b[2J", b"\t", b"\x00", b"\xe2\x80\xae"], newline=True)
def test_binary_words_of_any_bytes_are_read_repaired_and_written_back(words, newline):
    rows = np.arange(len(words) * 2, dtype="<f4").reshape(-1, 2)
    end = b"\n" if newline else b""
    data = f"{len(words)} 2\n".encode() + b"".join(
        w + b" " + r.tobytes() + end for w, r in zip(words, rows)
    )
    try:
        loaded = parse_vectors(data, "name")
    except VectorsFormatError as e:  # a word made only of the newline that may end a row
        assert "\n" not in str(e)
        event("refused")
        return
    event("read")
    for word in loaded.words:
        assert not set(word) & set(ASCII_SPACE + "\0")
        assert not UNSAFE.search(shown(word))
    for binary in (False, True):
        again = parse_vectors(written(loaded.words, loaded.vectors, binary), "again")
        assert again.words == loaded.words and again.blank_words == 0


@pytest.fixture(scope="module")
def tiny_vectors(tmp_path_factory):
    path = tmp_path_factory.mktemp("tiny") / "v.txt"
    path.write_text("5 2\nthe 1 0\nof 0 1\nand 1 1\n北京 1 2\n\x1b[31m 2 1\n")
    return path


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


@fuzz
@given(
    data=st.one_of(st.binary(max_size=300), text_like),
    command=st.sampled_from(["nearest", "similarity", "analogy"]),
)
@example(data=b"the\nof\x1b[2J\n\xff\xfe\n\x00\nthe of and\n\xe3\x80\x80\n", command="nearest")
def test_stdin_queries_of_any_bytes(tiny_vectors, data, command):
    k = [] if command == "similarity" else ["-k", "2"]
    result = run(command, "-v", tiny_vectors, *k, input=data)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 1)
    columns = {"nearest": 3, "similarity": 3, "analogy": 5}[command]
    for line in result.stdout.splitlines():
        assert line.count("\t") == columns - 1
        assert not any(c in line for c in "\x1b\x9b\r\x00\u202e")
    for line in result.stderr.splitlines():
        assert not any(c in line for c in "\x1b\x9b\r\x00\t\u202e")


@fuzz
@given(data=any_bytes, sizes=st.lists(st.integers(1, 20), min_size=1), limit=st.integers(1, 30))
def test_read_lines_agrees_with_a_simple_reader(data, sizes, limit):
    chunks = []
    at = 0
    for size in itertools.cycle(sizes):
        if at >= len(data):
            break
        chunks.append(data[at : at + size])
        at += size
    pieces = iter([*chunks, b""])
    got = [line for lines in read_lines(lambda: next(pieces), limit) for line in lines]
    expected = data.split(b"\n")
    if expected[-1] == b"":
        expected.pop()  # the newline ends the last line
    assert got == [None if len(line) > limit else line for line in expected]


@fuzz
@given(data=any_bytes, pairs=st.booleans())
@example(data=b": a\n: b\nthe of and the\n", pairs=False)
@example(data=b"the of nan\n", pairs=True)
@example(data=b"the of 5\nof and 5\n", pairs=True)
def test_evaluation_readers_on_any_bytes(tiny_vectors, data, pairs):
    index = load_vectors(str(tiny_vectors)).index
    lines = text_lines(io.BytesIO(data).read1, "name")
    try:
        if pairs:
            result = evaluate_pairs(index, lines, "name")
            assert result.answered <= result.pairs
        else:
            result = evaluate_analogies(index, lines, 30_000, "name")
            assert sum(s.questions for s in result.sections) == result.totals[-1].questions
    except W2VError as e:
        assert str(e).startswith("name") and "\n" not in str(e)
        event("refused")
        return
    event("evaluated")


EXTREME = [
    "0",
    "-1",
    "1",
    "2",
    "3",
    "-0",
    "1.5",
    "1e3",
    "1e400",
    "-1e400",
    "nan",
    "inf",
    "-inf",
    "99999999999999999999",
    str(2**63),
    str(-(2**63)),
    str(2**64),
    "",
    "x",
    "0x10",
    "1_000",
    "\u0663",
    " 5",
]
OPTIONS = {  # train: all but --epochs, which may be as large as a million
    "train": [
        "--dim",
        "--window",
        "--negative",
        "--min-count",
        "--max-vocab",
        "--max-types",
        "--sample",
        "--alpha",
        "--min-alpha",
        "--threads",
        "--seed",
    ],
    "nearest": ["-k", "--restrict"],
    "analogy": ["-k", "--restrict"],
    "evaluate": ["--restrict"],
    "plot": ["--neighbours", "--top", "--restrict", "--seed"],
}


@fuzz
@given(
    command=st.sampled_from(sorted(OPTIONS)),
    data=st.data(),
)
@example(command="train", data=[["--window"], ["99999999999999999999"]])
@example(command="train", data=[["--sample", "--dim"], ["inf", "1e3"]])
def test_extreme_option_values_end_in_one_line_or_an_answer(
    tmp_path_factory, tiny_vectors, command, data
):
    if isinstance(data, list):  # an @example: the options and values themselves
        chosen, values = data
    else:
        chosen = data.draw(
            st.lists(st.sampled_from(OPTIONS[command]), min_size=1, max_size=3, unique=True)
        )
        values = [data.draw(st.sampled_from(EXTREME)) for _ in chosen]
    options = [x for pair in zip(chosen, values) for x in pair]
    where = tmp_path_factory.mktemp("options")
    corpus = where / "c.txt"
    corpus.write_text("the of and 北京 cat\n" * 20)
    base = {
        "train": ["train", corpus, "-o", where / "v.txt", "--epochs", "1", "-q"],
        "nearest": ["nearest", "the", "-v", tiny_vectors],
        "analogy": ["analogy", "the", "of", "and", "-v", tiny_vectors],
        "evaluate": ["evaluate", "-v", tiny_vectors, "--analogies", QUESTIONS],
        "plot": ["plot", "-v", tiny_vectors, "-o", where / "p.png"],
    }[command]
    result = run(*base, *options)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        options,
        result.exception,
    )
    event(f"exit {result.exit_code}")
    assert "Traceback" not in result.output
    if result.exit_code:  # notes may come first (pruning...); the error is one last line
        lines = result.output.strip().splitlines()
        assert lines[-1].startswith("Error: ") and "Error: " not in "".join(lines[:-1]), (
            options,
            result.output,
        )


@fuzz
@given(data=vector_bytes, block=st.integers(1, 64), limit=st.one_of(st.none(), st.integers(1, 5)))
@example(data=b"2 2\na 1 2\nb 3 4\n", block=1, limit=1)
@example(data=b"a 1 2\nb 3 4\n", block=3, limit=None)
def test_streamed_reading_agrees_with_the_whole_file_reader(data, block, limit):
    """The streamed reader (any size of block, --limit) reads what parse_vectors reads, and
    refuses what it refuses with the same message; only a GloVe file (no header) reads where the
    whole-file reader, which wants a header, refuses it."""
    import io

    from w2vcli.io.streams import MAGIC
    from w2vcli.vectors import formats
    from w2vcli.vectors.formats import _glove_dim
    from w2vcli.vectors.vectors import load_vectors

    assume(not any(data.startswith(magic) for magic in MAGIC))  # compressed
    try:
        whole = parse_vectors(data, "name")
    except VectorsFormatError as e:
        whole = e
    saved, formats.BLOCK_BYTES = formats.BLOCK_BYTES, block
    try:
        streamed = load_vectors(io.BytesIO(data), "name", limit)
    except VectorsFormatError as e:
        streamed = e
    finally:
        formats.BLOCK_BYTES = saved
    glove = _glove_dim(data.removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[0]) > 0
    if isinstance(whole, Exception):
        if isinstance(streamed, Exception):
            assert glove or str(streamed) == str(whole)
        else:
            assert glove or limit is not None, whole
        return
    assert not isinstance(streamed, Exception), streamed
    if limit is not None and whole.duplicates:
        # --limit counts the file's rows, as gensim's limit does, before repeated words are
        # dropped: the first `limit` words of the whole file can reach further down.
        event("repeated words under --limit")
        return
    if limit is not None and streamed.binary != whole.binary:
        # Binary whose first rows read as text (w2v never writes such a file): the whole
        # reader tries text to the end and falls back; the first `limit` rows are text.
        event("first rows text, the whole binary")
        return
    n = len(whole.words) if limit is None else limit
    assert streamed.words == whole.words[:n] and streamed.binary == whole.binary
    np.testing.assert_array_equal(streamed.vectors, whole.vectors[:n])
