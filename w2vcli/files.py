"""Where w2v reads and writes: every path checked before any work, nothing destroyed.

Outputs (`plan_outputs`, then `Output.open()` when there is something to write):

- `-` is stdout. A path naming one of w2v's own descriptors (/dev/stdout, /dev/stderr,
  /dev/fd/N, /proc/self/fd/N: `-o >(gzip > v.gz)`) is that descriptor, written directly.
- A symbolic link is followed: the file it points to is written, the link stays. A link
  to nothing is refused.
- A new file, or an existing regular file, is written atomically: into a temporary file
  in the same directory, synced to disk, then renamed over the target. An existing file
  keeps its permission bits (and, when root writes it, its owner and group); a read-only
  file is refused; other hard links to it keep the old content.
- A FIFO, a terminal and the null device are written in place: there is no file to
  protect. Directories, block devices, sockets and other devices are refused.
- An output that is the same file as an input or as another output of the run is refused
  (the null device excepted).

All of it is decided by `plan_outputs`, before any input is read, and every message names
the path as the user gave it. The temporary file exists only while the output is written.

Inputs (`check_input`, `text_file`): regular files, pipes and FIFOs, stdin, terminals and
the harmless devices (/dev/null, /dev/zero...); other devices are refused before they are
opened (opening some, a tape or a watchdog, acts on them).
"""

import contextlib
import errno
import io
import os
import re
import stat
import sys
import tempfile
from dataclasses import dataclass

from .errors import W2VError

FULL_DISK = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)  # write errors: the output's fault
# Paths that name a descriptor of this process, as a shell's process substitution does.
OWN_DESCRIPTOR = re.compile(rf"/(?:dev/fd|proc/(?:self|thread-self|{os.getpid()})/fd)/(\d+)")
STANDARD = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}
# Character devices that are safe to open: they discard or produce bytes and act on nothing.
HARMLESS_DEVICES = (os.devnull, "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
# Linux's terminal devices by major number: virtual consoles, /dev/tty, pseudo-terminals.
TERMINAL_MAJORS = {4, 5, *range(136, 144)}
# Evaluation files (questions, pairs): questions-words.txt is 0.6 MB, all of BATS 5 MB.
MAX_TEXT_BYTES = 64 << 20


@dataclass
class Output:
    """Where one output goes, decided before any work."""

    path: str  # as the user gave it, for messages
    option: str  # "--output", "--save-vocab", "TARGET"...
    kind: str  # "atomic" (a file, replaced), "stream" (FIFO, terminal, null), "descriptor"
    target: str = ""  # atomic: the real path that is replaced; stream: the path to open
    descriptor: int = -1  # descriptor: the descriptor written
    mode: int | None = None  # atomic: the permission bits to give the file
    owner: tuple | None = None  # atomic: (uid, gid) to give the file, or None to leave
    identity: tuple | None = None  # what is written, if it exists yet: see _identity

    @property
    def label(self) -> str:
        return self.option if self.option == "stdout" else f"{self.option} {self.path}"

    def fail(self, what: str) -> W2VError:
        return W2VError(f"{self.label}: {what}")

    @contextlib.contextmanager
    def open(self):
        """A binary file object; an atomic output appears only when the block completes,
        and on any error or interruption the previous file is left as it was."""
        if self.kind == "atomic":
            with self._atomic() as f:
                yield f
            return
        if self.descriptor == 1:
            if sys.stdout is None:
                raise self.fail("stdout is closed; give a file name")
            raw = sys.stdout.buffer
        elif self.kind == "descriptor":
            raw = os.fdopen(os.dup(self.descriptor), "wb", closefd=True)
        else:
            raw = self._open_stream()
        try:
            yield raw
            raw.flush()
        except OSError as e:
            if e.errno == errno.EPIPE:
                raise  # the reader has gone: the caller stops quietly
            with contextlib.suppress(OSError):  # what is buffered would fail again at exit
                os.dup2(os.open(os.devnull, os.O_WRONLY), raw.fileno())
            where = "to stdout " if self.descriptor == 1 else ""
            raise self.fail(f"cannot write {where}({e.strerror or e})") from None
        finally:
            if raw is not getattr(sys.stdout, "buffer", None):
                with contextlib.suppress(OSError):
                    raw.close()

    def _open_stream(self):
        try:
            fd = os.open(self.target, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
        except OSError as e:
            raise self.fail(f"cannot open ({e.strerror or e})") from None
        return os.fdopen(fd, "wb")

    @contextlib.contextmanager
    def _atomic(self):
        directory = os.path.dirname(self.target)
        try:
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".w2v-", suffix=".tmp")
        except OSError as e:
            raise self.fail(f"cannot create a file in {directory} ({e.strerror or e})") from None
        try:
            with io.BufferedWriter(_FileForOutput(fd, self)) as f:
                yield f
                f.flush()
                os.fsync(fd)  # the data is on disk before the name points at it
                os.fchmod(fd, self.mode)
                if self.owner:
                    with contextlib.suppress(OSError):
                        os.fchown(fd, *self.owner)
            os.replace(tmp, self.target)
        except BaseException as e:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            if isinstance(e, OSError):  # the rename, the sync: not the temporary file's name
                raise self.fail(f"cannot write ({e.strerror or e}); nothing was written") from None
            raise
        _sync_directory(directory)


class _FileForOutput(io.FileIO):
    """A temporary file's raw writes, whose failures name the output, not the file."""

    def __init__(self, fd: int, output: Output):
        super().__init__(fd, "wb")
        self.output = output

    def write(self, data) -> int:
        try:
            return super().write(data)
        except OSError as e:
            hint = ": free some space or write elsewhere" if e.errno in FULL_DISK else ""
            raise self.output.fail(
                f"cannot write ({e.strerror or e}); nothing was written{hint}"
            ) from None


def _sync_directory(directory: str) -> None:
    """Make the rename itself durable; best effort (not every system can open a folder)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def plan_outputs(outputs: dict, inputs: list) -> dict:
    """Check every output and decide how it is written: {option: Output}.

    `outputs` maps an option name to the path given, `inputs` is a list of (option, path);
    a path None is not given, '-' is stdout / stdin. Refuses, with the option and path in
    the message, any output that cannot be written or is the same file as an input or as
    another output.
    """
    planned = {
        option: plan_output(path, option) for option, path in outputs.items() if path is not None
    }
    seen = {}  # identity -> label of what has it
    for option, path in inputs:
        identity = _input_identity(path)
        if identity is not None:
            seen.setdefault(identity, f"{option} {path}")
    null = _identity_of(os.devnull)  # any node of the null device
    for output in planned.values():
        keys = [output.identity] if output.identity else []
        if output.kind == "atomic":
            keys.append(("path", output.target))  # a file not yet there, named twice
        for key in keys:
            if key in seen and key != null:
                if output.option == "stdout":
                    raise W2VError(f"stdout is the same file as {seen[key]}; redirect it elsewhere")
                raise output.fail(f"is the same file as {seen[key]}; give another name")
            seen[key] = output.label
    return planned


def plan_output(path: str, option: str = "--output") -> Output:
    output = Output(path, option, "atomic")
    if path == "-":
        return _descriptor_output(output, 1)
    if not path:
        raise W2VError(f"{option}: an empty file name; give a file name or '-' for stdout")
    if "\0" in path:
        raise output.fail("a file name cannot contain a NUL character")
    name = os.path.normpath(path)
    number = STANDARD.get(name)
    match = OWN_DESCRIPTOR.fullmatch(name)
    if number is not None or match:
        return _descriptor_output(output, number if number is not None else int(match[1]))
    if path.endswith(os.sep):
        raise output.fail("names a directory; give a file name")
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise output.fail(
                f"is a symbolic link to {os.readlink(path)}, which does not exist; remove the "
                "link or write elsewhere"
            ) from None
        return _new_file(output)
    except OSError as e:
        raise output.fail(_reason(e)) from None
    output.identity = _identity(info)
    if stat.S_ISREG(info.st_mode):
        return _existing_file(output, info)
    if stat.S_ISDIR(info.st_mode):
        raise output.fail("is a directory; give a file name")
    if stat.S_ISFIFO(info.st_mode) or _harmless(info) or _terminal(info):
        if not stat.S_ISFIFO(info.st_mode) and _no_devices(path):
            raise output.fail("is a device on a file system mounted nodev; it cannot be opened")
        output.kind, output.target = "stream", path
        return output
    raise output.fail(f"is a {_file_kind(info)}; w2v writes only files, FIFOs and terminals")


def _descriptor_output(output: Output, number: int) -> Output:
    output.kind, output.descriptor = "descriptor", number
    if number == 1 and sys.stdout is None:
        raise output.fail("stdout is closed; give a file name")
    try:
        info = os.fstat(number)
        access = _access_mode(number)
    except OSError:
        raise output.fail(f"descriptor {number} is not open; give a file name") from None
    if access == os.O_RDONLY:
        raise output.fail(f"descriptor {number} is open for reading only")
    output.identity = _identity(info)
    return output


def _access_mode(fd: int) -> int:
    try:
        import fcntl
    except ImportError:  # not POSIX: assume writable
        return os.O_WRONLY
    return fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE


def _new_file(output: Output) -> Output:
    """A file that does not exist yet: its folder must exist, and the name must be one the
    file system takes (checked by creating and removing it: length, characters, space)."""
    directory, name = os.path.split(output.path)
    real_directory = _real_directory(output, directory or ".")
    output.target = os.path.join(real_directory, name)
    try:
        os.close(os.open(output.target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.unlink(output.target)
    except FileExistsError:  # made by someone else since: it will be replaced
        pass
    except OSError as e:
        raise output.fail(_reason(e, real_directory)) from None
    umask = os.umask(0)
    os.umask(umask)
    output.mode = 0o666 & ~umask
    return output


def _existing_file(output: Output, info: os.stat_result) -> Output:
    """A regular file, to be replaced by rename: its folder must let us create the
    temporary file and rename over it, and the file must be one the user may write."""
    output.target = os.path.realpath(output.path)
    real_directory = _real_directory(output, os.path.dirname(output.target))
    if not os.access(output.target, os.W_OK) or not info.st_mode & 0o222:
        raise output.fail("the file is read-only; make it writable (chmod u+w) or write elsewhere")
    folder = os.stat(real_directory)
    euid = os.geteuid() if hasattr(os, "geteuid") else 0
    if folder.st_mode & stat.S_ISVTX and euid not in (0, info.st_uid, folder.st_uid):
        raise output.fail(
            f"belongs to another user in the shared folder {real_directory}; write elsewhere"
        )
    try:  # the temporary file: the folder must be writable
        fd, probe = tempfile.mkstemp(dir=real_directory, prefix=".w2v-", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise output.fail(_reason(e, real_directory)) from None
    output.mode = stat.S_IMODE(info.st_mode) & 0o777  # never set-user-ID on data
    if euid == 0 and (info.st_uid, info.st_gid) != (0, 0):
        output.owner = (info.st_uid, info.st_gid)
    return output


def _real_directory(output: Output, directory: str) -> str:
    """The folder as the system resolves it (`missing/..` does not exist; `link/..` is the
    link target's parent), so the temporary file is made where the output will be."""
    try:
        info = os.stat(directory)
    except FileNotFoundError:
        raise output.fail(f"folder {directory} does not exist; create it first") from None
    except OSError as e:
        raise output.fail(_reason(e)) from None
    if not stat.S_ISDIR(info.st_mode):
        raise output.fail(f"{directory} is not a folder")
    return os.path.realpath(directory)


def _reason(e: OSError, directory: str = "") -> str:
    if e.errno in (errno.EACCES, errno.EPERM):
        return f"folder {directory} is not writable" if directory else "permission denied"
    if e.errno == errno.ENAMETOOLONG:
        return "the file name is too long for the file system; choose a shorter one"
    if e.errno == errno.EROFS:
        return "the file system is read-only; write elsewhere"
    if e.errno == errno.ENOTDIR:
        return "a part of the path is not a folder"
    if e.errno == errno.ELOOP:
        return "too many levels of symbolic links"
    if e.errno in FULL_DISK:
        return "the disk is full; free some space or write elsewhere"
    return f"cannot create a file there ({e.strerror or e})"


def _identity(info: os.stat_result) -> tuple:
    """What makes two paths the same file: the device number for a device (its nodes may
    be anywhere, under any name), else the file system and inode (hard links included)."""
    if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode):
        return ("device", info.st_rdev)
    return (info.st_dev, info.st_ino)


def _identity_of(path: str):
    try:
        return _identity(os.stat(path))
    except OSError:
        return None


def _harmless(info: os.stat_result) -> bool:
    """Whether this is the node of a harmless device (by its device number: the node may
    have another name)."""
    if not stat.S_ISCHR(info.st_mode):
        return False
    for path in HARMLESS_DEVICES:
        with contextlib.suppress(OSError):
            if os.stat(path).st_rdev == info.st_rdev:
                return True
    return False


def _no_devices(path: str) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & getattr(os, "ST_NODEV", 0))
    except OSError:
        return False


def _terminal(info: os.stat_result) -> bool:
    return (
        stat.S_ISCHR(info.st_mode)
        and sys.platform.startswith("linux")
        and os.major(info.st_rdev) in TERMINAL_MAJORS
    )


def _file_kind(info: os.stat_result) -> str:
    if stat.S_ISBLK(info.st_mode):
        return "block device (a disk)"
    if stat.S_ISSOCK(info.st_mode):
        return "socket"
    if stat.S_ISCHR(info.st_mode):
        return "device"
    return "special file"


def _input_identity(path: str | None):
    if path is None:
        return None
    if path == "-":
        try:
            return _identity(os.fstat(0))
        except OSError:
            return None
    return _identity_of(path)


def check_input(path: str, what: str) -> None:
    """Refuse, before opening it, an input that is a device other than a terminal or the
    harmless ones (null, zero, random); what is missing or unreadable the opener reports."""
    try:
        info = os.stat(path)
    except OSError:
        return
    if stat.S_ISBLK(info.st_mode) or (
        stat.S_ISCHR(info.st_mode) and not (_harmless(info) or _terminal(info))
    ):
        raise W2VError(f"{path}: is a {_file_kind(info)}, not {what}")


@contextlib.contextmanager
def text_file(path: str, option: str):
    """The lines of an evaluation file (questions, pairs) as str, read as they are used, in
    bounded memory: lines of at most 1 MiB, and at most MAX_TEXT_BYTES in all."""
    from .streams import text_lines

    label = f"{option} {path}"
    check_input(path, "a text file")
    try:
        with open(path, "rb") as f:
            yield text_lines(f, label, max_bytes=MAX_TEXT_BYTES)
    except FileNotFoundError:
        raise W2VError(f"{label}: no such file") from None
    except IsADirectoryError:
        raise W2VError(f"{label}: is a directory, not a text file") from None
    except OSError as e:
        if e.errno == errno.EPIPE:
            raise
        raise W2VError(f"{label}: cannot read ({e.strerror or e})") from None
