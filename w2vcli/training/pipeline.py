"""Training as five named stages over one Run: `w2vcli.train`, `resume` and `survey`.

    run = settle(corpus, ...)  every setting resolved, every combination refused, once
    read(run)                  the corpus counted (a file, stdin, sentences), or prepared
    vocabulary(run)            new, --read-vocab, --keep, saved, saved + new words, prepared
    initialise(run)            where training starts: fresh, a model, vectors, a checkpoint
    fit(run)                   on this machine's threads, or a Dask cluster's workers

`train` runs all five (gensim's __init__ -> build_vocab -> train; fastText's dictionary ->
matrices -> threads); `resume` is train from a checkpoint; `survey` stops after the
vocabulary (w2v train --dry-run). Each stage's work lives with what it works on: settle in
settings.py, read in text/corpus.py (read_text), vocabulary in text/vocab.py
(vocab_and_ids), initialise in start.py, fit in trainer.py (on threads) and distributed.py
(on Dask's workers); each mode of training is a parameter of one stage. The CLI settles a run
itself, then calls `train_run`. Progress, --watch, snapshots and checkpoints are
observers of the fit (observers.py).

The corpus is read once and trained exactly as `w2v train` trains it, with the same
settings (w2vcli.config.TrainConfig: the CLI's options, with underscores).
"""

from dataclasses import dataclass

import numpy as np

from ..config import TrainConfig
from ..text.corpus import CorpusStats, check_same, read_text
from ..text.prepared import Prepared
from ..text.vocab import Vocab, vocab_and_ids
from . import settings
from .distributed import fit_on_workers
from .model import Model
from .observers import Callbacks
from .run import Run
from .settings import settle
from .start import Checkpoint, FromModel, initialise
from .trainer import fit_on_threads, matrices_bytes


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
    callbacks = Callbacks(on_start, on_build, on_progress, on_epoch)
    run = settle(
        corpus,
        name=name,
        config=config,
        start=settings.start_of(from_model, update_vocab, init_vectors, freeze_init),
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
    if run.engine:
        return fit_on_workers(run)
    return fit_on_threads(run)


def survey_run(run: Run) -> Survey:
    read(run)
    vocabulary(run)
    return Survey(run.vocab, run.config, run.corpus)


def read(run: Run) -> None:
    """A prepared directory was read when settled; a corpus of text is counted now."""
    expected = run.start.model.corpus if isinstance(run.start, Checkpoint) else None
    where = run.start.directory if expected else ""
    if isinstance(run.source, Prepared):
        run.corpus = run.source.stats(run.name)
        if expected is not None:
            check_same(run.corpus, expected, where)
    else:
        run.raw = read_text(run.source, run.name, run.config, expected, where)
        run.corpus = run.raw.stats


def vocabulary(run: Run) -> None:
    """A prepared directory's vocabulary; else the corpus's own, or the saved model's."""
    saved = run.start.model.vocab if isinstance(run.start, Checkpoint | FromModel) else None
    if isinstance(run.source, Prepared):
        run.source.check(run.config, saved)
        run.vocab, run.ids = run.source.vocab, run.source.ids
    else:
        update = isinstance(run.start, FromModel) and run.start.update_vocab
        in_memory = isinstance(run.raw.ids, np.ndarray)
        run.ids_bytes = 4 * len(run.raw.ids) if in_memory else 0
        run.vocab, run.ids = vocab_and_ids(run.raw, run.config, run.corpus.name, saved, update)
        run.raw = None  # its ids are run.ids now: the corpus is never held twice
    run.corpus.ids = len(run.ids)
    run.corpus.ids_on_disk = not isinstance(run.ids, np.ndarray)
