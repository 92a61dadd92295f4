"""What `w2v train --watch` and `--eval-analogies` say at the start and after each epoch.

The watched words' nearest neighbours (query.nearest) and the analogy accuracy
(evaluate.evaluate_analogies) of the vectors as they are at that moment, computed on a
unit-normalised copy (query.Index), so training is not disturbed. Numpy only. `Watch` is
the observer of a run's fit; `EpochReport` makes its lines.
"""

from ..errors import ConfigError
from ..io.streams import quantity
from ..vectors.evaluate import read_analogies, score_analogies
from ..vectors.query import Index, nearest
from .observers import Observer

NEIGHBOURS = 8  # shown per watched word
ANALOGY_RESTRICT = 30_000  # as `w2v evaluate`, word2vec C and gensim


class EpochReport:
    """Checks the watched words and reads the analogy file against the vocabulary up front,
    then gives report lines for any state of the vectors."""

    def __init__(self, vocab_words: list, watch=(), analogies=None, analogies_name=""):
        self.words = vocab_words
        self.watch = list(dict.fromkeys(watch))
        known = set(vocab_words) if self.watch else set()
        unknown = [w for w in self.watch if w not in known]
        if unknown:
            raise ConfigError(
                f"--watch: not in the vocabulary: {', '.join(unknown)} (absent from the corpus "
                "or rarer than --min-count)"
            )
        self.scores = []  # {"accuracy", "answered", "questions"} of each analogy evaluation
        self.analogies = None  # evaluate.Questions
        if analogies is not None:
            self.analogies = read_analogies(
                vocab_words, analogies, ANALOGY_RESTRICT, analogies_name
            )

    def __bool__(self):
        return bool(self.watch) or self.analogies is not None

    def lines(self, vectors, label: str) -> list:
        """One line per watched word, then one for the analogies, each starting with label."""
        if not vectors.any():
            return [f"{label}  (the vectors are all zero: output vectors start at zero)"]
        index = Index(self.words, vectors)
        out = []
        if self.watch:
            rows = [index.rows[w] for w in self.watch]
            for word, hits in zip(self.watch, nearest(index, rows, NEIGHBOURS), strict=True):
                shown = ", ".join(f"{index.words[r]} {s:.2f}" for r, s in hits)
                out.append(f"{label}  {word}: {shown}")
        if self.analogies is not None:
            result = score_analogies(index, self.analogies, ANALOGY_RESTRICT)
            total = result.totals[-1]
            self.scores.append(
                {
                    "accuracy": round(total.accuracy, 2) if total.answered else None,
                    "answered": total.answered,
                    "questions": total.questions,
                }
            )
            if not total.answered:
                out.append(
                    f"{label}  analogies: none of the {quantity(total.questions, 'question')} "
                    "has all four words in the vocabulary"
                )
                return out
            parts = [f"{s.name} {s.accuracy:.1f}%" for s in result.totals[:-1]]
            out.append(
                f"{label}  analogies: {total.accuracy:.1f}% of {total.answered:,} answered "
                f"({total.answered / total.questions:.0%} of {total.questions:,})"
                + (f"; {', '.join(parts)}" if parts else "")
            )
        return out


class Watch(Observer):
    """--watch WORDS and --eval-analogies FILE as an observer: the report of the vectors
    `which` (--output-vectors: in, out, sum) at the start and after each epoch, each line
    handed to `say`; each analogy score also added to the run's record (evaluations)."""

    def __init__(self, words=(), analogies: str | None = None, which: str = "in", say=print):
        self.words, self.analogies, self.which, self.say = list(words), analogies, which, say
        self.wanted = bool(self.words) or analogies is not None
        self.report = None
        if analogies:  # its form checked now; its words once the vocabulary is known
            self._report([], ())

    def _report(self, vocab_words: list, words) -> EpochReport:
        if not self.analogies:
            return EpochReport(vocab_words, words)
        from ..io.files import text_file

        label = f"--eval-analogies {self.analogies}"
        with text_file(self.analogies, "--eval-analogies") as lines:
            return EpochReport(vocab_words, words, lines, label)

    def start(self, model) -> None:
        self.report = self._report(model.vocab.words, self.words)
        self._tell(model, "start")  # as initialised

    def after_epoch(self, epoch: int, model) -> None:
        loss = model.epoch_losses[-1]
        self._tell(model, f"epoch {epoch + 1}/{model.config.epochs} (loss {loss:.4f})")

    def _tell(self, model, label: str) -> None:
        report = self.report
        if not report:
            return
        lines = report.lines(model.vectors_of(self.which), label)
        if report.analogies is not None:
            record = model.provenance["runs"][-1]
            record.setdefault("evaluations", []).append(
                {"at": label.split(" (")[0], "analogies": self.analogies, **report.scores[-1]}
            )
        for line in lines:
            self.say(line)
