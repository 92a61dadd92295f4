"""The stage `fit` on this machine's threads: the tables, the initial weights, and the
epoch loop.

Each worker thread trains its own contiguous slice of the corpus, in batches of about
BATCH_WORDS positions, running the compiled kernel with the GIL released; they update the
shared matrices without locks (Hogwild, as word2vec C). Slices far apart rarely touch the
same rows at once: threads on neighbouring batches fought over the same cache lines and
scaled 1.4x on two cores. The learning rate decays linearly with the words read by
all threads together and is fixed for the length of one batch, as word2vec C updates it
every 10,000 words. With one thread the run is deterministic for a given seed.
"""

import dataclasses
import functools
import math
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from ..config import SOFTMAX_MAX_VOCAB, TrainConfig, physical_memory
from ..errors import ConfigError, TrainingDiverged
from ..kernel import arrays, native
from ..text.corpus import parts
from ..text.vocab import Vocab
from ..vectors.vectors import Vectors
from . import provenance, tables
from .model import TrainState
from .observers import tell

BATCH_WORDS = 10_000
ARCHS = {"cbow": arrays.CBOW, "skipgram": arrays.SKIPGRAM}
LOSSES = {"ns": arrays.NS, "hs": arrays.HS, "softmax": arrays.SOFTMAX}


@dataclass
class TrainResult:
    vocab: Vocab
    w_in: np.ndarray  # (V, N) input vectors: what the tool writes
    w_out: np.ndarray  # (V, N) output vectors, or (V-1, N) inner nodes for hs
    words: int = 0  # words read over all epochs (before sub-sampling)
    seconds: float = 0.0
    compile_seconds: float = 0.0
    epoch_losses: list = field(default_factory=list)  # mean loss per training example
    thread_words: list = field(default_factory=list)  # words each worker thread trained
    state: TrainState | None = None  # where the run stood after its last epoch

    @property
    def threads(self) -> int:
        """The threads that did train (a small corpus may leave some without a batch)."""
        return sum(1 for words in self.thread_words if words)

    @property
    def words_per_second(self) -> float:
        return self.words / self.seconds if self.seconds > 0 else 0.0


def learning_rate(progress: float, start: float, end: float) -> float:
    """word2vec C's schedule: start * (1 - progress), never below end."""
    return max(end, start * (1.0 - progress))


def thread_seed(seed: int, thread: int) -> int:
    """The random seed of thread (or distributed worker) number `thread` of a run."""
    return seed * 1_000_003 + thread + 1


def check_plan(vocab: Vocab, config: TrainConfig, ids_bytes: int = 0) -> None:
    """Refuse, before allocating, a run this vocabulary cannot make: the exact softmax
    over too many words, matrices beyond memory, a --sample that keeps no word."""
    if config.loss == "softmax" and len(vocab) > SOFTMAX_MAX_VOCAB and not config.force_softmax:
        raise ConfigError(
            f"--loss softmax: the vocabulary has {len(vocab):,} words and the exact softmax "
            f"costs O(V) per pair (meant for up to {SOFTMAX_MAX_VOCAB:,}); use --loss hs or ns, "
            "--max-vocab, or --force-softmax"
        )
    check_memory(len(vocab), config, ids_bytes)
    kept = float(vocab.counts @ tables.keep_probability(vocab.counts, config.sample))
    if kept < 1:
        raise ConfigError(
            f"--sample {config.sample:g} keeps no word of the corpus (expected {kept:.2g} per "
            "epoch); use a larger value (1e-5 to 1e-3 are usual) or 0 to keep every word"
        )


def matrices_bytes(vocab_size: int, dim: int) -> int:
    """The memory of the two matrices, rows padded as `padded_rows`."""
    return 2 * 4 * vocab_size * (-(-dim // ROW_ALIGN) * ROW_ALIGN)


def check_memory(vocab_size: int, config: TrainConfig, ids_bytes: int = 0) -> None:
    """Refuse, before allocating, matrices that with the corpus's ids in memory (`ids_bytes`)
    take more than this machine's memory (numpy would ask for them and the system would kill
    the process later, or refuse with a traceback)."""
    need = matrices_bytes(vocab_size, config.dim)
    if need + ids_bytes > physical_memory():
        disk = need <= physical_memory()  # the ids in memory make it too much
        ids = f" and {ids_bytes / 2**30:,.1f} GiB for the corpus's ids" if disk else ""
        fix = "use --corpus-in disk, or " if disk else ""
        raise ConfigError(
            f"--dim {config.dim} with {vocab_size:,} words needs {need / 2**30:,.1f} GiB for the "
            f"two matrices{ids}, more than this machine's {physical_memory() / 2**30:,.1f} GiB; "
            f"{fix}lower --dim or --max-vocab"
        )


def init_weights(vocab_size: int, config: TrainConfig) -> tuple[np.ndarray, np.ndarray]:
    """Input vectors uniform in [-1/N, 1/N) as gensim 4 (word2vec C: [-0.5/N, 0.5/N),
    which scored 0.8 analogy points lower on en-mix over three seeds), output vectors zero.
    Both with rows padded as `padded_rows`."""
    rng = np.random.default_rng(config.seed)
    w_in = padded_rows(vocab_size, config.dim)
    for start in range(0, vocab_size, 65536):  # in place: no (V, N) temporary
        rows = w_in[start : start + 65536, : config.dim]
        rows[:] = rng.random(rows.shape, dtype=np.float32)
        rows *= 2
        rows -= 1
        rows /= config.dim
    out_rows = vocab_size - 1 if config.loss == "hs" else vocab_size
    return w_in, padded_rows(max(out_rows, 0), config.dim)


# The kernels see matrices whose rows are padded with zeros to whole 64-byte cache lines
# (dim 100: 112 floats); everything else sees the (rows, dim) view. A row then spans the
# fewest lines, and the kernels' loops over a row need no scalar remainder (2-7 % faster
# at dim 100). The padding stays zero: every update to it is a multiple of zeros (of h's
# padding, or of w_out's).
ROW_ALIGN = 16  # float32 to a cache line


def padded_rows(n_rows: int, dim: int) -> np.ndarray:
    width = -(-dim // ROW_ALIGN) * ROW_ALIGN
    return arrays.model_array(n_rows * width, np.float32).reshape(n_rows, width)


def hot_rows(config: TrainConfig) -> int:
    """How many rows of w_out each thread updates in its own copy (see arrays.py). One
    thread shares them with nobody; its copy would give the same updates, and cost the
    copying."""
    if config.n_threads == 1:
        return 0
    return {"hs": arrays.HOT_TREE_NODES, "ns": arrays.HOT_NOISE_WORDS}.get(config.loss, 0)


class Events:
    """What a Trainer tells as it runs: here, nothing (w2vcli.training.pipeline relays it
    to the run's observers)."""

    def progress(self, words: int, alpha: float, loss: float | None) -> None:
        """A few times a second, from the main thread: the words trained by all threads,
        the learning rate, the mean loss since the last call (None if none was sampled)."""

    def after_batch(self, words: int, loss: float, examples: int) -> None:
        """After each batch, by the thread that ran it, under the trainer's lock (keep it
        short): the words trained so far, the batch's summed loss and its examples."""

    def after_epoch(self, epoch: int, result: "TrainResult") -> None:
        """After each epoch, while no thread trains; result.state is where the run stands."""

    def pause(self, state: TrainState) -> None:
        """Every `pause_every` seconds within an epoch, while no thread trains."""

    def stopped(self, state: TrainState) -> None:
        """Ctrl-C or a signal stopped the run: where it stands, no thread training."""


class Trainer:
    """Runs the epochs over the corpus's ids, telling `Events` as it goes."""

    def __init__(self, vocab: Vocab, corpus, config: TrainConfig):
        """`corpus`: final ids, an array or a corpus.DiskIds."""
        self.vocab, self.corpus, self.config = vocab, corpus, config
        counts = vocab.counts
        self.keep_prob = tables.keep_probability(counts, config.sample)
        noise = tables.noise_distribution(counts, config.ns_exponent)
        noise_accept, noise_alias = tables.alias_table(noise)
        if config.loss == "hs":
            codes, points, lengths = tables.huffman_tree(counts, config.huffman)
        else:  # unused by the kernel, but it needs arrays of the right types
            codes, points, lengths = (
                np.zeros((1, 1), np.uint8),
                np.zeros((1, 1), np.int32),
                np.zeros(1, np.int32),
            )
        w_in, w_out = init_weights(len(vocab), config)
        self.w_in, self.w_out = w_in[:, : config.dim], w_out[:, : config.dim]
        self.shared = arrays.Shared(
            w_in,
            w_out,
            LOSSES[config.loss],
            noise_accept,
            noise_alias,
            codes,
            points,
            lengths,
            np.zeros(
                len(vocab), np.uint8
            ),  # frozen: none (see w2vcli.training.model, --freeze-init)
            int(config.cbow_mean),
            int(config.shrink_windows),
            int(config.windows_at_once),
        )
        words = sum(int(np.count_nonzero(part >= 0)) for part in parts(corpus))
        self.total_words = words * config.epochs
        bounds = list(range(0, len(corpus), BATCH_WORDS)) + [len(corpus)]
        self.batches = list(zip(bounds[:-1], bounds[1:]))
        self.compile_seconds = None
        self.kernel = None  # kernels.train_batch, prebuilt or compiled by `compile`

    def run_batch(self, start: int, end: int, alpha: float, scratch):
        """Train the corpus's ids [start, end) at learning rate `alpha` with a thread's
        `scratch`; returns (summed loss, examples, words)."""
        c = self.config
        assert end - start <= len(scratch.sentence)
        ids = self.corpus
        if not isinstance(ids, np.ndarray):  # a DiskIds: this batch read from its file
            ids, start, end = ids[start:end], 0, end - start
        return self.kernel(
            self.shared,
            ids,
            start,
            end,
            ARCHS[c.arch],
            c.window,
            self.keep_prob,
            alpha,
            scratch,
        )

    def scratch(self, seed: int = 1):
        """A thread's own arrays (random state, hidden layer...), seeded with `seed`."""
        c = self.config
        negative = c.negative if c.loss == "ns" else 0
        return arrays.make_scratch(self.shared, c.window, negative, seed, hot_rows(c), BATCH_WORDS)

    def compile(self, prebuilt: bool = True, on_build=None) -> float:
        """Load the prebuilt kernel (w2vcli.kernel.native, built on first use, telling
        `on_build(seconds, done)` as it builds), or else compile the kernel with Numba (or
        load it from Numba's disk cache); returns seconds."""
        t0 = time.perf_counter()
        native.numba_cache()  # for the build's child, and for the JIT kernel
        self.kernel = native.train_batch(on_build) if prebuilt else None
        if self.kernel is None:
            from ..kernel.kernels import train_batch  # imports Numba

            self.kernel = train_batch
        self.run_batch(0, 0, 0.0, self.scratch())
        self.compile_seconds = time.perf_counter() - t0
        return self.compile_seconds

    def run(self, events: Events | None = None, state=None, pause_every=None) -> TrainResult:
        """Train the epochs left, from `state` (a TrainState: where an earlier run stopped)
        or from the start, telling `events` (see Events) as it goes, and pausing every
        `pause_every` seconds within an epoch if given."""
        c = self.config
        state = state or TrainState()
        result = TrainResult(self.vocab, self.w_in, self.w_out)
        result.epoch_losses = list(state.epoch_losses)
        if self.compile_seconds is None:
            self.compile()
        result.compile_seconds = self.compile_seconds
        events = events or Events()
        scratches = [self.scratch(thread_seed(c.seed, t)) for t in range(c.n_threads)]
        for scratch, rng in zip(scratches, state.rng):
            scratch.rng[0] = rng
        shared = _Shared(words=state.words, thread_words=[0] * len(scratches))
        t0 = time.perf_counter()
        next_pause = time.monotonic() + pause_every if pause_every else math.inf
        n = len(self.batches)
        for epoch in range(state.epochs_done, c.epochs):
            if state.lanes is not None:  # the epoch a paused run stopped in
                if not all(0 <= a <= b <= n for a, b in state.lanes):
                    raise ConfigError(
                        "the saved position within the epoch does not fit this corpus's "
                        f"{n:,} batches; the checkpoint is damaged"
                    )
                shared.lanes = [list(lane) for lane in state.lanes]
                shared.epoch_loss, shared.epoch_examples = state.epoch_loss, state.epoch_examples
                state.lanes = None
            else:  # [next, end) of each thread's slice of self.batches
                shared.lanes = [
                    [t * n // len(scratches), (t + 1) * n // len(scratches)]
                    for t in range(len(scratches))
                ]
                shared.epoch_loss, shared.epoch_examples = 0.0, 0

            def stopped(epoch=epoch):  # where a run stopped within this epoch stands
                events.stopped(self._state(epoch, shared, scratches, result, within=True))

            while self._train(scratches, shared, events, next_pause, stopped):
                events.pause(self._state(epoch, shared, scratches, result, within=True))
                next_pause = time.monotonic() + pause_every
            if not (arrays.all_finite(self.w_in) and arrays.all_finite(self.w_out)):
                # A NaN score is clipped to a finite loss, so the loss alone can miss this.
                raise TrainingDiverged(
                    f"training diverged (vectors became NaN or infinite) in epoch {epoch + 1}; "
                    "try a smaller --alpha"
                )
            result.epoch_losses.append(shared.epoch_loss / max(1, shared.epoch_examples))
            result.state = self._state(epoch + 1, shared, scratches, result)
            events.after_epoch(epoch, result)
        self._report(shared, events)
        result.seconds = time.perf_counter() - t0
        result.words = shared.words
        result.thread_words = shared.thread_words
        return result

    def _train(self, scratches, shared, events, pause_at, stopped) -> bool:
        """Run the worker threads until the epoch's lanes are done (False), or, after
        `pause_at` (time.monotonic()), until each has finished its batch (True). Stopped
        (Ctrl-C, a signal), the threads finish their batch, then `stopped()` is called."""
        shared.pause.clear()
        # Each worker says it is done with an Event, not by ending: a Ctrl-C that lands in
        # Thread.join leaves CPython's thread taken for ended while it still trains
        # (bpo-45274's repair), and the state saved then would miss its last batch.
        # Started before the `try`: a Ctrl-C while they start saves no state (the last
        # checkpoint stands), where one saved then could miss a thread's batch.
        done = [threading.Event() for _ in scratches]
        for t, scratch in enumerate(scratches):
            args = (t, scratch, shared, events, done[t])
            threading.Thread(target=self._work, args=args, daemon=True).start()
        try:
            while not all(d.is_set() for d in done):
                waiting = next(d for d in done if not d.is_set())
                waiting.wait(min(0.25, max(0.001, pause_at - time.monotonic())))
                self._report(shared, events)
                if time.monotonic() >= pause_at:
                    shared.pause.set()
        except BaseException as stop:  # Ctrl-C: let the workers finish their batch, then stop
            shared.stop.set()
            for d in done:
                d.wait()
            if not isinstance(stop, Exception) and shared.error is None:
                stopped()
            raise
        if shared.error is not None:
            raise shared.error
        return shared.pause.is_set() and any(lane[0] < lane[1] for lane in shared.lanes)

    def _state(self, epochs_done: int, shared, scratches, result, within=False) -> "TrainState":
        """Where the run stands, all threads between two batches: at the end of an epoch,
        or `within` one (its lanes left, perhaps none, and its loss so far)."""
        return TrainState(
            epochs_done=epochs_done,
            words=shared.words,
            epoch_losses=list(result.epoch_losses),
            rng=[int(s.rng[0]) for s in scratches],
            lanes=[list(lane) for lane in shared.lanes] if within else None,
            epoch_loss=shared.epoch_loss if within else 0.0,
            epoch_examples=shared.epoch_examples if within else 0,
        )

    def _work(self, thread, scratch, shared, events, done):
        """A worker thread: train on batches of its lane, then steal; account for each."""
        try:
            self._train_lanes(thread, scratch, shared, events)
        except BaseException as error:  # surfaced by the main thread, never lost
            shared.error = shared.error or error
            shared.stop.set()
        finally:
            done.set()

    def _train_lanes(self, thread, scratch, shared, events):
        c = self.config
        while not (shared.stop.is_set() or shared.pause.is_set()):
            with shared.lock:
                progress = shared.words / max(1, self.total_words)
                own = shared.lanes[thread] if thread < len(shared.lanes) else [0, 0]
                if own[0] < own[1]:
                    batch = self.batches[own[0]]
                    own[0] += 1
                else:
                    most = max(shared.lanes, key=lambda s: s[1] - s[0])
                    if most[0] == most[1]:
                        return
                    most[1] -= 1
                    batch = self.batches[most[1]]
            alpha = learning_rate(progress, c.start_alpha, c.end_alpha)
            loss, examples, words = self.run_batch(*batch, alpha, scratch)
            with shared.lock:
                shared.words += words
                shared.thread_words[thread] += words
                shared.interval_loss += loss
                shared.interval_examples += examples
                shared.epoch_loss += loss
                shared.epoch_examples += examples
                events.after_batch(shared.words, loss, examples)
            if not math.isfinite(loss):
                shared.error = TrainingDiverged(
                    f"training diverged (the loss became {loss}) at learning rate {alpha:g}; "
                    "try a smaller --alpha"
                )
                shared.stop.set()

    def _report(self, shared, events):
        with shared.lock:
            words, loss, examples = shared.words, shared.interval_loss, shared.interval_examples
            shared.interval_loss, shared.interval_examples = 0.0, 0
        c = self.config
        alpha = learning_rate(words / max(1, self.total_words), c.start_alpha, c.end_alpha)
        events.progress(words, alpha, loss / examples if examples else None)


@dataclass
class _Shared:
    """What the worker threads share; counters are guarded by `lock`."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)
    words: int = 0  # read by all threads so far: drives the learning rate
    interval_loss: float = 0.0  # since the last progress report
    interval_examples: int = 0
    epoch_loss: float = 0.0
    epoch_examples: int = 0
    error: Exception | None = None
    pause: threading.Event = field(default_factory=threading.Event)  # stop after the batch
    lanes: list = field(default_factory=list)  # [next, end) batch indices, one per thread
    thread_words: list = field(default_factory=list)  # words trained by each thread


# The stage fit.


def fit_on_threads(run):
    """The stage fit on this machine's threads: the run's trainer trains its model from its
    state, telling the run's observers (w2vcli.training.observers) as it goes, with the
    model as it is then; returns the model."""
    model, trainer, observers = run.model, run.trainer, run.observers
    record = model.provenance["runs"][-1]
    model.corpus.words = trainer.total_words // run.config.epochs
    relay = _Relay(run, record.get("seconds", 0.0))
    tell(observers, "start", relay.now())
    model.compile_seconds = trainer.compile(on_build=functools.partial(tell, observers, "build"))
    model.vectors.format_rows = native.format_rows()  # the kernel's, now loaded: text in C
    every = min((o.pause_every for o in observers if o.pause_every), default=None)
    result = trainer.run(relay, model.state, every)
    relay.record_result(model, result)
    model.state, model.epoch_losses = result.state, list(result.state.epoch_losses)
    record["epoch_losses"] = list(model.epoch_losses)
    record["seconds"] = relay.seconds()
    record["finished"] = provenance.now()
    tell(observers, "finish", model)
    return model


class _Relay(Events):
    """The trainer's events told to the run's observers, with the model as it is then."""

    def __init__(self, run, seconds_before: float):
        self.run, self.before, self.t0 = run, seconds_before, time.perf_counter()

    def seconds(self) -> float:
        return self.before + time.perf_counter() - self.t0

    def now(self, result=None, state=None):
        """The model at this moment: the live matrices, not copied (a model as large as
        memory has no room for a copy), in Vectors of its own, whose index is of now."""
        model = self.run.model
        seen = dataclasses.replace(model, vectors=Vectors(model.vocab.words, self.run.trainer.w_in))
        if result is not None:
            self.record_result(seen, result)
        if state is not None:
            seen.state, seen.epoch_losses = state, list(state.epoch_losses)
        record = model.provenance["runs"][-1]
        record["epoch_losses"] = list(seen.epoch_losses)
        record["seconds"] = self.seconds()
        return seen

    @staticmethod
    def record_result(model, result) -> None:
        model.epoch_losses = list(result.epoch_losses)
        model.words, model.seconds, model.threads = result.words, result.seconds, result.threads

    def progress(self, words, alpha, loss) -> None:
        tell(self.run.observers, "progress", words, alpha, loss)

    def after_batch(self, words, loss, examples) -> None:
        tell(self.run.observers, "after_batch", words, loss, examples)

    def after_epoch(self, epoch, result) -> None:
        tell(self.run.observers, "after_epoch", epoch, self.now(result, result.state))

    def pause(self, state) -> None:
        tell(self.run.observers, "pause", self.now(state=state))

    def stopped(self, state) -> None:
        tell(self.run.observers, "stopped", self.now(state=state))
