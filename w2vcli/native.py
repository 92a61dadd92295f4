"""The training kernel as a shared library, so that training does not load Numba or LLVM.

Numba, LLVM and a kernel loaded from Numba's cache take about 130 MiB of memory before
the first word is read (libllvmlite.so alone maps 69 MiB), which is almost gensim's whole
run. So the first training run compiles the same Numba kernel once more, in a child
process, as a C-callable function (`numba.cfunc`), writes its object code and links it
into a shared library with the system's C compiler. Later runs load that library with
ctypes, which releases the GIL for the call, so threads train in parallel as they do with
the JIT kernel. Without a C compiler, or if the build fails, training uses the JIT kernel.

The library lives in the cache directory ($W2V_CACHE_DIR, else $XDG_CACHE_HOME/w2v or
~/.cache/w2v) under a name that hashes the kernel's source, the Numba and llvmlite
versions and the CPU, since the code is compiled for this CPU's instruction set.

    python -m w2vcli.native PATH   builds the library at PATH (what the first run does)
"""

import ctypes
import hashlib
import importlib.metadata
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from .arrays import Model, Scratch

SYMBOL = "w2v_train_batch"
# The element type of each array the C function takes, in its order: Model's arrays, the
# corpus and keep_prob, Scratch's arrays: the build declares them, every call checks them.
ARRAY_DTYPES = [
    np.dtype(t)
    for t in (
        [np.float32, np.float32, np.float32, np.int32, np.uint8, np.int32, np.int32]
        + [np.int32, np.float32]
        + [np.uint64, np.int64, np.float32, np.float32, np.int32, np.int32, np.int32, np.int32]
        + [np.int8, np.float32, np.float64, np.float32, np.float32, np.int32]
    )
]


def cache_dir() -> Path:
    if os.environ.get("W2V_CACHE_DIR"):
        return Path(os.environ["W2V_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "w2v"


def library_path() -> Path:
    key = hashlib.sha256()
    for module in ("arrays.py", "kernels.py", "native.py"):
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


_loaded = {}


def train_batch():
    """kernels.train_batch from the shared library (built now if needed), or None if it
    cannot be built here; the reason is then in `why_not()`."""
    path = library_path()
    if path in _loaded:
        return _loaded[path]
    failed = path.with_suffix(".failed")
    kernel = None
    if not path.exists() and not failed.exists():
        _build_in_child(path, failed)
    if path.exists():
        try:
            kernel = _wrap(ctypes.CDLL(str(path))[SYMBOL])
        except (OSError, AttributeError) as error:  # damaged file: use the JIT kernel
            print(f"w2v: cannot load {path} ({error}); delete it to rebuild", file=sys.stderr)
    _loaded[path] = kernel
    return kernel


def why_not() -> str:
    failed = library_path().with_suffix(".failed")
    return failed.read_text().strip() if failed.exists() else ""


def _build_in_child(path: Path, failed: Path) -> None:
    """Build in another process, so that this one never imports Numba; a failure is
    remembered in `failed` so that later runs do not try again."""
    if shutil.which("cc") is None:
        reason = "no C compiler (cc) on PATH"
    else:
        # The child must import this very package, not another copy on its default path.
        package_parent = str(Path(__file__).parent.parent)
        python_path = os.pathsep.join(filter(None, [package_parent, os.environ.get("PYTHONPATH")]))
        child = subprocess.run(
            [sys.executable, "-m", "w2vcli.native", str(path)],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": python_path},
        )
        if child.returncode == 0 and path.exists():
            return
        reason = (child.stderr.strip().splitlines() or ["no output"])[-1]
    try:
        failed.parent.mkdir(parents=True, exist_ok=True)
        failed.write_text(f"could not build the native kernel: {reason}\n")
    except OSError:  # a cache directory we cannot write: try again next run
        pass
    print(
        f"w2v: could not build the native kernel: {reason}; training with Numba's JIT "
        f"kernel instead (about 100 MiB more memory); delete {failed} to try again",
        file=sys.stderr,
    )


def _wrap(function):
    """A Python callable with kernels.train_batch's signature over the C function."""
    function.restype = ctypes.c_double
    function.argtypes = (
        [ctypes.c_void_p] * (len(ARRAY_DTYPES) + 2) + [ctypes.c_int64] * 5 + [ctypes.c_double]
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
            m.loss_kind,
            start,
            end,
            arch,
            window,
            alpha,
        )
        return loss, int(results[0]), int(results[1])

    return train_batch


def _shape2(a: np.ndarray) -> tuple:
    """Every array as (rows, columns): the kernel's C entry point takes a fixed layout."""
    assert a.flags.c_contiguous
    return a.shape if a.ndim == 2 else (a.shape[0], 1)


def build(path: Path) -> None:
    """Compile the kernel as a C function and link it into the shared library `path`."""
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
        *[types.int64] * 5,
        types.float64,
    )

    @cfunc(signature, error_model="numpy", fastmath=kernels.FASTMATH)
    def entry(
        w_in,
        w_out,
        noise_accept,
        noise_alias,
        codes,
        points,
        lengths,
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
        sizes,
        results,
        loss_kind,
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

        m = Model(
            matrix(w_in, 0),
            matrix(w_out, 1),
            loss_kind,
            vector(noise_accept, 2),
            vector(noise_alias, 3),
            matrix(codes, 4),
            matrix(points, 5),
            vector(lengths, 6),
        )
        s = Scratch(
            vector(rng, 9),
            vector(counts, 10),
            vector(hidden, 11),
            vector(grad_hidden, 12),
            vector(context, 13),
            vector(negatives, 14),
            vector(next_negatives, 15),
            vector(rows, 16),
            vector(labels, 17),
            vector(coeffs, 18),
            vector(scores, 19),
            matrix(hot_out, 20),
            matrix(hot_base, 21),
            vector(sentence, 22),
        )
        loss, examples, words = kernels.train_batch(
            m, vector(corpus, 7), start, end, arch, window, vector(keep_prob, 8), alpha, s
        )
        results[0], results[1] = examples, words
        return loss

    library = entry._library
    library._ensure_finalized()
    module = library._final_module
    module.get_function(entry.native_name).name = SYMBOL
    target = llvm.Target.from_triple(llvm.get_process_triple())
    machine = target.create_target_machine(
        cpu=llvm.get_host_cpu_name(),
        features=get_host_cpu_features(),
        opt=3,
        reloc="pic",
        codemodel="default",
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        obj, stubs, so = Path(tmp, "kernel.o"), Path(tmp, "stubs.c"), Path(tmp, "kernel.so")
        obj.write_bytes(machine.emit_object(module))
        stubs.write_text(_stubs(module))
        subprocess.run(
            ["cc", "-shared", "-O2", "-o", str(so), str(obj), str(stubs), "-lm"],
            check=True,
            capture_output=True,
            text=True,
        )
        os.replace(so, path)  # atomic: a concurrent run sees the whole library or none


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


if __name__ == "__main__":
    build(Path(sys.argv[1]))
