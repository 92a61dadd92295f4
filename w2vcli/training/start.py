"""The stage initialise, and where training starts: one parameter of it (nanoGPT's
init_from), `Fresh` vectors, a saved model to train on (`FromModel`, gensim's
build_vocab(update=True)), pretrained vectors (`InitVectors`), or a run to finish
(`Checkpoint`). `initialise` makes fresh matrices, then each start moves its rows in.
"""

import os
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from ..io.streams import quantity
from ..vectors.vectors import Vectors, load_vectors
from . import provenance
from .model import Model, copy_rows
from .trainer import Trainer


@dataclass
class Fresh:
    """Input vectors uniform in [-1/N, 1/N), output vectors zero (trainer.init_weights)."""


@dataclass
class FromModel:
    """A saved model trained on with more text: its vocabulary kept (`update_vocab`: with
    the new words that reach min_count added), its rows carried to where their words now
    are, its settings the defaults; the learning rate starts again from alpha."""

    model: Model
    update_vocab: bool = False


@dataclass
class InitVectors:
    """Pretrained vectors start the input vectors of the words they share with the
    vocabulary; `freeze`: those then stay as they are."""

    vectors: Vectors
    freeze: bool = False


@dataclass
class Checkpoint:
    """A run saved by --checkpoint in `directory` (its real path; `named` as given),
    finished exactly as it would have gone had it not stopped."""

    model: Model  # its matrices mapped from their files, read-only: they are copied
    directory: str
    named: str = ""


def init_vectors(source) -> Vectors:
    """The Vectors of --init-vectors: given, or read from a file."""
    if isinstance(source, Vectors):
        return source
    path = os.fspath(source)
    vectors = load_vectors(path)
    vectors.path = os.path.abspath(path)
    return vectors


def carry_over(saved: Model, w_in: np.ndarray, w_out: np.ndarray, words: list, hs: bool):
    """Start the matrices from the saved model's: each saved word's rows where that word
    now is in `words` (new words keep a fresh run's start); the inner nodes of a Huffman
    tree (`hs`) by their number, as gensim does (a tree rebuilt for new counts is another
    tree: its nodes learn again)."""
    where = {w: i for i, w in enumerate(words)}
    moved = np.array([where[w] for w in saved.vocab.words], dtype=np.int64)
    for start in range(0, len(moved), 65536):  # a slice at a time, as copy_rows
        part = moved[start : start + 65536]
        w_in[part] = saved.vectors.matrix[start : start + 65536]
        if not hs:
            w_out[part] = saved.output[start : start + 65536]
    if hs:
        copy_rows(w_out[: len(saved.output)], saved.output)


def copy_vectors(init: Vectors, w_in: np.ndarray, frozen: np.ndarray, words: list, freeze: bool):
    """Copy the vectors of the words `init` shares with `words` into the input matrix (and
    freeze those rows); returns how many."""
    rows = init.rows
    pairs = [(i, rows[w]) for i, w in enumerate(words) if w in rows]
    if not pairs:
        where = getattr(init, "path", None) or "the vectors given"
        raise ConfigError(
            f"--init-vectors {where}: none of its {quantity(len(init), 'word')} is in the corpus's "
            f"vocabulary of {len(words):,}; are they of the same language and tokenization?"
        )
    ours, theirs = (np.array(x, dtype=np.int64) for x in zip(*pairs))
    w_in[ours] = init.matrix[theirs]
    if freeze:
        frozen[ours] = 1
    return len(pairs)


def initialise(run) -> None:
    """The stage initialise: fresh matrices (trainer.init_weights), the start's rows moved
    in; the Model and its provenance record (the runs before, of the model trained on or
    resumed, and this one's)."""
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
        found = copy_vectors(init, trainer.w_in, trainer.shared.frozen, vocab.words, start.freeze)
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
            trainer.shared.frozen[:] = start.model.frozen
    model = Model(Vectors(vocab.words, trainer.w_in), trainer.w_out, vocab, config, run.corpus)
    frozen = trainer.shared.frozen
    model.frozen = frozen if frozen.any() else None
    if isinstance(start, Checkpoint):
        model.state, model.epoch_losses = start.model.state, list(start.model.epoch_losses)
    model.provenance = _provenance(run)
    run.model = model


def _provenance(run) -> dict:
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
