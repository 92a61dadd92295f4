"""Training on several workers: quality against one machine, and what the sync rule does.

    python benchmarks/distributed.py [--seeds 3] [--workers 2,4,8,16,32] [--skip-dask]
        [--cap 1.5] [--out benchmarks/results-distributed.md]

1. Dask, measured: en-mix prepared (`w2v prepare`), trained by a LocalCluster of 2 worker
   processes of 1 thread each (`w2v train DIR --engine dask --workers 2`), against `w2v
   train en-mix --threads 2` on one machine; word2vec C's defaults otherwise, seeds 1 to
   --seeds; analogy accuracy (questions-words, 30,000 most frequent words) and
   WordSim-353 Spearman of each, and the whole run's seconds.
2. Simulated: N workers (--workers) in one process (w2vcli.engines.LocalEngine's workers, the
   arithmetic of N machines that sync, run one after another), for the sync rules
   schedule + sum (w2v's default for 2 workers), schedule + capped (its default for
   more), schedule + mean (pWord2Vec's), all + sum, and epoch + mean (Spark MLlib's
   scheme: averaging once per epoch), seed 1; quality, rounds and the bytes the workers
   send; and one worker alone (one thread, the same seed) for reference.
3. Predicted scaling: words/s of N workers = N * r / (1 + N * s / (r * t)), where r is one
   worker's measured words/s, t the words a worker trains per round, and s the seconds
   a round's sync takes at the stated bandwidth for the bytes measured in 2 (each worker
   sends its changes and receives the merged rows, through one reducer: the client).
   Drawn with matplotlib into benchmarks/distributed-scaling.png.
"""

import argparse
import datetime
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from compare import machine  # benchmarks/compare.py
from phrases import cpu  # benchmarks/phrases.py

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "shared" / "data"
CORPUS = DATA / "en-mix.txt"
W2V = shutil.which("w2v", path=str(Path(sys.executable).parent)) or shutil.which("w2v")
RULES = [
    ("schedule", "sum"),
    ("schedule", "capped"),
    ("schedule", "mean"),
    ("all", "sum"),
    ("epoch", "mean"),
]
BANDWIDTH = 10e9 / 8  # bytes/s: 10 Gbit/s Ethernet


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def evaluate(vectors: Path) -> tuple:
    done = subprocess.run(
        [W2V, "evaluate", "-v", vectors, "--analogies", DATA / "questions-words.txt"]
        + ["--pairs", DATA / "wordsim353.tsv", "--json"],
        capture_output=True,
        text=True,
    )
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    analogy = next((r["value"] for r in rows if r["section"] == "total"), None)
    spearman = next((r["value"] for r in rows if r["metric"] == "spearman"), None)
    if analogy is None or spearman is None:  # vectors that diverged: nothing to evaluate
        return float("nan"), float("nan")
    return analogy, spearman


def timed(cmd: list) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t0


def measured_dask(tmp: Path, prepared: Path, seeds: int) -> list:
    lines = [
        "## 1. Dask LocalCluster, 2 workers x 1 thread, against one machine with 2 threads",
        "",
        "| seed | one machine: analogy % | WS-353 | seconds | Dask 2 workers: analogy % "
        "| WS-353 | seconds |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    totals = np.zeros(6)
    for seed in range(1, seeds + 1):
        single, dask = tmp / f"single-{seed}.txt", tmp / f"dask-{seed}.txt"
        common = ["--seed", str(seed), "-q"]
        log(f"seed {seed}: one machine")
        s1 = timed([W2V, "train", CORPUS, "-o", single, "--threads", "2", *common])
        log(f"seed {seed}: dask")
        s2 = timed(
            [W2V, "train", prepared, "-o", dask, "--engine", "dask", "--workers", "2", *common]
        )
        row = [*evaluate(single), s1, *evaluate(dask), s2]
        totals += row
        lines.append(
            f"| {seed} | {row[0]:.2f} | {row[1]:.3f} | {row[2]:.1f} | {row[3]:.2f} | {row[4]:.3f} "
            f"| {row[5]:.1f} |"
        )
    m = totals / seeds
    lines.append(
        f"| mean | {m[0]:.2f} | {m[1]:.3f} | {m[2]:.1f} | {m[3]:.2f} | {m[4]:.3f} | {m[5]:.1f} |"
    )
    lines += [
        "",
        f"Dask less one machine: {m[3] - m[0]:+.2f} analogy points, {m[4] - m[1]:+.3f} "
        "WordSim-353 (the Dask runs include starting the cluster).",
    ]
    return lines


def simulated(prepared: Path, counts: list) -> tuple:
    import w2vcli
    from w2vcli.config import TrainConfig
    from w2vcli.engines import LocalEngine, LocalWorkers
    from w2vcli.text.prepared import load_prepared
    from w2vcli.training.distributed import ROUND_BATCHES, Worker, train_parallel
    from w2vcli.vectors.vectors import Vectors

    vocab = load_prepared(prepared).vocab
    config = TrainConfig(threads=1, seed=1).validate()
    alone = w2vcli.train(str(prepared), config=config)
    path = Path(tempfile.mkdtemp()) / "v.txt"
    alone.vectors.save(str(path), "text")
    rows, costs = [(1, "-", "-", *evaluate(path), 0, 0, alone.seconds)], {}
    shutil.rmtree(path.parent)
    for n in counts:
        for sync, merge in RULES:
            log(f"simulated: {n} workers, {sync} + {merge}")
            group = LocalEngine(n).start(Worker, str(prepared), config, ROUND_BATCHES).workers
            t0 = time.perf_counter()
            result = train_parallel(LocalWorkers(group), config, vocab.counts, sync, merge)
            seconds = time.perf_counter() - t0
            path = Path(tempfile.mkdtemp()) / "v.txt"
            Vectors(vocab.words, np.ascontiguousarray(group[0].w_in)).save(str(path), "text")
            analogy, spearman = evaluate(path)
            shutil.rmtree(path.parent)
            per_round = result.synced_bytes / max(1, result.rounds)
            rows.append((n, sync, merge, analogy, spearman, result.rounds, per_round, seconds))
            training = seconds - result.sync_seconds  # the workers' own time, one after another
            costs[(n, sync, merge)] = (
                result.synced_bytes / result.rounds / n,
                result.words / training,
            )
            del group
    return rows, costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--workers", default="2,4,8,16,32")
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument(
        "--cap",
        type=float,
        help="the capped rule's CAP (w2vcli.training.distributed.CAP), to try others",
    )
    parser.add_argument("--out", type=Path, default=HERE / "results-distributed.md")
    args = parser.parse_args()
    if args.cap is not None:
        import w2vcli.training.distributed

        w2vcli.training.distributed.CAP = args.cap
    counts = [int(n) for n in args.workers.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="w2v-distributed-"))
    try:
        prepared = tmp / "prepared"
        subprocess.run([W2V, "prepare", CORPUS, "-o", prepared], check=True, capture_output=True)
        lines = [
            "# Training on several workers: en-mix",
            "",
            f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
            f"- machine: {cpu()}; {machine()}",
            f"- command: `python benchmarks/distributed.py --seeds {args.seeds} --workers "
            f"{args.workers}`",
            "- settings: word2vec C's defaults (cbow, ns 5, window 5, dim 100, min-count 5, "
            "sample 1e-3, 5 epochs); rounds of 2 batches (20,000 ids) per worker",
            "",
        ]
        if not args.skip_dask:
            lines += measured_dask(tmp, prepared, args.seeds) + [""]
        rows, costs = simulated(prepared, counts)
        lines += [
            "## 2. Simulated workers (one process, the arithmetic of N machines), seed 1",
            "",
            "| workers | sync | merge | analogy % | WS-353 | rounds | MiB sent per round |",
            "| ---: | --- | --- | ---: | ---: | ---: | ---: |",
        ]
        for n, sync, merge, analogy, spearman, rounds, per_round, _ in rows:
            lines.append(
                f"| {n} | {sync} | {merge} | {analogy:.2f} | {spearman:.3f} | {rounds:,} "
                f"| {per_round / 2**20:.2f} |"
            )
        lines += ["", *predicted(costs, rows)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report = "\n".join(lines) + "\n"
    print(report)
    args.out.write_text(report)


def predicted(costs: dict, rows: list) -> list:
    """Words/s against workers, from one worker's rate and the measured bytes per round;
    drawn beside the quality each rule reached."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from w2vcli.training.distributed import ROUND_BATCHES
    from w2vcli.training.trainer import BATCH_WORDS

    rate = float(np.median([r for _, r in costs.values()]))  # one worker's words/s
    words = ROUND_BATCHES * BATCH_WORDS * 0.9  # ids per round, less line ends
    lines = [
        "## 3. Predicted scaling",
        "",
        f"One worker trains {rate:,.0f} words/s (the simulated runs' median); a round is "
        f"{words:,.0f} words per worker; a sync sends each worker's changes to the client and "
        f"the merged rows back, at {BANDWIDTH * 8 / 1e9:.0f} Gbit/s through the client "
        "(the rounds without a sync cost nothing).",
        "",
        "| workers | sync | merge | bytes per worker per round | predicted words/s | speed-up |",
        "| ---: | --- | --- | ---: | ---: | ---: |",
    ]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for sync, merge in RULES:
        xs, speeds, quality = [], [], []
        for n, s, m, analogy, *_ in rows:
            if (s, m) != (sync, merge):
                continue
            per_worker = costs[(n, sync, merge)][0]
            round_seconds = words / rate + 2 * n * per_worker / BANDWIDTH
            speed = n * words / round_seconds
            xs.append(n)
            speeds.append(speed)
            quality.append(analogy)
            lines.append(
                f"| {n} | {sync} | {merge} | {per_worker / 2**20:.2f} MiB | {speed:,.0f} "
                f"| {speed / rate:.1f}x |"
            )
        label = f"{sync} + {merge}" + (" (Spark MLlib)" if sync == "epoch" else "")
        left.plot(xs, speeds, "o-", label=label)
        right.plot(xs, quality, "o-", label=label)
    left.plot(xs, [n * rate for n in xs], "--", color="grey", label="linear")
    right.axhline(rows[0][3], ls="--", color="grey", label="one worker alone")
    left.set(xlabel="workers", ylabel="predicted words/s", xscale="log", yscale="log")
    left.set_title(f"speed, {BANDWIDTH * 8 / 1e9:.0f} Gbit/s through the client")
    right.set(xlabel="workers", ylabel="analogy accuracy % (en-mix)", xscale="log")
    right.set_title("quality reached (simulated)")
    for ax in (left, right):
        ax.set_xscale("log", base=2)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(HERE / "distributed-scaling.png", dpi=100)
    return lines + ["", "![predicted scaling](distributed-scaling.png)"]


if __name__ == "__main__":
    main()
