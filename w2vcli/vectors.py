"""word2vec vector files: text and binary formats, written atomically.

Text: a `V N` header line, then `word v1 ... vN` per line. Numbers are written with 9
significant digits, which round-trips float32 exactly, so text and binary hold the same
vectors. Binary (word2vec C's -binary 1): the header line, then for each word the UTF-8
word, a space, N little-endian float32 and a newline.

Words never contain white space: the corpus reader splits on it, so every word can be
written and read back safely.

Reading is strict about numbers and lenient about words: a NaN or infinite value is
refused (naming the line), invalid UTF-8 in a word is replaced with U+FFFD and counted,
and of a word given twice the first row is kept (as gensim), the others counted and dropped.
"""

import contextlib
import errno
import io
import itertools
import os
import sys
import tempfile
from dataclasses import dataclass

import numpy as np

from .errors import VectorsFormatError, W2VError

# Rows formatted per write: 256 rows of 100 floats hold about 1 MB of Python objects at once
# (4,096 rows added 30 MB to the peak memory of a training run), and the writes stay large.
ROWS_PER_WRITE = 256
FULL_DISK = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)  # write errors: the output's fault


@contextlib.contextmanager
def atomic_output(path: str, option: str = "--output"):
    """A binary file that appears at `path` only when the block completes.

    The temporary file is created at once in the target's directory, so a bad path fails
    before any long work; on any error or interruption it is removed and `path` is left as
    it was. '-' is stdout.
    """
    if path == "-":
        yield from _stdout(option)
        return
    if os.path.isdir(path) or path.endswith(os.sep):
        raise W2VError(f"{option} {path}: is a directory; give a file name")
    directory = os.path.dirname(os.path.abspath(path))
    try:
        prefix = f".{os.path.basename(path)}."
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=prefix, suffix=".tmp")
    except FileNotFoundError:
        raise W2VError(
            f"{option} {path}: directory {directory} does not exist; create it first"
        ) from None
    except PermissionError:
        raise W2VError(f"{option} {path}: directory {directory} is not writable") from None
    except OSError as e:
        raise W2VError(f"{option} {path}: cannot create a file there ({e.strerror or e})") from None
    try:
        with io.BufferedWriter(_TempFile(fd, f"{option} {path}")) as f:
            yield f
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 is not what a user expects
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class _TempFile(io.FileIO):
    """The temporary file's raw writes, whose failure on a full disk names the output."""

    def __init__(self, fd: int, label: str):
        super().__init__(fd, "wb")
        self.label = label

    def write(self, data) -> int:
        try:
            return super().write(data)
        except OSError as e:
            if e.errno not in FULL_DISK:
                raise
            raise W2VError(
                f"{self.label}: cannot write ({e.strerror}); nothing was written: free some "
                "space or write elsewhere"
            ) from None


def _stdout(option: str):
    if sys.stdout is None:  # started with stdout closed (`>&-`)
        raise W2VError(f"{option} -: stdout is closed; give a file name")
    try:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
    except OSError as e:
        if e.errno not in FULL_DISK:
            raise
        # What is still buffered would fail again at exit, with a second message.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise W2VError(f"{option} -: cannot write to stdout ({e.strerror})") from None


def write_vectors(f, words: list, vectors: np.ndarray, binary: bool = False) -> None:
    """Write `vectors` (V x N) for `words` to the binary file object `f`."""
    n_words, dim = vectors.shape
    f.write(f"{n_words} {dim}\n".encode())
    if binary:
        rows = np.ascontiguousarray(vectors, dtype="<f4")
        for word, row in zip(words, rows, strict=True):
            f.write(word.encode() + b" " + row.tobytes() + b"\n")
        return
    row_format = " ".join(["%.9g"] * dim)
    for start in range(0, n_words, ROWS_PER_WRITE):
        block = vectors[start : start + ROWS_PER_WRITE].tolist()
        lines = [
            f"{w} {row_format % tuple(r)}\n" for w, r in zip(words[start:], block, strict=False)
        ]
        f.write("".join(lines).encode())


# Reading. The format is detected from the content: after the header, the file is text if
# its first row reads as a word and N numbers, binary otherwise. Text rows are parsed by
# numpy's C reader in one call; binary rows are found by a loop over the words (each is
# followed by exactly 4N bytes) and their floats joined into one numpy.frombuffer.

BOM = b"\xef\xbb\xbf"


@dataclass
class Vectors:
    words: list  # str, in file order (most frequent first in word2vec files)
    vectors: np.ndarray  # (V, N) float32
    binary: bool
    invalid_utf8: int = 0  # words whose invalid UTF-8 bytes were replaced with U+FFFD
    duplicates: int = 0  # rows dropped because their word came earlier in the file


def read_vectors(path: str) -> tuple:
    """The words (list of str) and (V, N) float32 vectors of a word2vec text or binary file."""
    loaded = load_vectors(path)
    return loaded.words, loaded.vectors


def load_vectors(path: str) -> Vectors:
    """Read a word2vec text or binary file ('-' for stdin), detecting the format."""
    if path == "-":
        if sys.stdin is None:  # started with stdin closed (`<&-`)
            raise W2VError("stdin is closed; give a vectors file with -v PATH")
        return parse_vectors(sys.stdin.buffer.read(), "stdin")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise W2VError(
            f"{path}: no such file; train one with 'w2v train CORPUS -o {path}'"
        ) from None
    except IsADirectoryError:
        raise W2VError(f"{path}: is a directory, not a vectors file") from None
    except OSError as e:
        raise W2VError(f"{path}: cannot read ({e.strerror or e})") from None
    return parse_vectors(data, path)


def parse_vectors(data: bytes, name: str = "vectors") -> Vectors:
    """Parse the bytes of a word2vec file; `name` is used in error messages."""
    data = data.removeprefix(BOM)
    if not data.strip():
        raise VectorsFormatError(f"{name}: empty file; expected a word2vec 'V N' header line")
    header, _, body = data.partition(b"\n")
    n_words, dim = _parse_header(header, name)
    if not body.strip():
        raise VectorsFormatError(f"{name}: the header announces {n_words:,} words but none follow")
    binary = not _is_text(body)
    if binary:
        raw_words, vectors = _parse_binary(body, n_words, dim, name)
    else:
        try:
            raw_words, vectors = _parse_text(body, n_words, dim, name)
        except VectorsFormatError as text_error:
            # A malformed text file, or (rarely) binary floats whose first bytes read as
            # numbers up to a newline byte: binary only if the whole file parses as binary.
            try:
                raw_words, vectors = _parse_binary(body, n_words, dim, name)
                binary = True
            except VectorsFormatError:
                raise text_error from None
    _check_finite(vectors, raw_words, body, binary, name)
    words, invalid = _decode_words(raw_words)
    words, vectors, duplicates = _first_of_each_word(words, vectors)
    return Vectors(words, vectors, binary, invalid, duplicates)


def _parse_header(line: bytes, name: str) -> tuple:
    fields = line.split()
    if len(fields) == 2 and all(f.isdigit() for f in fields) and int(fields[1]) > 0:
        return int(fields[0]), int(fields[1])
    shown = line[:40].decode(errors="replace").strip()
    hint = "; files without a header line (GloVe) need one added" if len(fields) > 2 else ""
    raise VectorsFormatError(
        f"{name}, line 1: expected a 'V N' header (words, dimensions), found '{shown}'{hint}"
    )


def _is_text(body: bytes) -> bool:
    """Whether the first row reads as a word and numbers (if not, the file is binary)."""
    fields = body.lstrip(b"\n").split(b"\n", 1)[0].split()[1:]
    return bool(fields) and _all_numbers(fields)


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
        raise VectorsFormatError(
            f"{name}: the header announces {n_words:,} words but the file has {len(rows):,} "
            "rows; correct the first line"
        )
    return [row[0] for row in rows], vectors


def _diagnose_text(body: bytes, dim: int, name: str) -> None:
    """Raise the error for the first malformed text row (the slow path, only on failure)."""
    for number, line in enumerate(body.splitlines(), start=2):
        fields = line.split()
        if fields and len(fields) != dim + 1:
            raise VectorsFormatError(
                f"{name}, line {number}: expected a word and {dim} numbers (as the header says), "
                f"found {len(fields) - 1} numbers"
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
        words.append(body[pos:space])
        rows.append(view[space + 1 : space + 1 + row_bytes])
        pos = space + 1 + row_bytes
    if body[pos:].strip():
        raise VectorsFormatError(
            f"{name}: data continues after the {n_words:,} binary vectors the header announces; "
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
    """Words as str; invalid UTF-8 is replaced with U+FFFD and counted, never fatal."""
    try:
        words = b"\n".join(raw).decode().split("\n")
        if len(words) == len(raw):
            return words, 0
    except UnicodeDecodeError:
        pass
    words, invalid = [], 0
    for word in raw:
        try:
            words.append(word.decode())
        except UnicodeDecodeError:
            words.append(word.decode(errors="replace"))
            invalid += 1
    return words, invalid
