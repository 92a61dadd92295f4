"""Where training starts, one parameter of one stage (nanoGPT's init_from): `Fresh`
vectors, a saved model to train on (`FromModel`, gensim's build_vocab(update=True)),
pretrained vectors (`InitVectors`), or a run to finish (`Checkpoint`). The stage
initialise (w2vcli.training.pipeline) makes fresh matrices, then each start moves its
rows into them here.
"""

import os
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from ..vectors.vectors import Vectors, load_vectors
from .model import Model


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
    """A run saved by --checkpoint in `directory` (its real path), finished exactly as it
    would have gone had it not stopped."""

    model: Model  # its matrices mapped from their files, read-only: they are copied
    directory: str


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
    for start in range(0, len(moved), 65536):
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
            f"--init-vectors {where}: none of its {len(init):,} words is in the corpus's "
            f"vocabulary of {len(words):,}; are they of the same language and tokenization?"
        )
    ours, theirs = (np.array(x, dtype=np.int64) for x in zip(*pairs))
    w_in[ours] = init.matrix[theirs]
    if freeze:
        frozen[ours] = 1
    return len(pairs)


def copy_rows(target: np.ndarray, source: np.ndarray) -> None:
    """target[:] = source, a slice at a time: `source` may be a map of a file as large as
    memory."""
    for start in range(0, len(source), 65536):
        target[start : start + 65536] = source[start : start + 65536]
