"""w2vcli.vectors.compare (w2v diff): Procrustes recovers a rotation, a planted moved word
ranks first, overlap@k equals a plain count of shared neighbours; scipy's Procrustes is the
independent reference for the rotation."""

import numpy as np
import pytest
from scipy.linalg import orthogonal_procrustes

from w2vcli import Vectors, W2VError
from w2vcli.vectors.compare import compare, procrustes
from w2vcli.vectors.vectors import UnknownWord

WORDS = [f"w{i}" for i in range(300)]


def space(seed=0, n=300, dim=20):
    return np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)


def rotation(dim, seed=1):
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((dim, dim)))
    return q


def rotated(matrix, seed=1):
    """The same space turned: another run's axes, another scale per word."""
    scale = np.random.default_rng(seed).uniform(0.5, 3, (len(matrix), 1))
    return (matrix @ rotation(matrix.shape[1], seed) * scale).astype(np.float32)


def test_a_rotated_copy_has_not_moved():
    a = space()
    found = compare(Vectors(WORDS, a), Vectors(WORDS, rotated(a)))
    assert found.displacement.max() < 1e-5
    assert (found.overlap == 1).all()
    summary = found.summary()
    assert summary["shared"] == 300 and summary["anchors"] == 300
    assert summary["mean_displacement"] < 1e-5 and summary["mean_overlap"] == 1


def test_a_planted_moved_word_ranks_first():
    a = space()
    b = rotated(a) + 0.05 * space(seed=2)  # a little noise everywhere
    b[123] = space(seed=3, n=1)[0]  # and one word somewhere else entirely
    found = compare(Vectors(WORDS, a), Vectors(WORDS, b))
    assert found.words[found.ranked()[0]] == "w123"
    assert found.displacement[123] > 0.5 > 0.05 > np.delete(found.displacement, 123).max()
    assert found.words[found.ranked("overlap")[0]] == "w123"
    assert found.overlap[123] < 0.2 < np.median(found.overlap)


def test_the_rotation_is_scipys_orthogonal_procrustes():
    source, target = space(seed=4), space(seed=5)
    expected, _ = orthogonal_procrustes(source.astype(np.float64), target.astype(np.float64))
    r = procrustes(source, target)
    np.testing.assert_allclose(r, expected, atol=1e-9)
    np.testing.assert_allclose(r @ r.T, np.eye(20), atol=1e-12)


def test_overlap_is_the_share_of_shared_nearest_words():
    a, b = space(seed=6, n=60, dim=8), space(seed=7, n=60, dim=8)
    found = compare(Vectors(WORDS[:60], a), Vectors(WORDS[:60], b), k=5)

    def nearest(m, i):  # sorted in full, in plain Python
        unit = m / np.linalg.norm(m, axis=1, keepdims=True)
        scores = [(float(unit[i] @ unit[j]), j) for j in range(len(m)) if j != i]
        return {j for _, j in sorted(scores, reverse=True)[:5]}

    expected = [len(nearest(a, i) & nearest(b, i)) / 5 for i in range(60)]
    np.testing.assert_allclose(found.overlap, expected)


def test_only_shared_words_in_a_order_and_their_ranks():
    a = space()
    words_b = WORDS[100:] + ["new1", "new2"]  # B lost w0..w99, gained two
    b = np.vstack([rotated(a)[100:], space(seed=8, n=2)])
    found = compare(Vectors(WORDS, a), Vectors(words_b[::-1], b[::-1].copy()))
    assert found.words == WORDS[100:]
    assert found.rank_a.tolist() == list(range(101, 301))
    assert found.rank_b.tolist() == [len(words_b) - i for i in range(200)]
    assert found.displacement.max() < 1e-5  # the rotation is found on the shared words
    assert found.summary()["only_a"] == 100 and found.summary()["only_b"] == 2


def test_anchors_are_the_words_frequent_in_both():
    a = space()
    b = rotated(a)
    b[250:] = space(seed=9, n=50)  # the rare words all moved: they would skew the fit
    anchored = compare(Vectors(WORDS, a), Vectors(WORDS, b), anchors=250)
    assert anchored.anchors == 250 and anchored.displacement[:250].max() < 1e-5
    assert anchored.displacement[250:].min() > 0.1
    unanchored = compare(Vectors(WORDS, a), Vectors(WORDS, b))
    assert unanchored.displacement[:250].max() > 1e-3


def test_vectors_of_two_sizes_are_compared_in_the_larger_space():
    a = space(dim=12)
    b = np.hstack([a, np.zeros((300, 8), np.float32)]) @ rotation(20)
    found = compare(Vectors(WORDS, a), Vectors(WORDS, b.astype(np.float32)))
    assert found.displacement.max() < 1e-5 and (found.overlap == 1).all()


def test_words_asked_are_the_only_ones_scored_for_overlap():
    a = space()
    found = compare(Vectors(WORDS, a), Vectors(WORDS, rotated(a)), words=["w5", "w7"])
    assert np.isnan(found.overlap).sum() == 298 and found.summary()["overlap_words"] == 2
    assert sorted(found.ranked(words=["w7", "w5"])) == [5, 7]
    with pytest.raises(UnknownWord):
        compare(Vectors(WORDS, a), Vectors(WORDS, a), words=["w5", "nope"])


def test_neighbours_in_each_space():
    a = space()
    found = compare(Vectors(WORDS, a), Vectors(WORDS, rotated(a)))
    near_a, near_b = found.neighbours(0, 4)
    assert near_a == near_b and "w0" not in near_a and len(near_a) == 4
    assert near_a == [w for w, _ in Vectors(WORDS, a).nearest("w0", 4)]


def test_vector_sets_of_other_words_are_refused():
    a = space(n=3)
    with pytest.raises(W2VError, match="share 1 word;"):
        compare(Vectors(["a", "b", "c"], a), Vectors(["c", "d", "e"], a))
