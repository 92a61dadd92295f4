"""How far w2v's training is from the machine's physical limits.

    python benchmarks/limits.py [--corpus PATH] [--threads 2] [--configs sg-ns,cbow-ns,sg-hs]
        [--out benchmarks/results-limits.md]

First the machine's limits, measured here: the float32 FMA peak that OpenBLAS's sgemm
reaches on all cores (numpy's matmul of 2048 x 2048 matrices: the most that compiled code
gets from these cores), the bandwidth of copying arrays larger than the cache (one core),
and how many random 400-byte rows a second one core gathers from a 600 MiB matrix (the
access of a large vocabulary's training). Then one `w2v train` of each configuration,
whose words/s gives, per second:

- the floating-point operations of its training examples (fused multiply-adds count 2),
  from the expected number of examples: each word kept by sub-sampling (counts x keep
  probability, word2vec C's formula) is one CBOW example, or about window + 1 skip-gram
  pairs (the effective window is uniform in 1..window on each side), less at line ends;
- the bytes of the rows it reads and writes: every row an example touches, read and
  written once (4 x dim bytes each way).

Both are estimates from expected counts (within a few per cent: line ends cut windows),
not counters: this machine's virtual CPUs expose no performance counters to `perf`.
"""

import argparse
import datetime
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from compare import DATA, W2V, log, machine  # benchmarks/compare.py

HERE = Path(__file__).resolve().parent
CONFIGS = {"sg-ns": ("skipgram", "ns"), "cbow-ns": ("cbow", "ns"), "sg-hs": ("skipgram", "hs")}
DIM, WINDOW, NEGATIVE, SAMPLE, MIN_COUNT, EPOCHS = 100, 5, 5, 1e-3, 5, 5


def fma_peak() -> float:
    """GFLOP/s of numpy's float32 matmul (OpenBLAS, all cores), the best of 5."""
    a = np.random.default_rng(0).random((2048, 2048), dtype=np.float32)
    best = 0.0
    for _ in range(5):
        t = time.perf_counter()
        a @ a
        best = max(best, 2 * 2048**3 / (time.perf_counter() - t) / 1e9)
    return best


def copy_bandwidth() -> float:
    """GB/s of one core copying 512 MiB (read + write), the best of 5."""
    a = np.ones(1 << 27, np.float32)
    b = np.empty_like(a)
    best = 0.0
    for _ in range(5):
        t = time.perf_counter()
        np.copyto(b, a)
        best = max(best, 2 * a.nbytes / (time.perf_counter() - t) / 1e9)
    return best


def random_rows() -> float:
    """Millions of random 448-byte rows (dim 100 padded) a second, gathered by one core from
    a 600 MiB matrix: the latency-bound access of a large vocabulary."""
    rows = np.ones((1_400_000, 112), np.float32)
    pick = np.random.default_rng(0).integers(0, len(rows), 2_000_000)
    t = time.perf_counter()
    rows[pick].sum()
    return len(pick) / (time.perf_counter() - t) / 1e6


def expected_examples(counts: np.ndarray, arch: str) -> tuple:
    """(examples, kept words) of one epoch, and the mean context size: word2vec C's keep
    probability (sqrt(f / (s T)) + 1) * s T / f, capped at 1."""
    threshold = SAMPLE * counts.sum()
    keep = np.minimum((np.sqrt(counts / threshold) + 1) * threshold / counts, 1.0)
    kept = float((counts * keep).sum())
    pairs_per_word = WINDOW + 1  # 2 sides x mean of (window - d + 1) / window over d
    return (kept * pairs_per_word if arch == "skipgram" else kept), kept, pairs_per_word


def code_length(counts: np.ndarray) -> float:
    """The mean Huffman code length over the words' occurrences: hs's rows per example."""
    import heapq

    heap = [(int(c), i, 0) for i, c in enumerate(counts)]
    depth = np.zeros(len(counts))
    children: dict = {}
    heapq.heapify(heap)
    node = len(counts)
    while len(heap) > 1:
        a, b = heapq.heappop(heap), heapq.heappop(heap)
        children[node] = (a[1], b[1])
        heapq.heappush(heap, (a[0] + b[0], node, 0))
        node += 1
    stack = [(heap[0][1], 0)]
    while stack:
        n, d = stack.pop()
        if n < len(counts):
            depth[n] = d
        else:
            stack.extend((child, d + 1) for child in children[n])
    return float((depth * counts).sum() / counts.sum())


def per_example(arch: str, loss: str, rows: float, context: float) -> tuple:
    """(flops, rows touched) of one example: scores, gradient and output-row updates, each
    2 x dim flops a row; the input side: CBOW sums and updates its context rows, a
    skip-gram pair updates one row."""
    flops = 6 * DIM * rows
    touched = rows
    if arch == "cbow":
        flops += 2 * DIM * context
        touched += context
    else:
        flops += DIM
        touched += 1
    return flops, touched


def train(corpus: str, arch: str, loss: str, threads: int) -> tuple:
    """(words/s, in-vocabulary counts) of one w2v run."""
    with tempfile.TemporaryDirectory() as tmp:
        vocab = Path(tmp) / "vocab.txt"
        cmd = [W2V, "train", corpus, "--arch", arch, "--loss", loss, "--threads", str(threads)]
        cmd += ["-o", str(Path(tmp) / "v.bin"), "--save-vocab", str(vocab), "--seed", "1"]
        err = subprocess.run(cmd, capture_output=True, text=True, check=True).stderr
        counts = np.array([int(line.split()[1]) for line in vocab.read_text().splitlines()])
    speed = int(err.split(" words/s")[0].rsplit("(", 1)[1].replace(",", ""))
    return speed, counts.astype(np.float64)


def main(argv: list) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", default=str(DATA / "en-mix.txt"))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--configs", default=",".join(CONFIGS))
    p.add_argument("--out", default=str(HERE / "results-limits.md"))
    args = p.parse_args(argv)
    log("measuring the machine's limits")
    peak, bandwidth, gather = fma_peak(), copy_bandwidth(), random_rows()
    lines = [
        "# w2v's training against the machine's limits",
        "",
        f"- date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {machine()}",
        f"- command: `python benchmarks/limits.py {' '.join(argv)}`",
        f"- corpus: `{Path(args.corpus).name}`; dim {DIM}, window {WINDOW}, negative "
        f"{NEGATIVE}, sample {SAMPLE}, min-count {MIN_COUNT}, {args.threads} threads",
        f"- limits measured here: float32 matmul (OpenBLAS, all cores) {peak:.1f} GFLOP/s; "
        f"copying 512 MiB (one core) {bandwidth:.1f} GB/s; random 448-byte rows gathered "
        f"from 600 MiB (one core) {gather:.1f} M rows/s = {gather * 448 / 1e3:.1f} GB/s",
        "",
        "| config | words/s | examples/s | flops/example | GFLOP/s | % of matmul peak "
        "| rows/example | row bytes GB/s (read + write) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in args.configs.split(","):
        arch, loss = CONFIGS[name]
        log(f"training {name}")
        speed, counts = train(args.corpus, arch, loss, args.threads)
        examples, kept, context = expected_examples(counts, arch)
        rows = NEGATIVE + 1 if loss == "ns" else code_length(counts)
        flops, touched = per_example(arch, loss, rows, context)
        rate = speed * examples / counts.sum()
        gflops = rate * flops / 1e9
        bytes_per_s = rate * touched * DIM * 4 * 2 / 1e9
        lines.append(
            f"| {name} | {speed:,} | {rate / 1e6:.2f} M | {flops:,.0f} | {gflops:.1f} "
            f"| {100 * gflops / peak:.0f} % | {touched:.1f} | {bytes_per_s:.1f} |"
        )
    lines += [
        "",
        "examples/s = words/s x expected examples per in-vocabulary word (skip-gram: pairs). "
        "Row bytes count every row an example touches as read and written once; most are "
        "served by the caches (a window's rows are reused by its pairs), so this is the "
        "kernel's work rate, not DRAM traffic.",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    Path(args.out).write_text(report)


if __name__ == "__main__":
    main(sys.argv[1:])
