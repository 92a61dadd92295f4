"""Where w2v reads and writes: every path checked before any work, nothing destroyed.

Outputs (`plan_outputs` before any input is read, then `write_outputs` at the end):

- `-` is stdout. A path that leads to one of w2v's own descriptors (/dev/stdout,
  /dev/fd/N, a link to them; `-o >(gzip > v.gz)`) is that descriptor, written directly.
- A symbolic link is followed: the file it points to is written, the link stays. A link to
  nothing is refused, and so is a link that another user put in a shared sticky folder
  such as /tmp (as the kernel's protected_symlinks would).
- A new file, or an existing regular file, is written atomically: into a temporary file
  in the same folder, synced to disk, then renamed over the target. An existing file keeps
  its permission bits and group (and, when root writes it, its owner). Refused: a file we
  may not write, a file on a read-only file system, an immutable or append-only file, a
  mount point, and another user's file in a shared sticky folder (root included). Other
  hard links to the old file keep the old content.
- A FIFO, a terminal (pseudo-terminals, virtual consoles, /dev/tty) and the null device
  are written in place: there is no file to protect. Directories, disks, sockets, serial
  ports, the console and every other device are refused.
- An output that is the same file (or FIFO) as an input, or as another output of the
  run, is refused.

Several outputs of one run are renamed into place together, with the signals that stop
w2v held back meanwhile, after all of them are written and synced. Every message names
the path as the user gave it. A temporary file exists only while outputs are written.

Inputs (`check_input`, `text_file`): regular files, pipes and FIFOs, stdin, terminals and
the harmless devices (/dev/null, /dev/zero...); other devices are refused before they are
opened (opening some, a tape or a watchdog, acts on them).
"""

import contextlib
import errno
import io
import os
import re
import select
import stat
import sys
import tempfile
from dataclasses import dataclass

from ..errors import W2VError
from .dirs import w2v_directory
from .signals import signals_held, written

FULL_DISK = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)  # write errors: the output's fault
DESCRIPTOR = re.compile(r"[0-9]{1,9}")  # a number in /proc/PID/fd: ASCII, not '²' nor '١'
# Character devices that are safe to open: they discard or produce bytes and act on nothing.
HARMLESS_DEVICES = (os.devnull, "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
# Evaluation files (questions, pairs): questions-words.txt is 0.6 MB, all of BATS 5 MB.
MAX_TEXT_BYTES = 64 << 20


@dataclass
class Output:
    """Where one output goes, decided before any work."""

    path: str  # as the user gave it, for messages
    option: str  # "--output", "--save-vocab", "TARGET"...
    kind: str  # "file" (replaced atomically), "fifo" (opened to write), "descriptor"
    target: str = ""  # file: the real path replaced; fifo: the path opened
    descriptor: int = -1  # descriptor: one of the process's, or a terminal opened when planned
    mode: int = 0o644  # file: the permission bits to give it
    owner: tuple = (-1, -1)  # file: (uid, gid) to give it, -1 to leave as made
    identity: tuple | None = None  # (device, inode) of a file or FIFO that exists
    terminal: bool = False  # words are escaped and binary refused
    shares_stderr: bool = False  # talk on stderr would land in this output
    only_new: bool = False  # file: put in place only where nothing is (a default name)

    @property
    def label(self) -> str:
        return self.option if self.option == "stdout" else f"{self.option} {self.path}"

    def fail(self, what: str) -> W2VError:
        return W2VError(f"{self.label}: {what}")

    def open(self):
        """write_outputs for this output alone."""
        return _single(write_outputs([self]))


@contextlib.contextmanager
def _single(outputs):
    with outputs as (f,):
        yield f


@contextlib.contextmanager
def write_outputs(outputs: list):
    """Binary file objects, one per output. When the block completes, files are synced and
    renamed into place together, stopping signals held back; if it fails or is
    interrupted, every earlier file is left as it was."""
    writers, temporary, opened = [], [], []
    try:
        for output in outputs:
            writer, tmp = _writer(output)
            writers.append(writer)
            temporary.append(tmp)
            if isinstance(getattr(writer, "raw", None), _Sink):
                opened.append(writer.raw)
        yield writers
        for writer, output, tmp in zip(writers, outputs, temporary, strict=True):
            writer.flush()
            if tmp:
                _seal(writer.raw.fd, output)
        _rename(outputs, temporary)
    finally:
        for sink in opened:
            with contextlib.suppress(OSError, W2VError, ValueError):
                sink.close()  # not its buffer: what that holds was not asked for
        for tmp in temporary:
            if tmp:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)


_stdout = (None, None)  # (sys.stdout, the writer for it)


def stdout_writer():
    """What w2v writes data to stdout with: a buffered writer of all it is given to
    descriptor 1 (not sys.stdout.buffer, which under PYTHONUNBUFFERED drops what a short
    write leaves); sys.stdout's own, where it is not descriptor 1 (a test runner, or an
    application that captures it). A reader that has gone is BrokenPipeError."""
    global _stdout
    if _stdout[0] is not sys.stdout:
        _stdout = (sys.stdout, _writer(Output("-", "stdout", "descriptor", descriptor=1))[0])
    return _stdout[1]


def _writer(output: Output) -> tuple:
    """(buffered writer, temporary file or None) for `output`."""
    if output.descriptor == 1:
        try:
            replaced = sys.stdout.fileno() != 1
        except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation
            replaced = True
        if replaced:
            return sys.stdout.buffer, None
    fd, tmp = _open(output)
    return io.BufferedWriter(_Sink(fd, output, owned=True)), tmp


def _open(output: Output) -> tuple:
    """(descriptor, temporary file or None) to write `output` to."""
    if output.kind == "descriptor":
        return os.dup(output.descriptor), None
    if output.kind == "fifo":
        try:  # blocks until a reader opens it, as `cat > fifo` does
            return os.open(output.target, os.O_WRONLY), None
        except OSError as e:
            raise output.fail(f"cannot open ({e.strerror or e})") from None
    directory = os.path.dirname(output.target)
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".w2v-", suffix=".tmp")
    except OSError as e:
        raise output.fail(f"cannot create a file in {directory} ({e.strerror or e})") from None
    return fd, tmp


def _seal(fd: int, output: Output) -> None:
    """The temporary file's data on disk before the name points at it, its mode and owner."""
    try:
        os.fsync(fd)
        os.fchmod(fd, output.mode)
    except OSError as e:
        raise output.fail(f"cannot write ({e.strerror or e}); nothing was written") from None
    if output.owner != (-1, -1):
        with contextlib.suppress(OSError):  # a group we are not in: the file keeps ours
            os.fchown(fd, *output.owner)


def _rename(outputs: list, temporary: list) -> None:
    """Rename every temporary file into place, the stopping signals that arrive meanwhile
    held back, so that a run is never stopped between two renames."""
    with signals_held():
        for i, (output, tmp) in enumerate(zip(outputs, temporary, strict=True)):
            if tmp and output.only_new:
                _link_new(output, tmp, temporary, i)
            elif tmp:
                try:
                    os.replace(tmp, output.target)
                except OSError as e:
                    raise output.fail(f"cannot replace it ({e.strerror or e})") from None
            written.append(output.label)
    for output, tmp in zip(outputs, temporary, strict=True):
        if tmp:
            _sync_directory(os.path.dirname(output.target))


def _link_new(output: Output, tmp: str, temporary: list, i: int) -> None:
    """Put `tmp` in place only if nothing has the name (a link fails where something
    does, a rename would replace it): something made there while w2v worked is left as it
    is, and what w2v wrote is kept under its temporary name, said in the error."""
    try:
        os.link(tmp, output.target)
    except FileExistsError:
        temporary[i] = None  # kept: the work it holds may have taken hours
        raise output.fail(
            f"appeared while w2v worked and is left as it is; what w2v wrote is in {tmp}"
        ) from None
    except OSError as e:
        raise output.fail(f"cannot write it ({e.strerror or e})") from None
    os.unlink(tmp)


class _Sink(io.RawIOBase):
    """Writes all it is given to a descriptor: a short write is continued and a full
    non-blocking pipe waited for (Python's own stdout, unbuffered under PYTHONUNBUFFERED,
    drops both); a failure names the output, never a temporary file."""

    def __init__(self, fd: int, output: Output, owned: bool):
        self.fd, self.output, self.owned = fd, output, owned

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.fd

    def write(self, data) -> int:
        if self.closed:  # its descriptor's number may belong to another file by now
            raise ValueError("write to a closed output")
        view = memoryview(data).cast("B")
        done = 0
        while done < len(view):
            try:
                done += os.write(self.fd, view[done:])
            except BlockingIOError:  # a full non-blocking pipe: wait until it can take more
                waiting = select.poll()
                waiting.register(self.fd, select.POLLOUT)
                waiting.poll()
            except BrokenPipeError:
                if self.output.descriptor == 1:
                    raise
                raise self.output.fail("its reader has gone; nothing more was written") from None
            except OSError as e:
                hint = "; free some space or write elsewhere" if e.errno in FULL_DISK else ""
                lost = "; nothing was written" if self.output.kind == "file" else ""
                raise self.output.fail(f"cannot write ({e.strerror or e}){lost}{hint}") from None
        return done

    def close(self) -> None:
        if not self.closed and self.owned:
            os.close(self.fd)
        super().close()


def _sync_directory(directory: str) -> None:
    """Make the rename itself durable; best effort (not every system can open a folder)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# Planning.


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
    stderr = _descriptor_identity(2)
    for output in planned.values():
        keys = [output.identity] if output.identity else []
        if output.kind == "file":
            keys.append(("path", output.target))  # a file not yet there, named twice
        for key in keys:
            if key in seen:
                if output.option == "stdout":
                    raise W2VError(f"stdout is the same file as {seen[key]}; redirect it elsewhere")
                raise output.fail(f"is the same file as {seen[key]}; give another name")
            seen[key] = output.label
        output.shares_stderr = output.identity is not None and output.identity == stderr
    return planned


def plan_output(path: str, option: str = "--output") -> Output:
    output = Output(path, option, "file")
    if path == "-":
        return _descriptor_output(output, 1)
    if not path:
        raise W2VError(f"{option}: an empty file name; give a file name or '-' for stdout")
    if "\0" in path:
        raise output.fail("a file name cannot contain a NUL character")
    if path.endswith(os.sep):
        raise output.fail("names a directory; give a file name")
    descriptor = _follow_links(path, output)
    if descriptor is not None:
        return _descriptor_output(output, descriptor)
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
    if stat.S_ISREG(info.st_mode):
        return _existing_file(output, info)
    if stat.S_ISDIR(info.st_mode):
        raise output.fail("is a directory; give a file name")
    if stat.S_ISFIFO(info.st_mode):
        output.kind, output.target, output.identity = "fifo", path, _identity(info)
        return output
    if _harmless(info) or _terminal(info):
        return _device_output(output, path)
    raise output.fail(f"is a {_file_kind(info)}; w2v writes only files, FIFOs and terminals")


def _follow_links(path: str, output: Output | None = None) -> int | None:
    """Follow `path` as the system does, link by link: the descriptor it names if it leads
    into this process's /proc/PID/fd (/dev/stdout, /dev/fd/3, a link to them), else None.
    Refuses a link that another user put in a shared sticky folder, which the system
    follows (where protected_symlinks is off) into a file of the attacker's choosing."""
    own = re.compile(rf"/proc/(?:self|thread-self|{os.getpid()})(?:/task/\d+)?/fd")
    try:
        current = "/" if path.startswith("/") else os.getcwd()
    except OSError:  # the working folder was removed
        if output is None:
            return None
        raise output.fail("the working folder no longer exists; give a full path") from None
    todo = path.split("/")[::-1]
    for _ in range(4096):  # a bound on the parts walked: the system refuses 40 links
        if not todo:
            return None
        part = todo.pop()
        if part in ("", "."):
            continue
        if part == "..":
            current = os.path.dirname(current)
            continue
        if own.fullmatch(current) and DESCRIPTOR.fullmatch(part) and not any(todo):
            return int(part)
        candidate = os.path.join(current, part)
        try:
            info = os.lstat(candidate)
        except OSError:  # not there (yet): the rest is checked when it is made
            return None
        if not stat.S_ISLNK(info.st_mode):
            current = candidate
            continue
        if output is not None:
            _check_link(candidate, info, current, output)
        target = os.readlink(candidate)
        if target.startswith("/"):
            current = "/"
        todo.extend(target.split("/")[::-1])
    return None


def _check_link(link: str, info: os.stat_result, folder: str, output: Output) -> None:
    shared = os.stat(folder)
    if _sticky_and_open(shared) and info.st_uid not in (_euid(), shared.st_uid):
        raise output.fail(
            f"{link} is a symbolic link that another user (uid {info.st_uid}) put in the shared "
            f"folder {folder}; w2v does not follow it"
        )


def _sticky_and_open(folder: os.stat_result) -> bool:
    return bool(folder.st_mode & stat.S_ISVTX and folder.st_mode & stat.S_IWOTH)


def _euid() -> int:
    return os.geteuid() if hasattr(os, "geteuid") else 0


def _descriptor_output(output: Output, number: int) -> Output:
    from .streams import closed_at_start

    output.kind, output.descriptor = "descriptor", number
    if number in closed_at_start or (number == 1 and sys.stdout is None):
        name = {0: "stdin", 1: "stdout", 2: "stderr"}.get(number, f"descriptor {number}")
        raise output.fail(f"{name} is closed; give a file name")
    try:
        info = os.fstat(number)
        access = _access_mode(number)
    except OSError:
        raise output.fail(f"descriptor {number} is not open; give a file name") from None
    if access == os.O_RDONLY:
        raise output.fail(f"descriptor {number} is open for reading only")
    output.identity = _identity(info)
    output.terminal = os.isatty(number)
    return output


def _device_output(output: Output, path: str) -> Output:
    """A terminal or the null device, opened now: what cannot be opened (a /dev/tty without
    a terminal, a nodev mount) fails before the work, not after it."""
    if _no_devices(path):
        raise output.fail("is a device on a file system mounted nodev; it cannot be opened")
    flags = os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        raise output.fail(f"cannot open ({e.strerror or e})") from None
    os.set_blocking(fd, True)
    output.kind, output.descriptor, output.terminal = "descriptor", fd, os.isatty(fd)
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
    """A regular file, to be replaced by rename: everything that would make the rename
    fail after the work, or replace what the user may not write, is refused now."""
    output.target = os.path.realpath(output.path)
    output.identity = _identity(info)
    real_directory = _real_directory(output, os.path.dirname(output.target))
    folder = os.stat(real_directory)
    if _read_only(real_directory):
        raise output.fail("is on a read-only file system; write elsewhere")
    if _unchangeable(output.target):
        raise output.fail("is immutable or append-only (chattr); write elsewhere")
    if not os.access(output.target, os.W_OK) or not info.st_mode & 0o222:
        raise output.fail("the file is read-only; make it writable (chmod u+w) or write elsewhere")
    if _sticky_and_open(folder) and info.st_uid not in (_euid(), folder.st_uid):
        raise output.fail(
            f"belongs to another user in the shared folder {real_directory}; write elsewhere"
        )
    if info.st_dev != folder.st_dev or _mount_point(output.target):
        raise output.fail("is a mount point (a file mounted there); write elsewhere")
    try:  # the temporary file: the folder must be writable
        fd, probe = tempfile.mkstemp(dir=real_directory, prefix=".w2v-", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise output.fail(_reason(e, real_directory)) from None
    output.mode = stat.S_IMODE(info.st_mode) & 0o777  # never set-user-ID on data
    output.owner = (info.st_uid if _euid() == 0 else -1, info.st_gid)
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
    real = os.path.realpath(directory)
    if kind := w2v_directory(real):
        shown = os.path.dirname(output.path) or "."
        raise output.fail(f"is inside {kind}, {shown}, which w2v replaces whole; write elsewhere")
    return real


def _read_only(path: str) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & getattr(os, "ST_RDONLY", 0))
    except OSError:
        return False


def _mount_point(path: str) -> bool:
    """Whether something is mounted at `path` (a bind-mounted file cannot be renamed over),
    from Linux's list of this process's mounts, whose paths escape space, tab, newline and
    backslash in octal."""
    try:
        with open("/proc/self/mountinfo", "rb") as f:
            points = {line.split()[4] for line in f if len(line.split()) > 4}
    except OSError:
        return False
    escaped = os.fsencode(path)
    for char in b"\\ \t\n":
        escaped = escaped.replace(bytes([char]), b"\\%03o" % char)
    return escaped in points


def _unchangeable(path: str) -> bool:
    """Whether the file has Linux's immutable or append-only attribute (chattr +i, +a),
    which let no one, root included, rename over it."""
    try:
        import fcntl
        from array import array
    except ImportError:
        return False
    get_flags, immutable, append_only = 0x80086601, 0x10, 0x20  # FS_IOC_GETFLAGS, FS_*_FL
    flags = array("i", [0])  # the kernel reads and writes an int
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        fcntl.ioctl(fd, get_flags, flags, True)
    except OSError:  # a file system without these attributes
        return False
    finally:
        os.close(fd)
    return bool(flags[0] & (immutable | append_only))


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


def _identity(info: os.stat_result) -> tuple | None:
    """What makes two paths the same file, for the files and FIFOs that an output can
    destroy or feed back into an input: the file system and inode (hard links included).
    None for terminals, sockets and devices, which stdin and stdout may share."""
    if stat.S_ISREG(info.st_mode) or stat.S_ISFIFO(info.st_mode):
        return (info.st_dev, info.st_ino)
    return None


def _identity_of(path: str):
    try:
        return _identity(os.stat(path))
    except OSError:
        return None


def _descriptor_identity(fd: int):
    try:
        return _identity(os.fstat(fd))
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
    """A terminal a user reads (Linux device numbers): a pseudo-terminal (136-143), a
    virtual console (4, 0-63) or /dev/tty (5, 0). Not the system console (5, 1), the
    pseudo-terminal master (5, 2) nor serial ports (4, 64+), where opening acts (a board
    resets when its DTR line rises) or writing reaches the machine's log."""
    if not (stat.S_ISCHR(info.st_mode) and sys.platform.startswith("linux")):
        return False
    major, minor = os.major(info.st_rdev), os.minor(info.st_rdev)
    return 136 <= major <= 143 or (major == 4 and minor < 64) or (major, minor) == (5, 0)


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
        return _descriptor_identity(0)
    return _identity_of(path)


def check_input(path: str, what: str) -> None:
    """Refuse, before opening it, an input that is a device other than a terminal or the
    harmless ones (null, zero, random), and a file of the kernel's (/proc, /sys: reading
    /proc/kmsg takes the kernel's messages away); one of w2v's own descriptors
    (/dev/fd/N, `<(zcat v.gz)`) is fine. What is missing or unreadable the opener reports."""
    try:
        info = os.stat(path)
    except OSError:
        return
    if stat.S_ISBLK(info.st_mode) or (
        stat.S_ISCHR(info.st_mode) and not (_harmless(info) or _terminal(info))
    ):
        raise W2VError(f"{path}: is a {_file_kind(info)}, not {what}")
    real = os.path.realpath(path)
    kernel = real.startswith(("/proc/", "/sys/")) and not stat.S_ISFIFO(info.st_mode)
    if kernel and _follow_links(path) is None:
        raise W2VError(f"{path}: is a file of the kernel's ({real}), not {what}")


@contextlib.contextmanager
def text_file(path: str, option: str):
    """The lines of a text file (questions, pairs, word lists) as str, read as they are
    used, in bounded memory: lines of at most 1 MiB, and at most MAX_TEXT_BYTES in all;
    gzip, bzip2 and xz decompressed (told by the first bytes)."""
    from .streams import DECOMPRESSION_ERRORS, READ_BYTES, open_decompressed, text_lines

    label = f"{option} {path}"
    check_input(path, "a text file")
    try:
        f = open_decompressed(path)
    except FileNotFoundError:
        raise W2VError(f"{label}: no such file") from None
    except IsADirectoryError:
        raise W2VError(f"{label}: is a directory, not a text file") from None
    except OSError as e:
        raise W2VError(f"{label}: cannot read ({e.strerror or e})") from None

    def read():
        try:
            return f.read(READ_BYTES)
        except DECOMPRESSION_ERRORS as e:  # OSError's among them
            reason = getattr(e, "strerror", None) or e
            raise W2VError(f"{label}: cannot read ({reason}); is the file complete?") from None

    with f:
        yield text_lines(read, label, max_bytes=MAX_TEXT_BYTES)
