"""Training settings in one place, with word2vec C's defaults."""

import math
import os
from dataclasses import dataclass

from .errors import ConfigError

# The exact softmax costs O(V) per training pair; above this many words it is refused
# unless forced (word2vec C and gensim do not offer it at all).
SOFTMAX_MAX_VOCAB = 10_000
# More threads than cores are honoured (as word2vec C does), up to this many.
MAX_THREADS = 256
# Distinct tokens held while counting, at about 150 bytes each (1.5 GB, the memory word2vec
# C's table takes at its 21M); past it the rarer half is pruned. See corpus.py.
MAX_TYPES = 10_000_000


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class TrainConfig:
    arch: str = "cbow"  # "cbow" or "skipgram"
    loss: str = "ns"  # "ns" negative sampling, "hs" hierarchical softmax, "softmax" exact
    dim: int = 100
    window: int = 5  # maximum; each centre word draws its own effective window in [1, window]
    negative: int = 5  # noise words per positive pair (ns only)
    min_count: int = 5
    max_vocab: int | None = None  # keep only the most frequent words
    max_types: int = MAX_TYPES  # bounds the memory for counting; applied by read_corpus
    sample: float = 1e-3  # sub-sampling threshold; 0 turns it off
    epochs: int = 5
    alpha: float | None = None  # None: 0.05 for cbow, 0.025 for skip-gram (word2vec C)
    min_alpha: float | None = None  # None: alpha * 1e-4, word2vec C's floor
    threads: int = 0  # 0: all cores
    seed: int = 1
    force_softmax: bool = False

    @property
    def start_alpha(self) -> float:
        if self.alpha is not None:
            return self.alpha
        return 0.05 if self.arch == "cbow" else 0.025

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
        need(self.dim >= 1, "--dim", f"must be at least 1 (got {self.dim})")
        need(self.window >= 1, "--window", f"must be at least 1 (got {self.window})")
        need(self.epochs >= 1, "--epochs", f"must be at least 1 (got {self.epochs})")
        need(self.min_count >= 1, "--min-count", f"must be at least 1 (got {self.min_count})")
        need(self.negative >= 0, "--negative", f"must be 0 or more (got {self.negative})")
        need(
            self.loss != "ns" or self.negative >= 1,
            "--negative",
            "must be at least 1 with --loss ns (or use --loss hs)",
        )
        need(
            self.max_vocab is None or self.max_vocab >= 1,
            "--max-vocab",
            f"must be at least 1 (got {self.max_vocab})",
        )
        need(self.max_types >= 2, "--max-types", f"must be at least 2 (got {self.max_types})")
        need(self.sample >= 0, "--sample", f"must be 0 (off) or positive (got {self.sample})")
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
            f"{available_cores()} cores)",
        )
        need(0 <= self.seed < 2**32, "--seed", f"must be from 0 to 2**32 - 1 (got {self.seed})")
        return self
