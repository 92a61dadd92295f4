"""The C and C++ peers of benchmarks/compare.py: Intel's pWord2Vec and word2vec C.

    python benchmarks/c_peers.py build pword2vec SRC_DIR OUT_DIR [--no-blas]
    python benchmarks/c_peers.py build word2vec-c SRC_DIR OUT_DIR

Their sources never enter the project: fetch github.com/IntelLabs/pWord2Vec and
github.com/tmikolov/word2vec somewhere outside it and pass the directories
(pWord2Vec.cpp, word2vec.c at their top). compare.py builds them into its temporary
directory; the command above builds one binary by hand and prints its path.

pWord2Vec is built with a BLAS, as its makefile builds it (icpc -DUSE_MKL -mkl=sequential
-qopenmp -O3 -xhost), with g++ and OpenBLAS in MKL's place: a small mkl.h shim includes
OpenBLAS's cblas.h (and mm_malloc.h, which icpc includes by itself) and maps
mkl_set_num_threads to openblas_set_num_threads, and the runs set OPENBLAS_NUM_THREADS=1
(MKL's "sequential"). OpenBLAS is a benchmark-only dependency:
`apt-get install -y libopenblas-dev` on Debian or Ubuntu. --no-blas builds its plain loops
instead (its `#pragma simd` is icc's; g++ ignores it). pWord2Vec trains skip-gram with
negative sampling only, with its default -batch-size 11 (2 x window + 1 at window 5).

word2vec.c is built with its makefile's flags: gcc -lm -pthread -O3 -march=native -Wall
-funroll-loops.
"""

import ctypes
import ctypes.util
import hashlib
import re
import subprocess
import sys
from pathlib import Path

SOURCES = {"pword2vec": "pWord2Vec.cpp", "word2vec-c": "word2vec.c"}
REPOS = {"pword2vec": "IntelLabs/pWord2Vec", "word2vec-c": "tmikolov/word2vec"}
SUPPORTS = {
    "pword2vec": {("skipgram", "ns")},
    "word2vec-c": {("skipgram", "ns"), ("cbow", "ns"), ("skipgram", "hs")},
}
TRAIN_IS_WALL = {"word2vec-c"}  # its words/s counts CPU seconds: compare.py takes wall time
MKL_SHIM = """\
#include <cblas.h>
#include <mm_malloc.h>
static inline void mkl_set_num_threads(int n) { openblas_set_num_threads(n); }
"""
# pWord2Vec.cpp relies on icpc's implicit headers; with no mkl.h, g++ needs them named
NO_BLAS_HEADERS = ["-include", "cstdio", "-include", "cstdlib", "-include", "mm_malloc.h"]
PROGRESS = re.compile(r"Progress: ([\d.]+)%\s+Words/sec: ([\d.]+)k")
TRAIN_WORDS = re.compile(r"Words in train file: (\d+)")


def source_file(tool: str, src_dir: str) -> Path:
    path = Path(src_dir) / SOURCES[tool]
    if not path.is_file():
        raise SystemExit(
            f"--{tool.split('-')[0]}-src: no {SOURCES[tool]} in {src_dir}; pass the top "
            f"directory of a copy of github.com/{REPOS[tool]}, outside the project"
        )
    return path


def build(tool: str, src_dir: str, out_dir: str, blas: bool = True) -> tuple:
    """Compile tool's source into out_dir: the binary's path and a line saying how."""
    src, out = source_file(tool, src_dir), Path(out_dir)
    binary = out / (tool if blas else f"{tool}-no-blas")
    if tool == "word2vec-c":
        flags = ["-lm", "-pthread", "-O3", "-march=native", "-Wall", "-funroll-loops"]
        cmd = ["gcc", str(src), "-o", str(binary), *flags]
    elif blas:
        shim = out / "mkl-shim"
        shim.mkdir(exist_ok=True)
        (shim / "mkl.h").write_text(MKL_SHIM)
        flags = ["-std=c++11", "-fopenmp", "-O3", "-march=native", "-DUSE_MKL"]
        cmd = ["g++", str(src), "-o", str(binary), *flags, f"-I{shim}", "-lopenblas"]
    else:
        flags = ["-std=c++11", "-fopenmp", "-O3", "-march=native"]
        cmd = ["g++", str(src), "-o", str(binary), *flags, *NO_BLAS_HEADERS]
    done = subprocess.run(cmd + ["-w"], capture_output=True, text=True)
    if done.returncode:
        hint = (
            "; pWord2Vec's BLAS build needs OpenBLAS: apt-get install -y libopenblas-dev"
            if "blas" in done.stderr.lower()
            else ""
        )
        raise SystemExit(f"building {src} failed{hint}:\n{done.stderr[-2000:]}")
    compiler = subprocess.run([cmd[0], "--version"], capture_output=True, text=True)
    digest = hashlib.sha256(src.read_bytes()).hexdigest()[:12]
    how = f"{src.name} sha256 {digest}, {compiler.stdout.splitlines()[0]} {' '.join(flags)}"
    if tool == "pword2vec" and blas:
        how += f", {openblas()} through an mkl.h shim, OPENBLAS_NUM_THREADS=1"
    return str(binary), how


def openblas() -> str:
    """OpenBLAS's own description: version, and the CPU kind its kernels were chosen for."""
    try:
        lib = ctypes.CDLL(ctypes.util.find_library("openblas") or "libopenblas.so.0")
        lib.openblas_get_config.restype = ctypes.c_char_p
        return lib.openblas_get_config().decode().strip()
    except (OSError, AttributeError):
        return "OpenBLAS"


def command(tool: str, binary: str, s: dict) -> list:
    """The peer's command line for compare.py's settings s."""
    cmd = [binary, "-train", s["corpus"], "-output", s["out"], "-binary", "0"]
    cmd += ["-size", str(s["dim"]), "-window", str(s["window"]), "-sample", str(s["sample"])]
    cmd += ["-min-count", str(s["min_count"]), "-iter", str(s["epochs"])]
    cmd += ["-alpha", str(s["alpha"]), "-threads", str(s["threads"])]
    hs = s["loss"] == "hs"
    if tool == "word2vec-c":
        cmd += ["-cbow", str(int(s["arch"] == "cbow")), "-hs", str(int(hs))]
    return cmd + ["-negative", "0" if hs else str(s["negative"])]


def train_seconds(tool: str, stdout: str, epochs: int, wall: float) -> float:
    """pWord2Vec's own training clock (omp_get_wtime, from after loading the corpus) at its
    last progress report: progress x words to train / its words/s. word2vec C's words/s
    counts CPU seconds (clock()), not wall seconds, so it gets the process's wall time."""
    if tool in TRAIN_IS_WALL:
        return wall
    reports, words = PROGRESS.findall(stdout), TRAIN_WORDS.search(stdout)
    if not reports or not words:
        raise SystemExit(f"no progress report from pWord2Vec:\n{stdout[-2000:]}")
    progress, thousands_per_s = map(float, reports[-1])
    return progress / 100 * (epochs * int(words[1]) + 1) / (thousands_per_s * 1000)


def main(argv: list) -> None:
    if len(argv) < 4 or argv[0] != "build" or argv[1] not in SOURCES:
        raise SystemExit(__doc__.split("\n\n")[1])
    binary, how = build(argv[1], argv[2], argv[3], blas="--no-blas" not in argv[4:])
    print(f"{binary}  ({how})")


if __name__ == "__main__":
    main(sys.argv[1:])
