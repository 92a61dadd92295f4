"""word2vec vector files: text and binary formats, written atomically.

Text: a `V N` header line, then `word v1 ... vN` per line. Numbers are written with 9
significant digits, which round-trips float32 exactly, so text and binary hold the same
vectors. Binary (word2vec C's -binary 1): the header line, then for each word the UTF-8
word, a space, N little-endian float32 and a newline.

Words never contain white space: the corpus reader splits on it, so every word can be
written and read back safely.
"""

import contextlib
import os
import sys
import tempfile

import numpy as np

from .errors import W2VError

ROWS_PER_WRITE = 4096


@contextlib.contextmanager
def atomic_output(path: str, option: str = "--output"):
    """A binary file that appears at `path` only when the block completes.

    The temporary file is created at once in the target's directory, so a bad path fails
    before any long work; on any error or interruption it is removed and `path` is left as
    it was. '-' is stdout.
    """
    if path == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    except FileNotFoundError:
        raise W2VError(f"{option} {path}: directory {directory} does not exist; create it first")
    except PermissionError:
        raise W2VError(f"{option} {path}: directory {directory} is not writable")
    except OSError as e:
        raise W2VError(f"{option} {path}: cannot create a file there ({e.strerror or e})")
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 is not what a user expects
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_vectors(f, words: list, vectors: np.ndarray, binary: bool = False) -> None:
    """Write `vectors` (V x N) for `words` to the binary file object `f`."""
    n_words, dim = vectors.shape
    f.write(f"{n_words} {dim}\n".encode())
    if binary:
        rows = np.ascontiguousarray(vectors, dtype="<f4")
        for word, row in zip(words, rows):
            f.write(word.encode() + b" " + row.tobytes() + b"\n")
        return
    row_format = " ".join(["%.9g"] * dim)
    for start in range(0, n_words, ROWS_PER_WRITE):
        block = vectors[start : start + ROWS_PER_WRITE].tolist()
        lines = [f"{w} {row_format % tuple(r)}\n" for w, r in zip(words[start:], block)]
        f.write("".join(lines).encode())
