"""Semantic axes, numpy only: the direction from one word, or the mean of a set of words,
to another (man → woman; he, him, his → she, her, hers), and each word's place along it.

A word's score is the cosine of its vector with the axis: negative toward the start,
positive toward the end, 0 for a word the axis does not tell apart (Bolukbasi et al. 2016's
he - she direction; Kozlowski, Taddy and Evans 2019, "The Geometry of Culture"). Rows in,
rows out, as w2vcli.vectors.query; Vectors.axis asks by word.
"""

import numpy as np

from ..errors import W2VError
from .query import Index, nearest_to

# Two ends whose mean unit vectors are closer than float32's rounding (the unit vectors'
# precision) are one point, with no direction between them.
NO_DIRECTION = float(np.finfo(np.float32).eps)


def direction(index: Index, start: list, end: list) -> np.ndarray:
    """The unit vector from the mean of the `start` rows' unit vectors to the mean of the
    `end` rows': unit(b) - unit(a), made unit length, for one word at each end. float32, as
    the unit vectors; refused where the two ends are one point."""
    means = [index.unit[rows].astype(np.float64).mean(axis=0) for rows in (start, end)]
    difference = means[1] - means[0]
    norm = np.linalg.norm(difference)
    if norm < NO_DIRECTION:
        shown = [",".join(index.words[r] for r in rows) for rows in (start, end)]
        why = "the same words" if set(start) == set(end) else "the same vector"
        raise W2VError(
            f"the axis {shown[0]} → {shown[1]} has {why} at both ends; give two ends that differ"
        )
    return (difference / norm).astype(np.float32)


def scores(index: Index, axis: np.ndarray, rows: list) -> np.ndarray:
    """The cosine of each row's vector with the unit vector `axis`, in float64."""
    return index.unit[rows].astype(np.float64) @ axis.astype(np.float64)


def ends(index: Index, axis: np.ndarray, k: int, restrict=None, exclude=()) -> list:
    """The k rows of lowest score along `axis` and the k of highest (among the first
    `restrict`), the rows of `exclude` left out: (row, score) pairs, lowest first; each row
    once where fewer than 2k are left."""
    start = [(row, -score) for row, score in nearest_to(index, -axis, list(exclude), k, restrict)]
    found = dict(start + nearest_to(index, axis, list(exclude), k, restrict))
    return sorted(found.items(), key=lambda pair: pair[1])
