"""word2vec vectors files, read and written: text and binary, and GloVe's text.

Text: a `V N` header line, then `word v1 ... vN` per line. Numbers are written with 9
significant digits, which round-trips float32 exactly, so text and binary hold the same
vectors. Binary (word2vec C's -binary 1): the header line, then for each word the UTF-8
word, a space, N little-endian float32 and a newline. GloVe: text without the header.
fastText's .vec is word2vec text. Each may be compressed with gzip, bzip2 or xz: told by
the first bytes when read, by the name when written (`output_format`: v.bin.gz is gzip of
binary, as gensim and fastText name files). Outputs are opened by w2vcli.io.files, which
writes them atomically.

Words never contain ASCII white space or NUL: the corpus reader splits on them, the
readers here replace them (a binary file can hold any byte but a space in a word), and
the writer refuses them, so that every file w2v writes, w2v and other tools read back.

Reading is strict about numbers and lenient about words: a NaN or infinite value is
refused (naming the line), invalid UTF-8 and white space in a word are replaced with
U+FFFD and counted, and of a word given twice the first row is kept (as gensim), the
others counted and dropped. Memory is bounded before reading: the matrix the header
announces must fit in this machine's memory, and a stream (stdin, a pipe) may not run
on past what the header announces.

Two readers: `read_vectors` streams a file in blocks into a matrix allocated once at its
final size, so loading holds the matrix, the words and a block, never the whole file (a
1,000,000 x 300 file needs its 1.2 GB matrix, not the file's 1.2 GB (binary) or 2.7 GB
(text) on top of it), and reads only the first `limit` vectors if asked. What a
well-formed file holds comes out exactly as `parse_vectors`, the whole-file reader, makes
it; when a word2vec file is not well formed, that reader reads it again to say exactly
what is wrong and where (the errors are its errors). Both give a `Read`; w2vcli.vectors
makes Vectors of it.
"""

import io
import itertools
import os
import re
import stat
from typing import NamedTuple

import numpy as np

from ..config import physical_memory
from ..errors import VectorsFormatError, W2VError
from ..io.streams import (
    COMPRESSED,
    DECOMPRESSION_ERRORS,
    compression_of,
    compression_of_name,
    decompressed,
    quantity,
)


class Read(NamedTuple):
    """What reading a vectors file gave (the fields of w2vcli.Vectors)."""

    words: list  # str, in file order
    vectors: np.ndarray  # (V, N) float32
    binary: bool = False  # the format of the file read
    invalid_utf8: int = 0  # words whose invalid UTF-8 bytes were replaced with U+FFFD
    duplicates: int = 0  # rows dropped because their word came earlier in the file
    blank_words: int = 0  # words whose white space or NUL was replaced with U+FFFD
    glove: bool = False  # the file read had no 'V N' header
    compression: str | None = None  # of the file read: gzip, bzip2, xz

    @property
    def matrix(self) -> np.ndarray:
        return self.vectors


# Rows formatted per write: 256 rows of 100 floats hold about 1 MB of Python objects at once
# (4,096 rows added 30 MB to the peak memory of a training run), and the writes stay large.
ROWS_PER_WRITE = 256
# What may not be inside a word of a vectors file: the separators of both formats.
BLANK = re.compile(rb"[ \t\n\r\x0b\x0c\x00]")
BLANK_BUT_NEWLINE = re.compile("[ \t\r\x0b\x0c\x00]")
REPLACEMENT = "\ufffd".encode()


def check_words(words: list) -> None:
    """Refuse words that no word2vec file can hold: empty, or with white space or NUL."""
    joined = "\n".join(words)  # one pass at C speed for the usual case
    if "" not in words and joined.count("\n") == len(words) - 1:
        if not BLANK_BUT_NEWLINE.search(joined):
            return
    for i, word in enumerate(words):
        if not word or BLANK.search(word.encode()):
            raise W2VError(
                f"word {i + 1:,} ({word!r}) is empty or holds white space or NUL, which word2vec "
                "files cannot hold"
            )


# What an output's name says of its format; its compression is the last suffix's
# (w2vcli.io.streams).
NAMED_FORMATS = {".bin": "binary", ".txt": "text", ".vec": "text"}


def format_of_name(path: str) -> tuple:
    """(format, compression) that the name `path` says, each None where it says nothing:
    v.bin.gz is (binary, gzip), v.gz (None, gzip), v.w2v (None, None)."""
    compression = compression_of_name(path)
    stem = os.path.splitext(path)[0] if compression else path
    return NAMED_FORMATS.get(os.path.splitext(stem)[1].lower()), compression


def output_format(path: str, asked: str | None, default: str, label: str, option: str):
    """(format, compression) of a vectors file written to `path`: the format `asked` for
    (by `option`; None if not), else the one the name says, else `default`; compressed as
    the name says. A name that says the other format than `asked` is refused (`label`: the
    output as messages name it)."""
    named, compression = format_of_name(path)
    if asked and named and asked != named:
        suffix = os.path.splitext(path)[1] if compression else ""
        names = " or ".join(s + suffix for s, f in NAMED_FORMATS.items() if f == asked)
        raise W2VError(
            f"{label}: the name says {named} but {option} says {asked}; name it {names}, or "
            f"leave {option} out"
        )
    return asked or named or default, compression


def write_vectors(
    f, words: list, vectors: np.ndarray, binary: bool = False, format_rows=None
) -> None:
    """Write `vectors` (V x N) for `words` to the binary file object `f`. Text of float32
    vectors is formatted by `format_rows` if given (w2vcli.kernel.text.format_rows, which
    the training process has at hand), else by Python: the same bytes either way."""
    check_words(words)
    n_words, dim = vectors.shape
    f.write(f"{n_words} {dim}\n".encode())
    if binary:
        # The newline after each vector is optional. Left out when the first row looks like
        # text (float bytes that spell digits): the file, one long line, then never reads
        # as a valid text file (see _parse_body).
        first = words[0].encode() + b" " + vectors[0].astype("<f4").tobytes() if n_words else b""
        end = b"" if _looks_like_text(first) else b"\n"
        for start in range(0, n_words, ROWS_PER_WRITE):  # few writes: a compressor's cost
            # A block at a time: training's rows are padded, and a copy of the whole matrix
            # made contiguous was the largest allocation of a run at a million words.
            rows = np.ascontiguousarray(vectors[start : start + ROWS_PER_WRITE], dtype="<f4")
            block = zip(words[start : start + ROWS_PER_WRITE], rows, strict=False)
            f.write(b"".join(word.encode() + b" " + row.tobytes() + end for word, row in block))
        return
    row_format = " ".join(["%.9g"] * dim)
    if format_rows is not None and vectors.dtype == np.float32 and dim:
        return _write_formatted(f, words, vectors, row_format, format_rows)
    for start in range(0, n_words, ROWS_PER_WRITE):
        block = vectors[start : start + ROWS_PER_WRITE].tolist()
        lines = [
            f"{w} {row_format % tuple(r)}\n" for w, r in zip(words[start:], block, strict=False)
        ]
        f.write("".join(lines).encode())


# Numbers formatted per call of format_rows: 4 MiB of text at most.
NUMBERS_PER_WRITE = 1 << 18
NUMBER_BYTES = 16  # the most a "%.9g" float32 and its space take (w2vcli.kernel.text)


def _write_formatted(f, words: list, vectors: np.ndarray, row_format: str, format_rows) -> None:
    """The text rows, formatted by `format_rows` in blocks; the rows it leaves to Python (a
    number below 1e-8 or from 2^62 up, infinite or NaN) by `row_format`, in their place."""
    n_rows = max(1, NUMBERS_PER_WRITE // vectors.shape[1])
    for start in range(0, len(vectors), n_rows):
        # Copied a block at a time where not contiguous (training's rows are padded).
        block = np.ascontiguousarray(vectors[start : start + n_rows]).view(np.uint32)
        encoded = ("\n".join(words[start : start + n_rows]) + "\n").encode()
        word_bytes = np.frombuffer(encoded, np.uint8)
        word_ends = np.flatnonzero(word_bytes == ord("\n"))
        out = np.empty(len(encoded) + block.size * NUMBER_BYTES, np.uint8)
        line_ends = np.empty(len(block), np.int64)
        slow = np.empty(len(block), np.uint8)
        end = format_rows(block, word_bytes, word_ends, out, line_ends, slow)
        assert end >= 0, "format_rows: the buffer is too small"
        written = 0
        for r in np.flatnonzero(slow):
            f.write(out[written : line_ends[r]].tobytes())
            row = tuple(vectors[start + r].tolist())
            f.write(f"{words[start + r]} {row_format % row}\n".encode())
            written = line_ends[r]
        f.write(out[written:end].tobytes())


# Reading. The format is detected from the content: what follows the first word is ASCII
# text in a text file (numbers), and float bytes in a binary file, which all but never are.
# Text rows are parsed by numpy's C reader in one call; binary rows are found by a loop
# over the words (each is followed by exactly 4N bytes) and their floats joined into one
# numpy.frombuffer.

BOM = b"\xef\xbb\xbf"
NOT_TEXT = re.compile(rb"[^\t\n\x0b\x0c\r\x20-\x7e]")  # outside printable ASCII
NOT_SPACE = re.compile(rb"\S")
FIRST_ROW = re.compile(rb"\n*([^\n]*)")
# Reading a file takes up to about this many times its size (the bytes, their lines, the
# parsed rows): larger files are refused before they are read.
READ_FACTOR = 5
WORD_BYTES = 400  # Python's cost of a word while reading: its bytes, str and row view


HEADER_NUMBER = re.compile(rb"[0-9]{1,18}")  # counts, without leading zeros; int64 holds them
HEADER_BYTES = 1 << 16  # the 'V N' line must end within this (a GloVe row is ~3 KB)
READ_BYTES = 1 << 20
# A stream may hold up to this much per vector the header announces (a long word, numbers
# of 60 digits) before it is refused as running on past what the header announces.
STREAM_BYTES_PER_WORD = 1024
STREAM_BYTES_PER_NUMBER = 64


def _read_bounded(f, name: str) -> bytes:
    """All of `f`, refused early if the header announces more than this machine's memory,
    and (for a stream, whose length is unknown) if it runs on past what the header
    announces: /dev/zero or an endless pipe end in one line, not in exhausted memory."""
    head = b""
    while b"\n" not in head and len(head) <= HEADER_BYTES:
        chunk = f.read(HEADER_BYTES)
        if not chunk:
            break
        head += chunk
    first_line = head.removeprefix(BOM).split(b"\n", 1)[0]
    if _glove_dim(first_line):  # no header: bounded by memory alone
        return _read_all(f, name, head)
    n_words, dim = _parse_header(first_line, name)
    _check_memory(n_words, dim, name)
    return _read_all(f, name, head, (n_words, dim))


def _read_all(f, name: str, head: bytes = b"", announced: tuple | None = None) -> bytes:
    """`head` and the rest of `f`, refused past what reading it may take of this machine's
    memory, and past what the (words, dimensions) `announced` by a header may take."""
    budget = physical_memory() // READ_FACTOR
    limit = None
    if announced:
        n_words, dim = announced
        limit = len(head) + n_words * (STREAM_BYTES_PER_WORD + STREAM_BYTES_PER_NUMBER * dim)
    chunks, size = [head], len(head)
    while chunk := f.read(READ_BYTES):
        chunks.append(chunk)
        size += len(chunk)
        if limit is not None and size > limit:
            raise VectorsFormatError(
                f"{name}: data runs on past the {quantity(n_words, 'vector')} of "
                f"{quantity(dim, 'number')} the header "
                "announces; correct the first line"
            )
        if size > budget:
            raise _too_large(name, size)
    return b"".join(chunks)


def _glove_dim(line: bytes) -> int:
    """The dimensions of a GloVe file whose first line is `line` (a word and its numbers,
    no 'V N' header), or 0 if it is not one."""
    fields = line.split()
    if len(fields) < 3 or NOT_TEXT.search(b" ".join(fields[1:])):
        return 0
    return len(fields) - 1 if _all_numbers(fields[1:]) else 0


def _too_large(name: str, size: int) -> VectorsFormatError:
    return VectorsFormatError(
        f"{name}: {size / 2**30:,.1f} GiB; reading it takes about {READ_FACTOR} times that, more "
        f"than this machine's memory ({physical_memory() / 2**30:,.1f} GiB)"
    )


def _check_memory(n_words: int, dim: int, name: str) -> None:
    need = (4 * dim + WORD_BYTES) * n_words
    if need > physical_memory():
        raise VectorsFormatError(
            f"{name}: the header announces {quantity(n_words, 'vector')} of "
            f"{quantity(dim, 'number')} "
            f"({need / 2**30:,.1f} GiB), more than this machine's memory "
            f"({physical_memory() / 2**30:,.1f} GiB)"
        )


def parse_vectors(data: bytes, name: str = "vectors") -> Read:
    """Parse the bytes of a word2vec file; `name` is used in error messages."""
    data = data.removeprefix(BOM)
    if not NOT_SPACE.search(data):
        raise VectorsFormatError(f"{name}: empty file; expected a word2vec 'V N' header line")
    newline = data.find(b"\n")
    header, body = (data, b"") if newline < 0 else (data[:newline], data[newline + 1 :])
    del data  # the body is the one copy kept
    n_words, dim = _parse_header(header, name)
    _check_memory(n_words, dim, name)
    if not NOT_SPACE.search(body):
        raise VectorsFormatError(
            f"{name}: the header announces {quantity(n_words, 'word')} but none follow"
        )
    raw_words, vectors, binary = _parse_body(body, n_words, dim, name)
    _check_finite(vectors, raw_words, body, binary, name)
    words, invalid, blank = _decode_words(raw_words)
    words, vectors, duplicates = _first_of_each_word(words, vectors)
    return Read(words, vectors, binary, invalid, duplicates, blank)


def _parse_header(line: bytes, name: str) -> tuple:
    fields = [f.lstrip(b"0") or b"0" for f in line.split()]
    if len(fields) == 2 and all(HEADER_NUMBER.fullmatch(f) for f in fields):
        if int(fields[1]) > 0:
            return int(fields[0]), int(fields[1])
    shown = line[:40].decode(errors="replace").strip()
    hint = "; files without a header line (GloVe) need one added" if len(fields) > 2 else ""
    raise VectorsFormatError(
        f"{name}, line 1: expected a 'V N' header (words, dimensions), found '{shown}'{hint}"
    )


def _parse_body(body: bytes, n_words: int, dim: int, name: str) -> tuple:
    """(words, vectors, binary): text first if the first row looks like text, else binary;
    each falls back to the other when it fails, except that a text file whose rows are all
    well formed but not as many as the header says is that (not binary garbage). So a
    malformed text file is reported as text. w2v writes its binary files so that they
    never read as valid text (see write_vectors)."""
    first, second = (
        (_parse_text, _parse_binary) if _looks_like_text(body) else (_parse_binary, _parse_text)
    )
    try:
        return (*first(body, n_words, dim, name), first is _parse_binary)
    except _RowCount:
        raise
    except VectorsFormatError as error:
        try:
            return (*second(body, n_words, dim, name), second is _parse_binary)
        except VectorsFormatError:
            raise error from None


class _RowCount(VectorsFormatError):
    """Every row of a text file is a word and N numbers, but not as many as the header says."""


def _looks_like_text(body: bytes) -> bool:
    """Whether what follows the first word of the first row is there and printable ASCII,
    as numbers are (a malformed number included): float bytes almost never are."""
    row = FIRST_ROW.match(body).group(1).split(None, 1)
    return len(row) == 2 and bool(row[1].strip()) and not NOT_TEXT.search(row[1])


def _all_numbers(fields: list) -> bool:
    """Whether every field is a number as numpy reads them (Python's float takes 1_0 too)."""
    try:
        [float(x) for x in fields]
    except ValueError:
        return False
    return not any(b"_" in x for x in fields)


def _parse_text(body: bytes, n_words: int, dim: int, name: str) -> tuple:
    # Blank lines (the binary format's optional newline, copied into text) are skipped;
    # splitlines() handles CRLF and split() a trailing space.
    rows = [line.split(None, 1) for line in body.splitlines()]
    rows = [row for row in rows if row]
    try:
        if any(len(row) != 2 for row in rows):
            raise ValueError("a row without numbers")
        vectors = np.loadtxt([row[1] for row in rows], dtype=np.float32, comments=None, ndmin=2)
        if vectors.shape[1] != dim:
            raise ValueError("wrong dimensions")
    except ValueError:
        _diagnose_text(body, dim, name)
        raise VectorsFormatError(f"{name}: cannot parse the vectors as word2vec text") from None
    if len(rows) != n_words:
        raise _RowCount(
            f"{name}: the header announces {quantity(n_words, 'word')} but the file has "
            f"{quantity(len(rows), 'row')}; correct the first line"
        )
    return [row[0] for row in rows], vectors


def _diagnose_text(body: bytes, dim: int, name: str) -> None:
    """Raise the error for the first malformed text row (the slow path, only on failure)."""
    for number, line in enumerate(body.splitlines(), start=2):
        fields = line.split()
        if fields and len(fields) != dim + 1:
            raise VectorsFormatError(
                f"{name}, line {number}: expected a word and {quantity(dim, 'number')} (as the "
                f"header says), found {quantity(len(fields) - 1, 'number')}"
            )
        for field in fields[1:]:
            if not _all_numbers([field]):
                shown = field[:20].decode(errors="replace")
                raise VectorsFormatError(f"{name}, line {number}: '{shown}' is not a number")


def _parse_binary(body: bytes, n_words: int, dim: int, name: str) -> tuple:
    row_bytes = 4 * dim
    words, rows = [], []
    view = memoryview(body)
    pos = 0
    for i in range(n_words):
        if body[pos : pos + 1] == b"\n":  # the newline after each vector is optional
            pos += 1
        space = body.find(b" ", pos)
        if space < 0 or space + 1 + row_bytes > len(body):
            raise VectorsFormatError(
                f"{name}: the file ends inside binary vector {i + 1:,} of the {n_words:,} the "
                "header announces; it is truncated or the header is wrong"
            )
        if space == pos:
            raise VectorsFormatError(
                f"{name}: binary vector {i + 1:,} has an empty word; the file is damaged"
            )
        words.append(body[pos:space])
        rows.append(view[space + 1 : space + 1 + row_bytes])
        pos = space + 1 + row_bytes
    if body[pos:].strip():
        raise VectorsFormatError(
            f"{name}: data continues after the {quantity(n_words, 'binary vector')} the header "
            "announces; "
            "correct the first line"
        )
    vectors = np.frombuffer(b"".join(rows), dtype="<f4").reshape(n_words, dim)
    return words, vectors.astype(np.float32)  # a writable, native-order copy


def _check_finite(vectors: np.ndarray, words: list, body: bytes, binary: bool, name: str):
    """Refuse NaN and infinite values (a diverged run's output), naming the first such row."""
    if np.isfinite(vectors).all():
        return
    row = int(np.flatnonzero(~np.isfinite(vectors).all(axis=1))[0])
    word = words[row][:40].decode(errors="replace")
    if binary:
        where = f"binary vector {row + 1:,}"
    else:  # the line number, counting the blank lines that _parse_text skips
        rows = (n for n, line in enumerate(body.splitlines(), start=2) if line.split())
        where = f"line {next(itertools.islice(rows, row, None))}"
    raise VectorsFormatError(
        f"{name}, {where}: the vector of '{word}' has NaN or infinite values; remove it, or "
        "retrain (with a smaller --alpha)"
    )


def _first_of_each_word(words: list, vectors: np.ndarray) -> tuple:
    """Keep the first row of each word, as gensim does; returns words, vectors, rows dropped."""
    if len(set(words)) == len(words):  # the usual case, checked at C speed
        return words, vectors, 0
    first: dict[str, int] = {}
    for i, word in enumerate(words):
        first.setdefault(word, i)
    return list(first), vectors[list(first.values())], len(words) - len(first)


def _decode_words(raw: list) -> tuple:
    """Words as str, and how many were repaired: invalid UTF-8, and white space or NUL
    inside a word (only a binary file can hold them), replaced with U+FFFD, never fatal."""
    joined = b" ".join(raw)  # no word holds a space: both formats end a word there
    if not BLANK.search(joined.replace(b" ", b"")):
        try:
            return joined.decode().split(" "), 0, 0
        except UnicodeDecodeError:
            pass
    words, invalid, blank = [], 0, 0
    for word in raw:
        if BLANK.search(word):
            word = BLANK.sub(REPLACEMENT, word)
            blank += 1
        try:
            words.append(word.decode())
        except UnicodeDecodeError:
            words.append(word.decode(errors="replace"))
            invalid += 1
    return words, invalid, blank


# Streamed reading.

BLOCK_BYTES = 1 << 22  # read at once: 4 MiB, about 1,400 rows of 300 numbers as text
ROW_BYTES = 1 << 16  # of the first row, enough to tell text from binary


class _Malformed(Exception):
    """The streamed reading stopped: the whole-file reader says what is wrong."""


def read_vectors(f, name: str, limit: int | None = None) -> Read:
    """The vectors of the binary file object `f`: word2vec text or binary, or GloVe, each
    possibly compressed; only the first `limit` if given."""
    f = decompressed(f)
    compression = compression_of(f)
    try:
        if not _seekable(f):  # a pipe, a device: read whole, bounded, so it can be read again
            f = io.BytesIO(_read_bounded(f, name))
        try:
            read = _stream(f, name, limit)
        except _Malformed:
            f.seek(0)
            vectors = parse_vectors(_read_all(f, name), name)  # raises what is wrong
            read = _first(vectors, limit)  # (else it read what the stream did not: the same)
        return read._replace(compression=compression)
    except DECOMPRESSION_ERRORS as e:
        if not isinstance(f, COMPRESSED):
            raise
        raise VectorsFormatError(
            f"{name}: cannot decompress ({e}); is the file complete?"
        ) from None


def _seekable(f) -> bool:
    try:
        return f.seekable() and stat.S_ISREG(os.fstat(f.fileno()).st_mode)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return isinstance(f, io.BytesIO)


def _first(read: Read, limit: int | None) -> Read:
    if limit is None or limit >= len(read.words):
        return read
    return read._replace(words=read.words[:limit], vectors=read.vectors[:limit])


class _Blocks:
    """`f` read in blocks, with what is left of the last one."""

    def __init__(self, f):
        self.f, self.data, self.ended = f, b"", False

    def more(self) -> bool:
        """Read one more block onto `data`; False at the end of the file."""
        if self.ended:
            return False
        block = self.f.read(BLOCK_BYTES)
        self.ended = not block
        self.data += block
        return bool(block)


def _stream(f, name: str, limit: int | None) -> Read:
    blocks = _Blocks(f)
    while b"\n" not in blocks.data and len(blocks.data) <= HEADER_BYTES and blocks.more():
        pass
    blocks.data = blocks.data.removeprefix(BOM)
    if not NOT_SPACE.search(blocks.data):
        raise _Malformed  # empty
    header, _, rest = blocks.data.partition(b"\n")
    glove = _glove_dim(header)
    if glove:  # the first line is a row
        n_words, dim = _count_rows(f), glove
    else:
        try:
            n_words, dim = _parse_header(header, name)
        except VectorsFormatError:
            raise _Malformed from None
        blocks.data = rest
    if limit is not None:
        n_words = min(n_words, limit)
    _check_memory(n_words, dim, name)
    while not NOT_SPACE.search(blocks.data) and blocks.more():
        pass
    if n_words == 0 or not NOT_SPACE.search(blocks.data):
        raise _Malformed  # no vectors
    while b"\n" not in blocks.data.lstrip(b"\n") and len(blocks.data) <= ROW_BYTES:
        if not blocks.more():  # the first row whole, to tell text from binary
            break
    if glove or _looks_like_text(blocks.data):
        words, vectors = _text(blocks, n_words, dim, name, glove, limit is not None)
        binary = False
    else:
        words, vectors = _binary(blocks, n_words, dim, limit is not None)
        binary = True
    if not _all_finite(vectors):
        if glove:
            row = int(np.flatnonzero(~np.isfinite(vectors).all(axis=1))[0])
            raise VectorsFormatError(
                f"{name}: the vector of row {row + 1:,} has NaN or infinite values"
            )
        raise _Malformed
    words, invalid, blank = _decode_words(words)
    words, vectors, duplicates = _first_of_each_word(words, vectors)
    return Read(words, vectors, binary, invalid, duplicates, blank, bool(glove))


def _all_finite(vectors: np.ndarray, rows: int = 1 << 14) -> bool:
    """np.isfinite(vectors).all() without a boolean matrix as large as the vectors."""
    return all(np.isfinite(vectors[i : i + rows]).all() for i in range(0, len(vectors), rows))


def _count_rows(f) -> int:
    """The lines of the seekable `f`: an upper bound of a GloVe file's rows, so that its
    matrix is allocated once. Reads the file once more, and returns to where it was."""
    where = f.tell()
    f.seek(0)
    lines, last = 0, b"\n"
    while block := f.read(BLOCK_BYTES):
        lines += block.count(b"\n")
        last = block[-1:]
    f.seek(where)
    return lines + (last != b"\n")


def _text(blocks: _Blocks, n_words: int, dim: int, name: str, glove: bool, limited: bool):
    """Rows of text, `n_words` of them (GloVe: at most), each a word and `dim` numbers."""
    vectors = np.empty((n_words, dim), np.float32)
    words, row, line_number = [], 0, 1 + (not glove)
    while row < n_words:
        if not blocks.ended:
            blocks.more()
        if blocks.ended and not blocks.data:
            break
        end = len(blocks.data) if blocks.ended else blocks.data.rfind(b"\n") + 1
        if end == 0:
            continue  # no whole line yet
        lines, blocks.data = blocks.data[:end].splitlines(), blocks.data[end:]
        rows = [r for r in (line.split(None, 1) for line in lines) if r]
        if len(rows) > n_words - row:
            if not limited:
                raise _Malformed  # more rows than the header says
            rows = rows[: n_words - row]
        if rows:
            if any(len(r) != 2 for r in rows):
                _refuse_text(glove, name, dim, lines, line_number)
            try:
                part = np.loadtxt([r[1] for r in rows], np.float32, comments=None, ndmin=2)
            except ValueError:
                _refuse_text(glove, name, dim, lines, line_number)
            if part.shape[1] != dim:
                _refuse_text(glove, name, dim, lines, line_number)
            vectors[row : row + len(part)] = part
            words.extend(r[0] for r in rows)
            row += len(part)
        line_number += len(lines)
    if glove:
        return words, vectors[:row]
    if row < n_words:
        raise _Malformed  # fewer rows than the header says
    if not limited and (NOT_SPACE.search(blocks.data) or _more_data(blocks)):
        raise _Malformed  # more rows than the header says
    return words, vectors


def _refuse_text(glove: bool, name: str, dim: int, lines: list, first_number: int):
    """A malformed row: GloVe's error here (the line's number), word2vec's by the whole-file
    reader."""
    if not glove:
        raise _Malformed
    for number, line in enumerate(lines, start=first_number):
        fields = line.split()
        if fields and (len(fields) != dim + 1 or not _all_numbers(fields[1:])):
            raise VectorsFormatError(
                f"{name}, line {number:,}: expected a word and {dim} numbers (as the first line "
                f"has), found '{line[:60].decode(errors='replace')}'"
            )
    raise VectorsFormatError(f"{name}: cannot parse the vectors as GloVe text")


def _more_data(blocks: _Blocks) -> bool:
    """Whether anything but white space follows."""
    while blocks.more():
        if NOT_SPACE.search(blocks.data):
            return True
        blocks.data = b""
    return False


def _binary(blocks: _Blocks, n_words: int, dim: int, limited: bool):
    """word2vec binary records: a word, a space, `dim` little-endian float32, an optional
    newline."""
    vectors = np.empty((n_words, dim), np.float32)
    row_bytes = 4 * dim
    words, data, pos = [], blocks.data, 0
    for i in range(n_words):
        while True:
            start = pos + (data[pos : pos + 1] == b"\n")
            space = data.find(b" ", start)
            if space >= 0 and space + 1 + row_bytes <= len(data):
                break
            blocks.data = data[pos:]
            if not blocks.more():
                raise _Malformed  # truncated
            data, pos = blocks.data, 0
        if space == start:
            raise _Malformed  # an empty word
        words.append(data[start:space])
        vectors[i] = np.frombuffer(data, "<f4", dim, space + 1)
        pos = space + 1 + row_bytes
    blocks.data = data[pos:]
    if not limited and (NOT_SPACE.search(blocks.data) or _more_data(blocks)):
        raise _Malformed  # more than the header says
    return words, vectors
