"""Two of the README's design figures, measured again: what each choice changes.

    python benchmarks/ablations.py [--repeats 3] [--out benchmarks/results-ablations.md]

- Hot rows: each thread's own copy of the busiest output rows (w2vcli.kernel.arrays), on and off,
  in one-epoch runs at 2 threads of skip-gram with negative sampling and with hierarchical
  softmax: words/s, alternating within one process so that the machine's slow spells hit
  both alike.
- Initial range: input vectors uniform in [-1/N, 1/N) (gensim 4, w2v's) against
  [-0.5/N, 0.5/N) (word2vec C): skip-gram + ns, the default 5 epochs, seeds 1 to --repeats,
  scored as `w2v evaluate` scores (3CosAdd over the 30,000 most frequent words, within 0.1
  point of gensim's evaluator; Spearman on WordSim-353).

On ../shared/data/en-mix.txt. Progress on stderr; the Markdown report on stdout and --out.
"""

import argparse
import datetime
import statistics
import sys
from pathlib import Path

from compare import machine  # benchmarks/compare.py

from w2vcli.config import TrainConfig
from w2vcli.text.corpus import read_corpus
from w2vcli.text.vocab import vocab_and_ids
from w2vcli.training import trainer
from w2vcli.vectors.evaluate import evaluate_analogies, evaluate_pairs
from w2vcli.vectors.query import Index

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def run(config: TrainConfig, hot: bool = True, half_range: bool = False):
    hot_rows = trainer.hot_rows
    if not hot:
        trainer.hot_rows = lambda config: 0
    try:
        vocab, ids = vocab_and_ids(read_corpus(str(DATA / "en-mix.txt")), config)
        model = trainer.Trainer(vocab, ids, config)
        if half_range:
            model.w_in *= 0.5  # [-1/N, 1/N) to word2vec C's [-0.5/N, 0.5/N)
        return model.run()
    finally:
        trainer.hot_rows = hot_rows


def scores(result) -> tuple:
    index = Index(result.vocab.words, result.w_in)
    with open(DATA / "questions-words.txt", encoding="utf-8") as f:
        analogy = evaluate_analogies(index, f, 30_000).totals[-1].accuracy
    with open(DATA / "wordsim353.tsv", encoding="utf-8") as f:
        spearman = evaluate_pairs(index, f).spearman
    return analogy, spearman


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results-ablations.md"))
    args = parser.parse_args()
    lines = [
        "# Ablations: the hot-row copy and the initial range",
        "",
        f"- date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {machine()}",
        f"- command: `python benchmarks/ablations.py --repeats {args.repeats}`",
        "",
        "| config (2 threads, 1 epoch) | hot-row copy | words/s median (range) |",
        "| --- | --- | --- |",
    ]
    for loss in ("ns", "hs"):
        config = TrainConfig(arch="skipgram", loss=loss, epochs=1, threads=2).validate()
        speeds = {True: [], False: []}
        for _ in range(args.repeats):
            for hot in (True, False):
                speeds[hot].append(run(config, hot=hot).words_per_second)
                print(f"sg-{loss} hot={hot} {speeds[hot][-1]:,.0f} words/s", file=sys.stderr)
        for hot in (True, False):
            s = speeds[hot]
            lines.append(
                f"| skip-gram + {loss} | {'on' if hot else 'off'} | {statistics.median(s):,.0f} "
                f"({min(s):,.0f}–{max(s):,.0f}) |"
            )
    lines += [
        "",
        "| initial range (skip-gram + ns, 5 epochs, 2 threads) | seed | analogy % |"
        " WordSim-353 ρ |",
        "| --- | --- | --- | --- |",
    ]
    means = {}
    for half in (False, True):
        name = "[-0.5/N, 0.5/N) (word2vec C)" if half else "[-1/N, 1/N) (gensim, w2v)"
        results = []
        for seed in range(1, args.repeats + 1):
            config = TrainConfig(arch="skipgram", threads=2, seed=seed).validate()
            results.append(scores(run(config, half_range=half)))
            print(f"{name} seed {seed}: {results[-1]}", file=sys.stderr)
            lines.append(f"| {name} | {seed} | {results[-1][0]:.2f} | {results[-1][1]:.3f} |")
        means[name] = [statistics.mean(x) for x in zip(*results)]
        lines.append(f"| {name} | mean | {means[name][0]:.2f} | {means[name][1]:.3f} |")
    report = "\n".join(lines) + "\n"
    print(report)
    Path(args.out).write_text(report)


if __name__ == "__main__":
    main()
