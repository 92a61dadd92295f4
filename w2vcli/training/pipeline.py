"""Training as five named stages over one Run: `w2vcli.train`, `resume` and `survey`.

    run = settle(corpus, ...)  every setting resolved, every combination refused, once
    read(run)                  the corpus counted (a file, stdin, sentences), or prepared
    vocabulary(run)            new, --read-vocab, --keep, saved, saved + new words, prepared
    initialise(run)            where training starts: fresh, a model, vectors, a checkpoint
    fit_on_threads(run)        on this machine's threads (fit_on_workers: a Dask cluster's)

`train` runs all five (gensim's __init__ -> build_vocab -> train; fastText's dictionary ->
matrices -> threads); `resume` is train from a checkpoint; `survey` stops after the
vocabulary (w2v train --dry-run). Each stage's work lives with what it works on: settle in
settings.py, read in text/corpus.py (read_text), vocabulary in text/vocab.py
(vocab_and_ids), initialise in start.py, fit in trainer.py and distributed.py; each mode
of training is a parameter of one stage. The CLI settles a run itself, then calls
`train_run`. Progress, --watch, snapshots and checkpoints are
observers of the fit (observers.py).

The corpus is read once and trained exactly as `w2v train` trains it, with the same
settings (w2vcli.config.TrainConfig: the CLI's options, with underscores).
"""

import dataclasses
import functools
import os
import stat
from dataclasses import dataclass, field

import numpy as np

from ..config import TrainConfig
from ..errors import ConfigError, CorpusError
from ..io.streams import MAGIC
from ..kernel import native
from ..text.corpus import CorpusStats, read_text
from ..text.prepared import Prepared, verify
from ..text.vocab import Vocab, none_kept, vocab_and_ids
from .distributed import fit_on_workers
from .model import Model, load_model
from .observers import Callbacks, tell
from .run import Run
from .settings import check_names, check_prepared, checkpoint_start, settle, start_of
from .start import Checkpoint, FromModel, initialise
from .trainer import check_plan, fit_on_threads, matrices_bytes

# What reading and counting the corpus decided: a survey is trained with these as it was
# counted (w2vcli.train(survey) refuses others), the rest of its settings may change.
SURVEY_KEEPS = ("min_count", "max_vocab", "max_types", "read_vocab", "keep", "corpus_in", "tmp_dir")


@dataclass
class Survey:
    """What a training run would train, before anything is allocated for it: the
    vocabulary, the settings, what reading the corpus found, and the memory it would take;
    and the corpus in the vocabulary's ids, so that `train(survey)` trains it without
    reading the corpus again (gensim's build_vocab, then train)."""

    vocab: Vocab
    config: TrainConfig
    corpus: CorpusStats
    ids: object = field(default=None, repr=False)  # int32 array, DiskIds or a prepared's
    ids_bytes: int = 0  # the memory the ids hold (0 on disk)
    prepared: Prepared | None = field(default=None, repr=False)  # if it surveyed one

    @property
    def matrices_bytes(self) -> int:
        return matrices_bytes(len(self.vocab), self.config.dim)

    def with_min_count(self, min_count: int) -> "Survey":
        """This survey as if it had counted with a larger `min_count`, without reading the
        corpus again (w2v tune's trials): the vocabulary is sorted by count, so the words
        kept are its first ones, and the ids of the others leave the corpus as they would
        have when it was read (the result is the same to the id)."""
        c = self.config
        if min_count < c.min_count or c.read_vocab or c.keep or self.prepared is not None:
            raise ConfigError(
                f"min_count {min_count}: a survey narrows only to a larger min_count than its "
                f"{c.min_count}, of a corpus counted without a vocabulary given"
            )
        if not isinstance(self.ids, np.ndarray):
            raise ConfigError(
                "min_count: the survey's ids are on disk; survey with corpus_in='memory'"
            )
        kept = int((self.vocab.counts >= min_count).sum())
        if not kept:  # as counting again says it
            raise none_kept(min_count, int(self.vocab.counts[0]))
        ids = self.ids if kept == len(self.vocab) else self.ids[self.ids < kept]  # -1: line ends
        vocab = Vocab(self.vocab.words[:kept], self.vocab.counts[:kept])
        corpus = dataclasses.replace(self.corpus, ids=len(ids))
        config = dataclasses.replace(c, min_count=min_count)
        return Survey(vocab, config, corpus, ids, ids.nbytes)

    def hand_over(self, run: Run) -> None:
        """Fill `run`'s stages read and vocabulary with what the survey found, if its
        settings would count as the survey did."""
        for key in SURVEY_KEEPS:
            if getattr(run.config, key) != getattr(self.config, key):
                option, value = "--" + key.replace("_", "-"), getattr(run.config, key)
                raise ConfigError(
                    f"{option} {value}: the survey counted the corpus with {option} "
                    f"{getattr(self.config, key)}; survey it again with {option} {value}, or "
                    f"leave {option} out"
                )
        run.corpus = dataclasses.replace(self.corpus)  # the model's own: training fills it
        run.vocab, run.ids, run.ids_bytes = self.vocab, self.ids, self.ids_bytes


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
    on_read=None,
    on_start=None,
    on_build=None,
    on_progress=None,
    on_epoch=None,
    **settings_given,
) -> Model:
    """Train word vectors on `corpus`: a path (text, compressed with gzip, bzip2 or xz, or
    a directory made by w2v prepare), a file object (binary, or text), an iterable of
    sentences, each a list of str tokens, or a Survey (w2vcli.survey), trained as counted
    without reading its corpus again.

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

    Callbacks: `on_read(reading)` as the corpus is read, after each chunk (a
    w2vcli.text.corpus.Reading: tokens, bytes, seconds, the file's size...); `on_start(model)`
    once the corpus is read, before training; `on_build()` if the training kernel must first
    be built for this CPU (once per machine, one to two minutes: without on_build, a
    W2VWarning says so); `on_progress(words, alpha, loss)` a few times a second; `on_epoch(epoch,
    model)` after each epoch, while no thread trains. The models they get hold the live
    matrices: copy what you keep.
    """
    callbacks = Callbacks(on_start, on_build, on_progress, on_epoch, on_read)
    surveyed = corpus if isinstance(corpus, Survey) else None
    if surveyed is not None:  # its corpus counted already
        if from_model is not None:
            raise ConfigError(
                "from_model: a survey counted the corpus's own vocabulary, not the model's; "
                "give the corpus itself: w2vcli.train(corpus, from_model=...)"
            )
        if config is None:  # the survey's settings, with those given
            settings_given = {**dataclasses.asdict(surveyed.config), **settings_given}
        corpus = surveyed.prepared.path if surveyed.prepared is not None else None
        name = name or surveyed.corpus.name
    run = settle(
        corpus,
        name=name,
        config=config,
        start=start_of(from_model, update_vocab, init_vectors, freeze_init),
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
    if surveyed is not None:
        surveyed.hand_over(run)
    return train_run(run)


def resume(
    checkpoint,
    corpus=None,
    *,
    name=None,
    checkpoint_every=None,
    record=None,
    engine="local",
    scheduler=None,
    workers=None,
    observers=(),
    on_read=None,
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
    every `checkpoint_every` seconds, if given, else as the run did). A run of Dask workers
    goes on on the cluster given (`engine` "dask", at `scheduler` or of `workers` local
    processes). A run that trained all its epochs has nothing left: its model is returned."""
    check_names(settings_given, "resume")  # even for a run with nothing left to train
    start = checkpoint_start(checkpoint)
    if start.model.finished:
        return load_model(start.directory)
    run = settle(
        corpus,
        name=name,
        start=start,
        engine=engine,
        scheduler=scheduler,
        workers=workers,
        checkpoint_every=checkpoint_every,
        observers=[*observers, Callbacks(on_start, on_build, on_progress, on_epoch, on_read)],
        record=record,
        caller="resume",
        **settings_given,
    )
    return train_run(run)


def survey(corpus, *, name=None, config=None, on_read=None, **settings_given) -> Survey:
    """Read and count `corpus` as train() does and say what a run would hold, without
    training (`w2v train --dry-run`; gensim's estimate_memory); `on_read` as train's.
    `train(survey)` then trains it, its corpus's ids held meanwhile (gensim's build_vocab,
    then train)."""
    observers = [Callbacks(on_read=on_read)]
    run = settle(
        corpus, name=name, config=config, observers=observers, caller="survey", **settings_given
    )
    return survey_run(run)


def train_run(run: Run) -> Model:
    """The stages after settle, in order; read and vocabulary done if a survey did them."""
    try:
        if run.ids is None:
            read(run)
            vocabulary(run)
        else:  # a survey's vocabulary, with this run's settings
            check_plan(run.vocab, run.config, run.ids_bytes)
        initialise(run)
        if run.engine:
            return fit_on_workers(run)
        return fit_on_threads(run)
    finally:
        _release(run)


def survey_run(run: Run) -> Survey:
    try:
        read(run)
        vocabulary(run)
    finally:
        _release(run)
    prepared = run.source if isinstance(run.source, Prepared) else None
    return Survey(run.vocab, run.config, run.corpus, run.ids, run.ids_bytes, prepared)


def _release(run: Run) -> None:
    """The run's hold on its --checkpoint directory, taken when it was settled."""
    if run.checkpointer is not None:
        run.checkpointer.release()


def read(run: Run) -> None:
    """A prepared directory was read when settled; a corpus of text is counted now. A
    resumed run's corpus must be the one it read: its size is checked at once, its sha256
    once read (a prepared directory's fingerprint is its prepared.json)."""
    expected = run.start.model.corpus if isinstance(run.start, Checkpoint) else None
    if expected is not None and not isinstance(run.source, Prepared):
        _check_size(run.source, expected, run.start.named)
    if isinstance(run.source, Prepared):
        verify(run.source)
        run.corpus = run.source.stats(run.name)
    else:
        told = functools.partial(tell, run.observers, "reading")
        table = native.token_table()  # compiled counting, once the library is built
        run.raw = read_text(run.source, run.name, run.config, told, table)
        run.corpus = run.raw.stats
    if expected is not None:
        _check_same(run.corpus, expected, run.start.named)


def vocabulary(run: Run) -> None:
    """A prepared directory's vocabulary, as it was made; else the corpus's own, or the
    saved model's (with this text's new words if asked). Then the plan is checked: a run
    this vocabulary cannot make is refused before anything is allocated for it."""
    saved = run.start.model.vocab if isinstance(run.start, Checkpoint | FromModel) else None
    if isinstance(run.source, Prepared):
        check_prepared(run.source, run.config, saved)
        run.vocab, run.ids = run.source.vocab, run.source.ids
    else:
        update = isinstance(run.start, FromModel) and run.start.update_vocab
        in_memory = isinstance(run.raw.ids, np.ndarray)
        run.ids_bytes = 4 * len(run.raw.ids) if in_memory else 0
        run.vocab, run.ids = vocab_and_ids(run.raw, run.config, run.corpus.name, saved, update)
        run.raw = None  # its ids are run.ids now: the corpus is never held twice
    run.corpus.ids = len(run.ids)
    run.corpus.ids_on_disk = not isinstance(run.ids, np.ndarray)
    check_plan(run.vocab, run.config, run.ids_bytes)


def _check_size(source, saved: CorpusStats, checkpoint: str) -> None:
    """Refuse at once a file whose size is not the run's corpus's (a compressed file's size
    says nothing; a FIFO's, 0, is never a corpus's: it is refused before it is opened)."""
    if not isinstance(source, str | os.PathLike):
        return
    path = os.fspath(source)
    try:
        size = os.stat(path).st_size
        if stat.S_ISREG(os.stat(path).st_mode):
            with open(path, "rb") as f:
                if f.read(8).startswith(tuple(MAGIC)):
                    return
    except OSError:
        return  # reading it says what is wrong
    if size not in (saved.bytes, saved.bytes + 3):  # + a UTF-8 byte-order mark
        stats = dataclasses.replace(saved, name=path, bytes=size, sha256="")
        _check_same(stats, saved, checkpoint)


def _check_same(stats: CorpusStats, saved: CorpusStats, checkpoint: str) -> None:
    """Refuse a corpus that is not the one the run read (by its bytes and sha256)."""
    if (stats.bytes, stats.sha256) == (saved.bytes, saved.sha256):
        return

    def described(c: CorpusStats) -> str:
        return f"{c.bytes:,} bytes" + (f", sha256 {c.sha256[:12]}" if c.sha256 else "")

    raise CorpusError(
        f"{stats.name}: not the corpus the run in {checkpoint} trained on ({described(stats)}; "
        f"it read {saved.path or saved.name}, {described(saved)}); resume with that corpus"
    )
