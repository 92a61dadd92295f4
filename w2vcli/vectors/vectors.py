"""word2vec vector files: text and binary formats.

Text: a `V N` header line, then `word v1 ... vN` per line. Numbers are written with 9
significant digits, which round-trips float32 exactly, so text and binary hold the same
vectors. Binary (word2vec C's -binary 1): the header line, then for each word the UTF-8
word, a space, N little-endian float32 and a newline. (Outputs are opened by w2vcli.files,
which writes them atomically.)

Words never contain ASCII white space or NUL: the corpus reader splits on them, the
readers here replace them (a binary file can hold any byte but a space in a word), and
the writer refuses them, so that every file w2v writes, w2v and other tools read back.

Reading is strict about numbers and lenient about words: a NaN or infinite value is
refused (naming the line), invalid UTF-8 and white space in a word are replaced with
U+FFFD and counted, and of a word given twice the first row is kept (as gensim), the
others counted and dropped. Memory is bounded before reading: the matrix the header
announces must fit in this machine's memory, and a stream (stdin, a pipe) may not run
on past what the header announces.
"""

import contextlib
import functools
import itertools
import os
import re
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..config import physical_memory
from ..errors import VectorsFormatError, W2VError

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


def write_vectors(f, words: list, vectors: np.ndarray, binary: bool = False) -> None:
    """Write `vectors` (V x N) for `words` to the binary file object `f`."""
    check_words(words)
    n_words, dim = vectors.shape
    f.write(f"{n_words} {dim}\n".encode())
    if binary:
        rows = np.ascontiguousarray(vectors, dtype="<f4")
        # The newline after each vector is optional. Left out when the first row looks like
        # text (float bytes that spell digits): the file, one long line, then never reads
        # as a valid text file (see _parse_body).
        first = words[0].encode() + b" " + rows[0].tobytes() if len(rows) else b""
        end = b"" if _looks_like_text(first) else b"\n"
        for word, row in zip(words, rows, strict=True):
            f.write(word.encode() + b" " + row.tobytes() + end)
        return
    row_format = " ".join(["%.9g"] * dim)
    for start in range(0, n_words, ROWS_PER_WRITE):
        block = vectors[start : start + ROWS_PER_WRITE].tolist()
        lines = [
            f"{w} {row_format % tuple(r)}\n" for w, r in zip(words[start:], block, strict=False)
        ]
        f.write("".join(lines).encode())


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


class Neighbour(NamedTuple):
    word: str
    score: float


class UnknownWord(W2VError, KeyError):
    """A word that is not in the vectors."""

    def __str__(self):
        return self.args[0]


@dataclass
class Vectors:
    """Word vectors, asked by word: `vecs["king"]`, `vecs.nearest("king")`, as gensim's
    KeyedVectors. Answers are (word, score) records; rows never leave this class."""

    words: list  # str, in file order (most frequent first in word2vec files)
    vectors: np.ndarray  # (V, N) float32
    binary: bool = False  # the format of the file read
    invalid_utf8: int = 0  # words whose invalid UTF-8 bytes were replaced with U+FFFD
    duplicates: int = 0  # rows dropped because their word came earlier in the file
    blank_words: int = 0  # words whose white space or NUL was replaced with U+FFFD

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word) -> bool:
        return word in self.rows

    def __getitem__(self, word: str) -> np.ndarray:
        return self.vectors[self.row(word)]

    @property
    def matrix(self) -> np.ndarray:
        """The (V, N) vectors, row i for words[i]."""
        return self.vectors

    @functools.cached_property
    def rows(self) -> dict:
        """word -> row, without the unit vectors that only queries need."""
        from .query import first_rows

        return first_rows(self.words)

    @functools.cached_property
    def index(self):
        from .query import Index

        return Index(self.words, self.vectors, self.rows)

    @classmethod
    def of_unit(cls, words: list, unit: np.ndarray, rows=None) -> "Vectors":
        """Vectors that are unit length already (a w2v index, mapped into memory); `rows`:
        a word -> row mapping, if not a dictionary built from `words`."""
        from .query import Index

        vecs = cls(words, unit)
        if rows is not None:
            vecs.__dict__["rows"] = rows
        vecs.__dict__["index"] = Index.of_unit(words, unit, vecs.rows)
        return vecs

    def normalize(self) -> "Vectors":
        """Make every vector a unit vector, in place (gensim's old init_sims(replace=True)):
        queries then need no second matrix of unit vectors, the memory of a big file."""
        from .query import Index

        if "index" not in self.__dict__:
            self.vectors = np.require(self.vectors, np.float32, ["C", "W"])
            self.__dict__["index"] = Index(self.words, self.vectors, self.rows, in_place=True)
        else:
            self.vectors = self.index.unit
        return self

    def row(self, word: str) -> int:
        try:
            return self.rows[word]
        except (KeyError, TypeError):
            raise UnknownWord(f"{word!r} is not in the vectors") from None

    def nearest(self, query=(), k: int = 10, restrict: int | None = None, negative=()) -> list:
        """The k words most similar by cosine to `query`: a word, a list of words, or a
        vector. Words' unit vectors are averaged, those of `negative` subtracted, as
        gensim's most_similar(positive, negative): nearest(["king", "woman"],
        negative=["man"]). Query words are never answers."""
        from .query import nearest_to

        if isinstance(query, np.ndarray):
            target, exclude = np.asarray(query, dtype=np.float64), []
            return self._named(nearest_to(self.index, target, exclude, k, restrict))
        positive = [query] if isinstance(query, str) else list(query)
        negative = [negative] if isinstance(negative, str) else list(negative)
        if not positive and not negative:
            raise ValueError("nearest: give a word, words or a vector")
        plus, minus = [self.row(w) for w in positive], [self.row(w) for w in negative]
        unit = self.index.unit
        summed = unit[plus].astype(np.float64).sum(axis=0) - unit[minus].sum(axis=0)
        target = summed / (len(plus) + len(minus))
        return self._named(nearest_to(self.index, target, plus + minus, k, restrict))

    def doesnt_match(self, words: list) -> Neighbour:
        """The word of `words` least like the others: the lowest cosine with the mean of
        their unit vectors (gensim's doesnt_match), and that cosine."""
        if len(words) < 2:
            raise ValueError("doesnt_match: give two words or more")
        unit = self.index.unit[[self.row(w) for w in words]].astype(np.float64)
        mean = unit.mean(axis=0)
        norm = np.linalg.norm(mean)
        cosines = unit @ (mean / norm if norm > 0 else mean)
        odd = int(np.argmin(cosines))
        return Neighbour(words[odd], float(cosines[odd]))

    def nearest_each(self, words: list, k: int = 10, restrict: int | None = None) -> list:
        """nearest(word) for each of `words`, with one matrix product: a list per word."""
        from .query import nearest

        rows = [self.row(w) for w in words]
        return [self._named(found) for found in nearest(self.index, rows, k, restrict)]

    def analogy(
        self, a: str, b: str, c: str, k: int = 10, method: str = "add", restrict=None
    ) -> list:
        """The k best d for 'a is to b as c is to d' (3CosAdd, or 3CosMul with "mul")."""
        return self.analogy_each([(a, b, c)], k, method, restrict)[0]

    def analogy_each(self, triples: list, k: int = 10, method: str = "add", restrict=None):
        """analogy(a, b, c) for each (a, b, c) of `triples`, at once: a list per triple."""
        from .query import analogy

        rows = [[self.row(w) for w in triple] for triple in triples]
        return [self._named(found) for found in analogy(self.index, rows, k, method, restrict)]

    def similarity(self, a: str, b: str) -> float:
        """The cosine similarity of two words."""
        return self.similarity_each([(a, b)])[0]

    def similarity_each(self, pairs: list) -> list:
        """similarity(a, b) for each (a, b) of `pairs`, at once."""
        from .query import similarity

        rows = [[self.row(a), self.row(b)] for a, b in pairs]
        return similarity(self.index, rows).astype(float).tolist()

    def norms(self) -> np.ndarray:
        """The Euclidean norm of each vector, in float64."""
        from .query import row_norms

        return row_norms(self.vectors)

    def evaluate_analogies(self, source, restrict: int = 30_000, name: str | None = None):
        """Accuracy on analogy questions (questions-words format: ': section' lines, then
        'a b c d' lines), as gensim computes it. `source` is a path or an iterable of
        lines; `name` is how messages call it (the path by default)."""
        from .evaluate import evaluate_analogies

        with _lines(source, "analogies") as (lines, label):
            return evaluate_analogies(self.index, lines, restrict, name or label)

    def evaluate_pairs(self, source, name: str | None = None):
        """Spearman and Pearson correlation with word pairs and scores (WordSim-353,
        SimLex-999 format). `source` is a path or an iterable of lines."""
        from .evaluate import evaluate_pairs

        with _lines(source, "pairs") as (lines, label):
            return evaluate_pairs(self.index, lines, name or label)

    def save(self, target, format: str = "text") -> None:
        """Write a word2vec file ("text" or "binary"): to a path, atomically, or to a
        binary file object."""
        from ..io.files import plan_outputs, write_outputs

        if format not in ("text", "binary"):
            raise ValueError(f"format must be text or binary (got {format!r})")
        if hasattr(target, "write"):
            return write_vectors(target, self.words, self.vectors, format == "binary")
        output = plan_outputs({"path": os.fspath(target)}, [])["path"]
        with write_outputs([output]) as (f,):
            write_vectors(f, self.words, self.vectors, format == "binary")

    def _named(self, answers: list) -> list:
        return [Neighbour(self.words[r], float(v)) for r, v in answers]


@contextlib.contextmanager
def _lines(source, what: str):
    """The lines of `source`, a path (read in bounded memory) or already lines, and its name."""
    from ..io.files import text_file

    if isinstance(source, str | os.PathLike):
        path = os.fspath(source)
        with text_file(path, what) as lines:
            yield lines, path
    else:
        yield source, what


def read_vectors(path: str) -> tuple:
    """The words (list of str) and (V, N) float32 vectors of a word2vec text or binary file."""
    loaded = load_vectors(path)
    return loaded.words, loaded.vectors


HEADER_NUMBER = re.compile(rb"[0-9]{1,18}")  # counts, without leading zeros; int64 holds them
HEADER_BYTES = 1 << 16  # the 'V N' line must end within this (a GloVe row is ~3 KB)
READ_BYTES = 1 << 20
# A stream may hold up to this much per vector the header announces (a long word, numbers
# of 60 digits) before it is refused as running on past what the header announces.
STREAM_BYTES_PER_WORD = 1024
STREAM_BYTES_PER_NUMBER = 64


def load_vectors(source, name: str | None = None, limit: int | None = None) -> Vectors:
    """Read a vectors file: `source` is a path (a file, even one named '-') or a binary file
    object; `name` is how messages call it; `limit`: only the first N vectors. word2vec text
    or binary, or GloVe, each possibly compressed (gzip, bzip2, xz): see w2vcli.readers."""
    from ..io.files import check_input
    from .formats import read_vectors

    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1 (got {limit})")
    if not isinstance(source, str | os.PathLike):
        return read_vectors(source, name or str(getattr(source, "name", "vectors")), limit)
    path = os.fspath(source)
    check_input(path, "a vectors file")
    try:
        with open(path, "rb") as f:
            return read_vectors(f, path, limit)
    except FileNotFoundError:
        raise W2VError(
            f"{path}: no such file; train one with 'w2v train CORPUS -o {path}'"
        ) from None
    except IsADirectoryError:
        raise W2VError(f"{path}: is a directory, not a vectors file") from None
    except OSError as e:
        raise W2VError(f"{path}: cannot read ({e.strerror or e})") from None


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
                f"{name}: data runs on past the {n_words:,} vectors of {dim} numbers the header "
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
            f"{name}: the header announces {n_words:,} vectors of {dim} numbers "
            f"({need / 2**30:,.1f} GiB), more than this machine's memory "
            f"({physical_memory() / 2**30:,.1f} GiB)"
        )


def parse_vectors(data: bytes, name: str = "vectors") -> Vectors:
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
        raise VectorsFormatError(f"{name}: the header announces {n_words:,} words but none follow")
    raw_words, vectors, binary = _parse_body(body, n_words, dim, name)
    _check_finite(vectors, raw_words, body, binary, name)
    words, invalid, blank = _decode_words(raw_words)
    words, vectors, duplicates = _first_of_each_word(words, vectors)
    return Vectors(words, vectors, binary, invalid, duplicates, blank)


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
        if space == pos:
            raise VectorsFormatError(
                f"{name}: binary vector {i + 1:,} has an empty word; the file is damaged"
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
