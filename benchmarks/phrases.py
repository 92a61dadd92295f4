"""Phrases: `w2v phrases` against word2vec C's word2phrase and gensim's Phrases.

    git clone https://github.com/tmikolov/word2vec /tmp/word2vec   # never into the project
    python benchmarks/phrases.py --word2phrase-c /tmp/word2vec/word2phrase.c [--repeats 3]
        [--corpus ../shared/data/en-mix.txt] [--out benchmarks/results-phrases.md]

word2phrase.c is compiled with its makefile's flags (gcc -O3 -march=native -funroll-loops)
into a temporary directory, which is removed at the end.

Agreement. Each setting runs word2phrase (twice, with the thresholds of w2v's passes, for
--passes 2) and `w2v phrases`; their outputs are compared line by line: as bytes, once the
space word2phrase writes at the start of every line is removed, and as lists of tokens.
Every differing line is listed with the tokens that differ. `w2v phrases --scoring npmi`
(with and without --connectors english) is compared the same way with gensim's Phrases
(scoring="npmi", connector_words=ENGLISH_CONNECTOR_WORDS) applied to each line.

Speed. Whole processes, wall seconds and peak RSS, for one pass with the defaults:
word2phrase, `w2v phrases`, and gensim's Phrases (scoring="default", whose formula
multiplies by the size of its vocabulary where word2phrase multiplies by the words of the
text, threshold 100), built, frozen (gensim's advice for applying) and applied to every
line, writing the text; then `w2v phrases --scoring npmi` against gensim's npmi. Runs
alternate between the tools; the table shows medians. Progress goes to stderr, the
Markdown report to stdout and --out.
"""

import argparse
import datetime
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from big_vectors import measured  # benchmarks/big_vectors.py
from compare import machine  # benchmarks/compare.py

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "shared" / "data" / "en-mix.txt"
W2V = shutil.which("w2v", path=str(Path(sys.executable).parent)) or shutil.which("w2v")

GENSIM = """
import sys
from gensim.models.phrases import ENGLISH_CONNECTOR_WORDS, Phrases
path, out, scoring, threshold, connectors = sys.argv[1:6]

class Lines:  # every line, however long (LineSentence would cut lines at 10,000 words)
    def __iter__(self):
        with open(path, encoding="utf-8") as f:
            for line in f:
                yield line.split()

words = ENGLISH_CONNECTOR_WORDS if connectors == "english" else frozenset()
model = Phrases(Lines(), min_count=5, threshold=float(threshold), scoring=scoring,
                connector_words=words).freeze()
with open(out, "w", encoding="utf-8") as f:
    for sentence in Lines():
        f.write(" ".join(model[sentence]) + "\\n")
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cpu() -> str:
    fields = {}
    with open("/proc/cpuinfo") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
    avx512 = "avx512f" in fields.get("flags", "").split()
    return (
        f"{fields.get('model name')} family {fields.get('cpu family')} model "
        f"{fields.get('model')}{', AVX-512' if avx512 else ', no AVX-512'}"
    )


def word2phrase(binary: Path, corpus: Path, out: Path, thresholds: list, min_count: int):
    """Run word2phrase once per threshold, each run reading the last one's output."""
    source = corpus
    for i, threshold in enumerate(thresholds):
        target = out if i == len(thresholds) - 1 else out.with_suffix(f".pass{i}")
        args = ["-train", source, "-output", target, "-min-count", min_count]
        subprocess.run(
            [binary, *map(str, args), "-threshold", str(threshold), "-debug", "0"],
            check=True,
            capture_output=True,
        )
        source = target


def compare(reference: Path, ours: Path, strip_space: bool) -> dict:
    """Lines that agree as bytes and as tokens, and the differing tokens of the others."""
    theirs = reference.read_bytes().split(b"\n")
    mine = ours.read_bytes().split(b"\n")
    if strip_space:
        theirs = [line[1:] if line.startswith(b" ") else line for line in theirs]
    same_bytes = sum(a == b for a, b in zip(theirs, mine))
    same_tokens = sum(a.split() == b.split() for a, b in zip(theirs, mine))
    differing = []
    for number, (a, b) in enumerate(zip(theirs, mine), start=1):
        if a.split() != b.split():
            only_a = sorted(set(a.split()) - set(b.split()))[:3]
            only_b = sorted(set(b.split()) - set(a.split()))[:3]
            differing.append((number, only_a, only_b))
    lines = max(len(theirs), len(mine))
    if theirs and theirs[-1] == b"" and mine and mine[-1] == b"":
        lines -= 1  # the empty piece after the last newline
        same_bytes -= 1
        same_tokens -= 1
    return {
        "lines": lines,
        "count_match": len(theirs) == len(mine),
        "same_bytes": same_bytes,
        "same_tokens": same_tokens,
        "phrases_ref": theirs_count(theirs),
        "phrases_ours": theirs_count(mine),
        "differing": differing,
    }


def theirs_count(lines: list) -> int:
    return sum(line.count(b"_") for line in lines)


def agreement_row(name: str, result: dict) -> str:
    share = 100 * result["same_tokens"] / result["lines"]
    return (
        f"| {name} | {result['lines']:,} | {result['same_bytes']:,} | {result['same_tokens']:,} "
        f"| {share:.3f} % | {result['phrases_ref']:,} | {result['phrases_ours']:,} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--word2phrase-c", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "results-phrases.md")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="w2v-phrases-bench-"))
    try:
        report = run(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(report)
    args.out.write_text(report)


def run(args, tmp: Path) -> str:
    binary = tmp / "word2phrase"
    subprocess.run(
        ["gcc", str(args.word2phrase_c), "-o", str(binary), "-lm", "-pthread", "-O3"]
        + ["-march=native", "-Wall", "-funroll-loops", "-Wno-unused-result"],
        check=True,
    )
    corpus = args.corpus
    with open(corpus, "rb") as f:  # into the page cache, for every tool alike
        while f.read(1 << 24):
            pass
    lines = [
        f"# Phrases: w2v phrases, word2vec C's word2phrase, gensim's Phrases on {corpus.name}",
        "",
        f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- machine: {cpu()}; {machine()}",
        f"- command: `python benchmarks/phrases.py --word2phrase-c word2phrase.c "
        f"--repeats {args.repeats}` (word2phrase.c of tmikolov/word2vec)",
        "",
        "## Agreement with word2phrase",
        "",
        "Lines compared as bytes (word2phrase's leading space removed) and as token lists.",
        "",
        "| setting | lines | same bytes | same tokens | share same | `_` word2phrase | `_` w2v |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    settings = [
        ("defaults (min-count 5, threshold 100)", 5, [100], []),
        ("threshold 200", 5, [200], ["--threshold", "200"]),
        ("min-count 10, threshold 50", 10, [50], ["--min-count", "10", "--threshold", "50"]),
        ("min-count 2, threshold 10", 2, [10], ["--min-count", "2", "--threshold", "10"]),
        ("2 passes (200, then 100)", 5, [200, 100], ["--passes", "2"]),
    ]
    differences = []
    for name, min_count, thresholds, options in settings:
        log(f"agreement: {name}")
        theirs, ours = tmp / "theirs.txt", tmp / "ours.txt"
        word2phrase(binary, corpus, theirs, thresholds, min_count)
        subprocess.run([W2V, "phrases", corpus, "-o", ours, *options], check=True)
        result = compare(theirs, ours, strip_space=True)
        lines.append(agreement_row(name, result))
        differences += [(name, *d) for d in result["differing"]]
    lines += ["", "## Agreement with gensim's Phrases (npmi)", ""]
    lines += [
        "| setting | lines | same bytes | same tokens | share same | `_` gensim | `_` w2v |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for connectors in ("", "english"):
        name = "npmi 0.5" + (", connectors english" if connectors else "")
        log(f"agreement: {name}")
        theirs, ours = tmp / "gensim.txt", tmp / "ours.txt"
        gensim = [sys.executable, "-c", GENSIM, corpus, theirs, "npmi", "0.5", connectors]
        subprocess.run(gensim, check=True)
        extra = ["--connectors", "english"] if connectors else []
        subprocess.run(
            [W2V, "phrases", corpus, "-o", ours, "--scoring", "npmi", *extra], check=True
        )
        result = compare(theirs, ours, strip_space=False)
        lines.append(agreement_row(name, result))
        differences += [(name, *d) for d in result["differing"]]
    lines += ["", f"Lines whose tokens differ: {len(differences):,}."]
    for name, number, only_theirs, only_ours in differences[:20]:
        lines.append(f"- {name}, line {number}: peer {only_theirs}, w2v {only_ours}")

    log("speed")
    out = tmp / "speed.txt"
    cases = {
        "word2phrase (C)": [str(binary), "-train", str(corpus), "-output", str(out), "-debug", "0"],
        "w2v phrases": [W2V, "phrases", str(corpus), "-o", str(out)],
        "gensim Phrases (default scoring)": [
            sys.executable,
            "-c",
            GENSIM,
            str(corpus),
            str(out),
            "default",
            "100",
            "",
        ],
        "w2v phrases --scoring npmi": [
            W2V,
            "phrases",
            str(corpus),
            "-o",
            str(out),
            "--scoring",
            "npmi",
        ],
        "gensim Phrases (npmi)": [
            sys.executable,
            "-c",
            GENSIM,
            str(corpus),
            str(out),
            "npmi",
            "0.5",
            "",
        ],
    }
    times = {name: [] for name in cases}
    for repeat in range(args.repeats):
        for name, cmd in cases.items():
            seconds, peak, _, _ = measured(cmd)
            times[name].append((seconds, peak))
            log(f"  {repeat + 1}/{args.repeats} {name}: {seconds:.2f} s, {peak:,.0f} MiB")
    words = len(corpus.read_bytes().split())
    ours = statistics.median(s for s, _ in times["w2v phrases"])
    ours_npmi = statistics.median(s for s, _ in times["w2v phrases --scoring npmi"])
    lines += [
        "",
        "## Speed: one pass, whole process",
        "",
        f"{words:,} words; medians of {args.repeats} alternating runs; the ratio is the "
        "tool's time over w2v's with the same scoring (word2phrase's and gensim's default "
        "against `w2v phrases`; gensim's npmi against `--scoring npmi`).",
        "",
        "| tool | seconds | M words/s | peak RSS MiB | time / w2v's |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, runs in times.items():
        seconds = statistics.median(s for s, _ in runs)
        peak = statistics.median(p for _, p in runs)
        base = ours_npmi if "npmi" in name else ours
        lines.append(
            f"| {name} | {seconds:.2f} | {words / seconds / 1e6:.2f} | {peak:,.0f} "
            f"| {seconds / base:.2f}x |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
