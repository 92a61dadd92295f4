"""Training settings in one place, with word2vec C's defaults."""

import math
import os
from dataclasses import dataclass, field

from .errors import ConfigError

# The exact softmax costs O(V) per training pair; above this many words it is refused
# unless forced (word2vec C and gensim do not offer it at all).
SOFTMAX_MAX_VOCAB = 10_000
# More threads than cores are honoured (as word2vec C does), up to this many.
MAX_THREADS = 256
# Distinct tokens held while counting, at 50-170 bytes each (1.5 GB at most, the memory
# word2vec C's table takes at its 21M); past it the rarer half is pruned. See corpus.py.
MAX_TYPES = 10_000_000
# ... and at most MAX_TYPES * TOKEN_BYTES bytes of their text, so that long tokens cannot
# take more than the budget (English tokens average 8 bytes).
TOKEN_BYTES = 16
# --corpus-in auto: the corpus's ids move to a temporary file once they pass this (16 M
# tokens). Training reads them back batch by batch at no measurable cost (60 M tokens: as
# fast as in memory, 221 MiB less at the peak), so a larger corpus holds only the batches
# in use, and a small one writes no file. See text/corpus.py.
SPILL_BYTES = 64 << 20
# Upper bounds of the other settings: far beyond any published use, low enough that every
# array they size and every int64 they reach stays small. (A context window wider than
# the longest piece of corpus a thread trains at once, BATCH_WORDS positions, only changes
# how often each width is drawn.)
MAX_DIM = 100_000
MAX_WINDOW = 10_000
MAX_NEGATIVE = 1_000
MAX_EPOCHS = 1_000_000
MAX_COUNT = 2**62  # --min-count: any count a corpus can have
MAX_IDS = 2**31 - 2  # ids are int32: --max-vocab and --max-types stay below
# The vectors file train writes without -o (if there is no such file yet), and the one
# the queries read without -v.
VECTORS_FILE = "vectors.txt"


def physical_memory() -> int:
    """Bytes of memory this machine has (what nothing w2v holds may exceed)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not POSIX: no bound from here
        return 2**62


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def setting(default, help: str, **option):
    """A TrainConfig field and its `w2v train` option: the help, and click's settings where
    the type alone does not say them (choices; the type of a setting whose default is None;
    a metavar; `flag`, the names of a flag that can be turned on or off)."""
    return field(default=default, metadata={"help": help, **option})


@dataclass(frozen=True)
class TrainConfig:
    """The settings of a training run: `w2vcli.train`'s keywords and `w2v train`'s options
    (--min-count for min_count), defaults and help in this one place."""

    arch: str = setting(
        "cbow",
        "Predict the centre word from its context, or the reverse.",
        choices=("cbow", "skipgram"),
    )
    loss: str = setting(
        "ns",
        "Negative sampling, hierarchical softmax, or the exact full softmax "
        f"(for vocabularies up to {SOFTMAX_MAX_VOCAB:,} words).",
        choices=("ns", "hs", "softmax"),
    )
    # Where counts are equal, word2vec C and gensim build other trees (training/tables.py):
    # a gensim model's hs output matrix (w2v import) means something only on gensim's.
    huffman: str = setting(
        "word2vec",
        "--loss hs's Huffman tree: built as word2vec C builds it, or as gensim does (another "
        "tree where counts tie; a gensim model imported with w2v import keeps gensim's).",
        choices=("word2vec", "gensim"),
    )
    dim: int = setting(100, "Vector dimensions.")
    cbow_mean: bool = setting(
        True,
        "CBOW's hidden layer: the mean of the context's vectors (word2vec C), or their sum.",
        flag="--cbow-mean/--cbow-sum",
    )
    # Each centre word draws its own effective window in [1, window], as word2vec C
    # (--no-shrink-windows: always `window`, as gensim's shrink_windows=False).
    window: int = setting(5, "Largest distance between a word and its context words.")
    shrink_windows: bool = setting(
        True,
        "Each centre word draws its window from 1 to --window (word2vec C), or takes --window.",
        flag="--shrink-windows/--no-shrink-windows",
    )
    # pWord2Vec's HogBatch: a skip-gram window's pairs share the centre word's output rows,
    # so they train as one small matrix product (kernels.skipgram_window). With ns, 1.2-2.4x
    # faster skip-gram at the same quality on en-mix; with hs, whose pairs already share
    # their path's rows in cache, 1.1x and an analogy point lower: so by default ns only.
    batch_windows: bool | None = setting(
        None,
        "Skip-gram trains each window's pairs at once, sharing its noise words (as pWord2Vec), "
        "or pair by pair (word2vec C).  [default: at once with --loss ns, else pair by pair]",
        flag="--batch-windows/--pair-by-pair",
        type=bool,
    )
    negative: int = setting(5, "Noise words per pair, with --loss ns.")
    min_count: int = setting(5, "Drop words rarer than this.")
    max_vocab: int | None = setting(
        None, "Keep only the N most frequent words.", type=int, metavar="N"
    )
    max_types: int = setting(
        MAX_TYPES,
        f"Distinct tokens held while counting (50-170 bytes each, {TOKEN_BYTES} of them "
        "token text); past it the rarer half is pruned, as word2vec C does.",
    )
    sample: float = setting(1e-3, "Sub-sampling threshold for frequent words; 0 turns it off.")
    # The noise distribution is counts ** ns_exponent: 0.75 in word2vec C; other values
    # suit other data (Caselles-Dupré et al. 2018, for recommendations).
    ns_exponent: float = setting(0.75, "Noise words drawn by count ** this (--loss ns).")
    read_vocab: str | None = setting(
        None,
        "Train with the vocabulary of FILE (`word count` lines, as --save-vocab writes, "
        "word2vec C's -read-vocab): its words and counts, less those under --min-count.",
        type=str,
        metavar="FILE",
    )
    keep: str | None = setting(
        None,
        "Keep the words of FILE (one a line) whatever their count, if the corpus has them.",
        type=str,
        metavar="FILE",
    )
    epochs: int = setting(5, "Passes over the corpus.")
    alpha: float | None = setting(
        None,
        "Starting learning rate.  [default: 0.05 for cbow, 0.025 for skipgram]",
        type=float,
    )
    min_alpha: float | None = setting(
        None, "Final learning rate.  [default: alpha * 1e-4]", type=float
    )
    threads: int = setting(  # 0: all cores
        0,
        f"Worker threads, up to {MAX_THREADS}; more than the cores is allowed.  "
        f"[default: all cores, here {available_cores()}]",
    )
    seed: int = setting(1, "Random seed; with --threads 1 the output is reproducible.")
    force_softmax: bool = setting(False, f"Allow --loss softmax above {SOFTMAX_MAX_VOCAB:,} words.")
    # Where the corpus's ids are kept; the vectors are the same either way.
    corpus_in: str = setting(
        "auto",
        "Keep the corpus's ids in memory, or in a temporary file read as training goes "
        "(for corpora larger than memory); auto: memory, moved to disk once the ids pass "
        f"{SPILL_BYTES >> 20} MiB ({SPILL_BYTES // 4 >> 20} M tokens).",
        choices=("auto", "memory", "disk"),
    )
    tmp_dir: str | None = setting(
        None,
        "Directory of the temporary id file, which has no name and is gone when w2v ends.  "
        "[default: $TMPDIR, else /tmp]",
        type=str,
        metavar="DIR",
    )

    @property
    def start_alpha(self) -> float:
        if self.alpha is not None:
            return self.alpha
        return 0.05 if self.arch == "cbow" else 0.025

    @property
    def windows_at_once(self) -> bool:
        """--batch-windows as given, else for ns only (see batch_windows)."""
        return self.batch_windows if self.batch_windows is not None else self.loss == "ns"

    @property
    def end_alpha(self) -> float:
        return self.min_alpha if self.min_alpha is not None else self.start_alpha * 1e-4

    @property
    def n_threads(self) -> int:
        return self.threads or available_cores()

    def validate(self) -> "TrainConfig":
        def need(ok: bool, option: str, what: str) -> None:
            if not ok:
                raise ConfigError(f"{option} {what}")

        need(self.arch in ("cbow", "skipgram"), "--arch", "must be cbow or skipgram")
        need(self.loss in ("ns", "hs", "softmax"), "--loss", "must be ns, hs or softmax")
        need(self.huffman in ("word2vec", "gensim"), "--huffman", "must be word2vec or gensim")
        need(
            self.corpus_in in ("auto", "memory", "disk"),
            "--corpus-in",
            "must be auto, memory or disk",
        )

        def within(value, low: int, high: int, option: str) -> None:
            need(low <= value <= high, option, f"must be from {low:,} to {high:,} (got {value})")

        for name in ("read_vocab", "keep", "tmp_dir"):  # "": given empty, not left out
            option = "--" + name.replace("_", "-")
            need(getattr(self, name) != "", option, "is empty; give a path, or leave it out")
        within(self.dim, 1, MAX_DIM, "--dim")
        within(self.window, 1, MAX_WINDOW, "--window")
        within(self.epochs, 1, MAX_EPOCHS, "--epochs")
        within(self.min_count, 1, MAX_COUNT, "--min-count")
        within(self.negative, 0, MAX_NEGATIVE, "--negative")
        need(
            self.loss != "ns" or self.negative >= 1,
            "--negative",
            "must be at least 1 with --loss ns (or use --loss hs)",
        )
        if self.max_vocab is not None:
            within(self.max_vocab, 1, MAX_IDS, "--max-vocab")
        within(self.max_types, 2, MAX_IDS, "--max-types")
        need(
            -10 <= self.ns_exponent <= 10,
            "--ns-exponent",
            f"must be from -10 to 10 (got {self.ns_exponent}; 0.75 is word2vec's)",
        )
        need(
            0 <= self.sample <= 1,
            "--sample",
            f"must be from 0 (off) to 1 (got {self.sample}; 1e-5 to 1e-3 are usual)",
        )
        need(
            0 < self.start_alpha < math.inf,
            "--alpha",
            f"must be positive and finite (got {self.start_alpha})",
        )
        need(
            0 <= self.end_alpha <= self.start_alpha,
            "--min-alpha",
            f"must be between 0 and --alpha (got {self.end_alpha})",
        )
        need(
            0 <= self.threads <= MAX_THREADS,
            "--threads",
            f"must be from 1 to {MAX_THREADS} (got {self.threads}; this machine has "
            f"{available_cores()} {'core' if available_cores() == 1 else 'cores'})",
        )
        need(0 <= self.seed < 2**32, "--seed", f"must be from 0 to 2**32 - 1 (got {self.seed})")
        return self


def option_of(name: str) -> str:
    """The `w2v train` option of TrainConfig's field `name`: --min-count for min_count, or
    a flag's two names, --shrink-windows/--no-shrink-windows."""
    flag = TrainConfig.__dataclass_fields__[name].metadata.get("flag")
    return flag or "--" + name.replace("_", "-")


# w2v teach's tiny model (w2vcli.explore.teach): wevi's hidden size and learning rate, the
# paper's exact softmax, and a window of 1 (the one-word-context model at sentence ends)
TEACH = {
    "arch": "cbow",
    "loss": "softmax",
    "dim": 5,
    "window": 1,
    "alpha": 0.2,
    "negative": 3,
    "seed": 1,
}
