"""A million-word vocabulary: w2v against gensim on a generated Zipf corpus.

    python benchmarks/big_vocab.py [--types 2000000] [--tokens 60000000] [--threads 2]
        [--epochs 1] [--loss ns|hs] [--out benchmarks/results-big-vocab[-hs].md]

The corpus (written once into benchmarks/out/, not committed) draws --tokens tokens from
--types word types with Zipf-distributed frequencies (p(rank r) ~ 1/r^1.05, English's
slope) in lines of 20 to 40 tokens; words are w<rank> in base 36. With min-count 5 about
a million types are kept. Both tools train cbow / ns / dim 100 with word2vec C's other
defaults at --threads (--loss hs: hierarchical softmax, whose Huffman tree over a million
words is part of the run), then write text and binary vectors, each tool from Python in a
fresh process. Reported: the seconds of each phase, timed in the process (reading and
counting: w2v's own reading time, gensim's build_vocab; training; writing text; writing
binary), training words/s, and the whole run's wall seconds and peak RSS (from outside).
"""

import argparse
import datetime
import sys
from pathlib import Path

import numpy as np
from big_vectors import log, measured  # benchmarks/big_vectors.py
from compare import machine  # benchmarks/compare.py

HERE = Path(__file__).resolve().parent
W2V_RUN = """
import sys, time, w2vcli
path, out, epochs, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
loss = sys.argv[5]
model = w2vcli.train(path, epochs=epochs, threads=threads, loss=loss, corpus_in=sys.argv[6])
t = time.perf_counter()
model.vectors.save(out + ".txt")
text = time.perf_counter() - t
t = time.perf_counter()
model.vectors.save(out + ".bin", "binary")
binary = time.perf_counter() - t
print(len(model.vocab), model.words_per_second, model.corpus.seconds, model.seconds, text, binary)
"""
GENSIM_RUN = """
import sys, time
from gensim.models import Word2Vec
path, out, epochs, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
hs = sys.argv[5] == "hs"
model = Word2Vec(vector_size=100, window=5, min_count=5, sample=1e-3, negative=0 if hs else 5,
                 hs=int(hs), sg=0, workers=threads, epochs=epochs)
t = time.perf_counter()
model.build_vocab(corpus_file=path)
count = time.perf_counter() - t
t = time.perf_counter()
model.train(corpus_file=path, total_words=model.corpus_total_words, epochs=epochs)
train = time.perf_counter() - t
speed = model.corpus_total_words * epochs / train
t = time.perf_counter(); model.wv.save_word2vec_format(out + ".txt"); text = time.perf_counter() - t
t = time.perf_counter()
model.wv.save_word2vec_format(out + ".bin", binary=True)
binary = time.perf_counter() - t
print(len(model.wv), speed, count, train, text, binary)
"""


# w2v twice: as it runs by default ("auto": at this size, past 64 MiB of ids, they go to a
# file read in slices, where gensim's corpus_file mode also leaves its corpus) and with the
# ids held in memory (--corpus-in memory).
RUNS = [
    ("w2v", W2V_RUN, ["auto"]),
    ("w2v --corpus-in memory", W2V_RUN, ["memory"]),
    ("gensim", GENSIM_RUN, []),
]


# (name, index in a row) of what the ratios compare
PHASES = [("read and count", 2), ("train", 3), ("write text", 4), ("write binary", 5)]
PHASES.append(("whole run", 6))


def generate(path: Path, types: int, tokens: int) -> None:
    log(f"writing {path}: {tokens:,} tokens of {types:,} types")
    rng = np.random.default_rng(1)
    weights = 1.0 / np.arange(1, types + 1) ** 1.05
    cumulative = np.cumsum(weights / weights.sum())
    names = np.array([np.base_repr(r, 36).lower().encode() for r in range(types)], dtype=object)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as f:
        for start in range(0, tokens, 1_000_000):
            n = min(1_000_000, tokens - start)
            ranks = np.searchsorted(cumulative, rng.random(n), side="right")
            words = [b"w" + name for name in names[np.minimum(ranks, types - 1)]]
            lines, i = [], 0
            while i < n:
                length = int(rng.integers(20, 41))
                lines.append(b" ".join(words[i : i + length]))
                i += length
            f.write(b"\n".join(lines) + b"\n")
    tmp.rename(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--types", type=int, default=2_000_000)
    parser.add_argument("--tokens", type=int, default=60_000_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--loss", choices=["ns", "hs"], default="ns")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    suffix = "" if args.loss == "ns" else f"-{args.loss}"
    args.out = args.out or HERE / f"results-big-vocab{suffix}.md"
    path = HERE / "out" / f"zipf-{args.types}-{args.tokens}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        generate(path, args.types, args.tokens)
    with open(path, "rb") as f:  # into the page cache
        while f.read(1 << 24):
            pass
    out = str(HERE / "out" / "big-vocab-vectors")
    rows = {}
    for tool, script, more in RUNS:
        cmd = [sys.executable, "-c", script, str(path), out, str(args.epochs), str(args.threads)]
        cmd += [args.loss, *more]
        seconds, peak, printed, _ = measured(cmd)
        vocab, *phases = printed.split()
        rows[tool] = (int(vocab), *map(float, phases), seconds, peak)
        log(f"{tool}: {rows[tool]}")
    lines = [
        "# A million-word vocabulary: w2v against gensim",
        "",
        f"- date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {machine()}",
        f"- command: `python benchmarks/big_vocab.py --types {args.types} --tokens "
        f"{args.tokens} --threads {args.threads} --epochs {args.epochs} --loss {args.loss}`",
        f"- corpus: generated, {args.tokens:,} tokens of {args.types:,} Zipf-distributed types; "
        f"cbow, {args.loss}, dim 100, min-count 5, {args.epochs} epoch(s), {args.threads} threads",
        "",
        "| tool | vocabulary | read and count (s) | train (s) | training words/s "
        "| write text (s) | write binary (s) | whole run (s) | peak RSS (MiB) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *(
            f"| {tool} | {v:,} | {count:.1f} | {train:.1f} | {speed:,.0f} | {text:.1f} "
            f"| {binary:.1f} | {seconds:.1f} | {peak:,.0f} |"
            for tool, (v, speed, count, train, text, binary, seconds, peak) in rows.items()
        ),
        *(
            f"- gensim's seconds / {tool}'s: "
            + ", ".join(f"{name} {rows['gensim'][k] / rows[tool][k]:.2f}x" for name, k in PHASES)
            + f"; peak memory {tool} / gensim: {rows[tool][7] / rows['gensim'][7]:.2f}"
            for tool in rows
            if tool != "gensim"
        ),
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    args.out.write_text(report)


if __name__ == "__main__":
    main()
