"""word2vec training in plain Python and numpy: the reference the kernels are checked against.

Written from Rong's paper and word2vec C's behaviour as ../shared/docs/word2vec.md states
them, not from w2vcli.kernel.kernels; only the trees and tables whose own tests check them
are taken from w2vcli.training.tables (the Huffman tree against a hand-built one and
optimality, the alias table against its distribution). What it does, for one thread:

- the corpus is cut into batches of `batch_words` positions; the learning rate is fixed
  for a batch, alpha * (1 - words read / (words * epochs)), never below min_alpha;
- a line end, or a batch end, ends a sentence; a word is kept with probability
  (sqrt(f / (s T)) + 1) (s T) / f (drawing a number only when that is below 1), before
  windows are formed;
- each centre word draws b in [0, window) and uses window - b words on each side;
- CBOW: h is the mean of the context's input vectors, every context vector gets the whole
  -eta EH (word2vec C, not the paper's EH / C); skip-gram: each context word's input vector
  is trained against the centre word;
- negative sampling: K noise words from counts^0.75, one equal to the target skipped;
  hierarchical softmax: the nodes on the target's Huffman path, target 1 - code; full
  softmax: every output vector;
- all scores of an example are computed before its updates, which are then applied in
  order (a noise word drawn twice is updated twice).

The random numbers are word2vec C's generator, used in the order w2v uses it: a word's
sub-sampling draw, then each centre word's window, and each example's noise words drawn one
example ahead (the first batch's first ones at its start). So at one thread the kernel's
matrices equal these up to float32 rounding. `Log` records what was drawn and trained, for
statistical tests. Slow: meant for a few thousand examples.
"""

from dataclasses import dataclass, field

import numpy as np

from w2vcli.training import tables

MASK = (1 << 64) - 1


class Random:
    """word2vec C's linear congruential generator; its 32 high bits are used."""

    def __init__(self, seed: int):
        self.state = seed

    def bits(self) -> int:
        self.state = (self.state * 25214903917 + 11) & MASK
        return self.state >> 16

    def uniform(self) -> np.float32:
        """In [0, 1), 24 bits."""
        return np.float32((self.bits() & 0xFFFFFF) / 16777216)

    def below(self, n: int) -> int:
        """In [0, n)."""
        return ((self.bits() & 0xFFFFFFFF) * n) >> 32


@dataclass
class Log:
    """What a run drew and trained."""

    kept: list = field(default_factory=list)  # (word, kept?) for each occurrence read
    pairs: list = field(default_factory=list)  # (centre, context word, distance)
    windows: list = field(default_factory=list)  # (effective window, position, sentence length)
    noise: list = field(default_factory=list)  # every noise word drawn
    alphas: list = field(default_factory=list)  # the learning rate of each batch


@dataclass
class Settings:
    arch: str  # "cbow" or "skipgram"
    loss: str  # "ns", "hs" or "softmax"
    window: int
    negative: int
    sample: float
    epochs: int
    alpha: float
    min_alpha: float
    seed: int  # of the one thread's generator
    batch_words: int
    ns_exponent: float = 0.75
    cbow_mean: bool = True  # h is the context's mean, else its sum
    shrink_windows: bool = True  # each centre draws its window from 1 to window
    batch_windows: bool = True  # skip-gram: a window's pairs from the same start, one noise draw


def train(corpus, counts, w_in, w_out, settings: Settings, log: Log | None = None):
    """Train w_in, w_out (float32, changed in place) on `corpus` (final ids, -1 ends a line)
    for a vocabulary with these counts. Returns the Log."""
    log = log if log is not None else Log()
    s = settings
    rng = Random(s.seed)
    counts = np.asarray(counts, dtype=np.float64)
    keep = _keep_probability(counts, s.sample)
    probs = counts**s.ns_exponent / (counts**s.ns_exponent).sum()
    accept, alias = tables.alias_table(probs)
    codes, points, lengths = tables.huffman_tree(counts.astype(np.int64))
    corpus = [int(w) for w in corpus]
    total = sum(w >= 0 for w in corpus) * s.epochs
    read = 0
    ahead = [0] * (s.negative if s.loss == "ns" else 0)  # noise words drawn for the next example

    def draw():
        nonlocal ahead
        now = ahead
        ahead = []
        for _ in now:
            k = rng.below(len(accept))
            ahead.append(k if rng.uniform() < accept[k] else int(alias[k]))
        log.noise.extend(ahead)
        return now

    def classifiers(target):
        """The w_out rows of predicting `target` and their labels: ns, the target (1) and
        the noise words (0) less any equal to it; hs, its path's nodes, labels 1 - code."""
        if s.loss == "ns":
            rows = [target] + [k for k in negatives if k != target]
            return rows, [1] + [0] * (len(rows) - 1)
        rows = list(points[target, : lengths[target]])
        return rows, [1 - int(c) for c in codes[target, : lengths[target]]]

    def output_layer(h, target, alpha):
        """The updates of w_out for predicting `target` from h, and -eta * EH."""
        if s.loss == "softmax":
            scores = (w_out @ h).astype(np.float64)
            e = np.exp(scores - scores.max())
            e /= e.sum()
            e[target] -= 1  # y_j - t_j
            rows, gs = range(len(w_out)), [np.float32(-alpha * x) for x in e]
        else:
            rows, labels = classifiers(target)
            scores = [np.float32(w_out[r] @ h) for r in rows]  # all before any update
            gs = [np.float32(alpha) * (np.float32(t) - _sigmoid(u)) for t, u in zip(labels, scores)]
        grad = np.zeros_like(h)
        for r, g in zip(rows, gs):
            grad += g * w_out[r]
            w_out[r] += g * h
        return grad

    def window_pairs(words, target, alpha):
        """Each (word, target) pair's gradient at the window's start; the output rows take
        them one row after the other, the input vectors at the end."""
        hs = [w_in[w].copy() for w in words]
        rows, labels = classifiers(target)
        scores = [[np.float32(w_out[r] @ h) for r in rows] for h in hs]
        gs = [
            [np.float32(alpha) * (np.float32(t) - _sigmoid(u)) for t, u in zip(labels, row)]
            for row in scores
        ]
        grads = [np.zeros_like(h) for h in hs]
        for k, r in enumerate(rows):
            for c in range(len(hs)):
                grads[c] += gs[c][k] * w_out[r]
            for c in range(len(hs)):
                w_out[r] += gs[c][k] * hs[c]
        for w, grad in zip(words, grads):
            w_in[w] += grad

    for _ in range(s.epochs):
        for start in range(0, len(corpus), s.batch_words):
            alpha = max(s.min_alpha, s.alpha * (1 - read / total))
            log.alphas.append(alpha)
            batch = corpus[start : start + s.batch_words] + [-1]  # a batch end ends a sentence
            negatives = draw()  # the first example's, drawn at the batch's start
            sentence = []
            for word in batch:
                if word >= 0:
                    read += 1
                    kept = keep[word] >= 1 or not keep[word] < rng.uniform()
                    log.kept.append((word, kept))
                    if kept:
                        sentence.append(word)
                    continue
                for pos, centre in enumerate(sentence):
                    reach = s.window - (rng.below(s.window) if s.shrink_windows else 0)
                    log.windows.append((reach, pos, len(sentence)))
                    around = [
                        j
                        for j in range(max(0, pos - reach), min(len(sentence), pos + reach + 1))
                        if j != pos
                    ]
                    log.pairs.extend((centre, sentence[j], abs(j - pos)) for j in around)
                    if s.arch == "cbow":
                        if not around:
                            continue
                        negatives = draw()
                        context = [sentence[j] for j in around]
                        h = w_in[context[0]].copy()
                        for c in context[1:]:
                            h += w_in[c]
                        if s.cbow_mean:
                            h /= np.float32(len(context))
                        grad = output_layer(h, centre, alpha)
                        for c in context:
                            w_in[c] += grad
                    elif s.batch_windows and s.loss != "softmax":
                        if not around:
                            continue
                        negatives = draw()
                        words = [sentence[j] for j in around]
                        window_pairs(words, centre, alpha)
                    else:
                        for j in around:
                            negatives = draw()
                            grad = output_layer(w_in[sentence[j]].copy(), centre, alpha)
                            w_in[sentence[j]] += grad
                sentence = []
    return log


def _keep_probability(counts: np.ndarray, sample: float) -> np.ndarray:
    """word2vec C's sub-sampling, as the doc writes it."""
    if sample <= 0:
        return np.ones(len(counts), dtype=np.float32)
    st = sample * counts.sum()
    return np.minimum((np.sqrt(counts / st) + 1) * st / counts, 1).astype(np.float32)


def _sigmoid(x: np.float32) -> np.float32:
    x = np.float32(min(max(x, -30), 30))
    return np.float32(1) / (np.float32(1) + np.exp(-x))
