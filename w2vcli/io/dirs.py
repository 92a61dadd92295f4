"""Directories written whole or not at all: model directories, prepared corpora, replays
and indexes all go through `staged`, under one rule.

A directory is written into a new temporary directory beside its target, every file
synced, then put in its place by one rename: an atomic exchange of the two directories
with Linux's renameat2, else the old one renamed aside first (a moment without either,
which a model directory repairs when it is next read: see training/model.py). So
`kill -9` at any time leaves the old directory or the new one, complete.

What may be replaced is checked before any work (`check_target`) and again at the moment
it is replaced: a new name in a folder we can write, or a directory that its kind
(`ours`) says w2v wrote, holding only regular files of its names (a folder named
`frozen.npy` is not a model's file); never through a symbolic link that another user put
in a shared sticky folder such as /tmp. Saves into one folder take turns (`locked`): two
processes saving one model neither mix their files nor remove each other's staging
directory. No output file is ever written inside a directory of w2v's (`w2v_directory`):
it would be lost, or damage it, when the directory is next replaced.
"""

import contextlib
import ctypes
import fcntl
import json
import os
import shutil
import stat
import tempfile

from ..errors import W2VError
from .signals import signals_held, written

MAX_JSON_BYTES = 64 << 20  # a directory's description (model.json, prepared.json)


# The files that say a folder is w2v's, and what their "format" says (model.py,
# text/prepared.py, snapshots.py); an index is a PATH.index folder with a source.json.
MARKERS = {"model.json": "w2v model", "prepared.json": "w2v prepared", "replay.json": "w2v replay"}


def w2v_directory(folder: str) -> str | None:
    """What kind of w2v directory `folder` is ("a w2v model directory"...), or None."""
    for name, kind in MARKERS.items():
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            continue
        try:
            described = json.loads(read_regular(path, MAX_JSON_BYTES))
        except (OSError, ValueError, RecursionError):
            continue
        if isinstance(described, dict) and described.get("format") == kind:
            return f"a {kind} directory"
    if folder.endswith(".index") and os.path.isfile(os.path.join(folder, "source.json")):
        return "a w2v index"
    return None


def only_files(folder: str, allowed) -> bool:
    """Whether `folder` holds nothing but regular files whose names `allowed(name)` takes."""
    try:
        with os.scandir(folder) as entries:
            return all(e.is_file(follow_symlinks=False) and allowed(e.name) for e in entries)
    except OSError:
        return False


def check_target(path: str, option: str, ours, what: str, error=W2VError) -> str:
    """Check, before any work, that a directory can be written at `path`: a new name in a
    folder we can write, or one that `ours(real path)` says w2v wrote, to be replaced
    whole. Returns the real path."""
    if not path or "\0" in path:
        raise error(f"{option}: give a directory name")
    check_link(path, f"{option} {path}", error)
    target = os.path.realpath(path)
    if os.path.lexists(target) and not (os.path.isdir(target) and ours(target)):
        raise error(f"{option} {path}: exists and is not {what} w2v wrote; give a new name")
    folder = os.path.dirname(target)
    if not os.path.isdir(folder) or not os.access(folder, os.W_OK | os.X_OK):
        raise error(f"{option} {path}: cannot write in {folder}")
    check_outside(folder, f"{option} {path}", error)
    return target


def check_outside(folder: str, label: str, error=W2VError) -> None:
    """Refuse to write into `folder` if it is a directory of w2v's, replaced whole."""
    if kind := w2v_directory(folder):
        raise error(f"{label}: is inside {kind}, which w2v replaces whole; write elsewhere")


def check_apart(directories: dict, error=W2VError) -> None:
    """Refuse two of the directories ({label: path}) that are one, or one inside the
    other: the second written would replace the first, or a part of it."""
    real = {label: os.path.realpath(path) for label, path in directories.items() if path}
    for i, (a, path_a) in enumerate(real.items()):
        for b, path_b in list(real.items())[i + 1 :]:
            if path_a == path_b:
                raise error(f"{b}: is the same directory as {a}; give each its own")
            if path_b.startswith(path_a + os.sep):
                raise error(f"{b}: is inside {a}; give each its own")
            if path_a.startswith(path_b + os.sep):
                raise error(f"{a}: is inside {b}; give each its own")


def check_link(path: str, label: str, error=W2VError) -> None:
    """Refuse a symbolic link at `path` that another user put in a shared sticky folder
    (/tmp): following it would write where they chose (the kernel's protected_symlinks
    rule, which outputs follow too)."""
    try:
        link = os.lstat(path)
        folder = os.stat(os.path.dirname(os.path.abspath(path)))
    except OSError:
        return
    shared = folder.st_mode & stat.S_ISVTX and folder.st_mode & stat.S_IWOTH
    if stat.S_ISLNK(link.st_mode) and shared and link.st_uid not in (os.geteuid(), folder.st_uid):
        raise error(
            f"{label}: is a symbolic link another user put in the shared folder "
            f"{os.path.dirname(os.path.abspath(path))}; give another name"
        )


def staging_prefix(target: str) -> str:
    """The name that the temporary directories of saves of `target` start with."""
    return f".{os.path.basename(target)}.w2v-"


@contextlib.contextmanager
def locked(folder: str):
    """Saves into `folder` take turns: an exclusive lock on the folder itself (flock, which
    the system drops when the process ends, however it ends)."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


class Claim:
    """A run's hold on a directory it writes again and again (--checkpoint), from before it
    checks what is there until the run ends: a second run given the same directory is
    refused at once rather than taking turns with the first, each replacing the other's
    saves. An exclusive flock on a small file beside the directory (`.NAME.w2v.lock`, which
    the directory itself cannot carry: every save replaces it), dropped by the system when
    the process ends however it ends, and removed by `release`."""

    def __init__(self, target: str, option: str):
        self.path = os.path.join(os.path.dirname(target), f".{os.path.basename(target)}.w2v.lock")
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
            except OSError as e:
                raise W2VError(f"{option}: cannot lock {self.path}: {e.strerror}") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = os.read(fd, 32).decode("ascii", "replace").strip()
                os.close(fd)
                by = f" (process {holder})" if holder.isdigit() else ""
                raise W2VError(
                    f"{option}: another w2v run is saving into it now{by}; wait for it to "
                    "end, or give another directory"
                ) from None
            try:
                same = os.stat(self.path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:  # else the last holder removed it between our open and our lock
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self.fd = fd

    def release(self) -> None:
        if self.fd is None:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.path)  # still locked: a run waiting on it sees it gone and retries
        os.close(self.fd)
        self.fd = None


@contextlib.contextmanager
def staged(target: str, mode: int = 0o755, label: str | None = None, ours=None, after=None):
    """A new directory beside `target` to write into; when the block ends without an
    error, synced and put in place of `target` in one step (the old one removed), so that
    `target` is the old directory or the new one, whole. The files written into it are the
    writer's to sync. `label` ("--save-model m"): said among the outputs written once it
    is in place, which it then is even if a signal comes. `ours(path)`: whether what is at
    `target` then may be replaced (checked again at that moment: it was checked before the
    work, which may have taken hours). `after()`: run while the folder is still locked."""
    parent = os.path.dirname(target)
    with locked(parent):
        staging = tempfile.mkdtemp(dir=parent, prefix=staging_prefix(target))
        try:
            os.chmod(staging, mode)
            yield staging
            sync(staging)
            if ours and os.path.lexists(target) and not (os.path.isdir(target) and ours(target)):
                raise W2VError(
                    f"{target}: was replaced while w2v worked by something w2v did not write; "
                    "it is left as it is, and this directory is not written"
                )
            with signals_held():  # a run stopped now says it wrote the directory: it did
                put_in_place(staging, target)
                sync(parent)
                if label and label not in written:
                    written.append(label)
        finally:
            shutil.rmtree(staging, ignore_errors=True)  # the new files, or the old ones
        if after:
            after()


def json_bytes(value, indent: int | None = 1) -> bytes:
    """`value` as UTF-8 JSON (a newline at the end when indented). A file name or word that
    is not UTF-8 holds lone surrogates (surrogateescape); they are written as JSON's
    \\udcXX escapes, which read back as the same string, so no byte of it is lost."""
    text = json.dumps(value, indent=indent, ensure_ascii=False) + ("\n" if indent else "")
    return text.encode("utf-8", "backslashreplace")


def is_count(value, high: int = 2**63) -> bool:
    """A whole number from 0 to `high` - 1, as a JSON file w2v wrote holds its counts (the
    file is data anyone may have edited: True, 1.5, -1 or "7" are not counts)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < high


def word_list_bytes(words: int) -> int:
    """The most bytes a word list of w2v's (vocab.txt, an index's words) of `words` lines
    may hold: 4 KiB a line, far more than a word and its count take, and 1 MiB more."""
    return words * 4096 + (1 << 20)


def write_file(directory: str, name: str, data: bytes) -> None:
    """A file of a staged directory, synced."""
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)
        os.fsync(f.fileno())


def write_array(directory: str, name: str, values) -> None:
    """A .npy file of a staged directory (plain numbers, never pickled), synced."""
    import numpy as np

    with open(os.path.join(directory, name), "wb") as f:
        np.save(f, values, allow_pickle=False)
        os.fsync(f.fileno())


def put_in_place(staging: str, target: str) -> None:
    """Make `staging` the directory `target`; the old `target`, if any, ends at `staging`."""
    with signals_held():
        if not os.path.lexists(target):
            os.rename(staging, target)
            os.mkdir(staging)  # for the caller's rmtree, as if swapped with nothing
        elif not _exchange(staging, target):  # a moment without `target`
            old = staging + ".old"
            os.rename(target, old)
            try:
                os.rename(staging, target)
            except OSError:
                os.rename(old, target)
                raise
            os.rename(old, staging)


def _exchange(a: str, b: str) -> bool:
    """Swap two paths in one atomic step (Linux 3.15+ renameat2 RENAME_EXCHANGE); False
    where the system or file system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    at_cwd, exchange = -100, 2
    done = renameat2(at_cwd, os.fsencode(a), at_cwd, os.fsencode(b), exchange)
    return done == 0


def sync(directory: str) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def open_regular(path: str) -> int:
    """A descriptor of `path` for reading, if it is a regular file: opened without waiting
    (a FIFO there would block the reader forever) and checked before anything is read (a
    device, or a link to one such as /dev/zero, acts or never ends when read)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise IsADirectoryError(0, "not a regular file", path)
    os.set_blocking(fd, True)
    return fd


def npy_header(f, size: int) -> tuple:
    """The (shape, dtype) of the .npy file `f` (at its start; left at its data) of `size`
    bytes, checked: numpy's header of plain numbers in C order, whose data is exactly the
    rest of the file (a forged header would otherwise allocate, or map, what it says).
    ValueError if not."""
    import math
    import tokenize

    import numpy as np

    try:
        version = np.lib.format.read_magic(f)
        read = np.lib.format.read_array_header_1_0
        if version != (1, 0):
            read = np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read(f)
    except (ValueError, SyntaxError, TypeError, OverflowError, EOFError, tokenize.TokenError) as e:
        raise ValueError(f"not a .npy array ({e})") from None
    if dtype.hasobject or fortran or size != f.tell() + math.prod(shape) * dtype.itemsize:
        raise ValueError(f"its header ({dtype}{list(shape)}) does not describe its data")
    return shape, dtype


def read_npy(path: str, mmap: bool = False):
    """The array of a .npy file in a w2v directory, if it is a regular file with a header
    that describes it (`npy_header`): read, or mapped read-only into memory. ValueError
    if it is not such a file, OSError if it cannot be read."""
    import numpy as np

    with open(open_regular(path), "rb") as f:
        shape, dtype = npy_header(f, os.fstat(f.fileno()).st_size)
        if mmap and 0 not in shape:
            return np.memmap(f, dtype, "r", f.tell(), shape)
        array = np.empty(shape, dtype)
        if f.readinto(memoryview(array).cast("B")) != array.nbytes:
            raise ValueError("shorter than its header says")  # (changed while read)
        return array


def read_regular(path: str, limit: int) -> bytes:
    """Up to `limit` + 1 bytes of `path`, if it is a regular file (see `open_regular`)."""
    with open(open_regular(path), "rb") as f:
        return f.read(limit + 1)
