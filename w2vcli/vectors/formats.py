"""Reading the vectors files people have, streamed into the matrix they fill.

word2vec text and binary (fastText's .vec is word2vec text), GloVe's text without a header
line, each of them as it is or compressed with gzip, bzip2 or xz (told by the first bytes,
not the name), and `limit` to read only the first N vectors (the most frequent words, in
all of these formats).

The file is read in blocks into a matrix allocated once at its final size, so loading
holds the matrix, the words and a block, never the whole file: a 1,000,000 x 300 file
needs its 1.2 GB matrix, not the file's 1.2 GB (binary) or 2.7 GB (text) on top of it.
What a well-formed file holds comes out exactly as w2vcli.vectors.parse_vectors, the
whole-file reader, makes it; when a word2vec file is not well formed, that reader reads
it again to say exactly what is wrong and where (the errors are its errors).
"""

import bz2
import gzip
import io
import lzma
import os
import stat
import zlib

import numpy as np

from ..errors import VectorsFormatError
from .vectors import (
    BOM,
    HEADER_BYTES,
    NOT_SPACE,
    Vectors,
    _all_numbers,
    _check_memory,
    _decode_words,
    _first_of_each_word,
    _glove_dim,
    _looks_like_text,
    _parse_header,
    _read_all,
    _read_bounded,
    parse_vectors,
)

BLOCK_BYTES = 1 << 22  # read at once: 4 MiB, about 1,400 rows of 300 numbers as text
ROW_BYTES = 1 << 16  # of the first row, enough to tell text from binary
MAGIC = {  # the first bytes of each compression format, and its reader
    b"\x1f\x8b": gzip.GzipFile,
    b"BZh": bz2.BZ2File,
    b"\xfd7zXZ\x00": lzma.LZMAFile,
}
DECOMPRESSION_ERRORS = (EOFError, OSError, lzma.LZMAError, zlib.error)


class _Malformed(Exception):
    """The streamed reading stopped: the whole-file reader says what is wrong."""


def decompressed(f):
    """`f` (a binary file object that can peek or seek), decompressed if its first bytes
    are those of gzip, bzip2 or xz; else `f` itself."""
    start = f.peek(8)[:8] if hasattr(f, "peek") else _first_bytes(f)
    for magic, reader in MAGIC.items():
        if start.startswith(magic):
            return reader(fileobj=f, mode="rb") if reader is gzip.GzipFile else reader(f)
    return f


def _first_bytes(f) -> bytes:
    start = f.read(8)
    f.seek(0)
    return start


def read_vectors(f, name: str, limit: int | None = None) -> Vectors:
    """The vectors of the binary file object `f`: word2vec text or binary, or GloVe, each
    possibly compressed; only the first `limit` if given."""
    f = decompressed(f)
    try:
        if not _seekable(f):  # a pipe, a device: read whole, bounded, so it can be read again
            f = io.BytesIO(_read_bounded(f, name))
        try:
            return _stream(f, name, limit)
        except _Malformed:
            f.seek(0)
            vectors = parse_vectors(_read_all(f, name), name)  # raises what is wrong
            return _first(vectors, limit)  # (else it read what the stream did not: the same)
    except DECOMPRESSION_ERRORS as e:
        if not isinstance(f, (gzip.GzipFile, bz2.BZ2File, lzma.LZMAFile)):
            raise
        raise VectorsFormatError(
            f"{name}: cannot decompress ({e}); is the file complete?"
        ) from None


def _seekable(f) -> bool:
    try:
        return f.seekable() and stat.S_ISREG(os.fstat(f.fileno()).st_mode)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return isinstance(f, io.BytesIO)


def _first(vecs: Vectors, limit: int | None) -> Vectors:
    if limit is None or limit >= len(vecs):
        return vecs
    vecs.words, vecs.vectors = vecs.words[:limit], vecs.vectors[:limit]
    return vecs


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


def _stream(f, name: str, limit: int | None) -> Vectors:
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
    return Vectors(words, vectors, binary, invalid, duplicates, blank)


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
