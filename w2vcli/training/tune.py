"""`w2v tune`: the training settings that score best on the user's own evaluation sets,
searched within a time budget by Optuna's TPE sampler (an optional extra:
pip install 'w2vcli[tune]'); the one module that imports Optuna.

The corpus is read once (a Survey); a trial with a larger min_count only drops the rarer
words' ids from it. Each evaluation file is split in two halves, question by question and
pair by pair: the search maximises the score on the first, and the second, never searched
on, is scored beside it, so that settings that fit the first half by chance show. The
score is the mean of the analogy accuracy over all questions (one with a word the vectors
lack, or outside their 30,000 most frequent, is wrong: a higher min_count must not score
by dropping hard questions) and the Spearman correlation over all pairs (an unknown
pair's similarity is 0, gensim's dummy4unknown).

The trials are kept in an Optuna journal, a file of JSON lines, so that `resume` goes on
with a search. The n-th trial drawn is drawn by a sampler seeded with (seed, n) from the
trials finished before it, and a trial cut by the budget or interrupted is trained again
first; so a resumed search draws what an uninterrupted one would have, and with
threads=1, where training is reproducible, scores the same.
"""

import dataclasses
import hashlib
import json
import math
import os
import shlex
import time
from dataclasses import dataclass

import numpy as np

from ..config import TrainConfig, option_of
from ..errors import ConfigError, W2VError
from ..io.files import plan_output, text_file
from ..vectors.vectors import Vectors
from .pipeline import survey, train

# The settings searched and their ranges: those that matter most for word2vec's quality
# (Levy, Goldberg and Dagan 2015; Mikolov et al. 2013). A setting given is fixed instead.
SPACE = {
    "arch": ["cbow", "skipgram"],
    "loss": ["ns", "hs"],
    "dim": (50, 300, 50),  # low, high, step
    "window": (2, 10),
    "negative": (2, 20),  # with loss ns only
    "sample": (1e-5, 1e-2),  # log scale, 2 significant digits
    "epochs": (2, 15),
    "min_count": (2, 20),
    "alpha": (0.005, 0.1),  # log scale, 2 significant digits
}
SEARCHED = tuple(SPACE)
UNTRAINED = ("corpus_in", "tmp_dir")  # where the ids are kept: not in a trial's command
JOURNAL_VERSION = 1  # of what a journal's study records: a search of another is refused
STUDY = "w2v-tune"  # the study's name in its journal


class OverBudget(Exception):
    """A trial still training when the budget ran out."""


@dataclass
class Score:
    """A half's score: the mean of those of analogy (accuracy over all its questions, 0-1)
    and pairs (Spearman over all pairs) it has."""

    analogy: float | None
    pairs: float | None

    @property
    def value(self) -> float:
        parts = [x for x in (self.analogy, self.pairs) if x is not None]
        return sum(parts) / len(parts)


@dataclass
class Trial:
    """One trial of a search: its settings, its scores, how long it took, how it ended."""

    number: int
    settings: dict  # the searched settings (and those fixed), as w2v train's options
    search: Score | None  # on the searched half; None unless it finished
    held_out: Score | None
    seconds: float
    state: str  # "done", "cut" (by the budget), "interrupted", or "failed: <why>"

    @property
    def done(self) -> bool:
        return self.state == "done"

    @property
    def drawn(self) -> bool:
        """Whether it counts as a trial of the search: one cut or interrupted is run again."""
        return self.state not in ("cut", "interrupted")

    def command(self, corpus: str, output: str = "vectors.txt") -> str:
        """The `w2v train` command that trains this trial's vectors: every setting it had."""
        words = ["w2v", "train", corpus, "-o", output]
        for name, value in self.settings.items():
            option = option_of(name)
            if "/" in option:  # --shrink-windows/--no-shrink-windows
                words.append(option.split("/")[0 if value else 1])
            elif isinstance(value, bool):  # --force-softmax
                words += [option] if value else []
            elif value is not None:
                words += [option, _text(value)]
        return shlex.join(words)


@dataclass
class Halves:
    """An evaluation set split in two: the searched half and the held-out half, each a list
    of (path, lines) for the analogy files and for the pair files."""

    search: dict
    held_out: dict

    @classmethod
    def of(cls, analogies=(), pairs=()) -> "Halves":
        """The files split, and checked now, before any trial trains: each half must
        have questions or pairs that read."""
        if not analogies and not pairs:
            raise ConfigError("give analogies and/or pairs to score the trials on")
        halves = ({"analogies": [], "pairs": []}, {"analogies": [], "pairs": []})
        for kind, paths in (("analogies", analogies), ("pairs", pairs)):
            for path in map(os.fspath, paths):
                with text_file(path, "--" + kind) as lines:
                    first, second, count = _split(list(lines), kind)
                if count < 2:
                    what = ("question" if kind == "analogies" else "pair") + "s" * (count != 1)
                    raise ConfigError(
                        f"--{kind} {path}: {count} {what}; tune needs two or more, one half "
                        "searched and one held out"
                    )
                halves[0][kind].append((path, first))
                halves[1][kind].append((path, second))
        found = cls(*halves)
        nothing = Vectors(["\n"], np.zeros((1, 1), np.float32))  # a word no line holds
        found.score(nothing)  # a file without a question or pair that reads is refused
        return found

    def score(self, vectors) -> tuple:
        return _score(vectors, self.search), _score(vectors, self.held_out)


def _split(lines: list, kind: str) -> tuple:
    """Every other question or pair to each half; an analogy file's ': section' lines to
    both, so that each half has questions of every section."""
    halves, n = ([], []), 0
    for line in lines:
        if line.startswith(": " if kind == "analogies" else "#"):
            halves[0].append(line)
            halves[1].append(line)
        elif line.strip():
            halves[n % 2].append(line)
            n += 1
    return (*halves, n)


def _score(vectors, half: dict) -> Score:
    analogy = pairs = None
    if half["analogies"]:
        correct = questions = 0
        for path, lines in half["analogies"]:
            for section in vectors.evaluate_analogies(lines, name=path).sections:
                correct, questions = correct + section.correct, questions + section.questions
        analogy = correct / questions
    if half["pairs"]:
        rhos = [vectors.evaluate_pairs(lines, path, 0.0).spearman for path, lines in half["pairs"]]
        pairs = sum(0.0 if math.isnan(r) else r for r in rhos) / len(rhos)  # NaN: all alike
    return Score(analogy, pairs)


def tune(
    corpus,
    *,
    analogies=(),
    pairs=(),
    budget: float = 1800,
    trials: int | None = None,
    journal=None,
    resume: bool = False,
    name: str | None = None,
    on_trial=None,
    on_progress=None,
    on_read=None,
    **fixed,
) -> list:
    """Search the training settings for `corpus` that score best on `analogies` and `pairs`
    (paths), for `budget` seconds or `trials` trials in all, whichever ends first; return
    every Trial, in order. `fixed`: TrainConfig's fields, not searched (threads, seed, and
    any of SEARCHED given). `journal`: the file the trials are kept in (none: in memory),
    which `resume` goes on with. `on_trial(trial, trials)` after each (`trials`: all so
    far); `on_progress(trial_number, words)` while one trains; `on_read` as train's.

    The first trial of a search trains w2v's defaults, which the others are measured
    against.
    """
    optuna = _optuna()
    deadline = time.monotonic() + budget
    _check_fixed(corpus, fixed)
    halves = Halves.of(analogies, pairs)
    study = _open(optuna, journal, resume)  # before the corpus is read: it may take minutes
    fixed.setdefault("seed", TrainConfig.seed)
    counted = {**fixed, "corpus_in": "memory"}  # each trial narrows its ids (with_min_count)
    counted.setdefault("min_count", SPACE["min_count"][0])
    read = survey(corpus, name=name, on_read=on_read, **counted)
    setup = _jsonable(
        {
            "version": JOURNAL_VERSION,
            "corpus": {"bytes": read.corpus.bytes, "sha256": read.corpus.sha256},
            "analogies": [_sha256(p) for p in analogies],
            "pairs": [_sha256(p) for p in pairs],
            "fixed": fixed,
        }
    )
    if study is None:
        study = _create(optuna, journal, setup)
    elif study.user_attrs.get("setup") != setup:
        raise ConfigError(
            f"--journal {journal}: its search was of another corpus, evaluation files or "
            f"settings ({_difference(study.user_attrs.get('setup'), setup)}); give those, "
            "or start another --journal"
        )
    found = _resumed(optuna, study)
    while time.monotonic() < deadline and (trials is None or sum(t.drawn for t in found) < trials):
        drawn = sum(t.drawn for t in found)
        study.sampler = optuna.samplers.TPESampler(seed=_seed(fixed["seed"], drawn))
        asked = study.ask()
        number = asked.number
        settings = _suggest(asked, fixed)
        asked.set_user_attr("settings", settings)  # an interrupted trial's too
        started = time.monotonic()

        def progress(words, alpha, loss, number=number):
            if on_progress is not None:
                on_progress(number, words)
            if time.monotonic() > deadline:
                raise OverBudget

        rest = {k: v for k, v in counted.items() if k not in settings}
        try:
            narrowed = read.with_min_count(settings["min_count"])
            model = train(narrowed, on_progress=progress, **settings, **rest)
            state, scores = "done", halves.score(model.vectors)
            del model, narrowed  # before the next trial's
        except OverBudget:
            state, scores = "cut", (None, None)
        except W2VError as e:  # too few words for a min_count, a run that diverged...
            state, scores = f"failed: {e}", (None, None)
        trial = Trial(number, settings, *scores, time.monotonic() - started, state)
        _tell(optuna, study, asked, trial)
        found.append(trial)
        if on_trial is not None:
            on_trial(trial, found)
    return found


def best(found: list) -> Trial | None:
    """The trial that scored best on the searched half (the first of equals)."""
    done = [t for t in found if t.done]
    return max(done, key=lambda t: t.search.value) if done else None


def _check_fixed(corpus, fixed: dict) -> None:
    unknown = set(fixed) - {f.name for f in dataclasses.fields(TrainConfig)}
    if unknown:
        raise ConfigError(f"{', '.join(sorted(unknown))}: not a training setting")
    for refused in ("read_vocab", "keep"):
        if refused in fixed:
            raise ConfigError(f"{refused}: not with tune, which searches min_count")
    if fixed.get("corpus_in", "memory") != "memory":
        raise ConfigError("corpus_in: tune holds the corpus's ids in memory, for every trial")
    if isinstance(corpus, str | os.PathLike) and os.path.isdir(corpus):
        raise ConfigError(
            f"{os.fspath(corpus)}: a directory; tune reads a text corpus (a prepared "
            "directory's vocabulary is fixed, and tune searches min_count)"
        )


def _suggest(trial, fixed: dict) -> dict:
    """The trial's settings: each searched one drawn, unless fixed; then the others fixed,
    so that its command trains its vectors."""
    settings = {}

    def pick(name, draw):
        settings[name] = fixed[name] if name in fixed else draw()

    pick("arch", lambda: trial.suggest_categorical("arch", SPACE["arch"]))
    pick("loss", lambda: trial.suggest_categorical("loss", SPACE["loss"]))
    low, high, step = SPACE["dim"]
    pick("dim", lambda: trial.suggest_int("dim", low, high, step=step))
    pick("window", lambda: trial.suggest_int("window", *SPACE["window"]))
    if settings["loss"] == "ns":
        pick("negative", lambda: trial.suggest_int("negative", *SPACE["negative"]))
    pick("sample", lambda: _rounded(trial.suggest_float("sample", *SPACE["sample"], log=True)))
    pick("epochs", lambda: trial.suggest_int("epochs", *SPACE["epochs"]))
    pick("min_count", lambda: trial.suggest_int("min_count", *SPACE["min_count"]))
    pick("alpha", lambda: _rounded(trial.suggest_float("alpha", *SPACE["alpha"], log=True)))
    others = {k: v for k, v in fixed.items() if k not in SEARCHED and k not in UNTRAINED}
    return {**settings, **others}


def _defaults(fixed: dict) -> dict:
    """w2v train's defaults, as the searched parameters (those fixed are not parameters)."""
    config = TrainConfig(**{k: v for k, v in fixed.items() if k in SEARCHED})
    values = {name: getattr(config, name) for name in SEARCHED}
    values["alpha"] = config.start_alpha
    return {k: v for k, v in values.items() if k not in fixed}


def _seed(seed: int, n: int) -> int:
    """The sampler's seed for the n-th trial drawn: independent for every (seed, n), where
    seed + n would make seed 2's trials seed 1's, one later."""
    return int(np.random.SeedSequence([seed, n]).generate_state(1)[0])


def _rounded(x: float) -> float:
    """Two significant digits: a command a person can read gives the same vectors."""
    return float(f"{x:.2g}")


def _text(value) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def _sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _optuna():
    try:
        import optuna
    except ImportError:
        raise ConfigError("w2v tune needs Optuna: pip install 'w2vcli[tune]'") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # the trials are ours to tell
    return optuna


def _open(optuna, journal, resume: bool):
    """With `resume`, the search kept in `journal`, read (nothing written to it yet);
    else None, once it is sure a new one can start there."""
    if journal is None:
        if resume:
            raise ConfigError("--resume: give the --journal of the search to go on with")
        return None
    path = os.fspath(journal)
    if plan_output(path, "--journal").kind != "file":  # a directory, device... refused there
        raise ConfigError(f"--journal {path}: not a file; give a file name")
    if not resume:
        if os.path.exists(path):
            raise ConfigError(
                f"--journal {path}: a search is kept there; --resume to go on with it, or "
                "give another --journal"
            )
        return None
    if not os.path.exists(path):
        raise ConfigError(f"--resume: no search kept in {path}; leave out --resume")
    _check_lines(path)
    try:
        return optuna.load_study(study_name=STUDY, storage=_storage(path))
    except Exception as e:  # the file is data: whatever Optuna makes of one it cannot read
        raise ConfigError(
            f"--journal {path}: not a search of w2v tune ({type(e).__name__}); give the file "
            "a search kept, or another --journal"
        ) from None


def _check_lines(path: str) -> None:
    """A journal whose every line is JSON, ended: Optuna would append after a line cut
    off (a write stopped by a crash), and the file would then be unreadable."""
    with open(path, "rb") as f:
        data = f.read()
    if data and not data.endswith(b"\n"):
        raise ConfigError(
            f"--journal {path}: its last line is cut off; remove it to go on, or give "
            "another --journal"
        )
    for number, line in enumerate(data.split(b"\n"), 1):
        try:
            json.loads(line) if line else None
        except ValueError:
            raise ConfigError(
                f"--journal {path}, line {number:,}: not a JSON line (cut off, or edited); "
                "remove it to go on, or give another --journal"
            ) from None


def _storage(path: str):
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    return JournalStorage(JournalFileBackend(path))


def _create(optuna, journal, setup: dict):
    """A new search, kept in `journal` if given, its first trial w2v's defaults."""
    storage = None if journal is None else _storage(os.fspath(journal))
    study = optuna.create_study(storage=storage, study_name=STUDY, direction="maximize")
    study.set_user_attr("setup", setup)
    study.enqueue_trial(_defaults(setup["fixed"]))  # what the search has to beat
    return study


def _resumed(optuna, study) -> list:
    """The trials a resumed search kept; one stopped while it trained (its process killed,
    or Ctrl-C) is marked interrupted, and the last, if cut or interrupted, is queued to
    be trained again."""
    states = optuna.trial.TrialState
    for stopped in study.get_trials(deepcopy=False, states=[states.RUNNING]):
        study.tell(stopped.number, state=states.FAIL)
    frozen = study.get_trials(deepcopy=False, states=[s for s in states if s != states.WAITING])
    found = [_trial_of(t) for t in frozen]
    waiting = study.get_trials(deepcopy=False, states=[states.WAITING])
    if found and not found[-1].drawn and not waiting:
        study.enqueue_trial(frozen[-1].params)
    return found


def _jsonable(value):
    return json.loads(json.dumps(value))


def _difference(saved, setup: dict) -> str:
    if not isinstance(saved, dict):
        return "it records none"
    keys = [k for k in setup if saved.get(k) != setup[k]]
    return ", ".join(keys) or "its version"


def _tell(optuna, study, asked, trial: Trial) -> None:
    for key, value in (
        ("settings", trial.settings),
        ("search", dataclasses.asdict(trial.search) if trial.search else None),
        ("held_out", dataclasses.asdict(trial.held_out) if trial.held_out else None),
        ("seconds", trial.seconds),
        ("state", trial.state),
    ):
        asked.set_user_attr(key, value)
    if trial.done:
        study.tell(asked, trial.search.value)
    else:
        study.tell(asked, state=optuna.trial.TrialState.FAIL)


def _trial_of(frozen) -> Trial:
    """A Trial as a journal keeps it, checked: the file is data a person can edit, and
    its settings become a command."""
    attrs = frozen.user_attrs

    def score(key):
        value = attrs.get(key)
        found = Score(**value)
        numbers = [x for x in (found.analogy, found.pairs) if x is not None]
        if not numbers or not all(isinstance(x, float | int) and math.isfinite(x) for x in numbers):
            raise TypeError(key)
        return found

    try:
        settings = dict(attrs.get("settings", frozen.params))
        names = {f.name for f in dataclasses.fields(TrainConfig)} - set(UNTRAINED)
        if not set(settings) <= names or not all(
            v is None or isinstance(v, int | float | str | bool) for v in settings.values()
        ):
            raise TypeError("settings")
        state = attrs.get("state", "interrupted")
        if not isinstance(state, str):
            raise TypeError("state")
        scores = (score("search"), score("held_out")) if state == "done" else (None, None)
        return Trial(frozen.number, settings, *scores, float(attrs.get("seconds", 0.0)), state)
    except (TypeError, ValueError) as e:
        raise ConfigError(
            f"--journal: trial {frozen.number}'s {e.args[0] if e.args else 'record'} is not as "
            "w2v tune keeps it; the file was edited or damaged: give another --journal"
        ) from None
