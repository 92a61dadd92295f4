"""Compare w2v's training with gensim's, fastText's, Intel's pWord2Vec's and word2vec C's.

    python benchmarks/compare.py [--configs sg-ns,cbow-ns,sg-hs] [--threads 1,2]
        [--repeats 3] [--tools w2v,gensim,fasttext,pword2vec,word2vec-c] [--epochs 5]
        [--corpus PATH] [--scaling N] [--no-eval] [--out benchmarks/results.md]
        [--pword2vec-src DIR] [--word2vec-src DIR]

pWord2Vec and word2vec C are built from sources fetched outside the project (the
benchmark never downloads them): --pword2vec-src is the top directory of a copy of
github.com/IntelLabs/pWord2Vec, --word2vec-src of github.com/tmikolov/word2vec (or the
environment variables PWORD2VEC_SRC and WORD2VEC_SRC). They are compiled into the run's
temporary directory: pWord2Vec with g++ and OpenBLAS through an mkl.h shim
(`apt-get install -y libopenblas-dev`), word2vec.c with its makefile's flags; see
benchmarks/c_peers.py. A peer whose source is not given is left out, unless --tools
names it. pWord2Vec trains skip-gram + ns only: its other rows are dashes.

Every training run is a process of its own, measured from outside: wall seconds from
start to exit, and peak RSS from os.wait4. The tools time their training themselves
(w2v's summary line; a timer around gensim's train() and fastText's
train_unsupervised() in peers.py; pWord2Vec's progress reports), except word2vec C, whose
progress counts CPU seconds: its training seconds are its wall seconds. words/s is
in-vocabulary corpus tokens x epochs / training seconds for every tool. Runs alternate
(for each repetition, each configuration, each tool) so that a slow spell of the machine
hits all tools alike.

Before the measured runs, each configuration gets one w2v warm-up run on a slice of the
corpus with empty caches (its own NUMBA_CACHE_DIR and W2V_CACHE_DIR): that gives the cold
compile time (Numba compiling the kernel and the C compiler linking it, w2vcli.kernel.native),
and the measured runs, which share those caches, show the cached one.

Linux adds a parent's resident memory at fork time into its child's ru_maxrss, so this
process stays small: counting and evaluation run in child processes too (peers.py).
Progress goes to stderr; the Markdown report to stdout and to --out.
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

import c_peers  # benchmarks/c_peers.py

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "shared" / "data"
PEERS = [sys.executable, str(HERE / "peers.py")]
W2V = shutil.which("w2v", path=str(Path(sys.executable).parent)) or shutil.which("w2v")

CONFIGS = {"sg-ns": ("skipgram", "ns"), "cbow-ns": ("cbow", "ns"), "sg-hs": ("skipgram", "hs")}
TOOLS = ("w2v", "gensim", "fasttext", "pword2vec", "word2vec-c")
SOURCE_ENV = {"pword2vec": "PWORD2VEC_SRC", "word2vec-c": "WORD2VEC_SRC"}
SETTINGS = {"dim": 100, "window": 5, "negative": 5, "sample": 1e-3, "min_count": 5}
ALPHA = {"skipgram": 0.025, "cbow": 0.05}  # w2v's defaults, passed to gensim explicitly
FASTTEXT_LR = 0.05  # fastText's own lr semantics, the same for both architectures
WARMUP_TOKENS = 50_000
SUMMARY = re.compile(r"([\d,]+) words trained in [\d.]+ s \(([\d,]+) words/s.*compile ([\d.]+) s\)")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def measure(cmd: list, env: dict | None = None) -> dict:
    """Run cmd to its end: wall seconds, peak RSS in MiB, stdout and stderr."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode(errors="replace")
    if proc.returncode:
        tail = stderr.replace("\r", "\n")[-3000:]
        raise SystemExit(f"failed with exit code {proc.returncode}: {shlex.join(cmd)}\n{tail}")
    return {"wall": wall, "rss": usage.ru_maxrss / 1024, "stdout": stdout, "stderr": stderr}


def run_w2v(s: dict, cache_dir: str) -> dict:
    cmd = [
        W2V,
        "train",
        s["corpus"],
        "-o",
        s["out"],
        "--arch",
        s["arch"],
        "--loss",
        s["loss"],
        "--threads",
        str(s["threads"]),
        "--seed",
        str(s["seed"]),
        "--epochs",
        str(s["epochs"]),
        "--alpha",
        str(s["alpha"]),
        "--dim",
        str(s["dim"]),
        "--window",
        str(s["window"]),
        "--negative",
        str(s["negative"]),
        "--sample",
        str(s["sample"]),
        "--min-count",
        str(s["min_count"]),
    ]
    r = measure(cmd, env={**os.environ, "NUMBA_CACHE_DIR": cache_dir, "W2V_CACHE_DIR": cache_dir})
    m = SUMMARY.search(r["stderr"])
    if not m:
        raise SystemExit(f"no summary line from w2v:\n{r['stderr'][-2000:]}")
    words, words_per_s = int(m[1].replace(",", "")), int(m[2].replace(",", ""))
    return {**r, "train": words / words_per_s, "compile": float(m[3]), "words": words}


def compile_bytecode() -> None:
    """Write w2v's bytecode (__pycache__), as `pip install` does and as the peers' wheels
    came: with an editable install under PYTHONDONTWRITEBYTECODE=1 (set in some sandboxes)
    each run would compile w2v's source again, 0.1 s that a user does not pay."""
    where = [sys.executable, "-c", "import w2vcli; print(w2vcli.__path__[0])"]
    package = subprocess.run(where, capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run([sys.executable, "-m", "compileall", "-q", package], check=True)


def run_peer(tool: str, s: dict) -> dict:
    r = measure(PEERS + [tool, json.dumps(s)])
    return {**r, "train": json.loads(r["stdout"])["train_seconds"]}


def run_c_peer(tool: str, binary: str, s: dict) -> dict:
    # OPENBLAS_NUM_THREADS=1: pWord2Vec's makefile links MKL's sequential library
    r = measure(c_peers.command(tool, binary, s), env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    return {**r, "train": c_peers.train_seconds(tool, r["stdout"], s["epochs"], r["wall"])}


def supports(tool: str, config: str) -> bool:
    return tool not in c_peers.SUPPORTS or CONFIGS[config] in c_peers.SUPPORTS[tool]


def run_json(args: list) -> dict:
    return json.loads(measure(PEERS + args)["stdout"])


def machine() -> str:
    def field(path, key):
        with open(path) as f:
            return next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith(key)), "?")

    mem = int(field("/proc/meminfo", "MemTotal").split()[0]) / 2**20
    versions = []
    for pkg in ("w2vcli", "numba", "numpy", "gensim", "fasttext-wheel", "fasttext"):
        try:
            versions.append(f"{pkg} {metadata.version(pkg)}")
        except metadata.PackageNotFoundError:
            pass
    return (
        f"{field('/proc/cpuinfo', 'model name')} ({cpu()}), {len(os.sched_getaffinity(0))} of "
        f"{os.cpu_count()} cores usable, {mem:.1f} GiB RAM; {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}; {', '.join(versions)}"
    )


def cpu() -> str:
    """What lscpu says of the CPU's kind: family and model (AMD's family 25 is Zen 3 or 4),
    caches, and the widest vector instructions, which decide the kernel's code."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "lscpu not found"
    said = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    said = {k.strip(): v.strip() for k, v in said.items()}
    flags = said.get("Flags", "").split()
    vectors = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"
    keys = ("CPU family", "Model", "L2 cache", "L3 cache")
    return "lscpu: " + ", ".join(f"{k} {said[k]}" for k in keys if k in said) + f", {vectors}"


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def w2v_source() -> str:
    """The commit and a digest of w2vcli/**/*.py, to notice edits mid-run; the digest covers
    the files' mtimes too, since a touched file is enough to void numba's cache."""
    h = hashlib.sha256()
    package = HERE.parent / "w2vcli"
    for path in sorted(package.rglob("*.py")):
        name = path.relative_to(package).as_posix()
        h.update(f"{name} {path.stat().st_mtime_ns}".encode() + path.read_bytes())
    git = (
        subprocess.run(
            ["git", "-C", str(HERE.parent), "log", "-1", "--format=%h"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        or "?"
    )
    return f"commit {git}, w2vcli/**/*.py (contents, mtimes) sha256 {h.hexdigest()[:12]}"


def settings_for(
    args, corpus: str, config: str, tool: str, threads: int, rep: int, scale: int, out: str
) -> dict:
    arch, loss = CONFIGS[config]
    alpha = FASTTEXT_LR if tool == "fasttext" else ALPHA[arch]
    return {
        **SETTINGS,
        "corpus": corpus,
        "out": out,
        "arch": arch,
        "loss": loss,
        "threads": threads,
        "seed": rep + 1,
        "epochs": args.epochs,
        "alpha": alpha,
        # N copies of the corpus with min count N x 5 keep the same vocabulary
        "min_count": SETTINGS["min_count"] * scale,
    }


def benchmark(
    args,
    corpus: str,
    scale: int,
    in_vocab: int,
    caches: dict,
    binaries: dict,
    tmp: str,
    evaluate: bool,
) -> list:
    runs = []
    for rep in range(args.repeats):
        for config in args.configs:
            for threads in args.threads:
                for tool in args.tools:
                    if not supports(tool, config):
                        continue
                    out = os.path.join(tmp, "vectors.txt")
                    s = settings_for(args, corpus, config, tool, threads, rep, scale, out)
                    if tool == "w2v":
                        r = run_w2v(s, caches[config])
                    elif tool in binaries:
                        r = run_c_peer(tool, binaries[tool], s)
                    else:
                        r = run_peer(tool, s)
                    r.update(
                        scale=scale,
                        config=config,
                        threads=threads,
                        tool=tool,
                        rep=rep,
                        words_per_s=in_vocab * args.epochs / r["train"],
                    )
                    if tool == "w2v" and r["words"] != in_vocab * args.epochs:
                        log(
                            f"  note: w2v trained {r['words']:,} words, counted "
                            f"{in_vocab * args.epochs:,}"
                        )
                    if evaluate:
                        r.update(
                            run_json(
                                [
                                    "eval",
                                    out,
                                    str(DATA / "questions-words.txt"),
                                    str(DATA / "wordsim353.tsv"),
                                ]
                            )
                        )
                    os.remove(out)
                    del r["stdout"], r["stderr"]
                    runs.append(r)
                    quality = (
                        f", analogy {r['analogy']:.1%}, ws353 {r['wordsim']:.3f}"
                        if evaluate
                        else ""
                    )
                    log(
                        f"{scale}x rep {rep + 1} {config} t{threads} {tool}: "
                        f"{r['words_per_s']:,.0f} words/s, train {r['train']:.1f} s, wall "
                        f"{r['wall']:.1f} s, RSS {r['rss']:.0f} MiB" + quality
                    )
    return runs


def group(runs: list) -> dict:
    groups = {}
    for r in runs:
        groups.setdefault((r["config"], r["threads"], r["tool"]), []).append(r)
    return groups


def med(rs: list, key: str) -> float:
    return statistics.median(r[key] for r in rs)


def results_table(runs: list, cold: dict, evaluate: bool, args) -> list:
    g = group(runs)
    lines = [
        "| config | threads | tool | words/s median (range) | w2v/peer words/s | train s "
        "| wall s | w2v/peer wall | compile s first / cached | peak RSS MiB "
        "| analogy (coverage) | ws353 ρ |",
        "|" + " --- |" * 12,
    ]
    for key in [(c, t, tool) for c in args.configs for t in args.threads for tool in args.tools]:
        config, threads, tool = key
        if key not in g:  # a configuration the tool does not train
            lines.append(f"| {config} | {threads} | {tool} |" + " — |" * 9)
            continue
        rs = g[key]
        wps = [r["words_per_s"] for r in rs]
        ref = g.get((config, threads, "w2v"))
        ratio = wall_ratio = compile_s = "—"
        if ref and tool != "w2v":
            ratio = f"{med(ref, 'words_per_s') / med(rs, 'words_per_s'):.2f}"
            wall_ratio = f"{med(rs, 'wall') / med(ref, 'wall'):.2f}"
        if tool == "w2v":
            compile_s = f"{cold[config]:.1f} / {max(r['compile'] for r in rs):.1f}"
        spread = f" ({min(wps):,.0f}–{max(wps):,.0f})" if len(rs) > 1 else ""
        wall_only = " (wall)" if tool in c_peers.TRAIN_IS_WALL else ""
        quality = (
            f"{med(rs, 'analogy'):.1%} ({rs[0]['analogy_coverage']:.0%}) | {med(rs, 'wordsim'):.3f}"
            if evaluate
            else "— | —"
        )
        lines.append(
            f"| {config} | {threads} | {tool} | {statistics.median(wps):,.0f}{spread} "
            f"| {ratio} | {med(rs, 'train'):.1f}{wall_only} | {med(rs, 'wall'):.1f} "
            f"| {wall_ratio} | {compile_s} | {med(rs, 'rss'):.0f} | {quality} |"
        )
    return lines


def scaling_table(base: list, scaled: list, n: int, int_corpus_mib: float) -> list:
    g1, gn = group(base), group(scaled)
    lines = [
        f"| config | threads | tool | train s 1× | train s {n}× | train ratio / {n} "
        f"| wall ratio / {n} | peak RSS MiB 1× | {n}× | RSS delta MiB "
        "| delta / int32 corpus growth |",
        "|" + " --- |" * 11,
    ]
    for key, rs in gn.items():
        r1 = g1[key]
        t_ratio = med(rs, "train") / med(r1, "train") / n
        delta = med(rs, "rss") - med(r1, "rss")
        ok = "" if abs(t_ratio - 1) <= 0.15 else " ✗"
        lines.append(
            f"| {' | '.join(map(str, key))} | {med(r1, 'train'):.1f} "
            f"| {med(rs, 'train'):.1f} | {t_ratio:.2f}{ok} "
            f"| {med(rs, 'wall') / med(r1, 'wall') / n:.2f} | {med(r1, 'rss'):.0f} "
            f"| {med(rs, 'rss'):.0f} | {delta:+.0f} "
            f"| {delta / ((n - 1) * int_corpus_mib):.2f} |"
        )
    return lines


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])

    def names(allowed):
        def parse(text):
            items = text.split(",")
            bad = [x for x in items if x not in allowed]
            if bad:
                raise argparse.ArgumentTypeError(f"unknown {bad}; choose from {list(allowed)}")
            return items

        return parse

    p.add_argument("--configs", type=names(CONFIGS), default=list(CONFIGS))
    p.add_argument("--threads", type=lambda t: [int(x) for x in t.split(",")], default=[1, 2])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--tools", type=names(TOOLS), help=f"default: {','.join(TOOLS)}")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--corpus", default=str(DATA / "en-mix.txt"))
    p.add_argument(
        "--scaling",
        type=int,
        default=0,
        metavar="N",
        help="also run on the corpus concatenated N times",
    )
    p.add_argument(
        "--no-eval",
        dest="evaluate",
        action="store_false",
        help="skip the analogy and word-similarity evaluation",
    )
    p.add_argument("--out", default=str(HERE / "results.md"))
    for tool, env in SOURCE_ENV.items():
        p.add_argument(
            f"--{tool.split('-')[0]}-src",
            dest=env,
            default=os.environ.get(env),
            metavar="DIR",
            help=f"a copy of github.com/{c_peers.REPOS[tool]} (default: ${env})",
        )
    return p.parse_args()


def main():
    args = parse_args()
    command = "python benchmarks/compare.py " + shlex.join(sys.argv[1:])
    date = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    host, load_start, source = machine(), load(), w2v_source()
    if W2V is None:
        raise SystemExit("w2v is not installed next to this Python or on PATH")
    named, args.tools = args.tools is not None, args.tools or list(TOOLS)
    for tool, env in SOURCE_ENV.items():
        if tool in args.tools and not getattr(args, env):
            option = f"--{tool.split('-')[0]}-src"
            if named:
                raise SystemExit(f"--tools {tool}: give {option} DIR (or set {env})")
            log(f"{tool} left out: no {option} DIR (or {env})")
            args.tools.remove(tool)
        elif tool in args.tools:
            c_peers.source_file(tool, getattr(args, env))  # fail before the long runs
    if (
        "fasttext" in args.tools
        and subprocess.run(PEERS[:1] + ["-c", "import fasttext"], capture_output=True).returncode
    ):
        log("fasttext is not installed (pip install fasttext-wheel); leaving it out")
        args.tools.remove("fasttext")

    corpus = os.path.abspath(args.corpus)
    stats = run_json(["count", corpus, str(SETTINGS["min_count"])])
    log(
        f"{corpus}: {stats['tokens']:,} tokens, {stats['lines']:,} lines, vocabulary "
        f"{stats['vocab']:,}, {stats['in_vocab']:,} tokens in it"
    )

    with tempfile.TemporaryDirectory(prefix="w2v-bench-") as tmp:
        binaries, builds = {}, []
        for tool, env in SOURCE_ENV.items():
            if tool in args.tools:
                binaries[tool], how = c_peers.build(tool, getattr(args, env), tmp)
                builds.append(f"- {tool}: {how}")
                log(f"built {tool}: {how}")
        warmup = os.path.join(tmp, "warmup.txt")
        with open(corpus, "rb") as src, open(warmup, "wb") as dst:
            tokens = 0
            while tokens < WARMUP_TOKENS and (line := src.readline()):
                dst.write(line)
                tokens += len(line.split())
        compile_bytecode()
        caches, cold = {}, {}
        for config in args.configs:
            caches[config] = tempfile.mkdtemp(prefix=f"numba-{config}-", dir=tmp)
            s = settings_for(args, warmup, config, "w2v", 1, 0, 1, os.path.join(tmp, "w.txt"))
            cold[config] = run_w2v({**s, "epochs": 1}, caches[config])["compile"]
            log(f"warm-up {config}: compile {cold[config]:.1f} s with empty caches")

        runs = benchmark(args, corpus, 1, stats["in_vocab"], caches, binaries, tmp, args.evaluate)
        scaled = []
        if args.scaling > 1:
            big = os.path.join(tmp, f"corpus-x{args.scaling}.txt")
            with open(big, "wb") as dst:
                for _ in range(args.scaling):
                    with open(corpus, "rb") as src:
                        shutil.copyfileobj(src, dst)
            in_vocab = stats["in_vocab"] * args.scaling
            scaled = benchmark(args, big, args.scaling, in_vocab, caches, binaries, tmp, False)

    for config in args.configs:
        cached = max(
            (r["compile"] for r in runs + scaled if r["tool"] == "w2v" and r["config"] == config),
            default=0,
        )
        if cached > max(1.0, cold[config] / 3):
            log(f"WARNING: {config}: the cached runs compiled again ({cached:.1f} s)")

    source_end = w2v_source()
    if source_end != source:
        log(f"WARNING: w2v's sources changed or were touched: {source} -> {source_end}")
        source += f"; CHANGED or touched during the run, at the end {source_end}"
    int_corpus_mib = (stats["tokens"] + stats["lines"]) * 4 / 2**20
    report = [
        "# w2v compared with " + " and ".join(t for t in args.tools if t != "w2v"),
        "",
        f"- date: {date}",
        f"- machine: {host}",
        f"- load average (1/5/15 min; other work shares the machine): {load_start} at the "
        f"start, {load()} at the end",
        f"- w2v: {source}",
        f"- command: `{command}`",
        f"- corpus: `{os.path.basename(corpus)}`, {stats['tokens']:,} tokens, "
        f"{stats['vocab']:,} words with count >= {SETTINGS['min_count']} covering "
        f"{stats['in_vocab']:,} tokens",
        f"- settings: dim 100, window 5, negative 5 (hs: none), sample 1e-3, min-count 5, "
        f"epochs {args.epochs}, repetitions {args.repeats}; alpha 0.025 skip-gram / 0.05 "
        "cbow, min alpha = alpha x 1e-4 (w2v and gensim, corpus_file mode); fastText "
        "`-minn 0 -maxn 0 -lr 0.05`; pWord2Vec and word2vec C the same options, `-binary 0`, "
        "pWord2Vec's default `-batch-size 11`",
        *builds,
        "",
        *results_table(runs, cold, args.evaluate, args),
        "",
        "words/s = in-vocabulary tokens x epochs / training seconds, the same count for "
        "every tool; training seconds are w2v's own (compile excluded), gensim's train() "
        "(vocabulary scan excluded), fastText's train_unsupervised() (its vocabulary "
        "scan included), pWord2Vec's own clock (from after it loads the corpus to its last "
        "progress report: progress x words to train / its words/s) and, for word2vec C, "
        "whose progress counts CPU seconds, the process's WALL seconds. wall s = the whole "
        "process: start-up, reading, training, writing the vectors. w2v/peer: above 1 means "
        "w2v is faster. compile: building the kernel "
        "(Numba compiling it, the C compiler linking it) in the warm-up run with empty caches "
        "/ the most any measured run spent loading it. peak RSS: ru_maxrss of the process. "
        "analogy: 3CosAdd over the 30,000 most frequent words by `w2v evaluate` (which "
        "tests/vectors/test_evaluate.py holds to gensim's evaluate_word_analogies), coverage = "
        "questions answered; ws353 ρ: Spearman on WordSim-353. —: a configuration the tool "
        "does not train (pWord2Vec: skip-gram + ns only).",
    ]
    if scaled:
        report += [
            "",
            f"## Scaling: the corpus concatenated {args.scaling} times",
            "",
            *scaling_table(runs, scaled, args.scaling, int_corpus_mib),
            "",
            f"The {args.scaling}× runs use min-count {SETTINGS['min_count'] * args.scaling} so "
            "that the vocabulary is the same. train ratio / N is 1.00 for linear time (✗: off "
            f"by more than 15%). One int32 corpus (every token plus a line end) is "
            f"{int_corpus_mib:.1f} MiB; the last column is the RSS delta over (N - 1) of "
            "them: about 1 if w2v's memory grows only by its integer corpus.",
        ]
    text = "\n".join(report) + "\n"
    print(text, end="")
    Path(args.out).write_text(text)
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
