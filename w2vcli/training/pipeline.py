"""Training from Python: `w2vcli.train(corpus, **settings)` returns a Model.

The corpus is read once and trained exactly as `w2v train` trains it, with the same
settings (w2vcli.config.TrainConfig: the CLI's options, with underscores). A model can be
saved (`Model.save(DIR)`, w2vcli.model_dir), checkpointed as it trains, resumed exactly
(`resume(DIR)`), trained on with more text (`train(..., from_model=DIR)`), and started
from pretrained vectors (`init_vectors`).
"""

import dataclasses
import os
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..config import TrainConfig
from ..errors import ConfigError, CorpusError, W2VWarning
from ..text.vocab import Vocab
from ..vectors.vectors import Vectors

# What a resumed run may change: how it runs, not what it computes (more threads than
# the run had give other vectors, as any multi-threaded run does, of the same quality).
RESUME_MAY_CHANGE = ("threads", "corpus_in", "tmp_dir")
# What a model trained on (--from) keeps whatever is asked: the matrices' meaning.
CONTINUE_KEEPS = ("dim", "loss")


@dataclass
class CorpusStats:
    """What reading the corpus found."""

    name: str  # as messages name it: the path, "stdin", "sentences"
    tokens: int  # all tokens read, pruned ones included
    distinct: int  # distinct tokens kept by counting (see --max-types)
    lines: int
    bad_lines: int  # lines whose invalid UTF-8 was replaced with U+FFFD
    nul_bytes: int  # NUL bytes, read as white space
    prunings: int  # times the counting table was pruned
    pruned_tokens: int  # occurrences dropped by pruning
    seconds: float  # reading and counting
    ids: int = 0  # the encoded stream's length: the kept tokens and a LINE_END per line
    ids_on_disk: bool = False  # in a temporary file (corpus_in "disk", or "auto" spilled)
    bytes: int = 0  # of text read (decompressed)
    sha256: str = ""  # of that text: the corpus's fingerprint
    path: str | None = None  # the file's absolute path, if it was read from one
    words: int = 0  # in the vocabulary: what an epoch trains on (before sub-sampling)


@dataclass
class Model:
    """What a training run made: the input vectors (`vectors`, what word2vec files hold),
    the output matrix, the vocabulary with counts, the settings and the run's record;
    and what training on needs (`state`, `frozen`) and how it was made (`provenance`)."""

    vectors: Vectors
    output: np.ndarray  # (V, N) output vectors (ns, softmax), or the V - 1 inner nodes (hs)
    vocab: Vocab
    config: TrainConfig
    corpus: CorpusStats
    epoch_losses: list = field(default_factory=list)  # mean loss per example, each epoch
    words: int = 0  # words trained, all epochs
    seconds: float = 0.0  # training time, the kernel's loading or compilation excluded
    compile_seconds: float = 0.0
    threads: int = 0  # threads that trained
    state: object = None  # trainer.TrainState: where training stands
    frozen: np.ndarray | None = None  # (V,) uint8: input vectors kept fixed (--freeze-init)
    provenance: dict = field(default_factory=dict)  # {"runs": [record, ...]}: provenance.py

    @property
    def words_per_second(self) -> float:
        return self.words / self.seconds if self.seconds > 0 else 0.0

    @property
    def finished(self) -> bool:
        """Whether its run trained all its epochs (else `resume` finishes it)."""
        s = self.state
        return s is None or (s.epochs_done >= self.config.epochs and s.lanes is None)

    def save(self, directory) -> str:
        """Write the model directory `directory` (w2vcli.model_dir), atomically; returns
        its real path. `w2vcli.load_model` reads it back."""
        from . import model_dir

        return model_dir.save(self, directory, "directory")


def load_model(directory) -> Model:
    """The Model saved in `directory` (by `Model.save`, `w2v train --save-model` or
    --checkpoint): vectors, output matrix, vocabulary, settings, state and provenance."""
    from . import model_dir

    return model_dir.load(directory)


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
    on_start=None,
    on_build=None,
    on_progress=None,
    on_epoch=None,
    **settings,
) -> Model:
    """Train word vectors on `corpus`: a path (text, or .gz/.bz2/.xz, or a directory made by
    w2v prepare), a file object (binary, or text), or an iterable of sentences, each a list
    of str tokens.

    `settings` are TrainConfig's fields (arch, loss, dim, window, negative, min_count,
    sample, epochs, alpha, threads, seed, ...), with the CLI's defaults; or give a whole
    `config`. `name` names the corpus in messages.

    - `from_model`: a Model or a model directory to train on with this text; its settings
      are the defaults, its vocabulary is kept (`update_vocab`: the new words that reach
      min_count are added), and the learning rate starts again from alpha.
    - `init_vectors`: a Vectors or a vectors file whose vectors start the input vectors of
      the words they share; `freeze_init`: those then stay as they are.
    - `checkpoint`: a model directory written after every epoch, and every
      `checkpoint_every` seconds within one; `resume(checkpoint)` goes on from it.
    - `record`: a dict added to this run's provenance record (the CLI's command...).
    - `engine` "dask": a prepared directory trained by the workers of a Dask cluster (the
      one at `scheduler`, else a local one of `workers` processes), which sync in rounds
      (w2vcli.distributed: `sync` which rows, `merge` how).
    - `snapshots`: a w2vcli.replay.Recorder, which copies a few words' rows as training
      goes and writes them for `w2v plot --animate` at the end.

    Callbacks: `on_start(model)` once the corpus is read, before training; `on_build()` if
    the training kernel must first be built for this CPU (once per machine, about 30 s);
    `on_progress(words, alpha, loss)` a few times a second; `on_epoch(epoch, model)` after
    each epoch, while no thread trains. The models they get hold the live matrices: copy
    what you keep.
    """
    from . import model_dir, provenance
    from .trainer import Trainer

    previous = None
    if from_model is not None:
        previous = from_model if isinstance(from_model, Model) else model_dir.load(from_model)
        config = _continued_config(previous.config, config, settings)
    else:
        if config is None:
            settings = {**prepared_settings(corpus), **settings}
        config = _config(config, settings, "train")
    if previous is None and update_vocab:
        raise ConfigError("--update-vocab: only with --from (a model to add words to)")
    if previous is not None and init_vectors is not None:
        raise ConfigError("--init-vectors: not with --from, whose model has its vectors")
    if freeze_init and init_vectors is None:
        raise ConfigError("--freeze-init: only with --init-vectors (the vectors to keep fixed)")
    if checkpoint is not None:
        checkpoint = model_dir.check_target(os.fspath(checkpoint), "--checkpoint")
    parallel = _parallel(engine, scheduler, workers, sync, merge, corpus, previous, init_vectors)
    if parallel and snapshots is not None:
        raise ConfigError("--snapshots: not with --engine dask yet")
    if parallel and checkpoint_every:
        raise ConfigError("--checkpoint-every: a Dask run saves its --checkpoint after each epoch")
    init = _init_source(init_vectors, config)
    raw, stats = _read_corpus(corpus, name, config)
    vocab = _merged_vocab(previous.vocab, raw, config) if update_vocab else None
    if previous is not None and vocab is None:
        vocab = previous.vocab
    plan, ids = _plan(raw, stats, config, vocab)
    del raw
    trainer = Trainer(plan.vocab, ids, config)
    extra = {}
    if previous is not None:
        _carry_over(previous, trainer)
        extra["from"] = {
            "runs": len(previous.provenance.get("runs", [])),
            "vocabulary": len(previous.vocab),
            "added_words": len(plan.vocab) - len(previous.vocab),
        }
    if init is not None:
        found = _initialise(trainer, init, freeze_init)
        extra["init_vectors"] = {
            "path": getattr(init, "path", None),
            "words": len(init),
            "found": found,
            "frozen": freeze_init,
        }
    run = provenance.new_run(
        "continue" if previous else "train", config, stats, len(plan.vocab), **extra
    )
    run.update(record or {})
    if checkpoint is not None:
        run["checkpoint"] = {"directory": checkpoint, "every": checkpoint_every}
    runs = (previous.provenance.get("runs", []) if previous else []) + [run]
    model = Model(Vectors(plan.vocab.words, trainer.w_in), trainer.w_out, plan.vocab, config, stats)
    model.provenance = {"runs": runs}
    model.frozen = trainer.model.frozen if trainer.model.frozen.any() else None
    if parallel:
        run["engine"] = parallel
        return _train_parallel(trainer, model, os.fspath(corpus), on_start, on_progress, on_epoch)
    if snapshots is None:
        return _train(trainer, model, None, on_start, on_build, on_progress, on_epoch)
    snapshots.start(trainer, plan.vocab.words)
    model = _train(trainer, model, None, on_start, on_build, on_progress, on_epoch)
    run["snapshots"] = snapshots.save(dataclasses.asdict(config), stats.name)
    return model


def _parallel(engine, scheduler, workers, sync, merge, corpus, previous, init_vectors):
    """The parallel run asked for ({} for training here), checked before any work."""
    from .distributed import check_rules

    if engine == "local":
        if scheduler or workers:
            raise ConfigError("--scheduler and --workers are for --engine dask")
        return {}
    if engine != "dask":
        raise ConfigError(f"--engine {engine}: give local or dask")
    if not _is_prepared(corpus):
        raise ConfigError(
            "--engine dask trains a prepared directory: w2v prepare INPUTS -o DIR (--engine "
            "dask), then w2v train DIR --engine dask"
        )
    if previous is not None or init_vectors is not None:
        raise ConfigError("--engine dask: not with --from or --init-vectors yet")
    check_rules(sync, merge)
    return {
        "engine": engine,
        "scheduler": scheduler,
        "workers": workers,
        "sync": sync,
        "merge": merge,
    }


def _train_parallel(
    trainer, model, prepared: str, on_start, on_progress, on_epoch=None, state=None
) -> Model:
    """--engine dask: the Dask workers train the prepared corpus and sync in rounds
    (w2vcli.distributed), from `state` (a checkpoint's, between two epochs) or the start;
    the model gets their matrices after each epoch (saved to the run's --checkpoint)."""
    from ..engines import Engine
    from . import model_dir, provenance
    from .distributed import ROUND_BATCHES, Worker, train_parallel
    from .trainer import TrainState, learning_rate

    run = model.provenance["runs"][-1]
    spec, c = run["engine"], model.config
    checkpoint = (run.get("checkpoint") or {}).get("directory")
    model.corpus.words = trainer.total_words // c.epochs
    seconds, t0 = run.get("seconds", 0.0), time.perf_counter()
    with Engine(spec["scheduler"], spec["workers"]) as engine:
        workers = engine.start(Worker, prepared, c, ROUND_BATCHES)
        run["dask_workers"] = len(workers)
        if state is not None:
            workers.call("agree_all", trainer.w_in, trainer.w_out)
        if on_start:
            on_start(model)

        def on_round(result):
            if on_progress:
                alpha = learning_rate(
                    result.words / trainer.total_words, c.start_alpha, c.end_alpha
                )
                on_progress(result.words, alpha, None)

        def epoch_done(epoch, result):
            w_in, w_out = workers.call("matrices")[0]
            _copy_rows(trainer.w_in, w_in)
            _copy_rows(trainer.w_out, w_out)
            model.state = TrainState(epoch + 1, result.words, list(result.epoch_losses))
            model.epoch_losses = list(result.epoch_losses)
            run.update(epoch_losses=model.epoch_losses, seconds=seconds + time.perf_counter() - t0)
            if checkpoint:
                model_dir.save(model, checkpoint, "--checkpoint")
            if on_epoch:
                on_epoch(epoch, model)

        result = train_parallel(
            workers,
            c,
            model.vocab.counts,
            spec["sync"],
            spec["merge"],
            on_round,
            epoch_done,
            state,
        )
    model.words, model.seconds, model.threads = result.words, result.seconds, len(workers)
    run.update(finished=provenance.now(), rounds=run.get("rounds", 0) + result.rounds)
    run["synced_bytes"] = run.get("synced_bytes", 0) + result.synced_bytes
    return model


def resume(
    checkpoint,
    corpus=None,
    *,
    name=None,
    checkpoint_every=None,
    record=None,
    on_start=None,
    on_build=None,
    on_progress=None,
    on_epoch=None,
    **settings,
) -> Model:
    """Finish the run saved in `checkpoint` (a model directory written by `checkpoint=` or
    --checkpoint), on the same corpus (`corpus`, else the file the run read), checked by
    its size and sha256. With one thread, the vectors are those the run would have made
    had it not stopped, to the bit. `settings` may change only threads, corpus_in and
    tmp_dir; the others, if given, must be the run's. It goes on checkpointing there (and
    every `checkpoint_every` seconds, if given, else as the run did)."""
    from . import model_dir, provenance
    from .trainer import Trainer

    checkpoint = os.fspath(checkpoint)
    saved = model_dir.load(checkpoint, in_memory=False)
    if saved.finished:
        done = saved.state.epochs_done if saved.state else saved.config.epochs
        raise ConfigError(
            f"--resume {checkpoint}: its run is complete ({done} of {saved.config.epochs} "
            "epochs); to train it on, use --from"
        )
    config = _resumed_config(saved.config, settings, checkpoint)
    if corpus is None:
        corpus = saved.corpus.path
        if corpus is None:
            raise ConfigError(
                f"--resume {checkpoint}: its run read {saved.corpus.name}, not a file; give "
                "that corpus again (w2v train CORPUS --resume DIR)"
            )
    _check_size(corpus, saved.corpus, checkpoint)
    raw, stats = _read_corpus(corpus, name, config)
    if (stats.bytes, stats.sha256) != (saved.corpus.bytes, saved.corpus.sha256):
        raise CorpusError(_other_corpus(stats, saved.corpus, checkpoint))
    plan, ids = _plan(raw, stats, config, saved.vocab)
    del raw
    trainer = Trainer(saved.vocab, ids, config)
    _copy_rows(trainer.w_in, saved.vectors.matrix)
    _copy_rows(trainer.w_out, saved.output)
    if saved.frozen is not None:
        trainer.model.frozen[:] = saved.frozen
    if not saved.provenance["runs"]:  # a model.json without the run's record
        saved.provenance["runs"].append(provenance.new_run("train", config, stats, len(plan.vocab)))
    run = saved.provenance["runs"][-1]
    resumed = {"at": provenance.now(), **(record or {})}  # the command stays the run's
    run["resumed"] = [*run.get("resumed", []), resumed]
    every = checkpoint_every or (run.get("checkpoint") or {}).get("every")
    run["checkpoint"] = {
        "directory": model_dir.check_target(checkpoint, "--resume"),
        "every": every,
    }
    vectors = Vectors(saved.vocab.words, trainer.w_in)
    model = Model(vectors, trainer.w_out, saved.vocab, config, stats)
    model.provenance, model.frozen = saved.provenance, saved.frozen
    model.state, model.epoch_losses = saved.state, list(saved.state.epoch_losses)
    if run.get("engine"):  # a run of Dask workers: on them again, from its last epoch
        if saved.state.lanes is not None:
            raise ConfigError(f"--resume {checkpoint}: a Dask run saves between epochs only")
        return _train_parallel(
            trainer, model, os.fspath(corpus), on_start, on_progress, on_epoch, saved.state
        )
    return _train(trainer, model, saved.state, on_start, on_build, on_progress, on_epoch)


def _train(trainer, model, state, on_start, on_build, on_progress, on_epoch) -> Model:
    """Run `trainer` from `state`, checkpointing as the run's record says."""
    from . import model_dir, provenance

    run = model.provenance["runs"][-1]
    model.corpus.words = trainer.total_words // model.config.epochs
    checkpoint = (run.get("checkpoint") or {}).get("directory")
    every = (run.get("checkpoint") or {}).get("every")
    vocab = model.vocab
    seconds = run.get("seconds", 0.0)
    t0 = time.perf_counter()

    def now(result=None, state=None) -> Model:
        """The model at this moment: the live matrices, not copied (a model as large as
        memory has no room for a copy), in Vectors of its own, whose index is of now."""
        seen = dataclasses.replace(model, vectors=Vectors(vocab.words, trainer.w_in))
        if result is not None:
            _record(seen, result)
        if state is not None:
            seen.state, seen.epoch_losses = state, list(state.epoch_losses)
        run["epoch_losses"] = list(seen.epoch_losses)
        run["seconds"] = seconds + time.perf_counter() - t0
        return seen

    def save(seen: Model) -> None:
        try:
            model_dir.save(seen, checkpoint, "--checkpoint")
        except model_dir.ModelError as e:  # someone put a file there: training goes on
            warnings.warn(f"{e}; this checkpoint was not saved", W2VWarning, stacklevel=2)

    if on_start:
        on_start(now())
    model.compile_seconds = trainer.compile(on_build=on_build)

    def epoch_done(epoch, result):
        seen = now(result, result.state)
        if checkpoint:
            save(seen)
        if on_epoch:
            on_epoch(epoch, seen)

    def save_state(state) -> None:
        save(now(state=state))

    result = trainer.run(
        on_progress,
        epoch_done if (on_epoch or checkpoint) else None,
        state,
        save_state if checkpoint and every else None,
        every if checkpoint else None,
        save_state if checkpoint else None,  # stopped by Ctrl-C or a signal: keep its work
    )
    _record(model, result)
    model.state, model.epoch_losses = result.state, list(result.state.epoch_losses)
    run["epoch_losses"] = list(model.epoch_losses)
    run["seconds"] = seconds + time.perf_counter() - t0
    run["finished"] = provenance.now()
    if checkpoint:
        save(model)
    return model


@dataclass
class Survey:
    """What a training run would train, before anything is allocated for it: the
    vocabulary, the settings, what reading the corpus found, and the memory it would take."""

    vocab: Vocab
    config: TrainConfig
    corpus: CorpusStats

    @property
    def matrices_bytes(self) -> int:
        from .trainer import matrices_bytes

        return matrices_bytes(len(self.vocab), self.config.dim)


def survey(corpus, *, name=None, config=None, **settings) -> Survey:
    """Read and count `corpus` as train() does and say what a run would hold, without
    training (`w2v train --dry-run`; gensim's estimate_memory)."""
    if config is None:
        settings = {**prepared_settings(corpus), **settings}
    return _survey(corpus, name, _config(config, settings, "survey"))[0]


def _config(config, settings: dict, caller: str) -> TrainConfig:
    if config is None:
        try:
            config = TrainConfig(**settings)
        except TypeError as e:  # an unknown setting
            raise TypeError(f"w2vcli.{caller}: {e}") from None
    elif settings:
        raise TypeError(f"w2vcli.{caller}: give settings or a config, not both")
    return config.validate()


def _survey(corpus, name, config: TrainConfig) -> tuple:
    """The Survey of `corpus`, and its encoded ids."""
    raw, stats = _read_corpus(corpus, name, config)
    return _plan(raw, stats, config)


def _read_corpus(corpus, name, config: TrainConfig) -> tuple:
    """The corpus counted (corpus.RawCorpus), or a prepared directory (prepare.Prepared),
    and what reading it found (CorpusStats)."""
    t0 = time.perf_counter()
    if _is_prepared(corpus):
        return _read_prepared(os.fspath(corpus), name, t0)
    raw, name = _read(corpus, name, config)
    path = corpus if isinstance(corpus, (str, os.PathLike)) else None
    stats = CorpusStats(
        name,
        int(raw.counts.sum()) + raw.pruned_tokens,
        len(raw.counts),
        raw.lines,
        raw.bad_lines,
        raw.nul_bytes,
        raw.prunings,
        raw.pruned_tokens,
        time.perf_counter() - t0,
        bytes=raw.bytes,
        sha256=raw.sha256,
        path=os.path.abspath(path) if path is not None else None,
    )
    return raw, stats


def _plan(raw, stats: CorpusStats, config: TrainConfig, vocab=None) -> tuple:
    """The Survey, and the corpus's final ids: in a vocabulary of its own, or in `vocab`."""
    from ..text.prepared import Prepared
    from .trainer import check_plan, prepare

    if isinstance(raw, Prepared):
        _check_prepared(raw, config, vocab)
        vocab, ids = raw.vocab, raw.ids
        check_plan(vocab, config)
    else:
        vocab, ids = prepare(raw, config, stats.name, vocab)
    stats.ids, stats.ids_on_disk = len(ids), not isinstance(ids, np.ndarray)
    return Survey(vocab, config, stats), ids


def _is_prepared(corpus) -> bool:
    from ..text.prepared import is_prepared

    return isinstance(corpus, (str, os.PathLike)) and is_prepared(corpus)


def prepared_settings(corpus) -> dict:
    """The vocabulary settings a prepared directory was made with, which a run on it takes
    unless told otherwise (and then refuses); {} for any other corpus."""
    if not _is_prepared(corpus):
        return {}
    from ..text.prepared import load_prepared

    made = load_prepared(corpus).described["vocabulary"]
    return {"min_count": made["min_count"], "max_vocab": made["max_vocab"]}


def _read_prepared(path: str, name, t0: float) -> tuple:
    """A prepared directory (w2vcli.prepare), and its CorpusStats: the sums of its inputs';
    its fingerprint is its prepared.json's (which holds each shard's sha256)."""
    import hashlib

    from ..text.prepared import PREPARED_JSON, load_prepared
    from .model_dir import read_regular

    prepared = load_prepared(path)
    described = read_regular(os.path.join(path, PREPARED_JSON), 64 << 20)
    inputs = prepared.described["inputs"]

    def total(key):
        return sum(int(i.get(key, 0)) for i in inputs)

    stats = CorpusStats(
        name or path,
        total("tokens"),
        int(prepared.described.get("distinct", len(prepared.vocab))),
        total("lines"),
        total("bad_lines"),
        total("nul_bytes"),
        total("prunings"),
        total("pruned_tokens"),
        time.perf_counter() - t0,
        bytes=len(described),
        sha256=hashlib.sha256(described).hexdigest(),
        path=os.path.abspath(path),
    )
    return prepared, stats


def _check_prepared(prepared, config: TrainConfig, vocab) -> None:
    """A run on a prepared directory trains its vocabulary as it was made."""
    made = prepared.described["vocabulary"]
    for key in ("min_count", "max_vocab"):
        if getattr(config, key) != made[key]:
            option = "--" + key.replace("_", "-")
            raise ConfigError(
                f"{option} {getattr(config, key)}: {prepared.path} was prepared with {option} "
                f"{made[key]}; train with that (leave {option} out) or prepare it again"
            )
    for key in ("read_vocab", "keep"):
        if getattr(config, key):
            option = "--" + key.replace("_", "-")
            raise ConfigError(f"{option}: give it to w2v prepare, which made the vocabulary")
    if vocab is not None and vocab.words != prepared.vocab.words:
        raise ConfigError(
            f"{prepared.path}: a prepared corpus trains its own vocabulary, not a model's "
            "(--from); train on its text instead"
        )


def _continued_config(saved: TrainConfig, config, settings: dict) -> TrainConfig:
    """A continued run's settings: the saved model's, with those given."""
    if config is not None:
        settings = {**dataclasses.asdict(config), **settings}
    try:
        config = dataclasses.replace(saved, **settings)
    except TypeError as e:
        raise TypeError(f"w2vcli.train: {e}") from None
    for name in CONTINUE_KEEPS:
        if getattr(config, name) != getattr(saved, name):
            option = "--" + name.replace("_", "-")
            raise ConfigError(
                f"{option} {getattr(config, name)}: the model to train on (--from) has "
                f"{option} {getattr(saved, name)}, which it keeps; leave {option} out"
            )
    return config.validate()


def _resumed_config(saved: TrainConfig, settings: dict, checkpoint: str) -> TrainConfig:
    """A resumed run's settings: the run's, with only how it runs changed."""
    for name, value in settings.items():
        if not hasattr(saved, name):
            raise TypeError(f"w2vcli.resume: unknown setting {name!r}")
        if name not in RESUME_MAY_CHANGE and getattr(saved, name) != value:
            option = "--" + name.replace("_", "-")
            raise ConfigError(
                f"--resume {checkpoint}: its run has {option} {getattr(saved, name)}, not "
                f"{value}; resume with the run's settings (leave {option} out) or start a new "
                "run"
            )
    return dataclasses.replace(saved, **settings).validate()


def _check_size(corpus, saved: CorpusStats, checkpoint: str) -> None:
    """Refuse at once a plain file whose size is not the run's corpus's."""
    if not isinstance(corpus, (str, os.PathLike)) or str(corpus).endswith((".gz", ".bz2", ".xz")):
        return
    if _is_prepared(corpus):
        corpus = os.path.join(corpus, "prepared.json")  # the fingerprint's bytes
    try:
        size = os.stat(corpus).st_size
    except OSError:
        return  # reading it says what is wrong
    if size not in (saved.bytes, saved.bytes + 3):  # + a UTF-8 byte-order mark
        stats = dataclasses.replace(saved, name=os.fspath(corpus), bytes=size, sha256="")
        raise CorpusError(_other_corpus(stats, saved, checkpoint))


def _other_corpus(stats: CorpusStats, saved: CorpusStats, checkpoint: str) -> str:
    def described(c: CorpusStats) -> str:
        return f"{c.bytes:,} bytes" + (f", sha256 {c.sha256[:12]}" if c.sha256 else "")

    return (
        f"{stats.name}: not the corpus the run in {checkpoint} trained on ({described(stats)}; "
        f"it read {saved.path or saved.name}, {described(saved)}); resume with that corpus"
    )


def _merged_vocab(saved: Vocab, raw, config: TrainConfig) -> Vocab:
    """--update-vocab: the saved words with their counts and this text's added, and the
    new words that reach min_count in this text; most frequent first, as always."""
    from ..text.vocab import ids_in

    known = ids_in(saved, raw.tokens)
    counts = saved.counts.copy()
    np.add.at(counts, known[known >= 0], raw.counts[known >= 0])
    new = np.flatnonzero((known < 0) & (raw.counts >= config.min_count))
    new = new[np.argsort(-raw.counts[new], kind="stable")]
    if config.max_vocab is not None:
        new = new[: max(0, config.max_vocab - len(saved))]
    words = saved.words + [raw.tokens[i].decode("utf-8") for i in new.tolist()]
    counts = np.concatenate([counts, raw.counts[new]])
    order = np.argsort(-counts, kind="stable")  # ties: the saved words first
    return Vocab([words[i] for i in order.tolist()], counts[order])


def _carry_over(saved: Model, trainer) -> None:
    """Start the trainer's matrices from the saved model's: each saved word's rows where
    that word now is (new words keep a fresh run's start); the inner nodes of a Huffman
    tree by their number, as gensim does (a tree rebuilt for new counts is another tree:
    its nodes learn again)."""
    rows = trainer.vocab.words
    where = {w: i for i, w in enumerate(rows)}
    moved = np.array([where[w] for w in saved.vocab.words], dtype=np.int64)
    for start in range(0, len(moved), 65536):
        part = moved[start : start + 65536]
        trainer.w_in[part] = saved.vectors.matrix[start : start + 65536]
        if trainer.config.loss != "hs":
            trainer.w_out[part] = saved.output[start : start + 65536]
    if trainer.config.loss == "hs":
        _copy_rows(trainer.w_out[: len(saved.output)], saved.output)


def _init_source(init_vectors, config: TrainConfig):
    """The Vectors of --init-vectors, their dimension checked."""
    if init_vectors is None:
        return None
    if not isinstance(init_vectors, Vectors):
        from ..vectors.vectors import load_vectors

        path = os.fspath(init_vectors)
        init_vectors = load_vectors(path)
        init_vectors.path = os.path.abspath(path)
    dim = init_vectors.matrix.shape[1]
    if dim != config.dim:
        where = getattr(init_vectors, "path", None) or "the vectors given"
        raise ConfigError(
            f"--init-vectors {where}: its vectors have {dim} dimensions, but --dim is "
            f"{config.dim}; give --dim {dim}"
        )
    return init_vectors


def _initialise(trainer, init: Vectors, freeze: bool) -> int:
    """Copy the vectors of the words `init` shares with the vocabulary into the input
    matrix (and freeze those rows); returns how many."""
    rows = init.rows
    pairs = [(i, rows[w]) for i, w in enumerate(trainer.vocab.words) if w in rows]
    if not pairs:
        where = getattr(init, "path", None) or "the vectors given"
        raise ConfigError(
            f"--init-vectors {where}: none of its {len(init):,} words is in the corpus's "
            f"vocabulary of {len(trainer.vocab):,}; are they of the same language and "
            "tokenization?"
        )
    ours, theirs = (np.array(x, dtype=np.int64) for x in zip(*pairs))
    trainer.w_in[ours] = init.matrix[theirs]
    if freeze:
        trainer.model.frozen[ours] = 1
    return len(pairs)


def _copy_rows(target: np.ndarray, source: np.ndarray) -> None:
    """target[:] = source, a slice at a time: `source` may be a map of a file as large as
    memory."""
    for start in range(0, len(source), 65536):
        target[start : start + 65536] = source[start : start + 65536]


def _record(model: Model, result) -> Model:
    model.epoch_losses = list(result.epoch_losses)
    model.words, model.seconds, model.threads = result.words, result.seconds, result.threads
    return model


def _read(corpus, name, config: TrainConfig):
    """The corpus counted (RawCorpus), and its name for messages."""
    from ..text.corpus import count_chunks, open_corpus, read_chunks, sentence_chunks

    if isinstance(corpus, (str, os.PathLike)):  # a file, even one named '-' (never stdin)
        path = os.fspath(corpus)
        with open_corpus(path) as f:
            return _read(f, name or path, config)
    if hasattr(corpus, "read"):
        name = name or str(getattr(corpus, "name", "corpus"))
        chunks = read_chunks(_Encoded(corpus) if isinstance(corpus.read(0), str) else corpus, name)
    else:
        name = name or "sentences"
        chunks = sentence_chunks(corpus, name)
    return count_chunks(chunks, name, config.max_types, config.corpus_in, config.tmp_dir), name


class _Encoded:
    """A text file object read as UTF-8 bytes, as the corpus reader reads."""

    def __init__(self, text):
        self.text = text

    def read(self, size: int = -1) -> bytes:
        return self.text.read(size).encode("utf-8", "surrogateescape")
