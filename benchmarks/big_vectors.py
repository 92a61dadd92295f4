"""Big vectors files: load and query a generated 1,000,000 x 300 binary file, w2v against
gensim, for wall time and peak memory.

    python benchmarks/big_vectors.py [--words 1000000] [--dim 300] [--limit 100000]
        [--repeats 1] [--out benchmarks/results-big-vectors.md]

The file (random vectors, words of 3 to 12 letters; about 1.2 GB) is generated once into
benchmarks/out/ and read into the page cache before the runs. Each run is a fresh process
measured from outside: wall seconds from start to exit and its peak resident memory
(ru_maxrss of the child). w2v runs `w2v info` (load only) and `w2v nearest WORD` (load,
unit vectors, one query); gensim runs `KeyedVectors.load_word2vec_format` and then
`most_similar(WORD)`. Both with and without a limit on the words read.
"""

import argparse
import datetime
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
from compare import machine  # benchmarks/compare.py

HERE = Path(__file__).resolve().parent
W2V = shutil.which("w2v", path=str(Path(sys.executable).parent)) or shutil.which("w2v")
GENSIM_MMAP = """
import sys
from gensim.models import KeyedVectors
kv = KeyedVectors.load(sys.argv[1], mmap="r")
for neighbour, similarity in kv.most_similar(sys.argv[2], topn=10):
    print(f"{sys.argv[2]}\\t{neighbour}\\t{similarity:.6f}")
"""
GENSIM_NATIVE = """
import sys
from gensim.models import KeyedVectors
KeyedVectors.load_word2vec_format(sys.argv[1], binary=True).save(sys.argv[2])
"""
GENSIM = """
import sys
from gensim.models import KeyedVectors
path, word, limit, query = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "query"
kv = KeyedVectors.load_word2vec_format(path, binary=True, limit=int(limit) or None)
if query:
    for neighbour, similarity in kv.most_similar(word, topn=10):
        print(f"{word}\\t{neighbour}\\t{similarity:.6f}")
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def generate(path: Path, n_words: int, dim: int) -> None:
    """word2vec binary: distinct random words, random normal vectors; written in parts."""
    log(f"writing {path} ({n_words:,} x {dim})")
    rng = np.random.default_rng(1)
    letters = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", np.uint8)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as f:
        f.write(f"{n_words} {dim}\n".encode())
        for start in range(0, n_words, 100_000):
            count = min(100_000, n_words - start)
            vectors = rng.standard_normal((count, dim)).astype("<f4")
            lengths = rng.integers(3, 13, count)
            parts = []
            for i in range(count):
                stem = letters[rng.integers(0, 26, lengths[i])].tobytes()
                parts.append(stem + str(start + i).encode() + b" " + vectors[i].tobytes())
            f.write(b"".join(parts))
    tmp.rename(path)


def measured(cmd: list) -> tuple:
    """Wall seconds, peak RSS (MiB), stdout and stderr of cmd, a fresh process, through a
    wrapper that reports its child's ru_maxrss."""
    wrapper = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True)\n"
        "seconds = time.perf_counter() - t\n"
        "sys.stdout.buffer.write(done.stdout)\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "sys.stderr.write(f'{seconds} {peak} {done.returncode}\\n' + done.stderr.decode())\n"
    )
    done = subprocess.run([sys.executable, "-c", wrapper, *cmd], capture_output=True)
    first, *rest = done.stderr.decode().split("\n", 1)
    seconds, peak, code = first.split()
    if code != "0":
        raise SystemExit(f"{' '.join(cmd[:3])} failed: {''.join(rest)[-500:]}")
    return float(seconds), float(peak), done.stdout.decode(), "".join(rest)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--limit", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--out", type=Path, default=HERE / "results-big-vectors.md")
    args = parser.parse_args()
    path = HERE / "out" / f"big-{args.words}x{args.dim}.bin"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        generate(path, args.words, args.dim)
    with open(path, "rb") as f:  # into the page cache, for both tools alike
        while f.read(1 << 24):
            pass
        f.seek(0)
        f.readline()
        word = f.read(40).split(b" ")[0].decode()  # the first word
    matrix_mib = args.words * args.dim * 4 / 2**20
    log(f"{path.stat().st_size / 2**20:,.0f} MiB file, {matrix_mib:,.0f} MiB matrix; query {word}")

    index = Path(f"{path}.index")
    if index.exists():  # the first runs read the file
        shutil.rmtree(index)
    rows = []
    for limit in (0, args.limit):
        limit_args = ["--limit", str(limit)] if limit else []
        cases = {
            "load": (
                [W2V, "info", str(path), *limit_args],
                [sys.executable, "-c", GENSIM, str(path), word, str(limit), "load"],
            ),
            "load + nearest": (
                [W2V, "nearest", word, "-v", str(path), "-k", "10", *limit_args],
                [sys.executable, "-c", GENSIM, str(path), word, str(limit), "query"],
            ),
        }
        for task, (w2v, gensim) in cases.items():
            results = {"w2v": [], "gensim": []}
            outputs = {}
            for _ in range(args.repeats):  # alternating
                for tool, cmd in (("w2v", w2v), ("gensim", gensim)):
                    seconds, peak, outputs[tool], _ = measured(cmd)
                    results[tool].append((seconds, peak))
            if task == "load + nearest":
                ours = [line.split("\t")[1] for line in outputs["w2v"].splitlines()]
                theirs = [line.split("\t")[1] for line in outputs["gensim"].splitlines()]
                assert ours == theirs, (ours, theirs)
            w2v_s, w2v_mb, gensim_s, gensim_mb = (
                statistics.median(x[i] for x in results[tool])
                for tool in ("w2v", "gensim")
                for i in (0, 1)
            )
            label = f"first {limit:,}" if limit else "all"
            log(
                f"{task}, {label}: w2v {w2v_s:.2f} s {w2v_mb:.0f} MiB; "
                f"gensim {gensim_s:.2f} s {gensim_mb:.0f} MiB"
            )
            rows.append((task, label, w2v_s, gensim_s, w2v_mb, gensim_mb))

    # Repeated queries: w2v's index against gensim's own format mapped into memory.
    native = path.with_suffix(".kv")
    if not native.exists():
        subprocess.run([sys.executable, "-c", GENSIM_NATIVE, str(path), str(native)], check=True)
    subprocess.run([W2V, "index", str(path)], check=True, capture_output=True)
    w2v = [W2V, "nearest", word, "-v", str(path), "-k", "10"]
    gensim = [sys.executable, "-c", GENSIM_MMAP, str(native), word]
    results = {"w2v": [], "gensim": []}
    for _ in range(args.repeats):
        for tool, cmd in (("w2v", w2v), ("gensim", gensim)):
            seconds, peak, out, _ = measured(cmd)
            results[tool].append((seconds, peak))
    w2v_s, w2v_mb, gensim_s, gensim_mb = (
        statistics.median(x[i] for x in results[tool]) for tool in ("w2v", "gensim") for i in (0, 1)
    )
    log(f"indexed: w2v {w2v_s:.2f} s {w2v_mb:.0f} MiB; gensim {gensim_s:.2f} s {gensim_mb:.0f} MiB")
    rows.append(
        (
            "nearest, mapped: `w2v index` / gensim `load(mmap='r')`",
            "all",
            w2v_s,
            gensim_s,
            w2v_mb,
            gensim_mb,
        )
    )

    lines = [
        "# Big vectors files: load and query against gensim",
        "",
        f"- date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {machine()}",
        f"- command: `python benchmarks/big_vectors.py --words {args.words} --dim {args.dim} "
        f"--limit {args.limit} --repeats {args.repeats}`",
        f"- file: generated word2vec binary, {args.words:,} x {args.dim} "
        f"({path.stat().st_size / 2**20:,.0f} MiB; the matrix is {matrix_mib:,.0f} MiB), in "
        f"the page cache; fresh processes, median of {args.repeats}; both tools found the same "
        "10 neighbours",
        "",
        "| task | words read | w2v (s) | gensim (s) | gensim / w2v | w2v peak (MiB) | "
        "gensim peak (MiB) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
        *(
            f"| {task} | {label} | {w2v_s:.2f} | {gensim_s:.2f} | {gensim_s / w2v_s:.1f}x | "
            f"{w2v_mb:,.0f} | {gensim_mb:,.0f} |"
            for task, label, w2v_s, gensim_s, w2v_mb, gensim_mb in rows
        ),
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    args.out.write_text(report)


if __name__ == "__main__":
    main()
