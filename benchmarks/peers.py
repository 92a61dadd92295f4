"""The parts of benchmarks/compare.py that run in their own processes.

    python benchmarks/peers.py gensim SETTINGS_JSON     train gensim Word2Vec (corpus_file mode)
    python benchmarks/peers.py fasttext SETTINGS_JSON   train fastText (its pip package)
    python benchmarks/peers.py count CORPUS MIN_COUNT   count tokens, lines and vocabulary
    python benchmarks/peers.py eval VECTORS QUESTIONS WORDSIM

Each prints one JSON object on stdout. The trainers time the training themselves and
write the input vectors in word2vec text format to SETTINGS["out"].
"""

import json
import sys
import time
from collections import Counter


def train_gensim(s: dict) -> dict:
    from gensim.models import Word2Vec

    hs = s["loss"] == "hs"
    model = Word2Vec(
        vector_size=s["dim"],
        window=s["window"],
        min_count=s["min_count"],
        sample=s["sample"],
        sg=int(s["arch"] == "skipgram"),
        hs=int(hs),
        negative=0 if hs else s["negative"],
        alpha=s["alpha"],
        min_alpha=s["alpha"] * 1e-4,
        epochs=s["epochs"],
        workers=s["threads"],
        seed=s["seed"],
    )
    t0 = time.perf_counter()
    model.build_vocab(corpus_file=s["corpus"])
    t1 = time.perf_counter()
    model.train(
        corpus_file=s["corpus"],
        total_words=model.corpus_total_words,
        total_examples=model.corpus_count,
        epochs=s["epochs"],
    )
    t2 = time.perf_counter()
    model.wv.save_word2vec_format(s["out"])
    return {"train_seconds": t2 - t1, "vocab_seconds": t1 - t0, "vocab": len(model.wv)}


def train_fasttext(s: dict) -> dict:
    import fasttext

    t0 = time.perf_counter()  # includes fastText's pass that builds the vocabulary
    model = fasttext.train_unsupervised(
        s["corpus"],
        model=s["arch"],
        loss=s["loss"],
        dim=s["dim"],
        ws=s["window"],
        neg=s["negative"],
        t=s["sample"],
        minCount=s["min_count"],
        epoch=s["epochs"],
        lr=s["alpha"],
        minn=0,
        maxn=0,
        thread=s["threads"],
        verbose=0,
    )
    seconds = time.perf_counter() - t0
    words, vectors = model.get_words(), model.get_input_matrix()
    with open(s["out"], "w", encoding="utf-8") as f:
        f.write(f"{len(words)} {vectors.shape[1]}\n")
        for word, row in zip(words, vectors, strict=True):
            f.write(word + " " + " ".join(f"{x:.6f}" for x in row) + "\n")
    return {"train_seconds": seconds, "vocab": len(words)}


def count(corpus: str, min_count: int) -> dict:
    """Tokens split on ASCII white space, as w2v and word2vec C do."""
    counts, lines = Counter(), 0
    with open(corpus, "rb") as f:
        for line in f:
            counts.update(line.split())
            lines += 1
    kept = [n for n in counts.values() if n >= min_count]
    return {
        "tokens": sum(counts.values()),
        "lines": lines,
        "types": len(counts),
        "vocab": len(kept),
        "in_vocab": sum(kept),
    }


def evaluate(vectors: str, questions: str, wordsim: str) -> dict:
    """3CosAdd over the 30,000 most frequent words, and Spearman, by `w2v evaluate`, whose
    numbers tests/vectors/test_evaluate.py holds to gensim's within 0.1 points (and it takes
    seconds where gensim's evaluate_word_analogies takes a minute)."""
    import subprocess

    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "w2vcli",
            "evaluate",
            "-v",
            vectors,
            "--analogies",
            questions,
            "--pairs",
            wordsim,
            "--restrict",
            "30000",
            "--json",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows = {(r["section"], r["metric"]): r for r in map(json.loads, out.splitlines())}
    analogy, spearman = rows["total", "accuracy"], rows["pairs", "spearman"]
    return {
        "analogy": analogy["value"] / 100,
        "analogy_coverage": analogy["coverage"] / 100,
        "wordsim": spearman["value"],
        "wordsim_coverage": spearman["coverage"] / 100,
    }


def main(argv: list) -> None:
    command, args = argv[0], argv[1:]
    if command == "gensim":
        result = train_gensim(json.loads(args[0]))
    elif command == "fasttext":
        result = train_fasttext(json.loads(args[0]))
    elif command == "count":
        result = count(args[0], int(args[1]))
    elif command == "eval":
        result = evaluate(*args)
    else:
        raise SystemExit(f"unknown command {command!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
