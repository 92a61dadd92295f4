"""A gensim model trained on by w2v, against gensim's own training on, on en-mix.

    python benchmarks/continue_gensim.py [--configs cbow-ns sg-hs] [--seeds 1 2]
        [--threads 1] [--out benchmarks/results-continue-gensim.md]

en-mix is cut where half its tokens are read (benchmarks/lifecycle.py's halves). For each
configuration gensim 4 trains a model on the first half and saves it (`model.save`);
that one model is then trained on with the second half two ways, the new words that
reach min-count added:

- gensim: Word2Vec.load, build_vocab(second, update=True), train(second, epochs=5);
- w2v: `w2v import FIRST.model -o DIR --allow-pickle`, then
  `w2v train second --from DIR --update-vocab` (the settings are the imported model's).

Settings are word2vec C's defaults (dim 100, window 5, min-count 5, sample 1e-3, 5
epochs, ns 5 for cbow-ns, alpha 0.05 for CBOW and 0.025 for skip-gram), gensim in its
corpus_file mode, as benchmarks/peers.py. Analogy accuracy (3CosAdd, the 30,000 most
frequent words) and WordSim-353 Spearman are `w2v evaluate`'s for every tool
(benchmarks/peers.py eval). Times are wall seconds of each step: gensim's measured in
its process around the calls (loading included), w2v's around its commands (the
process's start, reading the corpus and writing the vectors included), each seed's.
Quality figures are the mean over the seeds, ± their standard deviation.
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from compare import ALPHA, CONFIGS, DATA, SETTINGS, log, machine, run_json, w2v_source
from lifecycle import OUT, halves, mean_sd

HERE = Path(__file__).resolve().parent
W2V = [sys.executable, "-m", "w2vcli"]


def gensim(task: dict) -> dict:
    """gensim 4: train the first half and save the model; load it and train it on with the
    second, new words added. Returns each step's seconds and the words added."""
    from gensim.models import Word2Vec

    arch, loss = CONFIGS[task["config"]]
    t0 = time.perf_counter()
    model = Word2Vec(
        vector_size=SETTINGS["dim"], window=SETTINGS["window"], min_count=SETTINGS["min_count"],
        sample=SETTINGS["sample"], sg=int(arch == "skipgram"), hs=int(loss == "hs"),
        negative=SETTINGS["negative"] if loss == "ns" else 0, alpha=ALPHA[arch],
        min_alpha=ALPHA[arch] * 1e-4, epochs=5, workers=task["threads"], seed=task["seed"],
    )  # fmt: skip
    model.build_vocab(corpus_file=task["first"])
    model.train(corpus_file=task["first"], total_words=model.corpus_total_words, epochs=5)
    first = time.perf_counter() - t0
    model.save(task["out"] + "-first.model")
    model.wv.save_word2vec_format(task["out"] + "-first.txt")
    t0 = time.perf_counter()
    model = Word2Vec.load(task["out"] + "-first.model")
    before = len(model.wv)
    model.build_vocab(corpus_file=task["second"], update=True)
    model.train(corpus_file=task["second"], total_words=model.corpus_total_words, epochs=5)
    continued = time.perf_counter() - t0
    model.wv.save_word2vec_format(task["out"] + "-continued.txt")
    return {"first": first, "continued": continued, "added": len(model.wv) - before}


def timed(args: list) -> float:
    t0 = time.perf_counter()
    subprocess.run([*W2V, *map(str, args)], check=True)
    return time.perf_counter() - t0


def evaluate(vectors: str) -> dict:
    questions, wordsim = DATA / "questions-words.txt", DATA / "wordsim353.tsv"
    return run_json(["eval", vectors, str(questions), str(wordsim)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", nargs="+", default=["cbow-ns", "sg-hs"], choices=CONFIGS)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=HERE / "results-continue-gensim.md")
    args = parser.parse_args()
    paths = halves()
    rows = {}  # (config, run) -> [(scores or None, seconds, words added or None) per seed]
    for config in args.configs:
        for seed in args.seeds:
            for row, result in continued(config, seed, paths, args.threads):
                rows.setdefault((config, row), []).append(result)
    lines = [
        f"# A gensim model trained on by w2v and by gensim, on en-mix ({datetime.date.today()})",
        "",
        f"Machine: {machine()}. Source: {w2v_source()}.",
        f"Seeds {args.seeds}, {args.threads} thread(s) each; mean ± sd over the seeds. "
        f"Command: `python benchmarks/continue_gensim.py --configs {' '.join(args.configs)} "
        f"--seeds {' '.join(map(str, args.seeds))} --threads {args.threads}`",
        "",
        "| config | run | analogy accuracy % | analogy coverage | WordSim-353 | words added "
        "| seconds |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for (config, row), results in rows.items():
        scores = [r[0] for r in results if r[0]]
        quality = " | | "
        if scores:
            quality = (
                f"{mean_sd([100 * s['analogy'] for s in scores])} | "
                f"{100 * scores[0]['analogy_coverage']:.0f} % | "
                f"{mean_sd([s['wordsim'] for s in scores])}"
            )
        added = ", ".join(f"{r[2]:,}" for r in results if r[2] is not None)
        seconds = " / ".join(f"{r[1]:.1f}" for r in results)  # each seed's: a shared machine
        lines.append(f"| {config} | {row} | {quality} | {added} | {seconds} |")
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.write_text(text)


def continued(config: str, seed: int, paths: dict, threads: int) -> list:
    """One configuration and seed: gensim's first half, and its two trainings on."""
    prefix = str(OUT / f"continue-{config}-{seed}")
    task = {
        "config": config, "first": str(paths["first"]), "second": str(paths["second"]),
        "threads": threads, "seed": seed, "out": prefix,
    }  # fmt: skip
    log(f"{config}, seed {seed}: gensim, the first half, then trained on with the second")
    g = json.loads(
        subprocess.run(
            [sys.executable, __file__, "gensim", json.dumps(task)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    log(f"{config}, seed {seed}: w2v import, then w2v train --from --update-vocab")
    imported = f"{prefix}-imported"
    import_seconds = timed(["import", f"{prefix}-first.model", "-o", imported, "--allow-pickle"])
    train_seconds = timed(
        ["train", paths["second"], "--from", imported, "--update-vocab", "-o",
         f"{prefix}-w2v.txt", "--save-model", f"{prefix}-w2v", "--threads", threads, "-q"]
    )  # fmt: skip
    facts = json.loads((Path(f"{prefix}-w2v") / "model.json").read_text())
    added = facts["provenance"]["runs"][-1]["from"]["added_words"]
    results = []
    for row, vectors, seconds, words in [
        ("gensim, first half (the start of both)", "-first.txt", g["first"], None),
        ("gensim, trained on (`build_vocab(update=True)` + `train`)", "-continued.txt",
         g["continued"], g["added"]),
        ("w2v, trained on (`w2v import`, `--from --update-vocab`)", "-w2v.txt",
         train_seconds, added),
    ]:  # fmt: skip
        scores = evaluate(prefix + vectors)
        log(f"{config}, seed {seed}, {row}: {scores}")
        results.append((row, (scores, seconds, words)))
    results.append(("w2v import (the conversion alone)", (None, import_seconds, None)))
    return results


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "gensim":
        print(json.dumps(gensim(json.loads(sys.argv[2]))))
    else:
        os.environ.setdefault("PYTHONHASHSEED", "0")
        main()
