"""Training on several workers that average their models in short rounds, as Intel's
pWord2Vec does (Ji et al., "Parallelizing Word2Vec in Shared and Distributed Memory",
IEEE TPDS 2019), for corpora prepared by `w2v prepare`.

Every worker holds the whole model, starts from the same initial vectors (the same seed)
and trains its own contiguous part of the corpus's batches with w2v's kernel. After each
round of `round_batches` batches per worker, rows are averaged over the workers:

- which rows: the most frequent words' rows are updated most often, so they drift apart
  first; after round n the top 1,024 x 2**z rows are averaged, z the number of trailing
  zeros of n (1,024 every round, 2,048 every second, 4,096 every fourth...), and every row
  at the end of each epoch. Words are ids in order of count, so these are the first rows
  of the input vectors and of the output vectors; with --loss hs, the output rows are the
  Huffman tree's inner nodes, of which the ones near the root (the last) are on the most
  paths and go first.
- how: each row gets the sum of the workers' changes since it was last agreed ("sum"),
  their mean over the workers that changed it ("mean", pWord2Vec's), or the sum made no
  longer than the changes' root-sum-square nor CAP times the longest change ("capped").
  A row only one worker touched keeps that worker's change under every rule. The workers
  agree on every row right after a sync, so each keeps a copy of the rows as last agreed
  (its `base`) and sends only the change since. Summing is what threads sharing one
  model do (Hogwild), with the others' updates seen a round late: right while the
  changes are independent, but a frequent word's row moves a long way within a round,
  the same way on every worker, and N such steps summed overshoot (on en-mix the sum
  diverges from 4 workers). Averaging cannot overshoot but divides the progress of a row
  that N workers update by N. Capping keeps the sum where the changes point different
  ways (their sum is then about as long as their root-sum-square) and shortens it where
  they agree, to at most CAP longest steps. Measured on en-mix (benchmarks/distributed.py,
  analogy %): 2 workers: sum 9.9, capped 9.8, mean 7.0; 4: sum diverges, capped 9.2,
  mean 3.1; 8: capped 6.6, mean 1.4. "auto" (the default) sums for up to SUM_WORKERS
  workers, where the sum was a little better (WordSim-353 +0.02, three seeds), and caps
  beyond.
- the learning rate follows the words trained by all workers: each round starts from the
  total of the rounds before, and counts the other workers' words as its own.

Syncs other than "schedule" are there to measure what the schedule buys: "all" syncs every
row after every round; "epoch" only at the end of each epoch (Spark MLlib's scheme, with
--merge mean).

A Worker is plain Python over numpy; `train_parallel` drives any group of workers
through its `call(method, *args)`, which calls the method on every worker and returns
their results in order (w2vcli.engines: LocalWorkers, all in this process one after
another, the same arithmetic as separate machines, used to simulate many workers; or Dask
actors). `fit_on_workers` is the pipeline's stage fit on a Dask cluster's workers.
"""

import os
import time
from dataclasses import dataclass, field

import numpy as np

from ..config import TrainConfig
from ..engines import engine
from ..errors import W2VError
from ..text.prepared import load_prepared
from .model import TrainState, copy_rows
from .observers import tell
from .provenance import now
from .trainer import Trainer, learning_rate, thread_seed

TOP_ROWS = 1024
SYNCS = ("schedule", "all", "epoch")
MERGES = ("auto", "sum", "capped", "mean")
SUM_WORKERS = 2  # the sum diverged on en-mix with 4 workers (benchmarks/distributed.py)
CAP = 1.5  # "capped": 2 reached less at 8 and 16 workers on en-mix, 1.25 no more
ROUND_BATCHES = 2  # batches of trainer.BATCH_WORDS ids per worker per round (see merge)


def synced_rows(round_number: int, rows: int, sync: str = "schedule") -> int:
    """How many of the most frequent rows are synced after round `round_number` (from 1,
    counted across epochs)."""
    if sync == "all":
        return rows
    if sync == "epoch":
        return 0
    zeros = (round_number & -round_number).bit_length() - 1
    return min(rows, TOP_ROWS << zeros)


class Worker:
    """One worker's model and part of the corpus (part `part` of `parts`)."""

    def __init__(
        self, prepared: str, config: TrainConfig, round_batches: int, part: int, parts: int
    ):
        corpus = load_prepared(prepared)
        self.trainer = Trainer(corpus.vocab, corpus.ids, config)
        self.trainer.compile()
        batches = self.trainer.batches
        self.mine = batches[part * len(batches) // parts : (part + 1) * len(batches) // parts]
        self.scratch = self.trainer.scratch(thread_seed(config.seed, part))
        self.round_batches, self.next = round_batches, 0
        self.w_in, self.w_out = self.trainer.w_in, self.trainer.w_out
        self.base_in, self.base_out = self.w_in.copy(), self.w_out.copy()
        self.hs = config.loss == "hs"

    def start_epoch(self) -> None:
        self.next = 0

    def train_round(self, words_before: int, workers: int) -> tuple:
        """Train the next round of this worker's batches; returns (words, loss, examples,
        batches left this epoch). Its learning rate counts `workers` times its own words
        on top of `words_before`, the words all workers trained before this round."""
        c, t = self.trainer.config, self.trainer
        batches = self.mine[self.next : self.next + self.round_batches]
        self.next += len(batches)
        words = examples = 0
        loss = 0.0
        for start, end in batches:  # one thread a worker
            progress = (words_before + workers * words) / max(1, t.total_words)
            alpha = learning_rate(progress, c.start_alpha, c.end_alpha)
            batch_loss, batch_examples, batch_words = t.run_batch(start, end, alpha, self.scratch)
            loss, examples, words = (
                loss + batch_loss,
                examples + batch_examples,
                words + batch_words,
            )
        return words, loss, examples, len(self.mine) - self.next

    def _out_rows(self, k: int) -> slice:
        n = len(self.w_out)
        return slice(n - min(k, n), n) if self.hs else slice(0, min(k, n))

    def changes(self, k: int) -> tuple:
        """The changes of the top k input rows and output rows since last agreed."""
        out = self._out_rows(k)
        delta_in = self.w_in[:k] - self.base_in[:k]
        delta_out = self.w_out[out] - self.base_out[out]
        return delta_in, delta_out

    def agree(self, k: int, change_in: np.ndarray, change_out: np.ndarray) -> None:
        """Set the top k rows to the agreed ones: last agreed plus the merged change."""
        out = self._out_rows(k)
        self.base_in[:k] += change_in
        self.base_out[out] += change_out
        self.w_in[:k] = self.base_in[:k]
        self.w_out[out] = self.base_out[out]

    def agree_all(self, w_in: np.ndarray, w_out: np.ndarray) -> None:
        """Start from these matrices (a checkpoint's), agreed."""
        self.w_in[:], self.w_out[:] = w_in, w_out
        self.base_in[:], self.base_out[:] = w_in, w_out

    def matrices(self) -> tuple:
        return self.w_in, self.w_out


def merged(changes: list, merge: str = "sum") -> np.ndarray:
    """The change each row gets from the workers' changes: their sum; their mean over the
    workers that changed the row; or their sum, capped (see the module's docstring)."""
    total = np.zeros_like(changes[0])
    touched = np.zeros(len(total), dtype=np.int64)
    squares = np.zeros(len(total), dtype=np.float64)  # the root-sum-square, squared
    longest = np.zeros(len(total), dtype=np.float64)
    for change in changes:
        moved = (change != 0).any(axis=1)
        total[moved] += change[moved]
        touched += moved
        if merge == "capped":
            square = np.einsum("ij,ij->i", change, change, dtype=np.float64)
            squares += square
            np.maximum(longest, np.sqrt(square), out=longest)
    if merge == "sum":
        return total
    if merge == "mean":
        return total / np.maximum(touched, 1)[:, None].astype(total.dtype)
    length = np.sqrt(np.einsum("ij,ij->i", total, total, dtype=np.float64))
    limit = np.minimum(np.sqrt(squares), CAP * longest)
    scale = np.minimum(1.0, limit / np.maximum(length, np.finfo(np.float64).tiny))
    return total * scale[:, None].astype(total.dtype)


def merge_rule(merge: str, workers: int) -> str:
    """ "auto": the sum for up to SUM_WORKERS workers, capped beyond (see the module's
    docstring)."""
    if merge != "auto":
        return merge
    return "sum" if workers <= SUM_WORKERS else "capped"


@dataclass
class ParallelResult:
    words: int = 0
    rounds: int = 0
    epoch_losses: list = field(default_factory=list)
    seconds: float = 0.0
    sync_seconds: float = 0.0
    synced_bytes: int = 0  # sent by the workers (the changes), as float32


def check_rules(sync: str, merge: str) -> None:
    if sync not in SYNCS or merge not in MERGES:
        choices = f"--sync {'|'.join(SYNCS)}, --merge {'|'.join(MERGES)}"
        raise W2VError(f"--sync {sync} --merge {merge}: give {choices}")


def train_parallel(
    engine,
    config: TrainConfig,
    counts: np.ndarray,
    sync: str = "schedule",
    merge: str = "sum",
    on_round=None,
    on_epoch=None,
    state=None,
) -> ParallelResult:
    """Drive the workers behind `engine` (len(engine) of them, training the vocabulary of
    `counts`) through the
    epochs, from `state` (a trainer.TrainState between epochs) or the start; afterwards
    every worker holds the same model. `on_round(result)` after each round,
    `on_epoch(epoch, result)` after each epoch, the workers agreeing on every row."""
    vocab_size, workers = len(counts), len(engine)
    check_rules(sync, merge)
    merge = merge_rule(merge, workers)
    result, t0 = ParallelResult(), time.perf_counter()
    first = 0
    if state is not None:
        first, result.words = state.epochs_done, state.words
        result.epoch_losses = list(state.epoch_losses)
    for epoch in range(first, config.epochs):
        engine.call("start_epoch")
        loss = examples = 0
        left = True
        while left:
            done = engine.call("train_round", result.words, workers)
            result.words += sum(d[0] for d in done)
            loss += sum(d[1] for d in done)
            examples += sum(d[2] for d in done)
            left = any(d[3] for d in done)
            result.rounds += 1  # numbered across epochs, so that all rows are synced often
            k = vocab_size if not left else synced_rows(result.rounds, vocab_size, sync)
            if k:
                _sync(engine, k, merge, result)
            if on_round:
                on_round(result)
        result.epoch_losses.append(loss / max(1, examples))
        if on_epoch:
            on_epoch(epoch, result)
    result.seconds = time.perf_counter() - t0
    return result


def _sync(engine, k: int, merge: str, result: ParallelResult) -> None:
    t0 = time.perf_counter()
    changes = engine.call("changes", k)
    change_in = merged([c[0] for c in changes], merge)
    change_out = merged([c[1] for c in changes], merge)
    engine.call("agree", k, change_in, change_out)
    result.synced_bytes += sum(c[0].nbytes + c[1].nbytes for c in changes)
    result.sync_seconds += time.perf_counter() - t0


def fit_on_workers(run):
    """The stage fit on the workers of a Dask cluster (run.engine: scheduler, workers,
    sync, merge): they train the prepared corpus and sync in rounds, from the run's state
    (a checkpoint's, between two epochs) or the start; the model gets their matrices after
    each epoch, which its observers then see (the checkpointer saves it)."""
    model, trainer, config, spec = run.model, run.trainer, run.config, run.engine
    record = model.provenance["runs"][-1]
    model.corpus.words = trainer.total_words // config.epochs
    seconds, t0 = record.get("seconds", 0.0), time.perf_counter()
    state = model.state
    with engine("dask", spec["scheduler"], spec["workers"]) as cluster:
        # by its absolute path: a local cluster's workers run in a directory of their own
        workers = cluster.start(Worker, os.path.abspath(run.source.path), config, ROUND_BATCHES)
        record["dask_workers"] = len(workers)
        if state is not None:
            workers.call("agree_all", trainer.w_in, trainer.w_out)
        tell(run.observers, "start", model)

        def on_round(result):
            progress = result.words / trainer.total_words
            alpha = learning_rate(progress, config.start_alpha, config.end_alpha)
            tell(run.observers, "progress", result.words, alpha, None)

        def epoch_done(epoch, result):
            w_in, w_out = workers.call("matrices")[0]
            copy_rows(trainer.w_in, w_in)
            copy_rows(trainer.w_out, w_out)
            model.state = TrainState(epoch + 1, result.words, list(result.epoch_losses))
            model.epoch_losses = list(result.epoch_losses)
            record.update(
                epoch_losses=model.epoch_losses, seconds=seconds + time.perf_counter() - t0
            )
            tell(run.observers, "after_epoch", epoch, model)

        result = train_parallel(
            workers, config, model.vocab.counts, spec["sync"], spec["merge"], on_round, epoch_done,
            state,
        )  # fmt: skip
    model.words, model.seconds, model.threads = result.words, result.seconds, len(workers)
    record.update(finished=now(), rounds=record.get("rounds", 0) + result.rounds)
    record["synced_bytes"] = record.get("synced_bytes", 0) + result.synced_bytes
    tell(run.observers, "finish", model)
    return model
