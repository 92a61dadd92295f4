"""`w2v teach`: the paper (Rong, "word2vec Parameter Learning Explained") step by step,
one training example at a time, on w2v's own kernels.

A Lesson holds a tiny model (a few sentences, a few dozen words, N of 2 to 20) and
trains it with the very functions `w2v train` runs (w2vcli.kernel.kernels: cbow_example and
skipgram_example over the exact softmax, hierarchical softmax or negative sampling),
called one example at a time from Python, in float64 so that the numbers shown are
exact. After each example it reports, in the paper's notation, what the kernel computed:

- the input words w_I and the target w_O; h (the input vector, or CBOW's average);
- for each output row the update touched, its score u_j, its prediction y_j (the
  softmax, or sigma(u_j) for a binary classifier: an inner node of the target's Huffman
  path, or the target and the noise words), the label t_j and the error e_j = y_j - t_j;
- EH = sum_j e_j v'_j, read back from the kernel (which accumulates -eta * EH; a noise
  word drawn twice meets its row already moved once, as in word2vec C);
- the change of W and W' the step made, taken from the matrices before and after:
  v'_j moved by -eta e_j h, and each input vector by -eta EH.

Examples are made as the kernel's batch loop makes them, without its randomness: each
position of each sentence in turn, its context the words within `window` (no shrinking
windows, no sub-sampling), and the learning rate held at `alpha` (word2vec lowers it as
it goes). For skip-gram an example is one (input, output) pair: word2vec applies each of
the C outputs' updates in turn, where the paper sums EI over them first. A context of one
word is the paper's one-word-context model (section 1).

The learning rate is at most MAX_ALPHA (0.5): above it these tiny models soon diverge. A
step whose numbers become NaN or infinite all the same is refused, and the lesson left as
it was before it: a lesson never holds a number that JSON cannot say.
"""

import threading
from dataclasses import dataclass

import numpy as np

from ..config import TEACH
from ..errors import TrainingDiverged, W2VError
from ..io.streams import shown, split_words

ARCHS = ("cbow", "skipgram")
LOSSES = ("softmax", "hs", "ns")
MAX_WORDS = 60  # rows of a heatmap that stay legible
MAX_DIM = 20
MAX_STEPS = 1000  # per request: a page asks for 500 at most
# The learning rate eta, at most 0.5. At 0.75 and 1 the presets' models diverged (|x| past
# 1e40, then NaN) within 40,000 steps in most settings tried; at 0.5, softmax and hs stayed
# within |x| < 300 over 20,000 steps in every one (both presets and architectures, N of 2,
# 5 and 20, windows of 1, 2 and 5), while ns could still grow (to 1e16): Lesson.step's
# check is for those.
MAX_ALPHA = 0.5
DEFAULTS = TEACH

# A few sentences each, after wevi's first example (fruit and drinks) and w2v's own
# Chinese ones: the words used alike come together within a few hundred steps.
PRESETS = {
    "fruit": (
        "Fruit and drinks",
        """drink apple juice
drink orange juice
drink milk
drink water
eat apple
eat orange
eat rice
eat bread
drink juice
eat fruit
""",
    ),
    "zh": (
        "猫咪 狗狗 萨摩耶 柴犬, 中国 北京 法国 巴黎",
        """我 家 的 猫咪 很 可爱
我 家 的 狗狗 很 可爱
萨摩耶 是 一种 狗狗
柴犬 是 一种 狗狗
北京 是 中国 的 首都
巴黎 是 法国 的 首都
""",
    ),
}


@dataclass
class Example:
    inputs: list  # rows of the input words w_I (CBOW's context, or skip-gram's one word)
    target: int  # row of w_O
    sentence: int
    position: int  # of the target in its sentence


def read_text(text: str, name: str) -> tuple:
    """Sentences of rows, and the words by count (most frequent first, as training's
    vocabulary), from a small text: every token kept. Read as `w2v train` reads a corpus
    (w2vcli.text.corpus): a sentence a line (LF), tokens split on ASCII white space and
    NUL only, so that U+3000, U+00A0 or U+2028 stay inside a token."""
    lines = [split_words(line.replace("\0", " ")) for line in text.split("\n")]
    lines = [line for line in lines if line]
    counts = {}
    for line in lines:
        for word in line:
            counts[word] = counts.get(word, 0) + 1
    if len(counts) < 2:
        raise W2VError(f"{name}: give a text of at least two different words")
    if len(counts) > MAX_WORDS:
        raise W2VError(
            f"{name}: {len(counts)} different words; w2v teach shows every row of W and W', "
            f"and takes at most {MAX_WORDS} (a few sentences)"
        )
    words = sorted(counts, key=lambda w: (-counts[w], list(counts).index(w)))
    row = {w: i for i, w in enumerate(words)}
    return [[row[w] for w in line] for line in lines], words, [counts[w] for w in words]


def examples(sentences: list, arch: str, window: int) -> list:
    out = []
    for s, sentence in enumerate(sentences):
        for pos, target in enumerate(sentence):
            context = [
                sentence[j]
                for j in range(max(0, pos - window), min(len(sentence), pos + window + 1))
                if j != pos
            ]
            if not context:
                continue
            if arch == "cbow":
                out.append(Example(context, target, s, pos))
            else:
                out += [Example([c], target, s, pos) for c in context]
    return out


class Lesson:
    """A tiny model trained one example at a time; `state()` is what the page shows."""

    def __init__(self, text: str, name: str = "corpus", **settings):
        from ..kernel import arrays
        from ..training import tables

        unknown = set(settings) - set(DEFAULTS)
        if unknown:
            raise W2VError(f"unknown settings: {', '.join(sorted(unknown))}")
        self.settings = {**DEFAULTS, **settings}
        c = self.settings
        check_settings(c)
        self.name, self.text = name, text
        self.sentences, self.words, self.counts = read_text(text, name)
        self.examples = examples(self.sentences, c["arch"], c["window"])
        if not self.examples:
            raise W2VError(f"{name}: no sentence has two words; nothing to train on")
        v, n = len(self.words), c["dim"]
        rng = np.random.default_rng(c["seed"])
        # As training starts: input vectors uniform in [-1/N, 1/N), output vectors zero.
        # (Zero output vectors make the first updates of W zero: h meets v'_j = 0. The
        # page shows that: W' moves first.)
        self.w_in = (rng.random((v, n)) * 2 - 1) / n
        self.hs = c["loss"] == "hs"
        self.w_out = np.zeros((v - 1 if self.hs else v, n))
        counts = np.array(self.counts, dtype=np.int64)
        codes, points, lengths = tables.huffman_tree(counts)
        noise = tables.noise_distribution(counts, 0.75)
        accept, alias = tables.alias_table(noise)
        kind = {"softmax": arrays.SOFTMAX, "hs": arrays.HS, "ns": arrays.NS}[c["loss"]]
        self.model = arrays.Shared(
            self.w_in, self.w_out, kind, accept, alias, codes, points, lengths,
            np.zeros(v, np.uint8), 1, 0, 0,
        )  # fmt: skip
        negative = c["negative"] if c["loss"] == "ns" else 0
        self.scratch = arrays.make_scratch(self.model, c["window"], negative, c["seed"])
        self.alpha = float(c["alpha"])
        self.done = 0  # examples trained
        self.last = None  # what the last step computed (a dict), None before the first
        self.lock = threading.Lock()  # requests come on threads of their own
        if negative:
            from ..kernel.kernels import draw_negatives

            draw_negatives(self.model, self.scratch)  # as a batch starts: the first's drawn

    def step(self, n: int = 1, alpha: float | None = None) -> dict:
        """Train the next n examples (at the learning rate `alpha`, if given, from now
        on); returns the state after them, showing the last. If the model diverged (its
        numbers, or those of the last example, became NaN or infinite), raises
        TrainingDiverged and leaves the lesson as it was before this call: what a state
        shows is always finite. (NaN and infinities stay in the matrices once there: one
        check after the n examples finds them.)"""
        if alpha is not None:
            check_settings({"alpha": alpha})
        with self.lock:
            saved = self._saved()
            if alpha is not None:
                self.alpha = float(alpha)
            for _ in range(n):
                self.last = self._train_one()
            if n and not self._finite():
                eta = self.alpha
                these, them = (f"these {n:,} examples", "them") if n > 1 else ("this example", "it")
                self._restore(saved)
                raise TrainingDiverged(
                    f"the model diverged within {these} (its numbers became NaN "
                    f"or infinite at eta {eta:g}); the lesson is as it was before {them}: "
                    "restart with a smaller eta (alpha)"
                )
            return self._state()

    def _finite(self) -> bool:
        """Whether the matrices, and all the last example computed, are finite numbers."""
        last = self.last
        numbers = [last[k] for k in ("loss", "h", "scores", "y", "errors", "EH")]
        with np.errstate(all="ignore"):
            numbers += [self.w_in - last["before_in"], self.w_out - last["before_out"]]
            return all(np.isfinite(x).all() for x in [*numbers, self.w_in, self.w_out])

    def _saved(self) -> tuple:
        """What a step changes: the matrices, the kernel's scratch (its random state, the
        noise words drawn ahead), the count, the last example and the learning rate."""
        scratch = [a.copy() for a in self.scratch]
        return self.w_in.copy(), self.w_out.copy(), scratch, self.done, self.last, self.alpha

    def _restore(self, saved: tuple) -> None:
        w_in, w_out, scratch, self.done, self.last, self.alpha = saved
        self.w_in[...], self.w_out[...] = w_in, w_out  # in place: the kernel's arrays
        for array, copy in zip(self.scratch, scratch, strict=True):
            array[...] = copy

    def state(self) -> dict:
        with self.lock:
            return self._state()

    def _train_one(self) -> dict:
        """Train the next example; what it computed (the page's "last")."""
        from ..kernel import kernels

        m, s, alpha = self.model, self.scratch, self.alpha
        example = self.examples[self.done % len(self.examples)]
        before_in, before_out = self.w_in.copy(), self.w_out.copy()
        if self.settings["loss"] == "ns":
            kernels.draw_negatives(m, s)
        negatives = s.negatives.tolist() if self.settings["loss"] == "ns" else []
        if self.settings["arch"] == "cbow":
            s.context[: len(example.inputs)] = example.inputs
            loss = kernels.cbow_example(m, s, len(example.inputs), example.target, alpha, True)
        else:
            loss = kernels.skipgram_example(m, s, example.inputs[0], example.target, alpha, True)
        self.done += 1
        h = s.hidden.copy()
        rows, labels = self._output_rows(example.target, negatives)
        with np.errstate(all="ignore"):  # a diverging model: refused by step, not warned
            scores = before_out[rows] @ h  # the u_j the kernel computed, from W' before
            if self.settings["loss"] == "softmax":
                y = np.exp(scores - scores.max())
                y /= y.sum()
            else:
                y = 1 / (1 + np.exp(-scores))
            errors = y - labels
            eh = -s.grad_hidden / alpha if alpha > 0 else errors @ before_out[rows]
        return {
            "example": example,
            "loss": float(loss),
            "h": h,
            "rows": rows,
            "scores": scores,
            "y": y,
            "labels": labels,
            "errors": errors,
            "EH": eh,
            "alpha": alpha,
            "negatives": negatives,
            "before_in": before_in,
            "before_out": before_out,
        }

    def _output_rows(self, target: int, negatives: list) -> tuple:
        """The rows of W' the example's output layer used, and their labels t_j."""
        loss = self.settings["loss"]
        if loss == "softmax":
            rows = np.arange(len(self.words))
            return rows, (rows == target).astype(float)
        if loss == "hs":
            length = self.model.lengths[target]
            rows = self.model.points[target, :length].astype(np.int64)
            return rows, 1.0 - self.model.codes[target, :length]
        rows = [target] + [k for k in negatives if k != target]  # as kernels.classifiers
        return np.array(rows), np.array([1.0] + [0.0] * (len(rows) - 1))

    def output_labels(self) -> list:
        if not self.hs:
            return list(self.words)
        return [f"n{i}" for i in range(len(self.w_out))]  # the Huffman tree's inner nodes

    def _state(self) -> dict:
        c = self.settings
        next_example = self.examples[self.done % len(self.examples)]
        state = {
            "corpus": self.name,
            "settings": {**c, "alpha": self.alpha},
            "words": self.words,
            "counts": self.counts,
            "output_labels": self.output_labels(),
            "sentences": [[self.words[r] for r in s] for s in self.sentences],
            "examples": len(self.examples),
            "done": self.done,
            "epoch": self.done // len(self.examples),
            "next": describe_example(next_example, self.words),
            "W": self.w_in.tolist(),
            "W_out": self.w_out.tolist(),
            "last": None,
            "map": self._map(),
        }
        if self.last is not None:
            last = self.last
            delta_in = self.w_in - last["before_in"]
            delta_out = self.w_out - last["before_out"]
            changed_in = np.flatnonzero(np.abs(delta_in).sum(axis=1))
            changed_out = np.flatnonzero(np.abs(delta_out).sum(axis=1))
            labels = self.output_labels()
            state["last"] = {
                **describe_example(last["example"], self.words),
                "model": model_name(c["arch"], len(last["example"].inputs)),
                "loss": last["loss"],
                "alpha": last["alpha"],
                "h": last["h"].tolist(),
                "outputs": [
                    {
                        "row": int(r),
                        "label": labels[r],
                        "u": float(u),
                        "y": float(y),
                        "t": float(t),
                        "e": float(e),
                    }
                    for r, u, y, t, e in zip(
                        last["rows"], last["scores"], last["y"], last["labels"], last["errors"]
                    )
                ],
                "EH": last["EH"].tolist(),
                "negatives": [self.words[k] for k in last["negatives"]],
                "delta_W": {str(r): delta_in[r].tolist() for r in changed_in},
                "delta_W_out": {str(r): delta_out[r].tolist() for r in changed_out},
            }
        return state

    def _map(self) -> dict:
        """2-D PCA of the input vectors v_w and the output vectors v'_w together (their
        inner products are the scores), now and before the last step, on the same axes,
        so that arrows show how the step moved them. Of any numbers: the axes are those
        of the vectors scaled by a power of 2 to at most 1 (the same axes, without the
        overflow of huge ones), and a number that is not finite (never in a lesson: see
        Lesson.step) is taken as 0."""
        from .plot import pca_axes

        vectors = finite_or_zero(np.vstack([self.w_in, self.w_out]))
        biggest = float(np.abs(vectors).max())
        scale = float(np.ldexp(1.0, np.frexp(biggest)[1])) if biggest > 0 else 1.0  # exact
        try:
            centre, axes, share = pca_axes(vectors / scale)
        except np.linalg.LinAlgError:  # not seen on finite numbers; the map must not fail
            centre, axes, share = (
                np.zeros(vectors.shape[1]),
                np.eye(2, vectors.shape[1]),
                np.zeros(2),
            )
        centre = centre * scale

        def project(matrix):
            with np.errstate(all="ignore"):
                return finite_or_zero((finite_or_zero(matrix) - centre) @ axes.T).round(6).tolist()

        out = {
            "variance": share.round(4).tolist(),
            "inputs": project(self.w_in),
            "outputs": project(self.w_out),
            "inputs_before": None,
            "outputs_before": None,
        }
        if self.last is not None:
            out["inputs_before"] = project(self.last["before_in"])
            out["outputs_before"] = project(self.last["before_out"])
        return out


def finite_or_zero(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float64)
    return matrix if np.isfinite(matrix).all() else np.where(np.isfinite(matrix), matrix, 0.0)


def describe_example(example: Example, words: list) -> dict:
    return {
        "inputs": [words[r] for r in example.inputs],
        "input_rows": list(example.inputs),
        "target": words[example.target],
        "target_row": example.target,
        "sentence": example.sentence,
        "position": example.position,
    }


def model_name(arch: str, inputs: int) -> str:
    if inputs == 1 and arch == "cbow":
        return "one-word context"
    return "CBOW" if arch == "cbow" else "skip-gram"


def _whole(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_settings(c: dict) -> None:
    """One line naming the setting at fault and its range; the CLI's options, the API's
    and the library's (Lesson) share it, and it is the only statement of the ranges."""
    checks = {
        "arch": lambda v: v in ARCHS,
        "loss": lambda v: v in LOSSES,
        "dim": lambda v: _whole(v) and 2 <= v <= MAX_DIM,
        "window": lambda v: _whole(v) and 1 <= v <= 5,
        # not NaN (no comparison holds), not infinite, not a bool
        "alpha": lambda v: (_whole(v) or isinstance(v, float)) and 0 < v <= MAX_ALPHA,
        "negative": lambda v: _whole(v) and 1 <= v <= 10,
        "seed": lambda v: _whole(v) and 0 <= v < 2**32,
    }
    hints = {
        "arch": " or ".join(ARCHS),
        "loss": ", ".join(LOSSES),
        "dim": f"2 to {MAX_DIM}",
        "window": "1 to 5",
        "alpha": f"above 0, at most {MAX_ALPHA} (larger learning rates diverge)",
        "negative": "1 to 10",
        "seed": "0 to 2**32 - 1",
    }
    for name, value in c.items():
        if name in checks and not checks[name](value):
            raise SettingError(name, value, hints[name])


class SettingError(W2VError):
    """A setting out of its range: `--name value: give range` (the CLI's one line)."""

    def __init__(self, name: str, value, hint: str):
        super().__init__(f"--{name} {shown(str(value))[:40]}: give {hint}")
        self.name, self.value, self.hint = name, value, hint


def lesson_from(preset: str | None, corpus_text: str | None, corpus_name: str, **settings):
    if corpus_text is not None:
        return Lesson(corpus_text, corpus_name, **settings)
    if preset not in PRESETS:
        raise SettingError("preset", preset, f"one of {', '.join(PRESETS)}")
    return Lesson(PRESETS[preset][1], preset, **settings)


# HTTP: w2v serve's server (w2vcli.explore.serve), with this page and these routes.

STATIC = {
    "/": ("teach.html", "text/html; charset=utf-8"),
    "/static/common.js": ("common.js", "text/javascript; charset=utf-8"),
    "/static/common.css": ("common.css", "text/css; charset=utf-8"),
    "/static/teach.js": ("teach.js", "text/javascript; charset=utf-8"),
    "/static/teach.css": ("teach.css", "text/css; charset=utf-8"),
}
INTEGER_SETTINGS = ("dim", "window", "negative", "seed")


def _number(params: dict, name: str, kind=int, low=None, high=None):
    """The number `name` of a request, or None; of `kind`, from `low` to `high` if given
    (a setting's range is check_settings')."""
    from .serve import BadRequest

    value = params.get(name)
    if value is None:
        return None
    try:
        number = kind(value)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise BadRequest(name, f"{what}, not {value[:20]!r}") from None
    if (low is not None and number < low) or (high is not None and number > high):
        raise BadRequest(name, f"from {low} to {high}, not {value[:20]!r}")
    return number


def _settings(params: dict, names=None) -> dict:
    """The settings a request gives (all, or those of `names`), checked: a BadRequest
    naming the first out of its range, and the range."""
    from .serve import BadRequest

    out = {}
    for name in names or DEFAULTS:
        if name not in params:
            continue
        if name in INTEGER_SETTINGS:
            out[name] = _number(params, name)
        elif name == "alpha":
            out[name] = _number(params, name, float)
        else:
            out[name] = params[name]
    try:
        check_settings(out)
    except SettingError as e:
        raise BadRequest(e.name, f"{e.hint}, not {params[e.name][:20]!r}") from None
    return out


class Teacher:
    """What the server holds: the lesson, and how to start another (a preset, or the
    corpus given on the command line: no request names a file)."""

    def __init__(self, lesson: Lesson, corpus_text: str | None = None):
        self.lesson, self.corpus_text = lesson, corpus_text
        self.corpus_name = lesson.name  # the CORPUS's, while the lesson may become a preset
        self.lock = threading.Lock()

    def presets(self) -> dict:
        names = [{"name": k, "title": title} for k, (title, _) in PRESETS.items()]
        if self.corpus_text is not None:
            names.insert(0, {"name": "corpus", "title": self.corpus_name})
        return {"presets": names, "defaults": DEFAULTS, "archs": ARCHS, "losses": LOSSES}

    def restart(self, params: dict) -> dict:
        from .serve import BadRequest

        # the learning rate as it is now (a step may have changed it), unless given
        settings = {**self.lesson.settings, "alpha": self.lesson.alpha, **_settings(params)}
        preset = params.get("preset")
        with self.lock:
            if preset is None:
                text, name = self.lesson.text, self.lesson.name
            elif preset == "corpus" and self.corpus_text is not None:
                text, name = self.corpus_text, self.corpus_name
            elif preset in PRESETS:
                text, name = PRESETS[preset][1], preset
            else:
                raise BadRequest("preset", f"one of {', '.join(self.presets_names())}")
            self.lesson = Lesson(text, name, **settings)
            return self.lesson.state()

    def presets_names(self) -> list:
        return [p["name"] for p in self.presets()["presets"]]

    def step(self, params: dict) -> dict:
        from .serve import BadRequest

        n = _number(params, "n", int, 0, MAX_STEPS)
        alpha = _settings(params, ["alpha"]).get("alpha")
        try:
            return self.lesson.step(1 if n is None else n, alpha)
        except TrainingDiverged as e:  # the lesson as it was: usable, restarted or not
            raise BadRequest("alpha", str(e)) from None


ROUTES = {
    "/api/state": lambda teacher, params: teacher.lesson.state(),
    "/api/step": lambda teacher, params: teacher.step(params),
    "/api/restart": lambda teacher, params: teacher.restart(params),
    "/api/presets": lambda teacher, params: teacher.presets(),
}


def make_server(lesson: Lesson, corpus_text=None, host="127.0.0.1", port=8000, verbose=False):
    """A server of the teaching page and its API for `lesson`; run it with
    serve.serve_forever."""
    from .serve import Server, static_pages

    server = Server(host, port, verbose)
    server.app = Teacher(lesson, corpus_text)
    server.routes, server.pages = ROUTES, static_pages(STATIC)
    return server
