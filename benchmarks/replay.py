"""What recording a replay costs, and the README's training films.

    python benchmarks/replay.py [--repeats 3] [--out benchmarks/results-replay.md]

1. Cost: en-mix trained by the library with word2vec C's defaults and 2 threads, with
   and without snapshots (--snapshots, a frame every 100,000 words: 150 frames of the
   1,000 most frequent words and 2 watched ones), runs alternating, `--repeats` of each;
   words/s is the training's own (the kernel's loading excluded).
2. Films: the commands below, run as a user would, writing docs/replay-zh.gif (北京 and
   经济 on zh-pd1998) and docs/replay-en.gif (on en-mix).
"""

import argparse
import datetime
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from compare import machine  # benchmarks/compare.py
from phrases import cpu  # benchmarks/phrases.py

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT.parent / "shared" / "data"
W2V = shutil.which("w2v", path=str(Path(sys.executable).parent)) or "w2v"
FILMS = {
    "zh": (
        "zh-pd1998.txt",
        ["--watch", "北京,经济", "--snapshot-top", "3000", "--snapshot-every", "100k"],
        ["--neighbours", "8"],
    ),
    "en": (
        "en-mix.txt",
        ["--watch", "france,king,three", "--snapshot-top", "3000", "--snapshot-every", "200k"],
        ["--neighbours", "6"],
    ),
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cost(repeats: int) -> list:
    import w2vcli
    from w2vcli.training.snapshots import Recorder

    speeds = {"without": [], "with": []}
    tmp = Path(tempfile.mkdtemp(prefix="w2v-replay-"))
    try:
        for repeat in range(repeats):
            for kind in ("without", "with"):
                recorder = None
                if kind == "with":
                    recorder = Recorder(tmp / f"s{repeat}", 100_000, watch=["france", "king"])
                model = w2vcli.train(DATA / "en-mix.txt", threads=2, seed=1, snapshots=recorder)
                speeds[kind].append(model.words_per_second)
                log(f"{kind} snapshots: {model.words_per_second:,.0f} words/s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    without, with_ = (statistics.median(speeds[k]) for k in ("without", "with"))
    return [
        "## 1. Cost of recording (en-mix, 2 threads, a frame every 100,000 words)",
        "",
        "| | words/s (median of " + str(repeats) + ") | each run |",
        "| --- | ---: | --- |",
        f"| without --snapshots | {without:,.0f} | "
        + ", ".join(f"{s:,.0f}" for s in speeds["without"])
        + " |",
        f"| with --snapshots | {with_:,.0f} | "
        + ", ".join(f"{s:,.0f}" for s in speeds["with"])
        + " |",
        "",
        f"With snapshots / without: {with_ / without:.3f}.",
    ]


def films() -> list:
    lines = ["## 2. Films", ""]
    (ROOT / "docs").mkdir(exist_ok=True)
    for name, (corpus, train_args, plot_args) in FILMS.items():
        tmp = Path(tempfile.mkdtemp(prefix="w2v-film-"))
        try:
            train = [W2V, "train", str(DATA / corpus), "-o", str(tmp / "v.bin"), "--format"]
            train += ["binary", "--threads", "1", "--snapshots", str(tmp / "replay"), *train_args]
            gif = ROOT / "docs" / f"replay-{name}.gif"
            plot = [W2V, "plot", "--animate", str(tmp / "replay"), *plot_args, "-o", str(gif)]
            for cmd in (train, plot):
                log(" ".join(cmd))
                subprocess.run(cmd + ["-q"] * (cmd is train), check=True)
            shown = [
                "w2v" if c == W2V else c.replace(str(DATA) + "/", "").replace(str(tmp) + "/", "")
                for c in train + ["&&"] + plot
            ]
            shown = [c.replace(str(ROOT) + "/", "") for c in shown]
            lines += [f"- `{' '.join(shown)}`"]
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-films", action="store_true")
    parser.add_argument("--out", type=Path, default=HERE / "results-replay.md")
    args = parser.parse_args()
    lines = [
        "# Replays of training",
        "",
        f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- machine: {cpu()}; {machine()}",
        f"- command: `python benchmarks/replay.py --repeats {args.repeats}`",
        "",
        *cost(args.repeats),
        "",
    ]
    if not args.skip_films:
        lines += films()
    report = "\n".join(lines) + "\n"
    print(report)
    args.out.write_text(report)


if __name__ == "__main__":
    main()
