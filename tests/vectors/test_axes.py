"""Semantic axes against words placed by hand (tests/conftest.py's axis_vectors) and against
cosines computed here: the order along the axis, word sets, swapped ends, the words at each
end, and the axes refused."""

import math

import numpy as np
import pytest

from w2vcli.errors import W2VError
from w2vcli.vectors.axes import direction
from w2vcli.vectors.vectors import UnknownWord, Vectors, load_vectors

ORDER = ["king", "engineer", "person", "nurse", "queen"]  # along man → woman, by construction
SCORES = [-3 / math.sqrt(10), -1 / math.sqrt(5), 0, 1 / math.sqrt(5), 3 / math.sqrt(10)]


@pytest.fixture(scope="module")
def vecs(axis_vectors):
    return load_vectors(axis_vectors)


def unit(vectors):
    vectors = np.asarray(vectors, dtype=np.float64)
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)


def test_words_come_in_the_order_they_were_placed(vecs):
    found = vecs.axis("man", "woman", ["queen", "person", "king", "nurse", "engineer"])
    assert [n.word for n in found] == ORDER
    np.testing.assert_allclose([n.score for n in found], SCORES, atol=1e-7)


def test_swapped_ends_reverse_the_order_and_negate_the_scores(vecs):
    forward, backward = (vecs.axis(a, b, ORDER) for a, b in [("man", "woman"), ("woman", "man")])
    assert [n.word for n in backward] == [n.word for n in reversed(forward)]
    assert [n.score for n in backward] == [-n.score for n in reversed(forward)]


def test_a_set_at_each_end_is_the_difference_of_the_means_of_unit_vectors(vecs):
    start, end = ["man", "king", "engineer"], ["woman", "queen"]
    means = [unit(vecs[words]).mean(axis=0) for words in (start, end)]
    expected = (means[1] - means[0]) / np.linalg.norm(means[1] - means[0])
    rows = [[vecs.row(w) for w in words] for words in (start, end)]
    np.testing.assert_allclose(direction(vecs.index, *rows), expected, atol=1e-7)
    found = vecs.axis(start, end, ORDER)
    np.testing.assert_allclose([n.score for n in found], unit(vecs[ORDER]) @ expected, atol=1e-6)


def test_scores_are_cosines_with_the_axis():
    rng = np.random.default_rng(0)
    vecs = Vectors([f"w{i}" for i in range(50)], rng.normal(size=(50, 8)).astype(np.float32))
    words = vecs.words[2:]
    found = dict(vecs.axis("w0", "w1", words))
    along = unit(vecs["w1"]) - unit(vecs["w0"])
    cosines = unit(vecs[words]) @ unit(along)
    np.testing.assert_allclose([found[w] for w in words], cosines, atol=1e-6)
    assert all(-1 <= s <= 1 for s in found.values())
    assert list(found.values()) == sorted(found.values())


def test_the_words_at_each_end_of_the_vocabulary(vecs):
    ends = vecs.axis("man", "woman", k=2)
    assert [n.word for n in ends] == ["king", "engineer", "nurse", "queen"]
    np.testing.assert_allclose([n.score for n in ends], SCORES[:2] + SCORES[3:], atol=1e-7)
    assert [n.word for n in vecs.axis("man", "woman", k=1, restrict=4)] == ["king", "queen"]
    assert [n.word for n in vecs.axis("man", "woman", k=10)] == ORDER  # each once


@pytest.mark.parametrize(
    "start, end, message",
    [
        ("man", "man", "the axis man → man has the same words at both ends"),
        (["man", "king"], ["king", "man"], "the axis man,king → king,man has the same words"),
    ],
)
def test_an_axis_without_a_direction_is_refused(vecs, start, end, message):
    with pytest.raises(W2VError, match=message) as refused:
        vecs.axis(start, end, ORDER)
    assert "\n" not in str(refused.value) and "give two ends that differ" in str(refused.value)


def test_two_words_with_one_vector_and_unknown_words_are_refused():
    twins = Vectors(["a", "b", "c"], np.array([[1, 2], [2, 4], [0, 1]], dtype=np.float32))
    with pytest.raises(W2VError, match="the axis a → b has the same vector at both ends"):
        twins.axis("a", "b", ["c"])
    with pytest.raises(UnknownWord, match="'zz' is not in the vectors"):
        twins.axis("a", ["c", "zz"], ["c"])
    with pytest.raises(UnknownWord):
        twins.axis("a", "c", ["zz"])
    with pytest.raises(ValueError, match="one word or more at each end"):
        twins.axis([], "c", ["a"])
