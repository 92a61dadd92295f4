"""Plant bugs in the training path, one at a time in a copy of w2v, and name the fast tests
that catch each: a check that the tests can fail where it matters.

    python tests/planted_bugs.py            # every bug below (about a minute and a half each)
    python tests/planted_bugs.py NAME ...   # some of them

Each bug is one replacement in one file. The copy gets its own kernel cache (a changed
kernel is built anew) and ../shared beside it; the fast tests (`pytest -m "not slow"`)
run on it, and the failing ones are listed, or "caught by nothing".
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).parent.parent
K, T = "w2vcli/kernel/kernels.py", "w2vcli/training/trainer.py"

# name: (file, text, replacement). The first six are the issue's; the rest mine.
BUGS = {
    "window one word short": (
        K,
        "hi = min(length, pos + window - reduced + 1)",
        "hi = min(length, pos + window - reduced)",
    ),
    "sub-sampling comparison reversed": (
        K,
        "keep_prob[word] < 1.0 and keep_prob[word] < uniform(s.rng)",
        "keep_prob[word] < 1.0 and keep_prob[word] > uniform(s.rng)",
    ),
    "Huffman nodes paired with the wrong labels": (
        K,
        "m.points[target, d], 1 - m.codes[target, d]",
        "m.points[target, d], 1 - m.codes[target, n_rows - 1 - d]",
    ),
    "noise table built with the wrong exponent": (
        T,
        "tables.noise_distribution(counts, config.ns_exponent)",
        "tables.noise_distribution(counts, 1.0)",
    ),
    "learning rate never decaying": (
        T,
        "alpha = learning_rate(progress, c.start_alpha, c.end_alpha)",
        "alpha = c.start_alpha",
    ),
    "one thread whatever --threads says": (
        T,
        "for t in range(c.n_threads)]",
        "for t in range(1)]",
    ),
    "CBOW context updated by EH / C (the paper's rule)": (
        K,
        "                w_in[row, i] += s.grad_hidden[i]",
        "                w_in[row, i] += s.grad_hidden[i] / n_context",
    ),
    "a noise word equal to the target not skipped": (
        K,
        "if s.negatives[k] != target:",
        "if True:",
    ),
    "line ends ignored": (K, "elif length > 0:", "elif length > 0 and i == end:"),
    "skip-gram's roles swapped": (
        K,
        "skipgram_example(m, s, sentence[j], center, alpha, want_loss)",
        "skipgram_example(m, s, center, sentence[j], alpha, want_loss)",
    ),
    "CBOW's context summed, not averaged": (K, "hidden[i] /= n_context", "hidden[i] /= 1"),
    "sub-sampling without its + s T / f term": (
        "w2vcli/training/tables.py",
        "np.sqrt(ratio) + ratio, 1.0",
        "np.sqrt(ratio), 1.0",
    ),
    "one epoch fewer": (
        T,
        "for epoch in range(state.epochs_done, c.epochs):",
        "for epoch in range(state.epochs_done, c.epochs - 1):",
    ),
    "the schedule forgets the epochs": (
        T,
        "self.total_words = words * config.epochs",
        "self.total_words = words",
    ),
    "word2vec C's initial range, not gensim's": (T, "rows /= config.dim", "rows /= 2 * config.dim"),
    # A model's life (issue 15): what resuming must restore, and --freeze-init.
    "resume forgets the threads' random state": (
        T,
        "            scratch.rng[0] = rng\n",
        "            pass\n",
    ),
    "resume restarts the learning rate's schedule": (
        T,
        "shared = _Shared(words=state.words,",
        "shared = _Shared(words=0,",
    ),
    "resume within an epoch restarts the epoch": (
        T,
        "            if state.lanes is not None:  # the epoch a paused run stopped in",
        "            if False:",
    ),
    "a stopped run's state taken before its threads finish": (
        T,
        "            for d in done:\n                d.wait()",
        "            pass",
    ),
    "--freeze-init ignored by CBOW": (K, "if m.frozen[row]:", "if False:"),
    "--update-vocab keeps the saved rows where they were": (
        "w2vcli/training/start.py",
        "moved = np.array([where[w] for w in saved.vocab.words], dtype=np.int64)",
        "moved = np.arange(len(saved.vocab.words), dtype=np.int64)",
    ),
}


def planted(name: str) -> list:
    """The fast tests that fail with this bug planted."""
    path, text, replacement = BUGS[name]
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp, "w2v")
        for part in (
            "w2vcli",
            "tests",
            "sample_corpora",
            "docs",
            "benchmarks",
            "pyproject.toml",
            "README.md",
        ):
            source = ROOT / part
            if source.is_dir():
                shutil.copytree(source, copy / part, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy(source, copy / part)
        Path(tmp, "shared").symlink_to((ROOT.parent / "shared").resolve())
        code = (copy / path).read_text()
        assert code.count(text) == 1, f"{name}: {text!r} is not in {path} once"
        (copy / path).write_text(code.replace(text, replacement))
        env = {**os.environ, "PYTHONPATH": str(copy), "W2V_CACHE_DIR": str(Path(tmp, "cache"))}
        env.pop("CI", None)
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-m", "not slow", "-p", "no:cacheprovider"],
            cwd=copy,
            env=env,
            capture_output=True,
            text=True,
        )
    return re.findall(r"^FAILED (\S+)", result.stdout, re.M)


def main(names: list) -> None:
    for name in names or BUGS:
        failed = planted(name)
        print(f"{name}: {len(failed)} failed")
        for test in failed or ["caught by nothing"]:
            print(f"    {test}")
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
