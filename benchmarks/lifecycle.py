"""A model's life, measured on en-mix: training on with new text (w2v --from --update-vocab
against gensim's build_vocab(update=True) + train, each against training on the whole),
a resumed run with two threads against the uninterrupted one, and --init-vectors for a
small corpus.

    python benchmarks/lifecycle.py [--seeds 1 2 3] [--threads 2]
        [--out benchmarks/results-lifecycle.md]

en-mix is cut at the line where half its tokens are read: "first" and "second". Every
run has word2vec C's defaults (cbow, ns 5, window 5, dim 100, min-count 5, sample 1e-3,
5 epochs, alpha 0.05), gensim given the same. For each seed:

- whole: one run on en-mix;
- first: one run on the first half (what training on starts from);
- first + second: the model of the first half trained on with the second, new words that
  reach min-count added (w2v: --from DIR --update-vocab; gensim: build_vocab(second,
  update=True), then train(second, epochs=5));
- w2v --from gensim's first half: gensim's model of the first half (saved by gensim,
  made a w2v model directory by `w2v import`) trained on by w2v as above: the same start
  for both ways of training on (benchmarks/continue_gensim.py measures it alone);
- w2v resumed: en-mix with --checkpoint, killed (SIGKILL) once epoch 2's checkpoint is
  written, then --resume (two threads: not bit-identical, to be within noise).

--init-vectors: the last tenth of en-mix's lines (the Brown corpus, 0.3M tokens) trained
alone, and started from the vectors of the first nine tenths (trained once per seed),
free and frozen. Analogy accuracy (3CosAdd, 30,000 most frequent words) and WordSim-353
Spearman are `w2v evaluate`'s (benchmarks/peers.py eval), the same reader for every tool.
"""

import argparse
import datetime
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from compare import DATA, log, machine, run_json, w2v_source  # benchmarks/compare.py

HERE = Path(__file__).resolve().parent
OUT = HERE / "out" / "lifecycle"
W2V = [sys.executable, "-m", "w2vcli"]
SETTINGS = ["--dim", "100", "--window", "5", "--negative", "5", "--min-count", "5"]
SETTINGS += ["--sample", "1e-3", "--epochs", "5", "--alpha", "0.05", "-q"]


def halves() -> tuple:
    """en-mix cut where half its tokens are read, and its last tenth of lines and the rest."""
    OUT.mkdir(parents=True, exist_ok=True)
    lines = (DATA / "en-mix.txt").read_bytes().splitlines(keepends=True)
    tokens = [len(line.split()) for line in lines]
    total, seen, cut = sum(tokens), 0, 0
    while seen < total / 2:
        seen += tokens[cut]
        cut += 1
    tenth = len(lines) - len(lines) // 10
    parts = {
        "first": lines[:cut],
        "second": lines[cut:],
        "general": lines[:tenth],
        "small": lines[tenth:],
    }
    paths = {}
    for name, part in parts.items():
        paths[name] = OUT / f"{name}.txt"
        if not paths[name].exists():
            paths[name].write_bytes(b"".join(part))
    return paths


def w2v(*args) -> None:
    subprocess.run([*W2V, "train", *map(str, args)], check=True)


def evaluate(vectors: Path) -> dict:
    questions, wordsim = DATA / "questions-words.txt", DATA / "wordsim353.tsv"
    return run_json(["eval", str(vectors), str(questions), str(wordsim)])


def gensim(task: dict) -> dict:
    """gensim 4: the whole, the first half, and the first trained on with the second."""
    from gensim.models import Word2Vec

    def fresh():
        return Word2Vec(
            vector_size=100, window=5, min_count=5, sample=1e-3, negative=5, sg=0, hs=0,
            alpha=0.05, min_alpha=0.05 * 1e-4, epochs=5, workers=task["threads"],
            seed=task["seed"],
        )  # fmt: skip

    def train(model, corpus: str) -> None:  # corpus_file mode, as benchmarks/peers.py
        model.train(corpus_file=corpus, total_words=model.corpus_total_words, epochs=5)

    whole = fresh()
    whole.build_vocab(corpus_file=task["whole"])
    train(whole, task["whole"])
    whole.wv.save_word2vec_format(task["out"] + "-whole.txt")
    model = fresh()
    model.build_vocab(corpus_file=task["first"])
    train(model, task["first"])
    model.wv.save_word2vec_format(task["out"] + "-first.txt")
    model.save(task["out"] + "-first.model")  # for w2v import
    before = len(model.wv)
    model.build_vocab(corpus_file=task["second"], update=True)
    train(model, task["second"])
    model.wv.save_word2vec_format(task["out"] + "-continued.txt")
    return {"added": len(model.wv) - before}


def killed_and_resumed(corpus: Path, out: Path, threads: int, seed: int) -> None:
    """Train with --checkpoint, SIGKILL once epoch 2's checkpoint is there, --resume."""
    ck = out.with_suffix(".ck")
    subprocess.run(["rm", "-rf", str(ck)], check=True)
    args = [*W2V, "train", str(corpus), "-o", str(out), "--checkpoint", str(ck)]
    child = subprocess.Popen([*args, *SETTINGS, "--threads", str(threads), "--seed", str(seed)])
    while child.poll() is None:
        try:
            done = json.loads((ck / "model.json").read_text())["state"]["epochs_done"]
        except (OSError, ValueError, KeyError, TypeError):
            done = 0
        if done >= 2:
            child.send_signal(signal.SIGKILL)
            break
        time.sleep(0.01)
    child.wait()
    assert child.returncode == -signal.SIGKILL, "the run ended before it was killed"
    w2v("--resume", ck)


def mean_sd(values: list) -> str:
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=HERE / "results-lifecycle.md")
    args = parser.parse_args()
    paths = halves()
    whole = DATA / "en-mix.txt"
    scores = {}  # row -> list of evaluations
    added = {"w2v": [], "gensim": []}

    def score(row: str, vectors: Path) -> None:
        scores.setdefault(row, []).append(evaluate(vectors))
        log(f"{row}: {scores[row][-1]}")

    for seed in args.seeds:
        common = [*SETTINGS, "--threads", str(args.threads), "--seed", str(seed)]
        base = OUT / f"w2v-{seed}"
        w2v(whole, "-o", f"{base}-whole.txt", *common)
        score("w2v whole", Path(f"{base}-whole.txt"))
        w2v(paths["first"], "-o", f"{base}-first.txt", "--save-model", f"{base}-first", *common)
        score("w2v first half", Path(f"{base}-first.txt"))
        w2v(
            paths["second"], "--from", f"{base}-first", "--update-vocab",
            "-o", f"{base}-continued.txt", "--save-model", f"{base}-continued", "-q",
        )  # fmt: skip
        score("w2v first + second (--from, --update-vocab)", Path(f"{base}-continued.txt"))
        facts = json.loads((Path(f"{base}-continued") / "model.json").read_text())
        added["w2v"].append(facts["provenance"]["runs"][-1]["from"]["added_words"])
        killed_and_resumed(whole, Path(f"{base}-resumed.txt"), args.threads, seed)
        score("w2v whole, killed after epoch 2 and resumed", Path(f"{base}-resumed.txt"))
        task = {
            "whole": str(whole), "first": str(paths["first"]), "second": str(paths["second"]),
            "threads": args.threads, "seed": seed, "out": str(OUT / f"gensim-{seed}"),
        }  # fmt: skip
        result = json.loads(
            subprocess.run(
                [sys.executable, __file__, "gensim", json.dumps(task)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        added["gensim"].append(result["added"])
        start = OUT / f"gensim-{seed}-first-model"
        subprocess.run(
            [*W2V, "import", OUT / f"gensim-{seed}-first.model", "-o", start, "--allow-pickle"],
            check=True,
        )  # gensim's settings, its seed included; the threads are this benchmark's
        w2v(paths["second"], "--from", start, "--update-vocab", "-o", f"{base}-g.txt", "-q",
            "--threads", args.threads)  # fmt: skip
        score("w2v --from gensim's first half, --update-vocab", Path(f"{base}-g.txt"))
        for name, row in [
            ("whole", "gensim whole"),
            ("first", "gensim first half"),
            ("continued", "gensim first + second (build_vocab(update=True) + train)"),
        ]:
            score(row, OUT / f"gensim-{seed}-{name}.txt")
        # --init-vectors: vectors of the general part, then the small corpus three ways
        general = OUT / f"w2v-{seed}-general.txt"
        w2v(paths["general"], "-o", general, *common)
        small = OUT / f"w2v-{seed}-small"
        w2v(paths["small"], "-o", f"{small}-alone.txt", *common)
        score("small corpus alone", Path(f"{small}-alone.txt"))
        w2v(paths["small"], "-o", f"{small}-init.txt", "--init-vectors", general, *common)
        score("small corpus, --init-vectors general", Path(f"{small}-init.txt"))
        w2v(paths["small"], "-o", f"{small}-frozen.txt", "--init-vectors", general,
            "--freeze-init", *common)  # fmt: skip
        score("small corpus, --init-vectors general --freeze-init", Path(f"{small}-frozen.txt"))

    def table(rows: list) -> list:
        lines = ["| run | analogy accuracy | analogy coverage | WordSim-353 Spearman |"]
        lines.append("| --- | --- | --- | --- |")
        for row in rows:
            runs = scores[row]
            lines.append(
                f"| {row} | {mean_sd([100 * r['analogy'] for r in runs])} | "
                f"{mean_sd([100 * r['analogy_coverage'] for r in runs])} % | "
                f"{mean_sd([r['wordsim'] for r in runs])} |"
            )
        return lines

    life = [r for r in scores if not r.startswith("small")]
    report = [
        f"# A model's life on en-mix ({datetime.date.today()})",
        "",
        f"Machine: {machine()}. Source: {w2v_source()}.",
        f"Seeds {args.seeds}, {args.threads} threads; mean ± sd over the seeds.",
        f"Command: `python benchmarks/lifecycle.py --seeds {' '.join(map(str, args.seeds))} "
        f"--threads {args.threads}`",
        "",
        *table(life),
        "",
        f"Words added by training on: w2v {added['w2v']}, gensim {added['gensim']} (per seed).",
        "",
        "## --init-vectors: a small corpus (the last tenth of en-mix, the Brown corpus)",
        "",
        *table([r for r in scores if r.startswith("small")]),
        "",
    ]
    text = "\n".join(report)
    print(text)
    args.out.write_text(text)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "gensim":
        print(json.dumps(gensim(json.loads(sys.argv[2]))))
    else:
        os.environ.setdefault("PYTHONHASHSEED", "0")
        main()
