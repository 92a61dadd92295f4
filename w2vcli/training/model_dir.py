"""The model directory: all a training run needs to go on, in plain files.

    DIR/model.json  format, settings, training state, the corpus's fingerprint, provenance
    DIR/vocab.txt   `word count` lines, most frequent first (word2vec C's -save-vocab)
    DIR/w_in.npy    (V, N) float32 input vectors: what vectors files hold
    DIR/w_out.npy   (V, N) float32 output vectors, or the V - 1 inner nodes of the
                    Huffman tree (--loss hs)
    DIR/frozen.npy  (V,) uint8, 1 for each input vector that training leaves as it is
                    (only with --freeze-init)

Nothing is pickled: arrays are .npy, read with allow_pickle=False; the rest is JSON and
text. A directory is written whole or not at all: into a new temporary directory beside
it, every file synced, then put in its place by one rename (an atomic exchange of the
two directories with Linux's renameat2; elsewhere the old one is renamed aside first, a
moment without either). So `kill -9` at any time leaves the old model or the new one,
complete. Only a w2v model directory holding nothing but these files is ever replaced;
any other existing path is refused before training.
"""

import contextlib
import ctypes
import dataclasses
import json
import os
import shutil
import stat
import tempfile

import numpy as np

from ..config import TrainConfig
from ..errors import W2VError

FORMAT, VERSION = "w2v model", 1
MODEL_JSON = "model.json"
FILES = (MODEL_JSON, "vocab.txt", "w_in.npy", "w_out.npy", "frozen.npy")
MAX_JSON_BYTES = 64 << 20  # model.json holds settings and a few numbers per thread


class ModelError(W2VError):
    """A model directory that cannot be read or written."""


def check_target(path: str, option: str) -> str:
    """Check, before any work, that a model directory can be written at `path`: a new
    name in a folder we can write, or an existing w2v model directory (to be replaced).
    Returns the real path to write."""
    label = f"{option} {path}"
    if not path or "\0" in path:
        raise ModelError(f"{option}: give a directory name")
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
        others = sorted(set(os.listdir(target)) - set(FILES))
        if others:
            raise ModelError(
                f"{label}: holds files w2v did not write ({', '.join(others[:3])}); move them "
                "or give another name"
            )
    parent = os.path.dirname(target)
    if not os.path.isdir(parent):
        raise ModelError(f"{label}: folder {os.path.dirname(path) or '.'} does not exist")
    try:
        os.rmdir(tempfile.mkdtemp(dir=parent, prefix=".w2v-"))
    except OSError as e:
        raise ModelError(f"{label}: cannot create a directory in {parent} ({e.strerror})") from None
    return target


def describe(path: str, option: str) -> dict:
    """The model.json of the model directory `path`, its format and settings checked."""
    label = f"{option} {path}"
    _recover(os.path.realpath(path))
    if not os.path.isdir(path):
        what = "does not exist" if not os.path.lexists(path) else "is not a directory"
        raise ModelError(f"{label}: {what}; give a model directory (--save-model, --checkpoint)")
    try:
        described = _read_json(os.path.join(path, MODEL_JSON), path)
    except ModelError as e:
        raise ModelError(f"{option} {e}") from None
    if described.get("format") != FORMAT:
        raise ModelError(f"{label}: not a w2v model directory ({MODEL_JSON} is another file)")
    saved_config(described, f"{label}: its {MODEL_JSON} is damaged or from another version")
    described["provenance"] = clean_provenance(described.get("provenance"))
    return described


def is_model_dir(path) -> bool:
    try:
        return _read_json(os.path.join(path, MODEL_JSON), path).get("format") == FORMAT
    except (ModelError, OSError):
        return False


def save(model, path: str, option: str = "--save-model") -> str:
    """Write `model` (a w2vcli.Model) as the model directory `path`; returns its real path."""
    from ..io.files import signals_held, written

    target = check_target(os.fspath(path), option)
    parent = os.path.dirname(target)
    staging = tempfile.mkdtemp(dir=parent, prefix=f".{os.path.basename(target)}.w2v-")
    try:
        os.chmod(staging, 0o777 & ~_umask())
        _write_files(model, staging)
        sync(staging)
        with signals_held():  # a run stopped now says it wrote the model: it did
            put_in_place(staging, target)
            sync(parent)
            if f"{option} {path}" not in written:
                written.append(f"{option} {path}")
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # the new files, or the old ones swapped
    _remove_leftovers(target)
    return target


def _leftovers(target: str) -> list:
    """The temporary directories that saves of `target` left beside it, newest first."""
    parent, prefix = os.path.dirname(target), f".{os.path.basename(target)}.w2v-"
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
    if os.path.lexists(target):
        return
    from ..io.files import signals_held

    for path in _leftovers(target):
        if is_model_dir(path):
            with signals_held(), contextlib.suppress(OSError):
                os.rename(path, target)
            return


def _remove_leftovers(target: str) -> None:
    """Remove what saves of `target` killed on the way left beside it: temporary
    directories of its name holding only a model's files."""
    for path in _leftovers(target):
        shutil.rmtree(path, ignore_errors=True)


def _write_files(model, directory: str) -> None:
    def write(name: str, data: bytes) -> None:
        with open(os.path.join(directory, name), "wb") as f:
            f.write(data)
            os.fsync(f.fileno())

    def array(name: str, values: np.ndarray) -> None:
        with open(os.path.join(directory, name), "wb") as f:
            np.save(f, values, allow_pickle=False)
            os.fsync(f.fileno())

    vocab = model.vocab
    array("w_in.npy", model.vectors.matrix)
    array("w_out.npy", model.output)
    if model.frozen is not None and model.frozen.any():
        array("frozen.npy", model.frozen.astype(np.uint8))
    lines = (f"{w} {c}\n" for w, c in zip(vocab.words, vocab.counts.tolist()))
    write("vocab.txt", "".join(lines).encode("utf-8", "surrogateescape"))
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
    write(MODEL_JSON, (json.dumps(described, indent=1, ensure_ascii=False) + "\n").encode())


def put_in_place(staging: str, target: str) -> None:
    """Make `staging` the directory `target`; the old `target`, if any, ends at `staging`."""
    from ..io.files import signals_held

    with signals_held():
        if not os.path.lexists(target):
            os.rename(staging, target)
            os.mkdir(staging)  # for the caller's rmtree, as if swapped with nothing
        elif not _exchange(staging, target):  # a moment without `target`: see _recover
            old = staging + ".old"
            os.rename(target, old)
            try:
                os.rename(staging, target)
            except OSError:
                os.rename(old, target)
                raise
            os.rename(old, staging)


def check_other_target(path: str, option: str, ours, what: str, error=W2VError) -> str:
    """Check, before any work, that a directory other than a model (a prepared corpus, a
    replay) can be written at `path`: a new name in a folder we can write, or one that
    `ours(real path)` says w2v wrote, to be replaced whole. Returns the real path."""
    if not path or "\0" in path:
        raise error(f"{option}: give a directory name")
    target = os.path.realpath(path)
    if os.path.lexists(target) and not (os.path.isdir(target) and ours(target)):
        raise error(f"{option} {path}: exists and is not {what} w2v wrote; give a new name")
    folder = os.path.dirname(target)
    if not os.path.isdir(folder) or not os.access(folder, os.W_OK | os.X_OK):
        raise error(f"{option} {path}: cannot write in {folder}")
    return target


@contextlib.contextmanager
def staged(target: str, mode: int = 0o755):
    """A new directory beside `target` to write into; when the block ends without an
    error, synced and put in place of `target` in one step (the old one removed), so that
    `target` is the old directory or the new one, whole. The files written into it are the
    writer's to sync."""
    parent = os.path.dirname(target)
    staging = tempfile.mkdtemp(dir=parent, prefix=f".{os.path.basename(target)}.w2v-")
    try:
        os.chmod(staging, mode)
        yield staging
        sync(staging)
        put_in_place(staging, target)
        sync(parent)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # the new files, or the old ones swapped


def _exchange(a: str, b: str) -> bool:
    """Swap two paths in one atomic step (Linux 3.15+ renameat2 RENAME_EXCHANGE); False
    where the system or file system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    at_cwd, exchange = -100, 2
    done = renameat2(at_cwd, os.fsencode(a), at_cwd, os.fsencode(b), exchange)
    return done == 0


def sync(directory: str) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


# Reading.


def load(path, in_memory: bool = True):
    """The w2vcli.Model saved in the directory `path`. `in_memory` False maps the matrices
    read-only from their files instead (a resumed run copies them into its own)."""
    from ..vectors.vectors import Vectors
    from .pipeline import CorpusStats, Model
    from .trainer import TrainState

    path = os.fspath(path)
    _recover(os.path.realpath(path))
    if not os.path.isdir(path):
        what = "does not exist" if not os.path.lexists(path) else "is not a directory"
        raise ModelError(f"{path}: {what}; give a model directory (written by --save-model)")
    described = _read_json(os.path.join(path, MODEL_JSON), path)
    if described.get("format") != FORMAT:
        raise ModelError(f"{path}: not a w2v model directory ({MODEL_JSON} is another file)")
    if not isinstance(described.get("version"), int) or described["version"] > VERSION:
        raise ModelError(
            f"{path}: model format version {described.get('version')} is newer than this w2v "
            f"reads ({VERSION}); upgrade w2v"
        )
    damaged = f"{path}/{MODEL_JSON}: damaged or from another version"
    config = saved_config(described, damaged)
    try:
        state = TrainState(**described["state"]) if described.get("state") else None
        corpus = CorpusStats(**_typed(described["corpus"], CorpusStats))
        words, dim = described["words"], described["dim"]
    except (KeyError, TypeError, ValueError) as e:
        raise ModelError(f"{damaged} ({e})") from None
    if not (_count(words, 2**31) and dim == config.dim):
        raise ModelError(f"{damaged} (words {words!r}, dim {dim!r})")
    if state is not None and not _valid_state(state, config):
        raise ModelError(f"{path}/{MODEL_JSON}: its training state is damaged")
    vocab = read_vocab(os.path.join(path, "vocab.txt"), words)
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


def _count(x, high=2**63) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and 0 <= x < high


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
        _count(state.epochs_done, config.epochs + 1)
        and _count(state.words)
        and isinstance(state.epoch_losses, list)
        and all(number(x) for x in state.epoch_losses)
        and isinstance(state.rng, list)
        and all(_count(x, 2**64) for x in state.rng)
        and (
            lanes is None
            or state.epochs_done < config.epochs
            and isinstance(lanes, list)
            and all(
                isinstance(lane, list) and len(lane) == 2 and all(_count(x) for x in lane)
                for lane in lanes
            )
        )
        and number(state.epoch_loss)
        and _count(state.epoch_examples)
    )


def read_regular(path: str, limit: int) -> bytes:
    """Up to `limit` + 1 bytes of `path`, if it is a regular file (a FIFO there would
    block the reader forever, a device act when read)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with open(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise IsADirectoryError(0, "not a regular file", path)
        return f.read(limit + 1)


def _read_json(path: str, directory) -> dict:
    try:
        data = read_regular(path, MAX_JSON_BYTES)
    except FileNotFoundError:
        raise ModelError(f"{directory}: not a w2v model directory (no {MODEL_JSON})") from None
    except OSError as e:
        raise ModelError(f"{path}: cannot read ({e.strerror})") from None
    if len(data) > MAX_JSON_BYTES:
        raise ModelError(f"{path}: larger than {MAX_JSON_BYTES >> 20} MiB; not a w2v model file")
    try:
        described = json.loads(data)
    except (ValueError, RecursionError) as e:
        raise ModelError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(described, dict):
        raise ModelError(f"{path}: not a w2v model file")
    return described


def read_vocab(path: str, words: int):
    """The `word count` lines of a model's (or a prepared directory's) vocab.txt, checked:
    `words` of them, counts in [1, 2**62), no word twice."""
    from ..text.vocab import Vocab

    try:
        with open(path, "rb") as f:
            lines = f.read().split(b"\n")
    except OSError as e:
        raise ModelError(f"{path}: cannot read ({e.strerror}); it is incomplete") from None
    if lines and lines[-1] == b"":
        lines.pop()
    if len(lines) != words:
        raise ModelError(f"{path}: {len(lines):,} words, but {MODEL_JSON} says {words:,}")
    try:
        pairs = [line.rsplit(b" ", 1) for line in lines]
        vocab = Vocab(
            [w.decode("utf-8", "surrogateescape") for w, _ in pairs],
            np.array([int(c) for _, c in pairs], dtype=np.int64),
        )
    except (ValueError, OverflowError):
        raise ModelError(f"{path}: a line is not `word count`; it is damaged") from None
    if len(vocab.counts) and (vocab.counts.min() < 1 or vocab.counts.max() >= 2**62):
        raise ModelError(f"{path}: a count is not from 1 to 2**62; it is damaged")
    if len(set(vocab.words)) != words:
        raise ModelError(f"{path}: a word appears twice; it is damaged")
    return vocab


def _read_array(directory: str, name: str, shape: tuple, dtype, in_memory: bool) -> np.ndarray:
    path = os.path.join(directory, name)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise ModelError(f"{path}: not a regular file")
        array = np.load(path, mmap_mode=None if in_memory else "r", allow_pickle=False)
    except FileNotFoundError:
        raise ModelError(f"{path}: missing; the model is incomplete") from None
    except (OSError, ValueError, EOFError) as e:
        raise ModelError(f"{path}: not a readable .npy array ({e})") from None
    if array.shape != shape or array.dtype != dtype:
        raise ModelError(
            f"{path}: {array.dtype}{list(array.shape)}, expected {np.dtype(dtype)}{list(shape)}"
            "; the model is damaged"
        )
    return array
