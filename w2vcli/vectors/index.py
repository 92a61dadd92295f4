"""The index of a vectors file: its unit vectors and words in a form the query commands
map into memory instead of reading, so that asking a big file starts at once.

`w2v index vectors.bin` writes the folder `vectors.bin.index/` beside it:

- `unit.npy`: the (V, N) float32 unit vectors, as the queries compute them, in numpy's
  own format, plain numbers only (read with np.load(mmap_mode="r"));
- `words.txt`: the words, one a line, UTF-8, in the order of the rows;
- `sorted.txt` and `sorted.npy`: the same words sorted by their bytes, and the row of
  each, so that a query word is found by binary search, without the dictionary of a
  million words that a query would otherwise build first (half a second);
- `source.json`: the vectors file it was made from (path, size, modification time, a
  sample of its content) and the shape, so that an index of another file, or of an
  older version of this one, is known (a file moved with its index keeps its size and
  time, and its index); and the sha256 of the three files read whole (words.txt,
  sorted.txt, sorted.npy), checked as they are read: an edited one is refused, never
  answered from. unit.npy is mapped, not read: its header is checked, not its numbers
  (hashing it would take as long as reading the vectors file).

The folder is written beside it under a temporary name and put in place whole
(w2vcli.io.dirs), so a half-written index is never used; only a folder of an index's
files is ever replaced. A query finds the index by the vectors file's name and
uses it only while it is current; when the vectors file has changed since, it says so and
reads the file.
"""

import hashlib
import json
import os
import warnings

import numpy as np

from ..errors import W2VError, W2VWarning
from ..io import dirs
from .vectors import Vectors

SUFFIX = ".index"
FORMAT = 2  # of source.json (1: without the files' sha256)


def index_path(vectors_path: str) -> str:
    return vectors_path + SUFFIX


SAMPLE_BYTES = 1 << 20


def _source(path: str) -> dict:
    """What identifies the vectors file's version: size, modification time, and the sha256
    of its first and last MiB (another file of the same size and time, copied or restored
    with its time, is not it; hashing all of a big file would undo what the index is for)."""
    info = os.stat(path)
    digest = hashlib.sha256()
    with open(dirs.open_regular(path), "rb") as f:
        digest.update(f.read(SAMPLE_BYTES))
        f.seek(max(SAMPLE_BYTES, info.st_size - SAMPLE_BYTES))
        digest.update(f.read(SAMPLE_BYTES))
    return {"size": info.st_size, "mtime_ns": info.st_mtime_ns, "sample": digest.hexdigest()}


FILES = ("unit.npy", "words.txt", "sorted.txt", "sorted.npy", "source.json")


def write_index(vecs: Vectors, vectors_path: str) -> str:
    """Write the index of the vectors file `vectors_path`, whose vectors are `vecs`
    (unit-normalised here, in place); returns the index folder's path. It is written whole
    (io.dirs.staged); only a folder holding an index's files is replaced."""
    target = index_path(vectors_path)

    def ours(folder: str) -> bool:
        return dirs.only_files(folder, FILES.__contains__)

    if (
        os.path.islink(target)
        or os.path.lexists(target)
        and not (os.path.isdir(target) and ours(target))
    ):  # a name w2v chose: never written through a link, nor over what is not an index
        raise W2VError(f"{target}: exists and is not an index folder; remove it first")
    real = dirs.check_target(target, "PATH.index", ours, "an index")
    source = _source(vectors_path)
    vecs.normalize()
    encoded = [w.encode() for w in vecs.words]
    order = sorted(range(len(encoded)), key=encoded.__getitem__)
    whole = {
        "words.txt": b"\n".join(encoded) + b"\n",
        "sorted.txt": b"\n".join(encoded[i] for i in order) + b"\n",
    }
    order = np.array(order, np.int64)
    meta = {
        "format": FORMAT,
        "path": os.path.abspath(vectors_path),
        "source": source,
        "words": len(vecs),
        "dim": vecs.matrix.shape[1],
        "sha256": {name: _sha256(data) for name, data in [*whole.items(), ("sorted.npy", order)]},
    }
    try:
        with dirs.staged(real, 0o777 & ~dirs.umask(), ours=ours) as tmp:
            dirs.write_array(tmp, "unit.npy", vecs.matrix)
            for name, data in whole.items():
                dirs.write_file(tmp, name, data)
            dirs.write_array(tmp, "sorted.npy", order)
            dirs.write_file(tmp, "source.json", json.dumps(meta).encode())
    except OSError as e:
        raise W2VError(f"{target}: cannot write the index ({e.strerror or e})") from None
    return target


def _sha256(data) -> str:
    return hashlib.sha256(data).hexdigest()  # (of an array's data, in its order)


def load_index(vectors_path: str, limit: int | None = None) -> Vectors | None:
    """The vectors of `vectors_path` from its index, unit-normalised and mapped into
    memory, if it has a current one; None if it has none. A stale index is ignored with a
    W2VWarning; a damaged one, or one of another file, is an error."""
    folder = index_path(vectors_path)
    if not os.path.isdir(folder):
        return None
    try:
        meta = json.loads(dirs.read_regular(os.path.join(folder, "source.json"), 1 << 20))
        source = meta["source"]
        n_words, dim = meta["words"], meta["dim"]
        if not (dirs.is_count(n_words, 2**31) and dirs.is_count(dim, 2**20) and n_words * dim):
            raise ValueError("words, dim")
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        raise W2VError(
            f"{folder}: not a w2v index (no readable source.json); remove it or run "
            f"'w2v index {vectors_path}'"
        ) from None
    if meta.get("format") != FORMAT or not isinstance(meta.get("sha256"), dict):
        warnings.warn(
            f"{folder} was made by an older w2v; reading {vectors_path} instead (run "
            f"'w2v index {vectors_path}' to make it again)",
            W2VWarning,
            stacklevel=2,
        )
        return None
    if source != _source(vectors_path):
        made_from = meta.get("path")
        if made_from != os.path.abspath(vectors_path):
            raise W2VError(
                f"{folder}: the index of another file ({made_from}), not of {vectors_path}; "
                f"remove it or run 'w2v index {vectors_path}'"
            )
        warnings.warn(
            f"{vectors_path} has changed since {folder} was made; reading the file instead "
            f"(run 'w2v index {vectors_path}' to bring the index up to date)",
            W2VWarning,
            stacklevel=2,
        )
        return None
    limit_bytes = dirs.word_list_bytes(n_words)
    try:
        unit = dirs.read_npy(os.path.join(folder, "unit.npy"), mmap=True)
        words = dirs.read_regular(os.path.join(folder, "words.txt"), limit_bytes)
        blob = dirs.read_regular(os.path.join(folder, "sorted.txt"), limit_bytes)
        order = dirs.read_npy(os.path.join(folder, "sorted.npy"))
        read = {"words.txt": words, "sorted.txt": blob, "sorted.npy": order}
        changed = [name for name, data in read.items() if _sha256(data) != meta["sha256"].get(name)]
        if changed:
            raise ValueError(f"{', '.join(changed)}: not as written (sha256)")
        words = words.decode("utf-8").split("\n")[:-1]
        if order.dtype != np.int64 or order.shape != (n_words,):
            raise ValueError("sorted.npy is not the rows' order")
        if len(words) != n_words or np.any(np.bincount(order, minlength=n_words) != 1):
            raise ValueError("sorted.npy is not an order of the rows")  # (checked in O(V))
        rows = SortedRows(blob, order)
    except (OSError, ValueError, UnicodeDecodeError) as e:
        raise W2VError(f"{folder}: damaged index ({e}); run 'w2v index {vectors_path}'") from None
    shapes = unit.shape, len(rows.starts) - 1
    if shapes != ((n_words, dim), n_words) or unit.dtype != np.float32:
        raise W2VError(
            f"{folder}: the index does not match its source.json (another file's, or "
            f"damaged); run 'w2v index {vectors_path}'"
        )
    if limit is not None:
        words, unit, rows = words[:limit], unit[:limit], rows.below(limit)
    return Vectors.of_unit(words, unit, rows)


class SortedRows:
    """word -> row by binary search over the words sorted by their bytes (a read-only
    mapping for the queries: `in`, [], get)."""

    def __init__(self, blob: bytes, order: np.ndarray, limit: int | None = None):
        self.blob, self.order, self.limit = blob, order, limit
        ends = np.flatnonzero(np.frombuffer(blob, np.uint8) == ord("\n"))
        self.starts = np.concatenate([[0], ends + 1])  # word i: blob[starts[i]:starts[i+1]-1]

    def below(self, limit: int) -> "SortedRows":
        """The same words, those at rows from `limit` on left out (--limit)."""
        rows = SortedRows.__new__(SortedRows)
        rows.blob, rows.order, rows.starts, rows.limit = self.blob, self.order, self.starts, limit
        return rows

    def get(self, word, default=None):
        try:
            key = word.encode()
        except (AttributeError, UnicodeEncodeError):
            return default
        lo, hi = 0, len(self.order)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.blob[self.starts[mid] : self.starts[mid + 1] - 1] < key:
                lo = mid + 1
            else:
                hi = mid
        if lo < len(self.order) and self.blob[self.starts[lo] : self.starts[lo + 1] - 1] == key:
            row = int(self.order[lo])
            if self.limit is None or row < self.limit:
                return row
        return default

    def __getitem__(self, word) -> int:
        row = self.get(word)
        if row is None:
            raise KeyError(word)
        return row

    def __contains__(self, word) -> bool:
        return self.get(word) is not None


def load_unit(path: str, limit: int | None = None, read=None) -> Vectors:
    """The unit vectors of the vectors file `path`: from its index while it is current
    (mapped into memory), else read (by `read()`, default load_vectors) and normalised in
    place: answers need no other vectors."""
    from .vectors import load_vectors

    indexed = load_index(path, limit)
    if indexed is not None:
        return indexed
    return (read() if read else load_vectors(path, limit=limit)).normalize()
