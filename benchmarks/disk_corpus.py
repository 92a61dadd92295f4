"""Corpora larger than memory: peak memory and speed of training with the corpus's ids on
disk, against memory mode and gensim's corpus_file mode, as the corpus grows.

    python benchmarks/disk_corpus.py [--copies 1 10 40] [--epochs 1] [--threads 2]
        [--out benchmarks/results-disk-corpus.md]

The corpora are ../shared/data/en-mix.txt repeated 1, 10 and 40 times (written once into
benchmarks/out/, read into the page cache before the runs). Each run is a fresh process:
wall seconds and peak resident memory (ru_maxrss) from outside; training words/s as w2v
reports it, and for gensim corpus words x epochs / the seconds of train() (its vocabulary
scan excluded, as w2v's reading is); gensim also writes binary vectors. Settings are word2vec C's
defaults for both (cbow, ns 5, window 5, dim 100, min-count 5, sample 1e-3).
"""

import argparse
import datetime
import re
import statistics
import sys
from pathlib import Path

from big_vectors import W2V, log, measured  # benchmarks/big_vectors.py
from big_vocab import GENSIM_RUN  # benchmarks/big_vocab.py
from compare import machine  # benchmarks/compare.py

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "shared" / "data" / "en-mix.txt"


def corpus(copies: int) -> Path:
    path = HERE / "out" / f"en-mix-x{copies}.txt"
    if not path.exists():
        log(f"writing {path}")
        path.parent.mkdir(parents=True, exist_ok=True)
        text = CORPUS.read_bytes()
        with open(path.with_suffix(".tmp"), "wb") as f:
            for _ in range(copies):
                f.write(text)
        path.with_suffix(".tmp").rename(path)
    with open(path, "rb") as f:  # into the page cache
        while f.read(1 << 24):
            pass
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 10, 40])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1, help="alternating runs; medians")
    parser.add_argument("--out", type=Path, default=HERE / "results-disk-corpus.md")
    args = parser.parse_args()
    out = HERE / "out" / "disk-corpus-vectors.txt"
    common = ["--epochs", str(args.epochs), "--threads", str(args.threads)]
    rows = []
    for copies in args.copies:
        path = corpus(copies)
        runs = {"memory": [], "disk": [], "gensim": []}
        for _ in range(args.repeats):  # alternating, so that each tool meets the same noise
            for mode in ("memory", "disk"):
                cmd = [W2V, "train", str(path), "-o", str(out), "--corpus-in", mode, *common]
                seconds, peak, _, talk = measured(cmd)
                words = re.search(r"\(([\d,]+) words/s", talk).group(1).replace(",", "")
                runs[mode].append((seconds, peak, float(words)))
            gensim = [sys.executable, "-c", GENSIM_RUN, str(path), str(out), str(args.epochs)]
            seconds, peak, printed, _ = measured([*gensim, str(args.threads)])
            runs["gensim"].append((seconds, peak, float(printed.split()[1])))  # words/s
        result = {
            tool: tuple(statistics.median(run[i] for run in values) for i in range(3))
            for tool, values in runs.items()
        }
        rows.append((copies, result))
        log(f"x{copies}: {result}")
    lines = [
        "# Training with the corpus on disk: peak memory and speed against the corpus size",
        "",
        f"- date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {machine()}",
        f"- command: `python benchmarks/disk_corpus.py --copies {' '.join(map(str, args.copies))}"
        f" --epochs {args.epochs} --threads {args.threads} --repeats {args.repeats}`",
        f"- corpora: en-mix repeated; cbow, ns, dim 100, {args.epochs} epoch(s), "
        f"{args.threads} threads; whole-process wall seconds and peak RSS, fresh processes, "
        f"medians of {args.repeats} alternating runs",
        "",
        "| corpus | peak MiB: w2v memory | w2v disk | gensim corpus_file | words/s: w2v "
        "memory | w2v disk | gensim | disk / memory words/s | whole run s: memory, disk, "
        "gensim |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for copies, r in rows:
        (ms, mp, mw), (ds, dp, dw), (gs, gp, gw) = r["memory"], r["disk"], r["gensim"]
        lines.append(
            f"| en-mix x{copies} | {mp:,.0f} | {dp:,.0f} | {gp:,.0f} | {mw:,.0f} | {dw:,.0f} | "
            f"{gw:,.0f} | {dw / mw:.2f} | {ms:.1f}, {ds:.1f}, {gs:.1f} |"
        )
    report = "\n".join(lines) + "\n"
    print(report)
    args.out.write_text(report)


if __name__ == "__main__":
    main()
