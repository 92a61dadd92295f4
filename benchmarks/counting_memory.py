"""Peak memory of counting a corpus of many distinct tokens, with and without the
--max-types budget (the README's Reliability figures).

    python benchmarks/counting_memory.py [--types 30000000] [--out benchmarks/results-counting.md]

Writes a corpus of --types distinct tokens (each once, in lines of 100, with a few frequent
words among them) to a temporary file, then reads it in a child process per budget, the
default 10,000,000 types and twice --types (no pruning), and reports the growth of
the child's peak resident memory (Linux's VmHWM) over reading it.
"""

import argparse
import datetime
import subprocess
import sys
import tempfile
from pathlib import Path

from compare import machine  # benchmarks/compare.py

CHILD = """
import sys
from w2vcli.text.corpus import read_corpus

def peak():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) << 10 for line in f if line.startswith("VmHWM:"))

before = peak()
raw = read_corpus(sys.argv[1], int(sys.argv[2]))
print(peak() - before, len(raw.tokens), raw.prunings)
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--types", type=int, default=30_000_000)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results-counting.md"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp, "distinct.txt")
        with open(corpus, "w") as f:
            for start in range(0, args.types, 100):
                words = [f"t{n}" for n in range(start, min(start + 100, args.types))]
                f.write(" ".join(words + ["the", "of", "and"]) + "\n")
        size = corpus.stat().st_size
        rows = []
        for budget in (10_000_000, 2 * args.types):
            result = subprocess.run(
                [sys.executable, "-c", CHILD, str(corpus), str(budget)],
                capture_output=True,
                text=True,
                check=True,
            )
            grown, types, prunings = map(int, result.stdout.split())
            rows.append((budget, grown, types, prunings))
            print(f"--max-types {budget:,}: {grown / 2**30:.2f} GiB", file=sys.stderr)
    lines = [
        "# Counting memory: --max-types",
        "",
        f"- date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {machine()}",
        f"- command: `python benchmarks/counting_memory.py --types {args.types}`",
        f"- corpus: {args.types:,} distinct tokens and 3 frequent words, {size / 2**20:,.0f} MiB",
        "",
        "| --max-types | peak memory growth GiB | types kept | prunings |",
        "| --- | --- | --- | --- |",
        *(f"| {b:,} | {g / 2**30:.2f} | {t:,} | {p} |" for b, g, t, p in rows),
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    Path(args.out).write_text(report)


if __name__ == "__main__":
    main()
