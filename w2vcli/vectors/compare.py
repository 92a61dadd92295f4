"""`w2v diff`: how two vector sets of the same words differ (two corpora, two runs).

Two runs of word2vec never share axes: even two seeds of one corpus give spaces that differ
by a rotation and by noise. So B is first rotated onto A by orthogonal Procrustes over
their shared words (Schönemann 1966; Hamilton et al. 2016, "Diachronic word embeddings",
histwords): of all rotations R, the one that brings B's unit vectors nearest A's, from the
SVD of Bᵀ A. A word's displacement is then its cosine distance 1 - cos(a, R b), in [0, 2].
Its neighbour overlap@k needs no alignment: the share of its k nearest words (among the
shared words, itself excluded) that A and B agree on.
"""

import warnings
from dataclasses import dataclass, field

import numpy as np

from ..errors import W2VError, W2VWarning
from .query import top_rows
from .vectors import UnknownWord, Vectors

SCORE_BYTES = 64 << 20  # a block of query x shared-word similarities, in float32


@dataclass
class Comparison:
    """Vectors B aligned to vectors A, word by word (w2vcli.vectors.compare.compare)."""

    words: list  # the shared words, in A's order (most frequent first in word2vec files)
    rank_a: np.ndarray  # each word's row in A and in B, from 1
    rank_b: np.ndarray
    displacement: np.ndarray  # 1 - cos(a, R b), float64
    overlap: np.ndarray  # of the k nearest words; NaN where not computed
    k: int
    anchors: int  # the words R was fitted on: the most frequent shared words
    sizes: tuple  # len(A), len(B)
    unit_a: np.ndarray = field(repr=False)  # the shared words' unit vectors, float32
    aligned_b: np.ndarray = field(repr=False)  # B's, rotated onto A

    def summary(self) -> dict:
        """Shared words, mean displacement and mean overlap@k, as `w2v diff` says them."""
        scored = self.overlap[~np.isnan(self.overlap)]
        return {
            "shared": len(self.words),
            "only_a": self.sizes[0] - len(self.words),
            "only_b": self.sizes[1] - len(self.words),
            "anchors": self.anchors,
            "mean_displacement": float(self.displacement.mean()),
            "k": self.k,
            "mean_overlap": float(scored.mean()) if len(scored) else float("nan"),
            "overlap_words": len(scored),
        }

    def ranked(self, by: str = "displacement", words=None) -> list:
        """Positions of the words (all, or those of `words`), the most changed first: by
        displacement, largest first, or by overlap, smallest first (then by displacement)."""
        rows = np.arange(len(self.words)) if words is None else self.positions(words)
        if by == "displacement":
            keys = (rows, -self.displacement[rows])
        elif by == "overlap":
            keys = (rows, -self.displacement[rows], self.overlap[rows])
        else:
            raise ValueError(f"by: {by!r}; give displacement or overlap")
        return rows[np.lexsort(keys)].tolist()

    def positions(self, words) -> np.ndarray:
        """Where `words` are among the shared words (UnknownWord for one that is not)."""
        position = {w: i for i, w in enumerate(self.words)}
        try:
            return np.array([position[w] for w in words], dtype=np.int64)
        except KeyError as e:
            raise UnknownWord(e.args[0]) from None

    def neighbours(self, position: int, n: int) -> tuple:
        """The n nearest shared words of the word at `position`, in A and in B."""
        n = min(n, len(self.words) - 1)
        return tuple(
            [self.words[j] for j in _nearest(unit, np.array([position]), n)[0]]
            for unit in (self.unit_a, self.aligned_b)
        )


def compare(
    a: Vectors,
    b: Vectors,
    k: int = 10,
    anchors: int | None = None,
    words=None,
    on_block=None,
) -> Comparison:
    """Align `b` to `a` over their shared words (the `anchors` most frequent of them, all if
    None) and measure how far each word moved, and its neighbour overlap@`k`: of every
    shared word, or of `words` only (each must be in both: UnknownWord otherwise).
    `on_block(done, total)` as the overlap's blocks are done (a big vocabulary's take
    minutes: each word is compared with every shared word)."""
    rows_b = b.rows
    shared = [(i, rows_b[w]) for i, w in enumerate(a.words) if w in rows_b and a.rows[w] == i]
    if len(shared) < 2:
        raise W2VError(
            f"the two vector sets share {len(shared)} word{'' if len(shared) == 1 else 's'}; "
            "diff compares vectors of the same words: give vectors trained on text in one "
            "language, tokenized alike"
        )
    in_a, in_b = (np.array(x, dtype=np.int64) for x in zip(*shared, strict=True))
    unit_a, unit_b = _padded(a.index.unit[in_a], b.index.unit[in_b])
    # The anchors are the words frequent in both: ordered by the later of their two ranks.
    order = np.argsort(np.maximum(in_a, in_b), kind="stable")
    fitted = order if anchors is None else order[: max(2, anchors)]
    if len(fitted) < unit_a.shape[1]:  # fewer points than dimensions: many rotations fit
        warnings.warn(
            f"the rotation is fitted on {len(fitted):,} words, fewer than the vectors' "
            f"{unit_a.shape[1]} dimensions, so it is not determined; give more --anchors",
            W2VWarning,
            stacklevel=2,
        )
    aligned_b = (unit_b @ procrustes(unit_b[fitted], unit_a[fitted])).astype(np.float32)
    cosine = np.einsum("ij,ij->i", unit_a.astype(np.float64), aligned_b.astype(np.float64))
    k = min(k, len(shared) - 1)
    found = Comparison(
        words=[a.words[i] for i in in_a],
        rank_a=in_a + 1,
        rank_b=in_b + 1,
        displacement=1 - cosine,
        overlap=np.full(len(shared), np.nan),
        k=k,
        anchors=len(fitted),
        sizes=(len(a), len(b)),
        unit_a=unit_a,
        aligned_b=aligned_b,
    )
    asked = np.arange(len(shared)) if words is None else found.positions(words)
    found.overlap[asked] = neighbour_overlap(unit_a, unit_b, asked, k, on_block)
    return found


def procrustes(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The orthogonal R minimising ||source R - target|| (Frobenius): U Vᵀ from the SVD of
    sourceᵀ target, in float64."""
    u, _, vt = np.linalg.svd(source.T.astype(np.float64) @ target.astype(np.float64))
    return u @ vt


def neighbour_overlap(unit_a, unit_b, positions, k: int, on_block=None) -> np.ndarray:
    """For each word at `positions`, the share of its k nearest words in A that are among
    its k nearest in B (rows of `unit_a` and `unit_b` are the same words)."""
    overlap = np.empty(len(positions))
    step = max(1, SCORE_BYTES // (4 * len(unit_a)))
    for start in range(0, len(positions), step):
        block = positions[start : start + step]
        near_a, near_b = _nearest(unit_a, block, k), _nearest(unit_b, block, k)
        agree = (near_a[:, :, None] == near_b[:, None, :]).any(axis=2).sum(axis=1)
        overlap[start : start + step] = agree / k
        if on_block is not None:
            on_block(min(start + step, len(positions)), len(positions))
    return overlap


def _nearest(unit: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
    """The k nearest rows of `unit` to each of `rows`, themselves excluded, nearest first."""
    scores = unit[rows] @ unit.T
    scores[np.arange(len(rows)), rows] = -np.inf
    return top_rows(scores, k)


def _padded(unit_a: np.ndarray, unit_b: np.ndarray) -> tuple:
    """Vectors of two sizes (100 and 300 dimensions) padded with zeros to the larger: a
    rotation in the larger space still keeps every length and angle."""
    dim = max(unit_a.shape[1], unit_b.shape[1])
    pad = [np.pad(u, ((0, 0), (0, dim - u.shape[1]))) for u in (unit_a, unit_b)]
    return tuple(np.ascontiguousarray(p, dtype=np.float32) for p in pad)
