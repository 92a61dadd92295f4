"""A trained model and its directory: all a training run needs to go on, in plain files.

    DIR/model.json  format, settings, training state, the corpus's fingerprint, provenance
    DIR/vocab.txt   `word count` lines, most frequent first (word2vec C's -save-vocab)
    DIR/w_in.npy    (V, N) float32 input vectors: what vectors files hold
    DIR/w_out.npy   (V, N) float32 output vectors, or the V - 1 inner nodes of the
                    Huffman tree (--loss hs)
    DIR/frozen.npy  (V,) uint8, 1 for each input vector that training leaves as it is
                    (only with --freeze-init)

Nothing is pickled: arrays are .npy, read with allow_pickle=False; the rest is JSON and
text. A directory is written whole or not at all (w2vcli.io.dirs.staged), so `kill -9` at
any time leaves the old model or the new one, complete; where the system could not swap
the two in one step and a save was killed between its two renames, the next read puts
the newest complete model back. Only a w2v model directory holding nothing but these
files is ever replaced; any other existing path is refused before training.

Which vectors a model writes (`--output-vectors`): in Rong's notation the model has an
input matrix W (V x N), whose row v_w is word w's input vector, and an output matrix W'
(N x V), whose column v'_w is its output vector; training pulls each v_w toward the v'_w
of the words seen near w. Both represent w:

- in: v_w, the rows of W. What word2vec C, gensim and every other tool write.
- out: v'_w, the columns of W' (stored as the rows of `w_out`). Only negative sampling and
  the full softmax have one per word; hierarchical softmax's W' holds the V-1 inner nodes
  of the Huffman tree instead.
- sum: v_w + v'_w, which Levy, Goldberg and Dagan (2015) and Pennington et al. (GloVe,
  2014) report helps on word similarity tasks.
"""

import contextlib
import dataclasses
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field

import numpy as np

from ..config import TrainConfig
from ..errors import ConfigError, W2VError
from ..io import dirs
from ..io.dirs import read_regular, staged, staging_prefix, umask, write_file
from ..io.signals import signals_held
from ..io.streams import quantity
from ..text.corpus import CorpusStats
from ..text.vocab import Vocab, format_vocab, read_saved_vocab
from ..vectors.vectors import Vectors

FORMAT, VERSION = "w2v model", 1
MODEL_JSON = "model.json"
FILES = (MODEL_JSON, "vocab.txt", "w_in.npy", "w_out.npy", "frozen.npy")


class ModelError(W2VError):
    """A model directory that cannot be read or written."""


@dataclass
class TrainState:
    """Where a run stands between two batches: with the matrices, all that training on
    needs to go on exactly as if it had not stopped (its model directory keeps it)."""

    epochs_done: int = 0
    words: int = 0  # read by all threads in all epochs so far: drives the learning rate
    epoch_losses: list = field(default_factory=list)  # of the epochs done
    rng: list = field(default_factory=list)  # each thread's generator state (a batch
    # starts by drawing its noise words anew: nothing else of a thread's carries over)
    lanes: list | None = None  # within an epoch: [next, end) batches left, one per thread
    epoch_loss: float = 0.0  # within an epoch: the loss summed so far
    epoch_examples: int = 0  # and the examples it was computed on


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
    state: TrainState | None = None  # where training stands
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
        """Write the model directory `directory` (see this module), atomically; returns
        its real path. `w2vcli.load_model` reads it back."""
        return save(self, directory, "directory")

    def vectors_of(self, which: str = "in") -> np.ndarray:
        """The (V, N) vectors `--output-vectors` writes: "in" (v_w), "out" (v'_w: ns and
        softmax) or "sum" (a new array)."""
        return select_vectors(self.vectors.matrix, self.output, which)


def copy_rows(target: np.ndarray, source: np.ndarray) -> None:
    """target[:] = source, a slice at a time: `source` may be a map of a file as large as
    memory."""
    for start in range(0, len(source), 65536):
        target[start : start + 65536] = source[start : start + 65536]


def load_model(directory) -> Model:
    """The Model saved in `directory` (by `Model.save`, `w2v train --save-model` or
    --checkpoint): vectors, output matrix, vocabulary, settings, state and provenance."""
    return load(directory)


# Which vectors: in, out, sum (see the module's docstring).


VECTORS = ("in", "out", "sum")  # --output-vectors


def check_vectors_choice(which: str, loss: str) -> None:
    """Refuse, before training, a choice the loss has no vectors for."""
    if which not in VECTORS:
        raise ConfigError(f"--output-vectors must be one of {', '.join(VECTORS)} (got {which})")
    if which != "in" and loss == "hs":
        raise ConfigError(
            f"--output-vectors {which}: with --loss hs the output matrix holds the Huffman "
            "tree's inner nodes, not one vector per word; use --loss ns or softmax"
        )


def select_vectors(w_in: np.ndarray, w_out: np.ndarray, which: str) -> np.ndarray:
    """The (V, N) vectors to write: w_in, w_out (ns, softmax), or a new array of their sum."""
    if which == "in":
        return w_in
    if w_out.shape != w_in.shape:
        raise ValueError("the output matrix has no vector per word (hierarchical softmax)")
    return w_out if which == "out" else w_in + w_out


# The directory.


def check_target(path: str, option: str) -> str:
    """Check, before any work, that a model directory can be written at `path`: a new
    name in a folder we can write, or an existing w2v model directory (to be replaced).
    Returns the real path to write."""
    label = f"{option} {path}"
    if not path or "\0" in path:
        raise ModelError(f"{option}: give a directory name")
    dirs.check_link(path, label, ModelError)
    target = os.path.realpath(path)
    _recover(target)
    if os.path.lexists(target):
        if not os.path.isdir(target):
            raise ModelError(f"{label}: exists and is not a directory; give another name")
        if not is_model_dir(target):
            raise ModelError(
                f"{label}: exists and is not a w2v model directory; give a new name (w2v "
                "replaces only a model directory it wrote)"
            )
        if not dirs.only_files(target, FILES.__contains__):
            others = sorted(set(os.listdir(target)) - set(FILES)) or sorted(
                n for n in os.listdir(target) if not os.path.isfile(os.path.join(target, n))
            )
            raise ModelError(
                f"{label}: holds files w2v did not write ({', '.join(others[:3])}); move them "
                "or give another name"
            )
    parent = os.path.dirname(target)
    if not os.path.isdir(parent):
        raise ModelError(f"{label}: folder {os.path.dirname(path) or '.'} does not exist")
    dirs.check_outside(parent, label, ModelError)
    try:
        os.rmdir(tempfile.mkdtemp(dir=parent, prefix=".w2v-"))
    except OSError as e:
        raise ModelError(f"{label}: cannot create a directory in {parent} ({e.strerror})") from None
    return target


def check_unfinished(target: str, label: str) -> None:
    """Refuse to replace, with a new run's model, a model directory whose run has not
    trained all its epochs (a checkpoint to resume); a damaged one is not judged here."""
    if not is_model_dir(target):
        return
    try:
        saved = load(target, in_memory=False)
    except W2VError:
        return
    if not saved.finished:
        done, epochs = saved.state.epochs_done, saved.config.epochs
        raise ModelError(
            f"{label}: holds a run that has not finished ({done} of {quantity(epochs, 'epoch')}); "
            f"finish it with --resume {label.split(' ', 1)[1]}, or give another directory"
        )


def is_model_dir(path) -> bool:
    try:
        return _read_json(os.path.join(path, MODEL_JSON), path).get("format") == FORMAT
    except (ModelError, OSError):
        return False


def save(model, path: str, option: str = "--save-model") -> str:
    """Write `model` (a w2vcli.Model) as the model directory `path`; returns its real path."""
    target = check_target(os.fspath(path), option)
    mode, label = 0o777 & ~umask(), f"{option} {path}"
    with staged(target, mode, label, _replaceable, lambda: _remove_leftovers(target)) as staging:
        _write_files(model, staging)
    return target


def _replaceable(target: str) -> bool:
    """A model directory w2v wrote: its marker, and only its files."""
    return is_model_dir(target) and dirs.only_files(target, FILES.__contains__)


def _leftovers(target: str) -> list:
    """The temporary directories that saves of `target` left beside it, newest first."""
    parent, prefix = os.path.dirname(target), staging_prefix(target)
    try:
        names = [n for n in os.listdir(parent) if n.startswith(prefix)]
    except OSError:
        return []
    found = []
    for name in names:
        path = os.path.join(parent, name)
        if os.path.islink(path) or not os.path.isdir(path):
            continue
        try:
            if os.stat(path).st_uid == os.geteuid() and set(os.listdir(path)) <= set(FILES):
                found.append((os.stat(path).st_mtime, path))
        except OSError:
            continue
    return [path for _, path in sorted(found, reverse=True)]


def _recover(target: str) -> None:
    """Where a save without an atomic exchange was killed between its two renames, put
    the newest complete model it left back at `target` (its model.json is written last:
    a directory that has one is whole)."""
    if os.path.lexists(target) or not os.path.isdir(os.path.dirname(target)):
        return
    with dirs.locked(os.path.dirname(target)):  # not a save's staging in progress
        if os.path.lexists(target):
            return
        for path in _leftovers(target):
            if is_model_dir(path):
                with signals_held(), contextlib.suppress(OSError):
                    os.rename(path, target)
                return


def _remove_leftovers(target: str) -> None:
    """Remove what saves of `target` killed on the way left beside it: temporary
    directories of its name holding only a model's files (the folder is locked: no save
    of it is under way)."""
    for path in _leftovers(target):
        shutil.rmtree(path, ignore_errors=True)


def _write_files(model, directory: str) -> None:
    vocab = model.vocab
    dirs.write_array(directory, "w_in.npy", model.vectors.matrix)
    dirs.write_array(directory, "w_out.npy", model.output)
    if model.frozen is not None and model.frozen.any():
        dirs.write_array(directory, "frozen.npy", model.frozen.astype(np.uint8))
    words = format_vocab(vocab).encode("utf-8", "surrogateescape")
    write_file(directory, "vocab.txt", words)
    described = {
        "format": FORMAT,
        "version": VERSION,
        "words": len(vocab),
        "dim": model.config.dim,
        "settings": dataclasses.asdict(model.config),
        "state": dataclasses.asdict(model.state) if model.state else None,
        "corpus": dataclasses.asdict(model.corpus),
        "provenance": model.provenance,
    }
    write_file(directory, MODEL_JSON, dirs.json_bytes(described))


# Reading.


def load(path, in_memory: bool = True, option: str | None = None) -> Model:
    """The Model saved in the directory `path`. `in_memory` False maps the matrices
    read-only from their files instead (a resumed run copies them into its own). `option`
    (--resume, --from): the option that named it, for messages."""
    path = os.fspath(path)
    label = f"{option} {path}" if option else path
    _recover(os.path.realpath(path))
    if not os.path.isdir(path):
        what = "does not exist" if not os.path.lexists(path) else "is not a directory"
        written = "--save-model, --checkpoint" if option else "written by --save-model"
        if option == "--from" and os.path.isfile(path):  # a gensim model, as gensim users do
            written += "; of a gensim model, w2v import makes one"
        raise ModelError(f"{label}: {what}; give a model directory ({written})")
    try:
        described = _read_json(os.path.join(path, MODEL_JSON), path)
    except ModelError as e:
        raise ModelError(f"{option} {e}" if option else str(e)) from None
    if described.get("format") != FORMAT:
        raise ModelError(f"{label}: not a w2v model directory ({MODEL_JSON} is another file)")
    if not isinstance(described.get("version"), int) or described["version"] > VERSION:
        raise ModelError(
            f"{path}: model format version {described.get('version')} is newer than this w2v "
            f"reads ({VERSION}); upgrade w2v"
        )
    damaged = f"{path}/{MODEL_JSON}: damaged or from another version"
    if option:
        damaged = f"{label}: its {MODEL_JSON} is damaged or from another version"
    config = saved_config(described, damaged)
    try:
        state = TrainState(**described["state"]) if described.get("state") else None
        corpus = CorpusStats(**_typed(described["corpus"], CorpusStats))
        words, dim = described["words"], described["dim"]
    except (KeyError, TypeError, ValueError) as e:
        raise ModelError(f"{damaged} ({e})") from None
    if not (dirs.is_count(words, 2**31) and dim == config.dim):
        raise ModelError(f"{damaged} (words {words!r}, dim {dim!r})")
    if state is not None and not _valid_state(state, config):
        raise ModelError(f"{path}/{MODEL_JSON}: its training state is damaged")
    vocab = read_saved_vocab(os.path.join(path, "vocab.txt"), words, MODEL_JSON, ModelError)
    rows = words - 1 if config.loss == "hs" else words
    w_in = _read_array(path, "w_in.npy", (words, dim), np.float32, in_memory)
    w_out = _read_array(path, "w_out.npy", (max(rows, 0), dim), np.float32, in_memory)
    frozen = None
    if os.path.exists(os.path.join(path, "frozen.npy")):
        frozen = _read_array(path, "frozen.npy", (words,), np.uint8, True)
    model = Model(Vectors(vocab.words, w_in), w_out, vocab, config, corpus)
    model.epoch_losses = list(state.epoch_losses) if state else []
    model.state, model.frozen = state, frozen
    model.provenance = clean_provenance(described.get("provenance"))
    return model


def saved_config(described: dict, damaged: str) -> TrainConfig:
    """The settings of a model.json, each of its type and range (its values are data from
    a file anyone may have edited)."""
    settings = described.get("settings")
    if isinstance(settings, dict):  # saved before --batch-windows: it trained pair by pair
        settings = {"batch_windows": False} | settings
    try:
        config = TrainConfig(**_typed(settings, TrainConfig))
        return config.validate()
    except (TypeError, ValueError, W2VError) as e:
        raise ModelError(f"{damaged} (settings: {e})") from None


def _typed(values, kind) -> dict:
    """`values` (a dict from JSON) for the dataclass `kind`: each a field of it, of the
    field's type (an int for a float; None where it may be None), else TypeError."""
    if not isinstance(values, dict):
        raise TypeError(f"not an object: {values!r}")
    fields = {f.name: f for f in dataclasses.fields(kind)}
    for name, value in values.items():
        if name not in fields:
            raise TypeError(f"unknown field {name!r}")
        expected, nullable = fields[name].type, False
        if getattr(expected, "__args__", None):  # X | None
            nullable = type(None) in expected.__args__
            expected = next(a for a in expected.__args__ if a is not type(None))
        if not (value is None and nullable or _of_type(value, expected)):
            raise TypeError(f"{name} is {value!r}")
    return values


def _of_type(value, expected) -> bool:
    if expected is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, expected)


def clean_provenance(provenance) -> dict:
    """A provenance record as code may use it: runs that are objects, and in them objects
    and lists where they should be (it is data from a file anyone may have edited)."""
    if not isinstance(provenance, dict):
        return {"runs": []}
    runs = provenance.get("runs")
    runs = [dict(r) for r in runs if isinstance(r, dict)] if isinstance(runs, list) else []
    for run in runs:
        for key in ("corpus", "checkpoint", "outputs", "from", "init_vectors", "machine"):
            if key in run and not isinstance(run[key], dict):
                del run[key]
        for key in ("resumed", "evaluations", "epoch_losses"):
            if key in run and not isinstance(run[key], list):
                del run[key]
    return {**provenance, "runs": runs}


def _valid_state(state, config: TrainConfig) -> bool:
    """Whether a TrainState read from JSON holds what training on needs, of the right
    types and ranges (it is data from a file anyone may have edited)."""

    def number(x) -> bool:
        return isinstance(x, (int, float)) and not isinstance(x, bool) and x == x

    lanes = state.lanes
    return (
        dirs.is_count(state.epochs_done, config.epochs + 1)
        and dirs.is_count(state.words)
        and isinstance(state.epoch_losses, list)
        and all(number(x) for x in state.epoch_losses)
        and isinstance(state.rng, list)
        and all(dirs.is_count(x, 2**64) for x in state.rng)
        and (
            lanes is None
            or state.epochs_done < config.epochs
            and isinstance(lanes, list)
            and all(
                isinstance(lane, list) and len(lane) == 2 and all(dirs.is_count(x) for x in lane)
                for lane in lanes
            )
        )
        and number(state.epoch_loss)
        and dirs.is_count(state.epoch_examples)
    )


def _read_json(path: str, directory) -> dict:
    try:
        data = read_regular(path, dirs.MAX_JSON_BYTES)
    except FileNotFoundError:
        raise ModelError(f"{directory}: not a w2v model directory (no {MODEL_JSON})") from None
    except OSError as e:
        raise ModelError(f"{path}: cannot read ({e.strerror})") from None
    if len(data) > dirs.MAX_JSON_BYTES:
        raise ModelError(
            f"{path}: larger than {dirs.MAX_JSON_BYTES >> 20} MiB; not a w2v model file"
        )
    try:
        described = json.loads(data)
    except (ValueError, RecursionError) as e:
        raise ModelError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(described, dict):
        raise ModelError(f"{path}: not a w2v model file")
    return described


def _read_array(directory: str, name: str, shape: tuple, dtype, in_memory: bool) -> np.ndarray:
    path = os.path.join(directory, name)
    try:
        array = dirs.read_npy(path, mmap=not in_memory)
    except FileNotFoundError:
        raise ModelError(f"{path}: missing; the model is incomplete") from None
    except OSError as e:
        raise ModelError(f"{path}: cannot read it ({e.strerror or e})") from None
    except ValueError as e:
        raise ModelError(f"{path}: {e}; the model is damaged") from None
    if array.shape != shape or array.dtype != dtype:
        raise ModelError(
            f"{path}: {array.dtype}{list(array.shape)}, expected {np.dtype(dtype)}{list(shape)}"
            "; the model is damaged"
        )
    return array
