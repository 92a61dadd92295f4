"""Query speed: `w2v nearest` against gensim's load_word2vec_format + most_similar.

    python benchmarks/query_speed.py [--vectors benchmarks/out/en.txt] [--words 1000]
        [--repeats 1] [--out benchmarks/results-query.md]

Every run is a fresh process measured from outside, wall seconds from start to exit: the
whole wait of a user who asks from the shell (interpreter start, imports, reading the
file, answering, printing). w2v runs `w2v nearest -v FILE WORD` and `w2v nearest -v FILE
< words`; gensim runs `KeyedVectors.load_word2vec_format(FILE)` then `most_similar(word,
topn=10)` for each word, printing the same TSV lines. Both tools read text and binary
files of the same vectors, and must find the same neighbours (checked, on stderr).

The vectors are trained from ../shared/data/en-mix.txt if --vectors does not exist
(`w2v train --threads 2`, about a minute) and converted to binary beside it. Runs
alternate between the tools; with --repeats N the table shows the median. Progress goes
to stderr, the Markdown report to stdout and --out.
"""

import argparse
import datetime
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from compare import machine  # benchmarks/compare.py

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "shared" / "data" / "en-mix.txt"
W2V = shutil.which("w2v", path=str(Path(sys.executable).parent)) or shutil.which("w2v")

GENSIM = """
import sys
from gensim.models import KeyedVectors
path, binary, words = sys.argv[1], sys.argv[2] == "binary", sys.argv[3:]
if not words:
    words = sys.stdin.read().split()
kv = KeyedVectors.load_word2vec_format(path, binary=binary)
out = sys.stdout
for word in words:
    for neighbour, similarity in kv.most_similar(word, topn=10):
        out.write(f"{word}\\t{neighbour}\\t{similarity:.6f}\\n")
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def prepare(text: Path) -> Path:
    """The binary twin of `text`, training `text` from en-mix first if it is missing."""
    binary = text.with_suffix(".bin")
    if not text.exists():
        log(f"training {text} from {CORPUS} (about a minute)")
        text.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [W2V, "train", str(CORPUS), "-o", str(text), "--threads", "2", "-q"], check=True
        )
    if not binary.exists() or binary.stat().st_mtime < text.stat().st_mtime:
        subprocess.run([W2V, "convert", str(text), str(binary), "--to", "binary"], check=True)
    return binary


def run(cmd: list, stdin_text: str | None) -> tuple:
    """Wall seconds of cmd from start to exit, and its stdout."""
    with tempfile.TemporaryFile() as stdin:
        stdin.write((stdin_text or "").encode())
        stdin.seek(0)
        t0 = time.perf_counter()
        done = subprocess.run(cmd, stdin=stdin, capture_output=True, check=True)
        return time.perf_counter() - t0, done.stdout.decode()


def compare(commands: dict, stdin: str | None, repeats: int) -> tuple:
    """Wall seconds per tool (a list, runs alternating) and each tool's last output."""
    times, outputs = {tool: [] for tool in commands}, {}
    for _ in range(repeats):
        for tool, cmd in commands.items():
            seconds, outputs[tool] = run(cmd, stdin)
            times[tool].append(seconds)
    return times, outputs


def pairs(output: str) -> set:
    return {tuple(line.split("\t")[:2]) for line in output.splitlines()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vectors", type=Path, default=HERE / "out" / "en.txt")
    parser.add_argument("--words", type=int, default=1000, help="queries in the batch run")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--out", type=Path, default=HERE / "results-query.md")
    args = parser.parse_args()
    files = {"text": args.vectors, "binary": prepare(args.vectors)}
    for path in files.values():
        path.read_bytes()  # into the page cache, for both tools alike

    with open(args.vectors, encoding="utf-8") as f:
        dim = int(f.readline().split()[1])
        vocab = [line.split(" ", 1)[0] for line in f]
    step = max(1, len(vocab) // args.words)
    batch = vocab[::step][: args.words]  # frequent to rare, evenly spaced ranks
    one = vocab[100]
    log(f"{len(vocab):,} words; one-word query {one!r}; batch of {len(batch):,} from stdin")

    rows = []
    for fmt, path in files.items():
        for label, words in (("1 word", [one]), (f"{len(batch):,} words, stdin", batch)):
            in_args = words if len(words) == 1 else []  # one word as an argument, else stdin
            stdin = None if in_args else "\n".join(words) + "\n"
            w2v = [W2V, "nearest", "-v", str(path), "-k", "10", *in_args]
            gensim = [sys.executable, "-c", GENSIM, str(path), fmt, *in_args]
            times, outputs = compare({"w2v": w2v, "gensim": gensim}, stdin, args.repeats)
            same = pairs(outputs["w2v"]) & pairs(outputs["gensim"])
            w2v_s, gensim_s = (statistics.median(times[t]) for t in ("w2v", "gensim"))
            log(
                f"{fmt}, {label}: w2v {w2v_s:.2f} s, gensim {gensim_s:.2f} s, same neighbours "
                f"{100 * len(same) / len(pairs(outputs['gensim'])):.1f} %"
            )
            rows.append((fmt, label, w2v_s, gensim_s))

    lines = [
        "# Query speed: w2v nearest against gensim load + most_similar",
        "",
        f"- date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {machine()}",
        f"- command: `python benchmarks/query_speed.py --repeats {args.repeats}`",
        f"- vectors: {len(vocab):,} words x {dim} trained from en-mix; wall seconds of a "
        f"fresh process, median of {args.repeats}",
        "",
        "| file | queries | w2v nearest (s) | gensim load + most_similar (s) | gensim / w2v |",
        "| --- | --- | ---: | ---: | ---: |",
        *(
            f"| {fmt} | {label} | {w2v_s:.2f} | {gensim_s:.2f} | {gensim_s / w2v_s:.1f}x |"
            for fmt, label, w2v_s, gensim_s in rows
        ),
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    args.out.write_text(report)


if __name__ == "__main__":
    main()
