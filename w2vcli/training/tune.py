"""`w2v tune`: the training settings that score best on the user's own evaluation sets,
searched within a time budget by Optuna's TPE sampler (an optional extra:
pip install 'w2vcli[tune]'); the one module that imports Optuna.

The corpus is read once (a Survey); a trial with a larger min_count only drops the rarer
words' ids from it. Each evaluation file is split in two halves, question by question and
pair by pair: the search maximises the score on the first, and the second, never searched
on, is scored beside it, so that settings that fit the first half by chance show. The
score is the mean of the analogy accuracy over all questions (one whose words the vectors
lack is wrong: a higher min_count must not score by dropping hard questions) and the
Spearman correlation over all pairs (an unknown pair's similarity is 0, gensim's
dummy4unknown).

The trials are kept in an Optuna journal, a file of JSON lines, so that `resume` goes on
with an interrupted search. Trial n's settings are drawn by a sampler seeded with seed + n
from the trials before it, so a resumed search draws what an uninterrupted one would
have, and with threads=1, where training is reproducible, scores the same.
"""

import dataclasses
import hashlib
import math
import os
import shlex
import time
from dataclasses import dataclass

from ..config import TrainConfig
from ..errors import ConfigError, W2VError
from ..io.files import plan_output, text_file
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
JOURNAL_VERSION = 1  # of what a journal's study records: a search of another is refused


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
    state: str  # "done", "cut" (by the budget) or "failed: <why>"

    @property
    def done(self) -> bool:
        return self.state == "done"

    def command(self, corpus: str, output: str = "vectors.txt") -> str:
        """The `w2v train` command that trains this trial's vectors."""
        words = ["w2v", "train", corpus, "-o", output]
        for name, value in self.settings.items():
            words += ["--" + name.replace("_", "-"), _text(value)]
        return shlex.join(words)


@dataclass
class Halves:
    """An evaluation set split in two: the searched half and the held-out half, each a list
    of (path, lines) for the analogy files and for the pair files."""

    search: dict
    held_out: dict

    @classmethod
    def of(cls, analogies=(), pairs=()) -> "Halves":
        if not analogies and not pairs:
            raise ConfigError("give analogies and/or pairs to score the trials on")
        halves = ({"analogies": [], "pairs": []}, {"analogies": [], "pairs": []})
        for kind, paths in (("analogies", analogies), ("pairs", pairs)):
            for path in paths:
                with text_file(os.fspath(path), "--" + kind) as lines:
                    first, second = _split(list(lines), kind)
                halves[0][kind].append((os.fspath(path), first))
                halves[1][kind].append((os.fspath(path), second))
        return cls(*halves)

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
    return halves


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
    for refused in ("read_vocab", "keep"):
        if refused in fixed:
            raise ConfigError(f"{refused}: not with tune, which searches min_count")
    deadline = time.monotonic() + budget
    unknown = set(fixed) - {f.name for f in dataclasses.fields(TrainConfig)}
    if unknown:
        raise ConfigError(f"{', '.join(sorted(unknown))}: not a training setting")
    halves = Halves.of(analogies, pairs)
    _check_journal(journal, resume)  # before the corpus is read: it may take minutes
    fixed.setdefault("seed", TrainConfig.seed)
    counted = {**fixed, "corpus_in": "memory"}  # each trial narrows its ids (with_min_count)
    counted.setdefault("min_count", SPACE["min_count"][0])
    read = survey(corpus, name=name, on_read=on_read, **counted)
    setup = {
        "version": JOURNAL_VERSION,
        "corpus": {"bytes": read.corpus.bytes, "sha256": read.corpus.sha256},
        "analogies": [_sha256(p) for p in analogies],
        "pairs": [_sha256(p) for p in pairs],
        "fixed": fixed,
    }
    study = _study(optuna, journal, resume, setup)
    states = optuna.trial.TrialState
    for stopped in study.get_trials(deepcopy=False, states=[states.RUNNING]):
        study.tell(stopped.number, state=states.FAIL)  # its process was stopped
    found = [_trial_of(t) for t in study.trials if t.state != states.WAITING]
    if not study.trials:  # w2v's defaults first: what the search has to beat
        study.enqueue_trial(_defaults(fixed))
    while time.monotonic() < deadline and (trials is None or len(found) < trials):
        number = len(found)
        study.sampler = optuna.samplers.TPESampler(seed=fixed["seed"] + number)
        asked = study.ask()
        settings = _suggest(asked, fixed)
        started = time.monotonic()

        def progress(words, alpha, loss, number=number):
            if on_progress is not None:
                on_progress(number, words)
            if time.monotonic() > deadline:
                raise OverBudget

        narrowed = read.with_min_count(settings["min_count"])
        rest = {k: v for k, v in counted.items() if k not in settings}
        try:
            model = train(narrowed, on_progress=progress, **settings, **rest)
        except OverBudget:
            state, scores = "cut", (None, None)
        except W2VError as e:  # too few words for a min_count, a run that diverged...
            state, scores = f"failed: {e}", (None, None)
        else:
            state, scores = "done", halves.score(model.vectors)
            del model  # before the next trial's matrices
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


def _suggest(trial, fixed: dict) -> dict:
    """The trial's settings: each searched one drawn, unless fixed."""
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
    for name in ("threads", "seed"):  # in the command, so that it gives the trial's vectors
        if name in fixed:
            settings[name] = fixed[name]
    return settings


def _defaults(fixed: dict) -> dict:
    """w2v train's defaults, as the searched parameters (those fixed are not parameters)."""
    config = TrainConfig(**{k: v for k, v in fixed.items() if k in SEARCHED})
    values = {name: getattr(config, name) for name in SEARCHED}
    values["alpha"] = config.start_alpha
    return {k: v for k, v in values.items() if k not in fixed}


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


def _check_journal(journal, resume: bool) -> None:
    """A search goes on only in a journal that exists, and only when asked."""
    if journal is None:
        if resume:
            raise ConfigError("--resume: give the --journal of the search to go on with")
        return
    path = os.fspath(journal)
    if plan_output(path, "--journal").kind != "file":  # a directory, device... refused there
        raise ConfigError(f"--journal {path}: not a file; give a file name")
    if os.path.exists(path) and not resume:
        raise ConfigError(
            f"{path}: a search is kept there; --resume to go on with it, or give another --journal"
        )
    if resume and not os.path.exists(path):
        raise ConfigError(f"--resume: no search kept in {path}; leave out --resume")


def _study(optuna, journal, resume: bool, setup: dict):
    """A new study, or with `resume` the one in `journal`, if it searched the same."""
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    try:
        storage = None if journal is None else JournalStorage(JournalFileBackend(str(journal)))
        study = optuna.create_study(
            storage=storage, study_name="w2v-tune", direction="maximize", load_if_exists=resume
        )
    except Exception as e:  # the file is data: whatever Optuna makes of one it cannot read
        raise ConfigError(
            f"--journal {journal}: not a search of w2v tune ({type(e).__name__}); give the "
            "file a search kept, or another --journal"
        ) from None
    if resume:
        saved = study.user_attrs.get("setup")
        if saved != _jsonable(setup):
            raise ConfigError(
                f"{journal}: its search was of another corpus, evaluation files or settings "
                f"({_difference(saved, setup)}); give those, or start another --journal"
            )
    else:
        study.set_user_attr("setup", _jsonable(setup))
    return study


def _jsonable(value):
    import json

    return json.loads(json.dumps(value))


def _difference(saved, setup: dict) -> str:
    if not isinstance(saved, dict):
        return "it records none"
    keys = [k for k in setup if saved.get(k) != _jsonable(setup)[k]]
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
        if value is None:
            return None
        found = Score(**value)
        if not all(isinstance(x, float | int | None) for x in (found.analogy, found.pairs)):
            raise TypeError(key)
        return found

    try:
        settings = dict(attrs.get("settings", frozen.params))
        names = {*SEARCHED, "threads", "seed"}
        if not set(settings) <= names or not all(
            isinstance(v, int | float | str) and not isinstance(v, bool) for v in settings.values()
        ):
            raise TypeError("settings")
        state = attrs.get("state", "failed: interrupted")
        if not isinstance(state, str):
            raise TypeError("state")
        return Trial(
            frozen.number,
            settings,
            score("search"),
            score("held_out"),
            float(attrs.get("seconds", 0.0)),
            state,
        )
    except (TypeError, ValueError) as e:
        raise ConfigError(
            f"--journal: trial {frozen.number}'s {e.args[0] if e.args else 'record'} is not as "
            "w2v tune keeps it; the file was edited or damaged: give another --journal"
        ) from None
