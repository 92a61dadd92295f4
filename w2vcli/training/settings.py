"""The stage settle: a run's settings resolved once, and every combination refused once,
before anything is read or allocated; its result is the Run the other stages fill.

Settings come in layers, each over the one before: TrainConfig's defaults < the saved
model's (a run resumed or trained on) < a prepared directory's vocabulary settings <
those given. A resumed run may change only how it runs (RESUME_MAY_CHANGE); a model
trained on keeps what its matrices mean (CONTINUE_KEEPS); --init-vectors' dimensions
are the default --dim.
"""

import dataclasses
import os

from ..config import TrainConfig
from ..errors import ConfigError, W2VError
from ..io.streams import quantity
from ..text.prepared import find_prepared
from . import model as saved_models
from .observers import Checkpointer
from .run import Run
from .start import Checkpoint, Fresh, FromModel, InitVectors, init_vectors

# What a resumed run may change: how it runs, not what it computes (more threads than
# the run had give other vectors, as any multi-threaded run does, of the same quality).
RESUME_MAY_CHANGE = ("threads", "corpus_in", "tmp_dir")
# What a model trained on (--from) keeps whatever is asked: the matrices' meaning.
CONTINUE_KEEPS = ("dim", "loss", "huffman")


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
    output_vectors=None,
    caller="train",
    **given,
) -> Run:
    """A Run whose settings are resolved and whose combination of modes is allowed, before
    anything is read: `start` is where it starts (default Fresh), `given` the settings
    given, `output_vectors` the vectors its caller will write (in, out, sum: checked
    against the loss); the rest as w2vcli.train's."""
    start = start or Fresh()
    resumed = isinstance(start, Checkpoint)
    if resumed and corpus is None:
        corpus = start.model.corpus.path
        if corpus is None:
            raise ConfigError(
                f"--resume {start.named}: its run read {start.model.corpus.name}, not a "
                "file; give that corpus again (w2v train CORPUS --resume DIR)"
            )
    prepared = find_prepared(corpus)  # the one time the question is asked
    layered = prepared if isinstance(start, Fresh | InitVectors) else None
    config = resolve(start, config, given, layered, caller)
    if output_vectors is not None:
        saved_models.check_vectors_choice(output_vectors, config.loss)
    every = checkpoint_every
    if resumed:
        checkpoint, every = start.directory, every or saved_every(start)
        spec = resumed_engine(start, engine, scheduler, workers)
    else:
        if checkpoint is not None:
            named = os.fspath(checkpoint)
            checkpoint = saved_models.check_target(named, "--checkpoint")
        spec = engine_spec(engine, scheduler, workers, sync, merge, prepared, start)
        if spec and snapshots is not None:
            raise ConfigError("--snapshots: not with --engine dask yet")
        if spec and checkpoint_every:
            raise ConfigError(
                "--checkpoint-every: a Dask run saves its --checkpoint after each epoch"
            )
    checkpointer = None
    if checkpoint is not None:  # held until the run ends (pipeline.train_run releases it)
        option = f"--resume {start.named}" if resumed else f"--checkpoint {named}"
        checkpointer = Checkpointer(checkpoint, every, option)
        if not resumed:
            try:  # checked while held: no other run can start one there in between
                saved_models.check_unfinished(checkpoint, option)
            except W2VError:
                checkpointer.release()
                raise
    watching = [o for o in (checkpointer, snapshots) if o is not None]
    source = prepared or corpus
    return Run(
        source, name, config, start, spec, [*watching, *observers], dict(record or {}), checkpointer
    )


def start_of(from_model=None, update_vocab=False, vectors=None, freeze=False):
    """Where a run starts, from w2vcli.train's keywords (--from, --update-vocab,
    --init-vectors, --freeze-init), checked together."""
    saved = None
    if from_model is not None:
        is_model = isinstance(from_model, saved_models.Model)
        saved = from_model if is_model else saved_models.load(from_model, option="--from")
    if saved is None and update_vocab:
        raise ConfigError("--update-vocab: only with --from (a model to add words to)")
    if saved is not None and vectors is not None:
        raise ConfigError("--init-vectors: not with --from, whose model has its vectors")
    if freeze and vectors is None:
        raise ConfigError("--freeze-init: only with --init-vectors (the vectors to keep fixed)")
    if saved is not None:
        return FromModel(saved, update_vocab)
    if vectors is not None:
        return InitVectors(init_vectors(vectors), freeze)
    return Fresh()


def checkpoint_start(directory) -> Checkpoint:
    """The run saved in `directory` by --checkpoint, to finish (one that trained all its
    epochs has nothing left to train: its model is finished)."""
    directory = os.fspath(directory)
    saved = saved_models.load(directory, in_memory=False, option="--resume")
    return Checkpoint(saved, saved_models.check_target(directory, "--resume"), directory)


def resolve(start, config, given: dict, prepared, caller: str) -> TrainConfig:
    """The run's settings: `config` (a whole TrainConfig) or those `given`, over the
    saved model's (`start`) or a prepared directory's (`prepared`) and the defaults."""
    check_names(given, caller)
    if isinstance(start, Checkpoint):
        return _resumed(start.model.config, given, start.named)
    if isinstance(start, FromModel):
        return _continued(start.model.config, config, given)
    layers = {}
    if config is None and prepared is not None:  # the vocabulary settings it was made with
        made = prepared.described["vocabulary"]
        layers.update(min_count=made["min_count"], max_vocab=made["max_vocab"])
    dim = start.vectors.matrix.shape[1] if isinstance(start, InitVectors) else None
    if config is None and dim is not None:
        layers["dim"] = dim
    config = _config(config, {**layers, **given}, caller)
    if dim is not None:
        if dim != config.dim:
            where = getattr(start.vectors, "path", None) or "the vectors given"
            raise ConfigError(
                f"--init-vectors {where}: its vectors have {quantity(dim, 'dimension')}, but "
                f"--dim is {config.dim}; give --dim {dim}"
            )
    return config


# gensim's Word2Vec keywords that w2v names otherwise, and what to give instead (the
# command line reads its options' other names: w2vcli.cli.aliases).
GENSIM_NAMES = {
    "vector_size": "w2v calls it dim",
    "size": "w2v calls it dim",
    "iter": "w2v calls it epochs",
    "sg": "w2v says arch='skipgram' (sg=1) or arch='cbow' (sg=0)",
    "hs": "w2v says loss='hs' (hs=1, negative=0); with hs=1 and negative > 0 gensim trains "
    "both output layers, w2v one",
    "max_final_vocab": "w2v calls it max_vocab",
    "max_vocab_size": "w2v calls it max_types (distinct tokens held while counting); "
    "max_vocab keeps the N most frequent words",
    "sentences": "give the corpus as the first argument: sentences, a path or a file object",
    "corpus_file": "give the corpus as the first argument: sentences, a path or a file object",
    "compute_loss": "w2v always computes it: model.epoch_losses",
    "callbacks": "w2v's are on_start, on_build, on_progress and on_epoch",
    "trim_rule": "w2v's keep=FILE keeps the words of FILE whatever their count",
    "sorted_vocab": "w2v's vocabulary is always sorted by count",
}


def check_names(given: dict, caller: str) -> None:
    """Settings of names TrainConfig has not: gensim's named with w2v's; others with the
    nearest of w2v's (a typo)."""
    import difflib

    names = [f.name for f in dataclasses.fields(TrainConfig)]
    for name in given:
        if name in names:
            continue
        if name in GENSIM_NAMES:
            raise ConfigError(f"w2vcli.{caller}: {name}: {GENSIM_NAMES[name]}")
        near = difflib.get_close_matches(name, names, n=3)
        hint = f"; did you mean {' or '.join(near)}?" if near else ""
        raise ConfigError(
            f"w2vcli.{caller}: no setting {name!r}{hint} (the settings: help(w2vcli.TrainConfig))"
        )


def check_prepared(prepared, config: TrainConfig, vocab=None) -> None:
    """A run on a prepared directory trains its vocabulary as it was made: with its
    settings, and not a model's vocabulary (`vocab`, --from's)."""
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


def _config(config, settings: dict, caller: str) -> TrainConfig:
    if config is None:
        config = TrainConfig(**settings)  # names checked: check_names
    elif settings:
        raise TypeError(f"w2vcli.{caller}: give settings or a config, not both")
    return config.validate()


def _continued(saved: TrainConfig, config, settings: dict) -> TrainConfig:
    """A continued run's settings: the saved model's, with those given."""
    if config is not None:
        settings = {**dataclasses.asdict(config), **settings}
    config = dataclasses.replace(saved, **settings)
    for name in CONTINUE_KEEPS:
        if getattr(config, name) != getattr(saved, name):
            option = "--" + name.replace("_", "-")
            raise ConfigError(
                f"{option} {getattr(config, name)}: the model to train on (--from) has "
                f"{option} {getattr(saved, name)}, which it keeps; leave {option} out"
            )
    return config.validate()


def _resumed(saved: TrainConfig, settings: dict, checkpoint: str) -> TrainConfig:
    """A resumed run's settings: the run's, with only how it runs changed."""
    for name, value in settings.items():
        if name not in RESUME_MAY_CHANGE and getattr(saved, name) != value:
            option = "--" + name.replace("_", "-")
            raise ConfigError(
                f"--resume {checkpoint}: its run has {option} {getattr(saved, name)}, not "
                f"{value}; resume with the run's settings (leave {option} out) or start a new "
                "run"
            )
    return dataclasses.replace(saved, **settings).validate()


def engine_spec(engine, scheduler, workers, sync, merge, prepared, start) -> dict:
    """The Dask run asked for ({} to train on this machine's threads), checked."""
    from .distributed import check_rules

    if engine == "local":
        if scheduler or workers:
            threads = "; this machine's threads (gensim's workers) are --threads N"
            raise ConfigError("--scheduler and --workers are for --engine dask" + threads)
        return {}
    if engine != "dask":
        raise ConfigError(f"--engine {engine}: give local or dask")
    if prepared is None:
        raise ConfigError(
            "--engine dask trains a prepared directory: w2v prepare INPUTS -o DIR (--engine "
            "dask), then w2v train DIR --engine dask"
        )
    if not isinstance(start, Fresh):
        raise ConfigError("--engine dask: not with --from or --init-vectors yet")
    check_rules(sync, merge)
    return {
        "engine": engine,
        "scheduler": scheduler,
        "workers": workers,
        "sync": sync,
        "merge": merge,
    }


# A checkpoint's run record is where model.json (format v1) keeps the few settings of a
# run that are not TrainConfig's: the engine it trained on, with its sync and merge rules,
# and how often it saved within an epoch (and, for the CLI, the format of the vectors it
# was to write). settle reads them here, once, as saved settings, and only choices and
# numbers, checked: never an address to connect to or a path to write (a model.json is a
# file anyone may have edited). Nothing reads the record while a run trains.


def _saved_record(start: Checkpoint) -> dict:
    runs = start.model.provenance["runs"]
    return runs[-1] if runs else {}


def resumed_engine(start: Checkpoint, engine, scheduler, workers) -> dict:
    """Where a checkpointed run goes on: on this machine's threads ({}), or, for a run of
    Dask workers, on the cluster given now (never an address from its record, which anyone
    may have edited: w2v would send its model there and unpickle what comes back), with
    the sync and merge rules it trained with; a Dask run saves between epochs only."""
    from .distributed import check_rules

    saved = _saved_record(start).get("engine")
    saved = saved if isinstance(saved, dict) else {}
    if not saved:
        if engine != "local" or scheduler or workers:
            raise ConfigError(f"--resume {start.named}: its run trained on threads, not Dask")
        return {}
    if engine != "dask":
        raise ConfigError(
            f"--resume {start.named}: its run trained on Dask workers; give --engine dask, "
            "with --scheduler ADDRESS or --workers N"
        )
    if start.model.state.lanes is not None:
        raise ConfigError(f"--resume {start.named}: a Dask run saves between epochs only")
    sync, merge = saved.get("sync"), saved.get("merge")
    check_rules(sync, merge)
    return {
        "engine": "dask",
        "scheduler": scheduler,
        "workers": workers,
        "sync": sync,
        "merge": merge,
    }


def saved_every(start: Checkpoint) -> float | None:
    """How often the checkpointed run saved within an epoch (--checkpoint-every)."""
    return (_saved_record(start).get("checkpoint") or {}).get("every")
