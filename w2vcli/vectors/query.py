"""Nearest neighbours, analogies and similarities by cosine, numpy only.

Every function takes a batch of queries and answers it with one matrix product over the
unit-normalised vectors (split into chunks so the score matrix stays under SCORE_BYTES).
Nothing here imports numba or reads files: the CLI loads vectors with w2vcli.vectors.
"""

import numpy as np

SCORE_BYTES = 64 << 20  # largest (queries x words) float32 score matrix held at once
NORM_ROWS = 1 << 14  # rows whose norms are computed in float64 at once
MUL_EPSILON = 1e-6  # 3CosMul's guard against division by zero (Levy and Goldberg 2014)


class Index:
    """Unit-normalised vectors and a word -> row lookup (the first of duplicate words wins)."""

    def __init__(self, words: list, vectors: np.ndarray, rows=None, in_place: bool = False):
        """`in_place`: `vectors` (float32) become the unit vectors, with no second matrix."""
        self.words = words
        self.rows = first_rows(words) if rows is None else rows
        self.unit = vectors if in_place else np.empty(np.shape(vectors), dtype=np.float32)
        for start in range(0, len(vectors), NORM_ROWS):
            block = np.asarray(vectors[start : start + NORM_ROWS], dtype=np.float64)
            norms = _norms(block)[:, None]
            unit = block / np.where(norms > 0, norms, 1)
            unit[~np.isfinite(norms[:, 0])] = 0  # a NaN or infinite vector: similarity 0
            self.unit[start : start + NORM_ROWS] = unit

    @classmethod
    def of_unit(cls, words: list, unit: np.ndarray, rows=None) -> "Index":
        """An index of vectors that are unit length already (a w2v index), used as they
        are: no copy, no pass over them."""
        index = cls.__new__(cls)
        index.words, index.unit = words, unit
        index.rows = first_rows(words) if rows is None else rows
        return index

    def __len__(self):
        return len(self.words)

    def chunks(self, n_queries: int, restrict: int | None, k: int = 0):
        """Slices of the query batch whose scores fit in SCORE_BYTES: all candidates' in
        float32, and the k chosen vectors of each query in float32 and float64."""
        n_candidates = self.candidates(restrict)
        per_query = 4 * n_candidates + 12 * min(k, n_candidates) * self.unit.shape[1]
        size = max(1, SCORE_BYTES // per_query)
        return [slice(i, i + size) for i in range(0, n_queries, size)]

    def candidates(self, restrict: int | None) -> int:
        return len(self) if restrict is None else min(restrict, len(self))


def first_rows(words: list) -> dict:
    """word -> row, the first of duplicate words winning."""
    rows = dict(zip(words, range(len(words))))  # the last wins: right when there are none
    if len(rows) < len(words):
        rows = {word: i for i, word in reversed(list(enumerate(words)))}
    return rows


def row_norms(vectors: np.ndarray) -> np.ndarray:
    """The Euclidean norm of each row, in float64: the squares of float32 values above about
    1e19 overflow float32 (every norm infinite, every cosine 0), and those below 1e-23
    underflow to 0; in float64 neither can happen."""
    return np.concatenate(
        [
            _norms(np.asarray(vectors[i : i + NORM_ROWS], np.float64))
            for i in range(0, len(vectors), NORM_ROWS)
        ]
        or [np.zeros(0)]
    )


def _norms(rows: np.ndarray) -> np.ndarray:
    return np.sqrt(np.einsum("ij,ij->i", rows, rows))


def nearest(index: Index, rows: list, k: int = 10, restrict: int | None = None) -> list:
    """For each query row, the k most similar (row, cosine) pairs, the query excluded."""

    def score(queries, candidates):
        return _cosines(index.unit[queries[:, 0]], candidates)

    return _search(index, np.reshape(rows, (-1, 1)), score, k, restrict)


def nearest_to(
    index: Index, vector: np.ndarray, exclude: list, k: int = 10, restrict: int | None = None
) -> list:
    """The k (row, cosine) most similar to one vector, the rows in `exclude` left out."""
    unit = unit_vector(vector, index.unit.shape[1])

    def score(queries, candidates):
        return _cosines(unit[None, :], candidates)

    rows = np.array([exclude or [len(index)]], dtype=np.int64)  # len(index): no row at all
    return _search(index, rows, score, k, restrict)[0]


def analogy(
    index: Index, triples: list, k: int = 10, method: str = "add", restrict: int | None = None
) -> list:
    """For each (a, b, c) of rows, the k best d for 'a is to b as c is to d'.

    add (3CosAdd, word2vec C and gensim): cosine of d with b - a + c. mul (3CosMul):
    cos'(d, b) * cos'(d, c) / (cos'(d, a) + epsilon) with cos' = (1 + cos) / 2, as gensim's
    most_similar_cosmul. The three inputs are never answers.
    """

    def add(queries, candidates):
        a, b, c = index.unit[queries.T]  # each (B, N)
        target = b - a + c
        target /= np.maximum(np.linalg.norm(target, axis=1, keepdims=True), 1e-30)
        return _cosines(target, candidates)

    def mul(queries, candidates):  # b and c positive, a negative
        return _cosmul(index.unit[queries[:, [1, 2, 0]]], 2, candidates)

    if method not in ("add", "mul"):
        raise ValueError(f"unknown analogy method {method!r}")
    score = add if method == "add" else mul
    return _search(index, np.reshape(triples, (-1, 3)), score, k, restrict)


def similarity(index: Index, pairs: list) -> np.ndarray:
    """Cosine similarity of each (row, row) pair."""
    pairs = np.reshape(pairs, (-1, 2))
    return _cosines(index.unit[pairs[:, 0]], index.unit[pairs[:, 1], None])[:, 0]


def cosmul_to(
    index: Index, terms: np.ndarray, n_positive: int, exclude: list, k=10, restrict=None
) -> list:
    """The k best (row, score) by 3CosMul with the unit vectors `terms` (T, N), the first
    `n_positive` positive, the rest negative (gensim's most_similar_cosmul); the rows in
    `exclude` left out."""

    def score(queries, candidates):
        return _cosmul(terms[None], n_positive, candidates)

    rows = np.array([exclude or [len(index)]], dtype=np.int64)  # len(index): no row at all
    return _search(index, rows, score, k, restrict)[0]


def _cosmul(terms: np.ndarray, n_positive: int, candidates: np.ndarray) -> np.ndarray:
    """3CosMul, as gensim generalises it: the product of cos' = (1 + cos) / 2 with each
    positive term over the product with each negative one (+ epsilon). `terms`: (B, T, N)
    unit vectors, the first `n_positive` of each query positive; `candidates` as _cosines
    takes them."""
    batch, n_terms, dim = terms.shape
    if candidates.ndim == 2:  # (B, T, R) float32, one matrix product
        cosines = (terms.reshape(-1, dim) @ candidates.T).reshape(batch, n_terms, -1)
    else:  # (B, T, k) float64, exact
        cosines = np.einsum("btn,bkn->btk", terms.astype(np.float64), candidates.astype(np.float64))
    shifted = (1 + cosines) / 2
    positive, negative = shifted[:, :n_positive], shifted[:, n_positive:]
    return positive.prod(axis=1) / (negative.prod(axis=1) + MUL_EPSILON)


def ranks(index: Index, pairs: list) -> np.ndarray:
    """For each (a, b) pair of rows, 1 + how many words are closer to a than b is
    (gensim's rank: 1 for a's nearest neighbour)."""
    counts = [closer.sum(axis=1) for closer in _closer(index, pairs)]
    return np.concatenate(counts or [np.zeros(0, dtype=np.int64)]) + 1


def closer_rows(index: Index, a: int, b: int) -> np.ndarray:
    """The rows closer to row a than row b is, a left out, ascending (gensim's closer_than)."""
    return np.flatnonzero(next(_closer(index, [[a, b]]))[0])


def _closer(index: Index, pairs: list):
    """For each chunk of (a, b) row pairs, a (B, V) mask of the rows whose cosine with a is
    higher than b's, a itself left out. float32 scores decide, except within float32's
    error of b's cosine, where float64 does: no answer depends on the batch it came in."""
    pairs = np.reshape(np.asarray(pairs, dtype=np.int64), (-1, 2))
    dim = index.unit.shape[1]
    margin = dim * np.finfo(np.float32).eps  # bounds a float32 dot product's error (unit vectors)
    for part in index.chunks(len(pairs), None):
        a, b = pairs[part, 0], pairs[part, 1]
        scores = index.unit[a] @ index.unit.T  # (B, V)
        threshold = _exact_cosines(index, a, b)  # b's, in float64
        above = (threshold + margin).astype(np.float32)[:, None]
        below = (threshold - margin).astype(np.float32)[:, None]
        closer = scores > above
        near = np.nonzero((scores >= below) & ~closer)
        closer[near] = _exact_cosines(index, a[near[0]], near[1]) > threshold[near[0]]
        closer[np.arange(len(a)), a] = False
        yield closer


def _exact_cosines(index: Index, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The float64 cosine of each row of `a` with the same place's row of `b`."""
    return np.einsum("in,in->i", *(index.unit[x].astype(np.float64) for x in (a, b)))


def mean_cosines(vectors: np.ndarray, pairs: list) -> np.ndarray:
    """For each (rows, rows) pair of two non-empty sets of rows, the cosine of the means of
    their `vectors` (gensim's n_similarity), in float64."""
    if not pairs:
        return np.zeros(0)
    means = []
    for side in (0, 1):
        sets = [pair[side] for pair in pairs]
        starts = np.cumsum([0] + [len(rows) for rows in sets[:-1]])
        rows = np.concatenate([np.asarray(rows, dtype=np.int64) for rows in sets])
        sums = np.add.reduceat(np.asarray(vectors[rows], dtype=np.float64), starts, axis=0)
        norms = _norms(sums)[:, None]
        means.append(sums / np.where(norms > 0, norms, 1))  # the mean's direction: the sum's
    return np.einsum("in,in->i", *means)


def unit_vector(vector, dim: int) -> np.ndarray:
    """`vector` made unit length (a zero vector left as it is), float32, checked to have
    `dim` dimensions."""
    vector = np.asarray(vector, dtype=np.float64)
    if vector.shape != (dim,):
        raise ValueError(f"a query vector must have {dim} dimensions")
    norm = np.linalg.norm(vector)
    return (vector / norm if norm > 0 else vector).astype(np.float32)


def _search(index: Index, queries: np.ndarray, score, k: int, restrict: int | None) -> list:
    """The k best (row, score) for each query (B, m) of rows, none of its own rows.

    score(queries, candidates) gives (B, R) float32 scores for all candidates (R, N), which
    rank them; and for each query's chosen ones (B, k, N) exact float64 scores, reported
    and re-ranked, so that an answer does not depend on the batch it came in.
    """
    if k < 1:  # nothing asked (gensim's topn=0)
        return [[] for _ in queries]
    candidates = index.unit[: index.candidates(restrict)]
    answers = []
    for part in index.chunks(len(queries), restrict, k):
        scores = score(queries[part], candidates)  # (B, R)
        _exclude(scores, queries[part])
        best = top_rows(scores, k)  # (B, k)
        exact = score(queries[part], index.unit[best])
        exact[np.take_along_axis(scores, best, axis=1) == -np.inf] = -np.inf
        order = np.argsort(-exact, axis=1, kind="stable")
        best, exact = (np.take_along_axis(x, order, axis=1).tolist() for x in (best, exact))
        for rows, values in zip(best, exact, strict=True):
            answers.append([(r, v) for r, v in zip(rows, values, strict=True) if v != -np.inf])
    return answers


def _cosines(vectors: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Dot products of unit vectors (B, N) with all candidates (R, N): (B, R) float32, one
    matrix product; or with each row's own candidates (B, k, N): (B, k) float64, exact."""
    if candidates.ndim == 2:
        return vectors @ candidates.T
    return np.einsum("bn,bkn->bk", vectors.astype(np.float64), candidates.astype(np.float64))


def top_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """The columns of the k highest scores in each row, best first, ties by column. (B, k)

    Faster than argpartition over every score: the k-th largest of the maxima of blocks of
    columns is a floor that the row's k best scores all reach (k blocks each hold a score at
    least that high), and few other scores do, so only those few are sorted.
    """
    n_rows, n_cols = scores.shape
    k = min(k, n_cols)
    block = max(1, min(64, n_cols // k))  # at least k blocks
    full = n_cols - n_cols % block
    maxima = scores[:, :full].reshape(n_rows, -1, block).max(axis=2)
    if full < n_cols:
        maxima = np.column_stack([maxima, scores[:, full:].max(axis=1)])
    floor = np.partition(maxima, -k, axis=1)[:, -k]
    rows, cols = np.nonzero(scores >= floor[:, None])  # row-major: columns ascending
    order = np.lexsort((-scores[rows, cols], rows))  # by row, then best first
    rows, cols = rows[order], cols[order]
    place = np.arange(len(rows)) - np.searchsorted(rows, rows)  # rank within the row
    best = np.empty((n_rows, k), dtype=np.int64)
    keep = place < k
    best[rows[keep], place[keep]] = cols[keep]
    return best


def _exclude(scores: np.ndarray, rows: np.ndarray) -> None:
    """Set each query's own rows (B, m) to -inf so they are never answers."""
    inside = rows < scores.shape[1]  # a query word may lie outside --restrict
    line = np.broadcast_to(np.arange(len(scores))[:, None], rows.shape)
    scores[line[inside], rows[inside]] = -np.inf


OPERATORS = ("+", "-")


def expression(tokens: list) -> tuple:
    """The (positive, negative) words of a query: words are summed (word2vec C's `distance`
    sums the words given), a lone `-` before a word subtracts it and a lone `+` adds it
    (gensim's most_similar(positive, negative)): `king - man + woman`. Operators are words
    of their own, so a word that starts with - or + is a word, never an option."""
    positive, negative, sign = [], [], None
    for token in tokens:
        if token in OPERATORS:
            if sign is not None:
                raise ValueError(f"two operators in a row: {' '.join(tokens)}")
            sign = token
            continue
        (negative if sign == "-" else positive).append(token)
        sign = None
    if sign is not None:
        raise ValueError(f"'{sign}' with no word after it: {' '.join(tokens)}")
    if not positive and not negative:
        raise ValueError("no word")
    return positive, negative
