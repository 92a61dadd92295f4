"""Snapshots of training, for `w2v plot --animate`: a few words' rows copied as it goes.

`w2v train --snapshots DIR [--snapshot-every N|epoch] [--snapshot-top N] [--watch W,...]`
writes, once training ends:

    DIR/replay.json  format, the words recorded (the --snapshot-top most frequent, then the
                     watched words not among them), the watched words, the corpus's name
                     and the settings, and
                     for each frame the words trained, the epoch, the learning rate and the
                     mean loss since the frame before
    DIR/input.npy    (frames, words, dim) float32: the words' input vectors v_w
    DIR/output.npy   (frames, words, dim) float32: their output vectors v'_w (absent with
                     --loss hs, whose output rows are the Huffman tree's inner nodes)

The first frame is the initial state, the last the final one; between them a frame is
taken by the worker thread whose batch carried the words trained past the next multiple
of N, under the lock it already holds to count its words: a copy of a few hundred rows,
microseconds, while the other threads go on training (Hogwild: the rows may hold half of
another thread's update, as the final vectors may). The animation chooses the watched
words' neighbours among the recorded words from the last frame, as they cannot be known
before training. Written like a model directory: whole or not at all (io.dirs), and
only a directory this module wrote is ever replaced.
"""

import json
import math
import os
import re
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError, W2VError
from ..io import dirs
from .observers import Observer
from .provenance import settings_record
from .trainer import learning_rate

FORMAT, VERSION = "w2v replay", 1
REPLAY_JSON = "replay.json"
FILES = (REPLAY_JSON, "input.npy", "output.npy")
TOP = 1000  # words recorded besides the watched ones: a pool to find their neighbours in
FRAMES = 100  # frames over the run without --snapshot-every
MAX_FRAMES = 5000
MAX_BYTES = 4 << 30  # the recorded rows, both matrices: kept in memory until the end


def parse_every(value: str | None) -> int | str | None:
    """--snapshot-every: "epoch", or a number of words (digits, or with k / M / G)."""
    if value is None or value == "epoch":
        return value
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgG]?)\s*", value)
    words = float(m[1]) * {"": 1, "k": 1e3, "m": 1e6, "g": 1e9}[m[2].lower()] if m else 0
    if words < 1:
        raise ConfigError(
            f"--snapshot-every {value}: give a number of words (100000, 500k, 2M) or epoch"
        )
    return int(words)


class Recorder(Observer):
    """Records a training run's frames: an observer of its fit (w2vcli.training.observers)
    that chooses the rows at the start, copies them after the batches that pass the next
    multiple of `every` words, and writes the directory at the end."""

    def __init__(self, directory, every=None, top: int = TOP, watch=()):
        self.target = check_target(os.fspath(directory))
        self.every, self.top, self.watch = every, top, list(dict.fromkeys(watch))
        if every is not None and every != "epoch" and not isinstance(every, int):
            self.every = parse_every(str(every))

    def start(self, model) -> None:
        """Choose the rows, allot the frames and take the first."""
        words = model.vocab.words
        known = {w: i for i, w in enumerate(words)}
        unknown = [w for w in self.watch if w not in known]
        if unknown:
            raise ConfigError(f"--watch: not in the vocabulary: {', '.join(unknown)}")
        top = min(self.top, len(words))
        self.rows = np.array(
            list(range(top)) + [known[w] for w in self.watch if known[w] >= top], np.int64
        )
        self.words = [words[r] for r in self.rows]
        c = self.config = model.config
        self.w_in, self.w_out, self.hs = model.vectors.matrix, model.output, c.loss == "hs"
        self.total = total = model.corpus.words * c.epochs
        words_done = model.state.words if model.state else 0
        per_epoch = total // c.epochs
        step = {None: math.ceil(total / FRAMES), "epoch": per_epoch}.get(self.every, self.every)
        self.step = max(1, step)
        frames = (total - words_done) // self.step + 2  # and the first and the last
        size = frames * len(self.rows) * c.dim * 4 * (1 if self.hs else 2)
        if frames > MAX_FRAMES or size > MAX_BYTES:
            raise ConfigError(
                f"--snapshot-every {self.every}: {frames:,} frames of {len(self.rows):,} words "
                f"({size / 2**20:,.0f} MiB); give a larger --snapshot-every or a smaller "
                f"--snapshot-top (at most {MAX_FRAMES:,} frames and {MAX_BYTES >> 30} GiB)"
            )
        self.input = np.zeros((frames, len(self.rows), c.dim), np.float32)
        self.output = None if self.hs else np.zeros_like(self.input)
        self.frames, self.meta = 0, []
        self.per_epoch, self.loss, self.examples = per_epoch, 0.0, 0
        self.next_at = (words_done // self.step + 1) * self.step
        self.take(words_done)

    def after_batch(self, words_done: int, loss: float, examples: int) -> None:
        """Called by the trainer's threads, under its lock, after each batch."""
        self.loss, self.examples = self.loss + loss, self.examples + examples
        if words_done >= self.next_at and self.frames < len(self.input) - 1:
            self.take(words_done)
            self.next_at = (words_done // self.step + 1) * self.step

    def take(self, words_done: int) -> None:
        i, c = self.frames, self.config
        self.input[i] = self.w_in[self.rows]
        if self.output is not None:
            self.output[i] = self.w_out[self.rows]
        self.meta.append(
            {
                "words": int(words_done),
                "epoch": round(words_done / max(1, self.per_epoch), 4),
                "alpha": learning_rate(words_done / max(1, self.total), c.start_alpha, c.end_alpha),
                "loss": self.loss / self.examples if self.examples else None,
            }
        )
        self.frames, self.loss, self.examples = i + 1, 0.0, 0

    def finish(self, model) -> None:
        """Write the directory; the run's record says where."""
        settings = settings_record(model.config)
        model.provenance["runs"][-1]["snapshots"] = self.save(settings, model.corpus.name)

    def save(self, settings: dict, corpus: str = "") -> str:
        """Take the last frame (unless just taken) and write the directory; its path."""
        if self.meta[-1]["words"] < self.total or self.frames == 1:
            self.take(self.total)
        described = {
            "format": FORMAT,
            "version": VERSION,
            "words": self.words,
            "watch": self.watch,
            "frames": self.meta,
            "every": self.every,
            "corpus": os.path.basename(corpus) or corpus,
            "settings": settings,
        }
        with dirs.staged(self.target, ours=_ours) as staging:
            n = self.frames
            arrays = {"input.npy": self.input[:n]}
            if self.output is not None:
                arrays["output.npy"] = self.output[:n]
            for name, array in arrays.items():
                dirs.write_array(staging, name, array)
            dirs.write_file(staging, REPLAY_JSON, dirs.json_bytes(described, indent=None))
        return self.target


def is_replay_dir(path: str) -> bool:
    try:
        with open(os.path.join(path, REPLAY_JSON), encoding="utf-8") as f:
            return json.load(f).get("format") == FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def check_target(path: str) -> str:
    """A new name in a folder we can write, or a replay directory w2v wrote (replaced
    whole); returns the real path. Checked before training."""

    return dirs.check_target(path, "--snapshots", _ours, "a replay directory")


def _ours(target: str) -> bool:
    """A replay directory w2v wrote: its marker, and only its files."""
    return is_replay_dir(target) and dirs.only_files(target, FILES.__contains__)


@dataclass
class Replay:
    words: list  # recorded, most frequent first, then watched words
    watch: list
    frames: list  # per frame: {"words", "epoch", "alpha", "loss"}
    input: np.ndarray  # (frames, words, dim)
    output: np.ndarray | None  # the same for the output vectors, or None (hs)
    settings: dict
    corpus: str = ""  # the corpus's file name, as training named it


def load_replay(path: str) -> Replay:
    """Read a directory written by `w2v train --snapshots`, checked: replay.json is a file
    anyone may edit, so its frames are as many as recording allows (MAX_FRAMES, MAX_BYTES)
    and match the arrays, every word is text, and the arrays are regular files."""
    label = f"{path}: "
    try:
        described = json.loads(dirs.read_regular(os.path.join(path, REPLAY_JSON), 64 << 20))
    except (OSError, ValueError, RecursionError) as e:
        raise W2VError(
            f"{label}not a replay directory (w2v train --snapshots DIR writes one): "
            f"{getattr(e, 'strerror', None) or e}"
        ) from None
    if not isinstance(described, dict) or described.get("format") != FORMAT:
        raise W2VError(f"{label}not a replay directory ({REPLAY_JSON} is another file)")
    if described.get("version") != VERSION:
        raise W2VError(f"{label}a replay of another version of w2v; record it again")
    try:
        words, frames = list(described["words"]), list(described["frames"])
        if not 0 < len(frames) <= MAX_FRAMES:
            raise ValueError(f"{len(frames):,} frames, not 1 to {MAX_FRAMES:,}")
        if not all(isinstance(w, str) for w in words):
            raise ValueError("words that are not text")
        if not all(isinstance(f, dict) and dirs.is_count(f.get("words")) for f in frames):
            raise ValueError("a frame without its count of words")
        inputs = _frames_array(os.path.join(path, "input.npy"))
        out_path = os.path.join(path, "output.npy")
        outputs = _frames_array(out_path) if os.path.lexists(out_path) else None
        shape = (len(frames), len(words))
        if inputs.shape[:2] != shape or (outputs is not None and outputs.shape != inputs.shape):
            raise ValueError("the arrays do not match replay.json")
        if inputs.nbytes * (1 if outputs is None else 2) > MAX_BYTES:
            raise ValueError("larger than a recording makes")
        if not all(np.isfinite(a).all() for a in (inputs, outputs) if a is not None):
            raise ValueError("numbers that are not finite, which training never records")
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise W2VError(f"{label}the replay is damaged ({e}); record it again") from None
    watch = described.get("watch") if isinstance(described.get("watch"), list) else []
    settings = described.get("settings") if isinstance(described.get("settings"), dict) else {}
    return Replay(
        words,
        [w for w in watch if isinstance(w, str) and w in set(words)],
        frames,
        inputs,
        outputs,
        settings,
        str(described.get("corpus") or ""),
    )


def _frames_array(path: str) -> np.ndarray:
    """A replay's (frames, words, dim) float32 array, mapped, if it is a regular file."""
    array = dirs.read_npy(path, mmap=True)
    if array.ndim != 3 or array.dtype != np.float32:
        raise ValueError(f"{os.path.basename(path)} is not (frames, words, dim) float32")
    return array
