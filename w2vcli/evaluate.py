"""Analogy accuracy and word-pair correlation, with gensim's conventions, numpy only.

Analogies (word2vec C's compute-accuracy, gensim's evaluate_word_analogies): 3CosAdd over
the `restrict` most frequent words; a question with a word outside them is skipped and
counted against coverage. Words are compared upper-cased, as gensim's default
case_insensitive=True: a file word matches the most frequent vocabulary word with the same
upper-case form, and an answer that is a case variant of a question word is passed over.
Word pairs (gensim's evaluate_word_pairs): Spearman and Pearson correlation of cosine
similarity with the human score, pairs with an unknown word skipped. Readers take lines, not
paths; scipy is not needed.
"""

from dataclasses import dataclass

import numpy as np

from .errors import W2VError
from .query import Index, top_rows

GENSIM_TOPN = 5  # gensim looks for its answer among the 5 best candidates


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


def evaluate_analogies(
    index: Index, lines, restrict: int = 30_000, name: str = "analogies"
) -> Analogies:
    """Accuracy per section and in total on `a b c d` lines grouped by `: section` lines."""
    vocab = _upper_vocab(index, restrict)
    sections, questions, invalid = [], [], 0  # questions: (section, a, b, c, d) rows
    for number, line in enumerate(lines, start=1):
        if line.startswith(": "):
            sections.append(Section(line[2:].strip()))
            continue
        words = line.upper().split()
        if len(words) != 4:
            invalid += bool(words)
            continue
        if not sections:
            raise W2VError(f"{name}, line {number}: a question before the first ': section' line")
        sections[-1].questions += 1
        if all(w in vocab for w in words):
            sections[-1].answered += 1
            questions.append([len(sections) - 1] + [vocab[w] for w in words])
    if not any(s.questions for s in sections):
        raise W2VError(f"{name}: no 'a b c d' questions found")
    questions = np.array(questions, dtype=np.int64).reshape(-1, 5)
    solved = _solve(index, questions[:, 1:], restrict)
    for s, correct in zip(questions[:, 0], solved, strict=True):
        sections[s].correct += correct
    return Analogies(sections, _totals(sections), invalid)


def _upper_vocab(index: Index, restrict: int | None) -> dict:
    """Upper-cased word -> row among the first `restrict`, the most frequent variant winning."""
    words = index.words[: index.candidates(restrict)]
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


def evaluate_pairs(index: Index, lines, name: str = "pairs") -> Pairs:
    """Spearman and Pearson correlation on `word1 word2 score` lines (tab or space separated).

    `#` lines are comments; the score is the first number after the two words, so SimLex-999's
    own layout (word1 word2 POS SimLex999 ...) works, and its header line is skipped.
    """
    vocab = _upper_vocab(index, None)
    known, gold, total, invalid = [], [], 0, 0
    for line in lines:
        if line.startswith("#") or not line.strip():
            continue
        fields = line.upper().split()
        score = next((float(f) for f in fields[2:] if _is_number(f)), None)
        if score is None:
            invalid += 1
            continue
        total += 1
        if fields[0] in vocab and fields[1] in vocab:
            known.append((vocab[fields[0]], vocab[fields[1]]))
            gold.append(score)
    if not known:
        raise W2VError(f"{name}: no pair has both words in the vectors ({total} pairs read)")
    model = np.einsum("ij,ij->i", *(index.unit[np.array(known).T]))
    gold = np.array(gold)
    return Pairs(spearman(gold, model), pearson(gold, model), len(known), total, invalid)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    x, y = (np.asarray(v, dtype=np.float64) for v in (x, y))
    x, y = x - x.mean(), y - y.mean()
    # Scaled first, so that tiny or huge values do not under- or overflow the products.
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
