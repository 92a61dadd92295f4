"""Training as five named stages over one `Run`: `w2vcli.train`, `resume` and `survey`.

    run = settle(corpus, ...)  every setting resolved and every combination refused, once
    read(run)                  the corpus counted (a file, stdin, sentences), or prepared
    vocabulary(run)            new, --read-vocab, --keep, saved, saved + new words, prepared
    initialise(run)            where training starts: fresh, a model, vectors, a checkpoint
    fit(run)                   on this machine's threads, or a Dask cluster's workers

`train` runs all five (gensim's __init__ -> build_vocab -> train; fastText's dictionary ->
matrices -> threads); `resume` is train from a checkpoint; `survey` stops after the
vocabulary (w2v train --dry-run). The CLI settles a run itself, checks its outputs against
it, then calls `train_run`. Each mode of training is a parameter of one stage: where it
starts (w2vcli.training.start), what it reads, where it fits. Progress, --watch,
snapshots and checkpoints are observers of the fit (w2vcli.training.observers).

The corpus is read once and trained exactly as `w2v train` trains it, with the same
settings (w2vcli.config.TrainConfig: the CLI's options, with underscores).
"""

import dataclasses
import os
import time
from dataclasses import dataclass, field

import numpy as np

from ..config import TrainConfig
from ..errors import ConfigError, CorpusError
from ..io.streams import MAGIC, decompressed
from ..text.corpus import (
    CorpusStats,
    RawCorpus,
    count_chunks,
    encode,
    open_corpus,
    read_chunks,
    sentence_chunks,
)
from ..text.prepared import Prepared, is_prepared, load_prepared
from ..text.vocab import Vocab, build_vocab, ids_in, keep_words, merged_vocab, read_vocab_file
from ..vectors.vectors import Vectors
from . import provenance, settings
from .model import Model
from .model import check_target as check_model_dir
from .observers import Callbacks, Checkpointer
from .start import Checkpoint, Fresh, FromModel, InitVectors, carry_over, copy_rows, copy_vectors
from .trainer import Events, Trainer, check_plan, matrices_bytes


@dataclass
class Run:
    """A training run, filled stage by stage."""

    source: object  # what `read` reads: a path, a file object, sentences, or a Prepared
    name: str | None  # the corpus as messages name it (else its path, "stdin"...)
    config: TrainConfig
    start: object  # Fresh | FromModel | InitVectors | Checkpoint
    engine: dict  # {} to fit on this machine's threads; else Dask's (settings.engine_spec)
    observers: list  # Observer: the checkpointer and snapshots first
    record: dict  # the caller's part of the run's provenance record (its command...)
    checkpointer: Checkpointer | None = None
    raw: RawCorpus | None = None  # read: the corpus counted (not a prepared one)
    corpus: CorpusStats | None = None  # read: what reading found
    vocab: Vocab | None = None  # vocabulary
    ids: object = None  # vocabulary: the final ids (an array, a DiskIds or a ShardIds)
    trainer: Trainer | None = None  # initialise: the matrices, and the threads that fit
    model: Model | None = None  # initialise: what the run makes
    extra: dict = field(default_factory=dict)  # initialise: its start, for the record


@dataclass
class Survey:
    """What a training run would train, before anything is allocated for it: the
    vocabulary, the settings, what reading the corpus found, and the memory it would take."""

    vocab: Vocab
    config: TrainConfig
    corpus: CorpusStats

    @property
    def matrices_bytes(self) -> int:
        return matrices_bytes(len(self.vocab), self.config.dim)


def train(
    corpus,
    *,
    name=None,
    config=None,
    from_model=None,
    update_vocab=False,
    init_vectors=None,
    freeze_init=False,
    checkpoint=None,
    checkpoint_every=None,
    record=None,
    engine="local",
    scheduler=None,
    workers=None,
    sync="schedule",
    merge="auto",
    snapshots=None,
    observers=(),
    on_start=None,
    on_build=None,
    on_progress=None,
    on_epoch=None,
    **settings_given,
) -> Model:
    """Train word vectors on `corpus`: a path (text, compressed with gzip, bzip2 or xz, or
    a directory made by w2v prepare), a file object (binary, or text), or an iterable of
    sentences, each a list of str tokens.

    `settings_given` are TrainConfig's fields (arch, loss, dim, window, negative,
    min_count, sample, epochs, alpha, threads, seed, ...), with the CLI's defaults; or give
    a whole `config`. `name` names the corpus in messages.

    - `from_model`: a Model or a model directory to train on with this text; its settings
      are the defaults, its vocabulary is kept (`update_vocab`: the new words that reach
      min_count are added), and the learning rate starts again from alpha.
    - `init_vectors`: a Vectors or a vectors file whose vectors start the input vectors of
      the words they share (--dim defaults to theirs); `freeze_init`: those then stay as
      they are.
    - `checkpoint`: a model directory written after every epoch, and every
      `checkpoint_every` seconds within one; `resume(checkpoint)` goes on from it.
    - `record`: a dict added to this run's provenance record (the CLI's command...).
    - `engine` "dask": a prepared directory trained by the workers of a Dask cluster (the
      one at `scheduler`, else a local one of `workers` processes), which sync in rounds
      (w2vcli.training.distributed: `sync` which rows, `merge` how).
    - `snapshots`: a w2vcli.training.snapshots.Recorder, which copies a few words' rows as
      training goes and writes them for `w2v plot --animate` at the end.
    - `observers`: w2vcli.training.observers.Observer, told of the run as it goes.

    Callbacks: `on_start(model)` once the corpus is read, before training; `on_build()` if
    the training kernel must first be built for this CPU (once per machine, about 30 s);
    `on_progress(words, alpha, loss)` a few times a second; `on_epoch(epoch, model)` after
    each epoch, while no thread trains. The models they get hold the live matrices: copy
    what you keep.
    """
    start = settings.start_of(from_model, update_vocab, init_vectors, freeze_init)
    callbacks = Callbacks(on_start, on_build, on_progress, on_epoch)
    run = settle(
        corpus,
        name=name,
        config=config,
        start=start,
        checkpoint=checkpoint,
        checkpoint_every=checkpoint_every,
        engine=engine,
        scheduler=scheduler,
        workers=workers,
        sync=sync,
        merge=merge,
        snapshots=snapshots,
        observers=[*observers, callbacks],
        record=record,
        **settings_given,
    )
    return train_run(run)


def resume(
    checkpoint,
    corpus=None,
    *,
    name=None,
    checkpoint_every=None,
    record=None,
    observers=(),
    on_start=None,
    on_build=None,
    on_progress=None,
    on_epoch=None,
    **settings_given,
) -> Model:
    """Finish the run saved in `checkpoint` (a model directory written by `checkpoint=` or
    --checkpoint), on the same corpus (`corpus`, else the file the run read), checked by
    its size and sha256. With one thread, the vectors are those the run would have made
    had it not stopped, to the bit. `settings_given` may change only threads, corpus_in and
    tmp_dir; the others, if given, must be the run's. It goes on checkpointing there (and
    every `checkpoint_every` seconds, if given, else as the run did), on the engine it
    trained on."""
    run = settle(
        corpus,
        name=name,
        start=settings.checkpoint_start(checkpoint),
        checkpoint_every=checkpoint_every,
        observers=[*observers, Callbacks(on_start, on_build, on_progress, on_epoch)],
        record=record,
        caller="resume",
        **settings_given,
    )
    return train_run(run)


def survey(corpus, *, name=None, config=None, **settings_given) -> Survey:
    """Read and count `corpus` as train() does and say what a run would hold, without
    training (`w2v train --dry-run`; gensim's estimate_memory)."""
    run = settle(corpus, name=name, config=config, caller="survey", **settings_given)
    return survey_run(run)


def train_run(run: Run) -> Model:
    """The stages after settle, in order."""
    read(run)
    vocabulary(run)
    initialise(run)
    return fit(run)


def survey_run(run: Run) -> Survey:
    read(run)
    vocabulary(run)
    return Survey(run.vocab, run.config, run.corpus)


# Stage 1: settle.


def settle(
    corpus,
    *,
    name=None,
    config=None,
    start=None,
    checkpoint=None,
    checkpoint_every=None,
    engine="local",
    scheduler=None,
    workers=None,
    sync="schedule",
    merge="auto",
    snapshots=None,
    observers=(),
    record=None,
    caller="train",
    **given,
) -> Run:
    """A Run whose settings are resolved and whose combination of modes is allowed
    (w2vcli.training.settings), before anything is read: `start` is where it starts
    (default Fresh), `given` the settings given; the rest as w2vcli.train's."""
    start = start or Fresh()
    resumed = isinstance(start, Checkpoint)
    if resumed and corpus is None:
        corpus = start.model.corpus.path
        if corpus is None:
            raise ConfigError(
                f"--resume {start.directory}: its run read {start.model.corpus.name}, not a "
                "file; give that corpus again (w2v train CORPUS --resume DIR)"
            )
    prepared = load_prepared(corpus) if is_prepared(corpus) else None  # asked once
    layered = prepared if isinstance(start, Fresh | InitVectors) else None
    config = settings.resolve(start, config, given, layered, caller)
    every = checkpoint_every
    if resumed:
        checkpoint, every = start.directory, every or settings.saved_every(start)
        spec = settings.saved_engine(start)
    else:
        if checkpoint is not None:
            checkpoint = check_model_dir(os.fspath(checkpoint), "--checkpoint")
        spec = settings.engine_spec(engine, scheduler, workers, sync, merge, prepared, start)
        if spec and snapshots is not None:
            raise ConfigError("--snapshots: not with --engine dask yet")
        if spec and checkpoint_every:
            raise ConfigError(
                "--checkpoint-every: a Dask run saves its --checkpoint after each epoch"
            )
    checkpointer = Checkpointer(checkpoint, every) if checkpoint is not None else None
    watching = [o for o in (checkpointer, snapshots) if o is not None]
    return Run(
        prepared or corpus,
        name,
        config,
        start,
        spec,
        [*watching, *observers],
        dict(record or {}),
        checkpointer,
    )


# Stage 2: read.


def read(run: Run) -> Run:
    """Count the corpus, or take a prepared directory's stats; a resumed run's corpus must
    be the one it read (its size at once, its sha256 once read)."""
    expected = run.start.model.corpus if isinstance(run.start, Checkpoint) else None
    t0 = time.perf_counter()
    if expected is not None:
        _check_size(run.source, expected, run.start.directory)
    if isinstance(run.source, Prepared):
        run.corpus = run.source.stats(run.name)
        run.corpus.seconds = time.perf_counter() - t0
    else:
        run.raw = _count(run.source, run.name, run.config)
        run.corpus = run.raw.stats
        if isinstance(run.source, str | os.PathLike):
            run.corpus.path = os.path.abspath(run.source)
        run.corpus.seconds = time.perf_counter() - t0
    if expected is not None and (run.corpus.bytes, run.corpus.sha256) != (
        expected.bytes,
        expected.sha256,
    ):
        raise CorpusError(_other_corpus(run.corpus, expected, run.start.directory))
    return run


def _count(corpus, name, config: TrainConfig) -> RawCorpus:
    """The corpus counted: a file (even one named '-', never stdin), a file object read as
    bytes (gzip, bzip2 and xz told by their first bytes), or sentences."""
    if isinstance(corpus, str | os.PathLike):
        name = name or os.fspath(corpus)
        with open_corpus(os.fspath(corpus)) as f:
            chunks = read_chunks(f, name)
            return count_chunks(chunks, name, config.max_types, config.corpus_in, config.tmp_dir)
    if hasattr(corpus, "read"):
        name = name or str(getattr(corpus, "name", "corpus"))
        text = isinstance(corpus.read(0), str)
        chunks = read_chunks(_Encoded(corpus) if text else decompressed(corpus), name)
    else:
        name = name or "sentences"
        chunks = sentence_chunks(corpus, name)
    return count_chunks(chunks, name, config.max_types, config.corpus_in, config.tmp_dir)


class _Encoded:
    """A text file object read as UTF-8 bytes, as the corpus reader reads."""

    def __init__(self, text):
        self.text = text

    def read(self, size: int = -1) -> bytes:
        return self.text.read(size).encode("utf-8", "surrogateescape")


def _check_size(corpus, saved: CorpusStats, checkpoint: str) -> None:
    """Refuse at once a plain file whose size is not the run's corpus's (a prepared
    directory's fingerprint is its prepared.json)."""
    if isinstance(corpus, Prepared):
        size, path = len(corpus.json), os.path.join(corpus.path, "prepared.json")
    elif isinstance(corpus, str | os.PathLike):
        path = os.fspath(corpus)
        try:
            with open(path, "rb") as f:
                if f.read(8).startswith(tuple(MAGIC)):  # compressed: its size says nothing
                    return
                size = os.fstat(f.fileno()).st_size
        except OSError:
            return  # reading it says what is wrong
    else:
        return
    if size not in (saved.bytes, saved.bytes + 3):  # + a UTF-8 byte-order mark
        stats = dataclasses.replace(saved, name=path, bytes=size, sha256="")
        raise CorpusError(_other_corpus(stats, saved, checkpoint))


def _other_corpus(stats: CorpusStats, saved: CorpusStats, checkpoint: str) -> str:
    def described(c: CorpusStats) -> str:
        return f"{c.bytes:,} bytes" + (f", sha256 {c.sha256[:12]}" if c.sha256 else "")

    return (
        f"{stats.name}: not the corpus the run in {checkpoint} trained on ({described(stats)}; "
        f"it read {saved.path or saved.name}, {described(saved)}); resume with that corpus"
    )


# Stage 3: vocabulary.


def vocabulary(run: Run) -> Run:
    """The vocabulary and the corpus in its final ids: the prepared directory's; the saved
    model's (resumed, or trained on), with this text's new words if asked; or the corpus's
    own (--read-vocab, --keep)."""
    start, config = run.start, run.config
    saved = start.model.vocab if isinstance(start, Checkpoint | FromModel) else None
    if isinstance(run.source, Prepared):
        run.source.check(config, saved)
        run.vocab, run.ids = run.source.vocab, run.source.ids
        check_plan(run.vocab, config)
    else:
        if isinstance(start, FromModel) and start.update_vocab:
            saved = merged_vocab(saved, run.raw.tokens, run.raw.counts, config)
        run.vocab, run.ids = encode_corpus(run.raw, config, run.corpus.name, saved)
        run.raw = None  # its ids are now run.ids: the corpus is never held twice
    run.corpus.ids, run.corpus.ids_on_disk = len(run.ids), not isinstance(run.ids, np.ndarray)
    return run


def encode_corpus(
    raw: RawCorpus, config: TrainConfig, source: str = "corpus", vocab: Vocab | None = None
) -> tuple[Vocab, np.ndarray]:
    """Build the vocabulary and the final integer corpus from one read of the text; or,
    given a `vocab` (a saved model's), the corpus in its ids, other words left out."""
    if raw.counts.sum() == 0:
        raise CorpusError(f"{source}: the corpus is empty (no tokens); give a non-empty text file")
    read = vocab is None and config.read_vocab
    if read:
        vocab = read_vocab_file(config.read_vocab, config.min_count, config.max_vocab)
    if vocab is None:
        keep = keep_words(config.keep) if config.keep else None
        vocab, new_ids = build_vocab(
            raw.tokens, raw.counts, config.min_count, config.max_vocab, keep
        )
    else:
        new_ids = ids_in(vocab, raw.tokens)
        if not (new_ids >= 0).any():
            whose = f"--read-vocab {config.read_vocab}" if read else "the model's vocabulary"
            fix = "" if read else "; add them with --update-vocab"
            raise CorpusError(f"{source}: none of its words is in {whose}{fix}")
    in_memory = isinstance(raw.ids, np.ndarray)
    check_plan(vocab, config, 4 * len(raw.ids) if in_memory else 0)
    return vocab, encode(raw, new_ids)


# Stage 4: initialise.


def initialise(run: Run) -> Run:
    """Fresh matrices, then the start's rows moved in (w2vcli.training.start); the Model
    and its provenance record."""
    start, config, vocab = run.start, run.config, run.vocab
    trainer = run.trainer = Trainer(vocab, run.ids, config)
    hs = config.loss == "hs"
    if isinstance(start, FromModel):
        carry_over(start.model, trainer.w_in, trainer.w_out, vocab.words, hs)
        run.extra["from"] = {
            "runs": len(start.model.provenance.get("runs", [])),
            "vocabulary": len(start.model.vocab),
            "added_words": len(vocab) - len(start.model.vocab),
        }
    elif isinstance(start, InitVectors):
        init = start.vectors
        found = copy_vectors(init, trainer.w_in, trainer.model.frozen, vocab.words, start.freeze)
        run.extra["init_vectors"] = {
            "path": getattr(init, "path", None),
            "words": len(init),
            "found": found,
            "frozen": start.freeze,
        }
    elif isinstance(start, Checkpoint):
        copy_rows(trainer.w_in, start.model.vectors.matrix)
        copy_rows(trainer.w_out, start.model.output)
        if start.model.frozen is not None:
            trainer.model.frozen[:] = start.model.frozen
    model = Model(Vectors(vocab.words, trainer.w_in), trainer.w_out, vocab, config, run.corpus)
    frozen = trainer.model.frozen
    model.frozen = frozen if frozen.any() else None
    if isinstance(start, Checkpoint):
        model.state, model.epoch_losses = start.model.state, list(start.model.epoch_losses)
    model.provenance = _provenance(run)
    run.model = model
    return run


def _provenance(run: Run) -> dict:
    """The model's provenance: the runs before (of the model trained on or resumed) and
    this one's record, or the resumed run's record, marked resumed."""
    start, ck = run.start, run.checkpointer
    if isinstance(start, Checkpoint):
        history = start.model.provenance
        if not history["runs"]:  # a model.json without the run's record
            history["runs"].append(
                provenance.new_run("train", run.config, run.corpus, len(run.vocab))
            )
        record = history["runs"][-1]
        resumed = {"at": provenance.now(), **run.record}  # the command stays the run's
        record["resumed"] = [*record.get("resumed", []), resumed]
        record["checkpoint"] = {"directory": ck.directory, "every": ck.pause_every}
        return history
    kind = "continue" if isinstance(start, FromModel) else "train"
    record = provenance.new_run(kind, run.config, run.corpus, len(run.vocab), **run.extra)
    record.update(run.record)
    if ck is not None:
        record["checkpoint"] = {"directory": ck.directory, "every": ck.pause_every}
    if run.engine:
        record["engine"] = run.engine
    before = start.model.provenance.get("runs", []) if isinstance(start, FromModel) else []
    return {"runs": [*before, record]}


# Stage 5: fit.


def fit(run: Run) -> Model:
    """Train: on this machine's threads, or on the Dask cluster's workers."""
    if run.engine:
        from .distributed import fit as fit_on_workers

        return fit_on_workers(run)
    model, trainer, observers = run.model, run.trainer, run.observers
    record = model.provenance["runs"][-1]
    model.corpus.words = trainer.total_words // run.config.epochs
    relay = _Relay(run, record.get("seconds", 0.0))
    for observer in observers:
        observer.start(relay.now())
    model.compile_seconds = trainer.compile(on_build=lambda: _tell(observers, "build"))
    every = min((o.pause_every for o in observers if o.pause_every), default=None)
    result = trainer.run(relay, model.state, every)
    relay.record_result(model, result)
    model.state, model.epoch_losses = result.state, list(result.state.epoch_losses)
    record["epoch_losses"] = list(model.epoch_losses)
    record["seconds"] = relay.seconds()
    record["finished"] = provenance.now()
    _tell(observers, "finish", model)
    return model


def _tell(observers: list, event: str, *args) -> None:
    for observer in observers:
        getattr(observer, event)(*args)


class _Relay(Events):
    """The trainer's events told to the run's observers, with the model as it is then."""

    def __init__(self, run: Run, seconds_before: float):
        self.run, self.before, self.t0 = run, seconds_before, time.perf_counter()

    def seconds(self) -> float:
        return self.before + time.perf_counter() - self.t0

    def now(self, result=None, state=None) -> Model:
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
    def record_result(model: Model, result) -> None:
        model.epoch_losses = list(result.epoch_losses)
        model.words, model.seconds, model.threads = result.words, result.seconds, result.threads

    def progress(self, words, alpha, loss) -> None:
        _tell(self.run.observers, "progress", words, alpha, loss)

    def after_batch(self, words, loss, examples) -> None:
        for observer in self.run.observers:
            observer.after_batch(words, loss, examples)

    def after_epoch(self, epoch, result) -> None:
        _tell(self.run.observers, "after_epoch", epoch, self.now(result, result.state))

    def pause(self, state) -> None:
        _tell(self.run.observers, "pause", self.now(state=state))

    def stopped(self, state) -> None:
        _tell(self.run.observers, "stopped", self.now(state=state))
