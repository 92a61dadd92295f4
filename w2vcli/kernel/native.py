"""The training kernel as a shared library, so that training does not load Numba or LLVM.

Numba, LLVM and a kernel loaded from Numba's cache take about 130 MiB of memory before
the first word is read (libllvmlite.so alone maps 69 MiB), which is almost gensim's whole
run. So the first training run compiles the same Numba kernel once more, in a child
process, as a C-callable function (`numba.cfunc`), writes its object code and links it
into a shared library with the system's C compiler. Later runs load that library with
ctypes, which releases the GIL for the call, so threads train in parallel as they do with
the JIT kernel. Whenever the library cannot be built, trusted or verified, training uses
the JIT kernel and says why in one line (a W2VWarning). The library holds a second C
function, w2vcli.kernel.text's formatter of text vectors, with which `w2v train` writes
its output (`format_rows`), and a third, w2vcli.kernel.counting's, with which reading
counts tokens once the library is built (`token_table`).

The library lives in the cache directory ($W2V_CACHE_DIR, else $XDG_CACHE_HOME/w2v or
~/.cache/w2v) under a name that hashes the kernel's source, the Numba and llvmlite
versions and the CPU, since the code is compiled for this CPU's instruction set.

Loading a library runs its code, so these rules hold:

- Trusted: the cache directory only if we own it and no one else can write to it, and
  each directory above it is ours or root's and writable by no one else, or sticky as
  /tmp is; the library and its checksum file only if we own them and no one else can
  write to them. Anything else is refused: never built into, loaded or read; see
  `trusted_directory`. A missing cache directory is created with mode 0700.
- Verified: the build writes the library's sha256 beside it (`kernel-KEY.sha256`). A
  run reads the library once, checks those bytes and loads those very bytes from
  memory, so nothing can change the code in between and truncating the file later
  cannot crash the run. A damaged library is rebuilt once.
- Run: the build is `python -I -c BOOTSTRAP`, in the cache directory. Isolated, it reads
  no PYTHON* variable and imports nothing from the working directory; BOOTSTRAP imports
  this very copy of the package, and the rest from this process's import path less its
  relative entries and the working directory. It runs the C compiler by its absolute
  path, found on $PATH without its relative entries (such as "."). A build that exits
  with an error is remembered in `kernel-KEY.failed`, so that later runs do not try
  again; one killed by a signal or Ctrl-C is not.

The build takes BUILD_TIME, most of it Numba compiling the kernel (one core), and whoever
asked for the kernel is told how long it has been running every BUILD_TICK.
"""

import ctypes
import errno
import hashlib
import importlib.metadata
import inspect
import os
import platform
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..errors import W2VWarning
from ..io.trust import (
    cache_dir,
    others_can_write,
    private_directory,
    search_path,
    trusted_directory,
)
from .arrays import (
    CORPUS_ARRAYS,
    REAL,
    SCRATCH_ARRAYS,
    SHARED_ARRAYS,
    SHARED_SCALARS,
    Scratch,
    Shared,
)

SYMBOL = "w2v_train_batch"
TEXT_SYMBOL = "w2v_format_rows"  # w2vcli.kernel.text.format_rows, in the same library
COUNT_SYMBOL = "w2v_count_tokens"  # w2vcli.kernel.counting.count_tokens, likewise
# The C function's array arguments, in its order (Shared's arrays, the corpus and keep_prob,
# Scratch's arrays), and their element types, all as w2vcli.kernel.arrays states them; the kernel
# is built for float32: the build declares these types, every call checks them.
ARRAYS = {**SHARED_ARRAYS, **CORPUS_ARRAYS, **SCRATCH_ARRAYS}
ARRAY_DTYPES = [np.dtype(np.float32 if t == REAL else t) for t, _ in ARRAYS.values()]
# text.format_rows's arrays: the float32 bits, words, word ends, out, line ends, slow rows.
TEXT_DTYPES = [np.dtype(t) for t in ("u4", "u1", "i8", "u1", "i8", "u1")]
# counting.count_tokens's arrays: the chunk, ids, hashes, slots (rows of two), starts,
# lengths, text, state.
COUNT_DTYPES = [np.dtype(t) for t in ("u1", "i4", "u8", "i8", "i8", "i8", "u1", "i8")]
JIT = "training with Numba's JIT kernel instead (about 100 MiB more memory)"
# The build's wall time, as said before it starts: 89-101 s on an idle 2-core AMD EPYC
# (Zen 3) virtual machine since skip-gram's windows at once and the text formatter joined
# the kernel (32 s before them); a few seconds if Numba's own cache already holds the kernel
# (the JIT kernel ran here before).
BUILD_TIME = "one to two minutes"
BUILD_TICK = 1.0  # seconds between the reports of a build's progress (on_build)
# What the build child runs (`python -I -c BOOTSTRAP PACKAGE LIBRARY CC PATH...`). It
# imports the package from its directory, PACKAGE, and not by name from the import path:
# putting PACKAGE's parent on the path would also let whatever else lies there be imported.
BOOTSTRAP = """\
import importlib.util, sys
package, library, cc, *path = sys.argv[1:]
sys.path[:0] = path
spec = importlib.util.spec_from_file_location(
    "w2vcli", package + "/__init__.py", submodule_search_locations=[package]
)
sys.modules["w2vcli"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sys.modules["w2vcli"])
from w2vcli.kernel.native import build
build(library, cc)
"""


def numba_cache() -> None:
    """Give Numba a place for its cache of compiled kernels where it has none: it keeps
    them beside the source (w2vcli/__pycache__) or in ~/.cache, and raises if it can write
    neither (a system-wide install run by an account without a home). Then a private
    temporary folder, removed at exit."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    beside = Path(__file__).parent / "__pycache__"
    home = Path.home() / ".cache"
    if any(os.access(p if p.exists() else p.parent, os.W_OK) for p in (beside, home)):
        return
    import atexit

    folder = tempfile.mkdtemp(prefix="w2v-numba-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    os.environ["NUMBA_CACHE_DIR"] = folder


def library_path() -> Path:
    key = hashlib.sha256()
    for module in ("arrays.py", "kernels.py", "native.py", "text.py", "counting.py"):
        key.update((Path(__file__).parent / module).read_bytes())
    for package in ("numba", "llvmlite"):
        key.update(importlib.metadata.version(package).encode())
    key.update(f"{sys.version_info[:2]} {platform.machine()} {_cpu_flags()}".encode())
    return cache_dir() / f"kernel-{key.hexdigest()[:16]}.so"


def _cpu_flags() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            return next((line for line in f if line.startswith(("flags", "Features"))), "")
    except OSError:
        return platform.processor()


class Untrusted(Exception):
    """A file in the cache that someone else could have written."""


class Damaged(Exception):
    """A library whose bytes are not those its build wrote."""


def _read_own_file(path: Path) -> bytes:
    """The bytes of `path`, if it is a regular file that only we can change. The check and
    the read go through one descriptor, and O_NOFOLLOW refuses a symbolic link, so the
    bytes read are those of the file checked."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        raise  # not a question of trust: the caller decides what a missing file means
    except OSError as error:  # ELOOP: O_NOFOLLOW met a link
        what = "is a symbolic link" if error.errno == errno.ELOOP else f"({error.strerror})"
        raise Untrusted(f"{path} {what}; delete it") from None
    with open(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Untrusted(f"{path} is not a regular file")
        if reason := others_can_write(path, st, {os.geteuid()}):
            raise Untrusted(f"{reason}; delete it")
        return f.read()


def _verified_image(path: Path) -> bytes:
    """The library's bytes, checked against the sha256 its build wrote beside it."""
    try:
        image = _read_own_file(path)
        expected = _read_own_file(path.with_suffix(".sha256")).decode("ascii", "replace")
    except FileNotFoundError as error:
        raise Damaged(f"{Path(error.filename).name} is missing") from None
    if hashlib.sha256(image).hexdigest() != expected.strip():
        raise Damaged("checksum mismatch")
    return image


# Loading.


class Library(NamedTuple):
    """The library's functions, as Python callables."""

    train_batch: object
    format_rows: object
    count_tokens: object


_loaded = {}  # library path: the Library loaded from it, or None
_images = []  # descriptors of the in-memory copies loaded, kept open: see _dlopen


def train_batch(on_build=None):
    """kernels.train_batch from the shared library (built now if needed, while
    `on_build(seconds, done)` is told of it: at 0, every BUILD_TICK, and when it is over),
    or None if it cannot be built, trusted or verified here; the reason is given as a
    W2VWarning."""
    path = library_path()
    if path not in _loaded:
        _loaded[path] = _load_or_build(path, on_build)
    return _loaded[path] and _loaded[path].train_batch


def format_rows():
    """w2vcli.kernel.text.format_rows, from the library if this process loaded it, else
    the JIT function if this process already runs Numba's kernel, else None: loading Numba
    to write one file costs more than it saves (Python's formatting is used)."""
    for functions in _loaded.values():
        if functions:
            return functions.format_rows
    if "w2vcli.kernel.kernels" in sys.modules:
        from .text import format_rows

        return format_rows
    return None


def token_table():
    """A TokenTable (w2vcli.kernel.table) that counts with the library's count_tokens, if
    the library is built here and can be trusted, else None (reading counts with Python's
    dict; the same result). It is never built for this: reading comes before training asks
    for the library, and whatever keeps it from loading, training says."""
    from .table import TokenTable

    path = library_path()
    if path not in _loaded and os.path.exists(path):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", W2VWarning)
            functions = _load_or_build(path, build=False)
        if functions:
            _loaded[path] = functions
    functions = _loaded.get(path)
    return TokenTable(functions.count_tokens) if functions else None


def why_not() -> str:
    """Why an earlier run could not build the library ("" if none failed), or why the cache
    directory is not trusted."""
    directory = library_path().parent
    if directory.exists() and (reason := trusted_directory(directory)):
        return reason
    failed = library_path().with_suffix(".failed")
    return failed.read_text().strip() if failed.exists() else ""


def _load_or_build(path: Path, on_build=None, build: bool = True):
    if reason := private_directory(path.parent):
        fix = "or set W2V_CACHE_DIR to a directory of your own"
        return _fall_back(f"not using the kernel cache: {reason}; {fix}")
    failed = path.with_suffix(".failed")
    for attempt in range(2):
        if not os.path.lexists(path) and not failed.exists() and build:
            _build_in_child(path, failed, on_build or (lambda seconds, done: None))
        if not os.path.lexists(path):
            return None  # the build failed, now (it said why) or on an earlier run
        try:
            image = _verified_image(path)
        except Untrusted as reason:
            return _fall_back(f"not loading the native kernel: {reason}")
        except Damaged as damage:
            if not build:
                return None
            if attempt:
                return _fall_back(f"{path} is damaged ({damage}) even after a rebuild")
            _warn(f"{path} is damaged ({damage}); rebuilding it")
            for stale in (path, path.with_suffix(".sha256")):
                stale.unlink(missing_ok=True)
            continue
        try:
            library = _dlopen(path, image)
            return Library(
                _wrap(library[SYMBOL]),
                _wrap_text(library[TEXT_SYMBOL]),
                _wrap_count(library[COUNT_SYMBOL]),
            )
        except (OSError, AttributeError) as error:
            return _fall_back(f"cannot load {path} ({error}); delete it to rebuild")
    return None


def _dlopen(path: Path, image: bytes) -> ctypes.CDLL:
    """Load `image`, the checked bytes of `path`, from memory rather than `path` again: so
    no one can change the code between the check and the load, and a later truncation
    of the file cannot SIGBUS us (pages of a mapped file that no longer exist). Loads
    `path` where there is no memfd_create or /proc (not Linux)."""
    try:
        fd = os.memfd_create("w2v-kernel")
    except (AttributeError, OSError):
        return ctypes.CDLL(str(path))
    try:
        with open(fd, "wb", closefd=False) as f:
            f.write(image)
        library = ctypes.CDLL(f"/proc/self/fd/{fd}")
    except OSError:
        os.close(fd)
        return ctypes.CDLL(str(path))
    # Kept open: dlopen knows a library by its name, so if this descriptor's number were
    # reused, a later dlopen of the same name would return this library.
    _images.append(fd)
    return library


def _fall_back(message: str) -> None:
    _warn(f"{message}; {JIT}")
    return None


def _warn(message: str) -> None:
    """Said as a W2VWarning: the library never prints; the CLI shows it as `w2v: ...`."""
    warnings.warn(message, W2VWarning, stacklevel=3)


# Building.


def _build_in_child(path: Path, failed: Path, on_build) -> None:
    """Build in another process, so that this one never imports Numba, telling
    `on_build(seconds, done)` how long it has run; a build that fails by itself (not one
    killed) is remembered in `failed` so that later runs do not try again. The child runs
    in the cache directory, never the user's working directory."""
    search = search_path()
    cc = shutil.which("cc", path=search)
    if cc is None:
        reason = "no C compiler (cc) on PATH"
    else:
        package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        on_build(0.0, False)
        returncode, stderr = _run_child(
            [sys.executable, "-I", "-c", BOOTSTRAP, package, str(path), cc, *_import_path()],
            path.parent,
            {**os.environ, "PATH": search},
            on_build,
        )
        if returncode == 0 and path.exists():
            return
        if returncode < 0:  # killed (out of memory, Ctrl-C): may work next time
            return _fall_back(f"the native kernel build was killed (signal {-returncode})")
        reason = (stderr.strip().splitlines() or ["no output"])[-1]
    try:
        failed.write_text(f"could not build the native kernel: {reason}\n")
    except OSError:  # a cache directory we cannot write: try again next run
        pass
    _fall_back(f"could not build the native kernel: {reason}; delete {failed} to try again")


def _run_child(command: list, cwd: Path, env: dict, on_build) -> tuple:
    """Run the build child to its end, telling `on_build(seconds, done)` every BUILD_TICK
    and when it ends; its (return code, stderr). Stopped here (Ctrl-C, a signal), it is
    killed: a build is not left running after the run that wanted it."""
    t0 = time.monotonic()
    child = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        while True:
            try:
                _, stderr = child.communicate(timeout=BUILD_TICK)  # (retried: nothing lost)
                break
            except subprocess.TimeoutExpired:
                on_build(time.monotonic() - t0, False)
    except BaseException:
        child.kill()
        child.communicate()
        raise
    on_build(time.monotonic() - t0, True)
    return child.returncode, stderr


def _import_path() -> list:
    """This process's import path for the child, less its relative entries and the working
    directory (which `python -m` and an empty PYTHONPATH entry put there); the child's own
    -I path lacks PYTHONPATH's directories, in which dependencies may be installed."""
    try:
        cwd = os.getcwd()
    except OSError:  # the working directory was deleted
        cwd = None
    return [p for p in sys.path if os.path.isabs(p) and os.path.realpath(p) != cwd]


def _wrap(function):
    """A Python callable with kernels.train_batch's signature over the C function."""
    function.restype = ctypes.c_double
    function.argtypes = (
        [ctypes.c_void_p] * (len(ARRAY_DTYPES) + 2)
        + [ctypes.c_int64] * (len(SHARED_SCALARS) + 4)
        + [ctypes.c_double]
    )

    def train_batch(m, corpus, start, end, arch, window, keep_prob, alpha, s):
        arrays = [a for a in m if isinstance(a, np.ndarray)] + [corpus, keep_prob, *s]
        assert [a.dtype for a in arrays] == ARRAY_DTYPES, "the C kernel is float32 only"
        sizes = np.array([n for a in arrays for n in _shape2(a)], np.int64)
        results = np.zeros(2, np.float64)
        loss = function(
            *[a.ctypes.data for a in arrays],
            sizes.ctypes.data,
            results.ctypes.data,
            *[getattr(m, name) for name in SHARED_SCALARS],
            start,
            end,
            arch,
            window,
            alpha,
        )
        return loss, int(results[0]), int(results[1])

    return train_batch


def _wrap_text(function):
    """A Python callable with text.format_rows's signature over the C function."""
    function.restype = ctypes.c_int64
    pointer, size = ctypes.c_void_p, ctypes.c_int64  # in _text_entry's order
    function.argtypes = [pointer, size, size, pointer, size, pointer, pointer, size] + [pointer] * 2

    def format_rows(bits, words, word_ends, out, line_ends, slow):
        arrays = (bits, words, word_ends, out, line_ends, slow)
        assert [a.dtype for a in arrays] == TEXT_DTYPES
        assert all(a.flags.c_contiguous for a in arrays)
        assert len(word_ends) == len(line_ends) == len(slow) == len(bits)
        return function(
            bits.ctypes.data,
            *bits.shape,
            words.ctypes.data,
            len(words),
            word_ends.ctypes.data,
            out.ctypes.data,
            len(out),
            line_ends.ctypes.data,
            slow.ctypes.data,
        )

    return format_rows


def _wrap_count(function):
    """A Python callable with counting.count_tokens's signature over the C function."""
    function.restype = ctypes.c_int64
    function.argtypes = [ctypes.c_void_p, ctypes.c_int64] * len(COUNT_DTYPES)

    def count_tokens(*arrays):
        assert [a.dtype for a in arrays] == COUNT_DTYPES
        assert all(a.flags.c_contiguous for a in arrays)
        return function(*[x for a in arrays for x in (a.ctypes.data, a.size)])

    return count_tokens


def _shape2(a: np.ndarray) -> tuple:
    """Every array as (rows, columns): the kernel's C entry point takes a fixed layout."""
    assert a.flags.c_contiguous
    return a.shape if a.ndim == 2 else (a.shape[0], 1)


def build(path, cc: str) -> None:
    """Compile the kernel as a C function and link it, with the C compiler `cc` (an absolute
    path), into the shared library `path`, beside which its sha256 is written. Run by
    the build child (BOOTSTRAP), in the cache directory."""
    import llvmlite.binding as llvm
    import numba
    from numba import carray, cfunc, types
    from numba.core.codegen import get_host_cpu_features

    from . import kernels

    pointer = [types.CPointer(numba.from_dtype(dtype)) for dtype in ARRAY_DTYPES]
    signature = types.float64(
        *pointer,
        types.CPointer(types.int64),
        types.CPointer(types.float64),
        *[types.int64] * (len(SHARED_SCALARS) + 4),
        types.float64,
    )

    def entry(
        w_in,
        w_out,
        noise_accept,
        noise_alias,
        codes,
        points,
        lengths,
        frozen,
        corpus,
        keep_prob,
        rng,
        counts,
        hidden,
        grad_hidden,
        context,
        negatives,
        next_negatives,
        rows,
        labels,
        coeffs,
        scores,
        hot_out,
        hot_base,
        sentence,
        window_scores,
        window_grads,
        sizes,
        results,
        loss_kind,
        cbow_mean,
        shrink_windows,
        batch_windows,
        start,
        end,
        arch,
        window,
        alpha,
    ):
        def matrix(pointer, k):
            return carray(pointer, (sizes[2 * k], sizes[2 * k + 1]))

        def vector(pointer, k):
            return carray(pointer, sizes[2 * k])

        m = Shared(
            matrix(w_in, 0),
            matrix(w_out, 1),
            loss_kind,
            vector(noise_accept, 2),
            vector(noise_alias, 3),
            matrix(codes, 4),
            matrix(points, 5),
            vector(lengths, 6),
            vector(frozen, 7),
            cbow_mean,
            shrink_windows,
            batch_windows,
        )
        s = Scratch(
            vector(rng, 10),
            vector(counts, 11),
            vector(hidden, 12),
            vector(grad_hidden, 13),
            vector(context, 14),
            vector(negatives, 15),
            vector(next_negatives, 16),
            vector(rows, 17),
            vector(labels, 18),
            vector(coeffs, 19),
            vector(scores, 20),
            matrix(hot_out, 21),
            matrix(hot_base, 22),
            vector(sentence, 23),
            matrix(window_scores, 24),
            matrix(window_grads, 25),
        )
        loss, examples, words = kernels.train_batch(
            m, vector(corpus, 8), start, end, arch, window, vector(keep_prob, 9), alpha, s
        )
        results[0], results[1] = examples, words
        return loss

    # One parameter per C argument (a cfunc takes no *args): the arrays in ARRAYS' order.
    parameters = list(inspect.signature(entry).parameters)
    assert parameters[: len(ARRAYS)] == list(ARRAYS), "entry's arrays are not arrays.py's"
    entry = cfunc(signature, error_model="numpy", fastmath=kernels.FASTMATH)(entry)

    library = entry._library
    library._ensure_finalized()
    module = library._final_module
    module.get_function(entry.native_name).name = SYMBOL
    # The text formatter and the token counter, C functions linked into the same module.
    for other, symbol in ((_text_entry(), TEXT_SYMBOL), (_count_entry(), COUNT_SYMBOL)):
        other._library._ensure_finalized()
        other_module = other._library._final_module.clone()
        other_module.get_function(other.native_name).name = symbol
        module.link_in(other_module)
    target = llvm.Target.from_triple(llvm.get_process_triple())
    machine = target.create_target_machine(
        cpu=llvm.get_host_cpu_name(),
        features=get_host_cpu_features(),
        opt=3,
        reloc="pic",
        codemodel="default",
    )
    path = Path(path)
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        obj, stubs, so = Path(tmp, "kernel.o"), Path(tmp, "stubs.c"), Path(tmp, "kernel.so")
        digest = Path(tmp, "kernel.sha256")
        obj.write_bytes(machine.emit_object(module))
        stubs.write_text(_stubs(module))
        subprocess.run(
            [cc, "-shared", "-O2", "-o", str(so), str(obj), str(stubs), "-lm"],
            check=True,
            capture_output=True,
            text=True,
        )
        digest.write_text(hashlib.sha256(so.read_bytes()).hexdigest() + "\n")
        for built in (so, digest):
            os.chmod(built, 0o644)  # whatever the umask: loaders refuse what others can write
        # Each atomic, the library first: a run that sees the library without its sha256
        # takes it for damaged and rebuilds it, one that sees both has the whole of each.
        os.replace(so, path)
        os.replace(digest, path.with_suffix(".sha256"))


def _text_entry():
    """text.format_rows as a C function: its arrays as pointers and sizes (_wrap_text)."""
    import numba
    from numba import carray, cfunc, types

    from . import text

    p = [types.CPointer(numba.from_dtype(dtype)) for dtype in TEXT_DTYPES]
    i64 = types.int64
    signature = i64(p[0], i64, i64, p[1], i64, p[2], p[3], i64, p[4], p[5])

    def entry(bits, rows, dim, words, n_words, word_ends, out, n_out, line_ends, slow):
        return text.format_rows(
            carray(bits, (rows, dim)),
            carray(words, n_words),
            carray(word_ends, rows),
            carray(out, n_out),
            carray(line_ends, rows),
            carray(slow, rows),
        )

    return cfunc(signature, error_model="numpy")(entry)


def _count_entry():
    """counting.count_tokens as a C function: each array as a pointer and its size (slots:
    two int64 a row)."""
    import numba
    from numba import carray, cfunc, types

    from . import counting

    i64 = types.int64
    p = [types.CPointer(numba.from_dtype(dtype)) for dtype in COUNT_DTYPES]
    signature = i64(*[t for pointer in p for t in (pointer, i64)])

    def entry(
        chunk, n0, ids, n1, hashes, n2, slots, n3, starts, n4, lengths, n5, text, n6, state, n7
    ):
        return counting.count_tokens(
            carray(chunk, n0),
            carray(ids, n1),
            carray(hashes, n2),
            carray(slots, (n3 // 2, 2)),
            carray(starts, n4),
            carray(lengths, n5),
            carray(text, n6),
            carray(state, n7),
        )

    return cfunc(signature, error_model="numpy")(entry)


def _stubs(module) -> str:
    """C definitions of the Numba runtime functions the code declares. It never calls them:
    its arrays own no memory (nothing is freed) and it raises nothing (an exception would
    take the GIL and build a Python error), so each one aborts."""
    names = [
        f.name
        for f in module.functions
        if f.is_declaration and f.name.startswith(("NRT_", "numba_"))
    ]
    stubs = "".join(f"void {name}(void) {{ abort(); }}\n" for name in names)
    return "#include <stdlib.h>\n" + stubs
