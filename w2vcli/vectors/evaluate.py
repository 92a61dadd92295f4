"""Analogy accuracy and word-pair correlation, with gensim's conventions, numpy only.

Analogies (word2vec C's compute-accuracy, gensim's evaluate_word_analogies): 3CosAdd over
the `restrict` most frequent words; a question with a word outside them is skipped and
counted against coverage. Words are compared upper-cased, as gensim's default
case_insensitive=True: a file word matches the most frequent vocabulary word with the same
upper-case form, and an answer that is a case variant of a question word is passed over.
Word pairs (gensim's evaluate_word_pairs): Spearman and Pearson correlation of cosine
similarity with the human score, pairs with an unknown word skipped. Readers take lines, not
paths; scipy is not needed. Lines are split on ASCII white space only, as everywhere in
w2v; a score that is not a finite number (nan, inf, 1e999) is refused, naming the line.
"""

import math
from array import array
from dataclasses import dataclass

import numpy as np

from ..errors import W2VError
from ..io.streams import quantity, split_words
from .query import Index, top_rows

GENSIM_TOPN = 5  # gensim looks for its answer among the 5 best candidates
PAIRS_AT_ONCE = 1 << 16  # pairs whose two vectors are gathered at once


@dataclass
class Section:
    name: str
    correct: int = 0
    answered: int = 0  # questions whose four words are all known
    questions: int = 0

    @property
    def accuracy(self) -> float:
        return 100 * self.correct / self.answered if self.answered else float("nan")

    def add(self, other: "Section") -> None:
        self.correct += other.correct
        self.answered += other.answered
        self.questions += other.questions


@dataclass
class Analogies:
    sections: list  # Section per ': name' header, in file order
    totals: list  # semantic and syntactic (questions-words files only), then total
    invalid_lines: int  # lines that are not four words, skipped like gensim


@dataclass
class Pairs:
    spearman: float
    pearson: float
    answered: int
    pairs: int
    invalid_lines: int  # lines without two words and a number


# An analogy file's sections (questions-words.txt has 14, BATS 40), each a Section: bounded,
# as a file of ': a' lines would otherwise make millions.
MAX_SECTIONS = 10_000


@dataclass
class Questions:
    """An analogy file read against a vocabulary, to score at any state of the vectors."""

    sections: list  # Section per ': name' line, questions and answered counted
    rows: np.ndarray  # (Q, 5) int32: section, a, b, c, d rows of the answerable questions
    invalid_lines: int


def evaluate_analogies(
    index: Index, lines, restrict: int = 30_000, name: str = "analogies"
) -> Analogies:
    """Accuracy per section and in total on `a b c d` lines grouped by `: section` lines."""
    return score_analogies(index, read_analogies(index.words, lines, restrict, name), restrict)


def read_analogies(words: list, lines, restrict: int = 30_000, name: str = "analogies"):
    """The questions of `lines` whose four words are among the `restrict` first `words`, as
    rows (int32, five a question: nothing per question is a Python object)."""
    vocab = _upper_vocab(words, restrict)
    sections, rows, invalid = [], array("i"), 0
    for number, line in enumerate(lines, start=1):
        if line.startswith(": "):
            if len(sections) == MAX_SECTIONS:
                raise W2VError(f"{name}, line {number:,}: more than {MAX_SECTIONS:,} sections")
            sections.append(Section(line[2:].strip()))
            continue
        question = [w.upper() for w in split_words(line)]
        if len(question) != 4:
            invalid += bool(question)
            continue
        if not sections:
            raise W2VError(f"{name}, line {number}: a question before the first ': section' line")
        sections[-1].questions += 1
        if all(w in vocab for w in question):
            sections[-1].answered += 1
            rows.extend([len(sections) - 1] + [vocab[w] for w in question])
    if not any(s.questions for s in sections):
        raise W2VError(f"{name}: no 'a b c d' questions found")
    return Questions(sections, np.frombuffer(rows, np.int32).reshape(-1, 5), invalid)


def score_analogies(index: Index, questions: Questions, restrict: int = 30_000) -> Analogies:
    """The accuracy of `index`'s vectors on questions read by `read_analogies`."""
    sections = [Section(s.name, 0, s.answered, s.questions) for s in questions.sections]
    rows = questions.rows.astype(np.int64)
    for s, correct in zip(rows[:, 0], _solve(index, rows[:, 1:], restrict), strict=True):
        sections[s].correct += correct
    return Analogies(sections, _totals(sections), questions.invalid_lines)


def _upper_vocab(words: list, restrict: int | None) -> dict:
    """Upper-cased word -> row among the first `restrict`, the most frequent variant winning."""
    words = words[:restrict]
    return {w.upper(): i for i, w in reversed(list(enumerate(words)))}


def _solve(index: Index, questions: np.ndarray, restrict: int) -> list:
    """Whether each (a, b, c, d) question is answered d, exactly as gensim decides it."""
    candidates = index.unit[: index.candidates(restrict)]
    correct = []
    for part in index.chunks(len(questions), restrict):
        a, b, c, d = questions[part].T
        scores = (index.unit[b] - index.unit[a] + index.unit[c]) @ candidates.T
        scores[np.arange(len(a))[:, None], questions[part, :3]] = -np.inf
        best_rows = top_rows(scores, GENSIM_TOPN)
        for (qa, qb, qc, qd), best in zip(questions[part], best_rows, strict=True):
            inputs = {index.words[q].upper() for q in (qa, qb, qc)}
            predicted = None
            for row in best:  # the first candidate that is not a case variant of an input
                predicted = index.words[row].upper()
                if predicted not in inputs:
                    break
            correct.append(predicted == index.words[qd].upper())
    return correct


def _totals(sections: list) -> list:
    """Semantic and syntactic totals (word2vec C's split: sections named gram*), then total."""
    total = Section("total")
    semantic, syntactic = Section("semantic"), Section("syntactic")
    for s in sections:
        total.add(s)
        (syntactic if s.name.startswith("gram") else semantic).add(s)
    return [semantic, syntactic, total] if semantic.questions and syntactic.questions else [total]


def evaluate_pairs(index: Index, lines, name: str = "pairs", unknown: float | None = None) -> Pairs:
    """Spearman and Pearson correlation on `word1 word2 score` lines (tab or space separated).

    `#` lines are comments; the score is the first number after the two words, so SimLex-999's
    own layout (word1 word2 POS SimLex999 ...) works, and its header line is skipped. A pair
    with a word not in the vectors is skipped, or with `unknown` given, scored that
    similarity (gensim's dummy4unknown: 0), so that fewer words known scores lower.
    """
    vocab = _upper_vocab(index.words, None)
    known, gold, total, invalid = array("q"), array("d"), 0, 0  # no object per pair
    for number, line in enumerate(lines, start=1):
        if line.startswith("#") or not line.strip():
            continue
        fields = [w.upper() for w in split_words(line)]
        score = next((x for x in map(_number, fields[2:]) if x is not None), None)
        if score is None:
            invalid += 1
            continue
        if not math.isfinite(score):
            raise W2VError(f"{name}, line {number:,}: the score is not a finite number")
        total += 1
        if fields[0] in vocab and fields[1] in vocab:
            known.extend((vocab[fields[0]], vocab[fields[1]]))
            gold.append(score)
        elif unknown is not None:
            known.extend((-1, -1))
            gold.append(score)
    rows = np.frombuffer(known, np.int64).reshape(-1, 2)
    answered = int((rows[:, 0] >= 0).sum())
    if not answered and (unknown is None or not total):
        raise W2VError(
            f"{name}: no pair has both words in the vectors ({quantity(total, 'pair')} read)"
        )
    model = np.concatenate(  # in parts: all pairs' vectors at once could be gigabytes
        [
            np.einsum("ij,ij->i", index.unit[part[:, 0]], index.unit[part[:, 1]])
            for part in np.array_split(rows, max(1, len(rows) // PAIRS_AT_ONCE))
        ]
    )
    if unknown is not None:  # the pairs with an unknown word
        model[rows[:, 0] < 0] = unknown
    gold = np.frombuffer(gold, np.float64)
    return Pairs(spearman(gold, model), pearson(gold, model), answered, total, invalid)


def _number(text: str) -> float | None:
    """The number a field spells in ASCII (so not '١٢' nor '1_000'; 'nan' and 'inf' are
    numbers here, to be refused), or None."""
    if not text.isascii() or "_" in text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson's r; NaN, without a warning, when either side is constant (r is undefined)."""
    x, y = (np.asarray(v, dtype=np.float64) for v in (x, y))
    if len(x) < 2 or x.min() == x.max() or y.min() == y.max():
        return float("nan")
    # Scaled before centring and again after, so that neither the mean of values near the
    # float64 limit nor the products of tiny or huge values under- or overflow.
    x, y = x / np.abs(x).max(), y / np.abs(y).max()
    x, y = x - x.mean(), y - y.mean()
    x, y = x / np.abs(x).max(), y / np.abs(y).max()
    return float(x @ y / np.sqrt((x @ x) * (y @ y)))


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    return pearson(rank(x), rank(y))


def rank(x: np.ndarray) -> np.ndarray:
    """Ranks from 1, ties given their average rank (scipy.stats.rankdata's default)."""
    x = np.asarray(x)
    order = np.argsort(x, kind="stable")
    ordered = x[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])  # first of each tie
    counts = np.diff(np.r_[starts, len(x)])
    average = starts + (counts + 1) / 2  # 1-based mean of positions start .. start+count-1
    ranks = np.empty(len(x))
    ranks[order] = np.repeat(average, counts)
    return ranks
