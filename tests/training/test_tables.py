import heapq

import numpy as np
import pytest

from w2vcli.training import tables


def test_keep_probability_is_word2vec_c_formula():
    counts = np.array([1000, 100, 1], dtype=np.int64)
    keep = tables.keep_probability(counts, 1e-3)
    threshold = 1e-3 * 1101  # sample * total count
    assert keep[0] == pytest.approx((np.sqrt(1000 / threshold) + 1) * threshold / 1000, rel=1e-6)
    assert keep[0] == pytest.approx(0.03428, abs=1e-4)
    assert keep[1] == pytest.approx((np.sqrt(100 / threshold) + 1) * threshold / 100, rel=1e-6)
    assert keep[2] == 1.0  # rare words are always kept (the formula gives > 1)
    assert np.all(tables.keep_probability(counts, 0) == 1.0)


def test_alias_table_reproduces_the_distribution_exactly():
    probs = tables.noise_distribution(np.array([50, 20, 20, 7, 2, 1]))
    accept, alias = tables.alias_table(probs)
    n = len(probs)
    rebuilt = accept.astype(np.float64) / n
    for k in range(n):
        rebuilt[alias[k]] += (1 - accept[k]) / n
    np.testing.assert_allclose(rebuilt, probs, atol=1e-7)


def test_noise_distribution_is_count_to_the_three_quarters():
    p = tables.noise_distribution(np.array([16, 1]))
    assert p[0] / p[1] == pytest.approx(8.0)  # 16 ** 0.75


def test_huffman_tree_matches_hand_built_tree():
    # counts 5, 3, 2, 1: word2vec C merges 1+2 -> n0 (3), then n0 + word1 -> n1 (6), then
    # word0 + n1 -> root n2 (11). Code 1 marks the second (larger) child of each merge.
    #              n2
    #        0 /       \ 1
    #      word0        n1
    #              0 /      \ 1
    #              n0       word1
    #          0 /    \ 1
    #        word3    word2
    codes, points, lengths = tables.huffman_tree(np.array([5, 3, 2, 1]))
    expected = {
        0: ([0], [2]),
        1: ([1, 1], [2, 1]),
        2: ([1, 0, 1], [2, 1, 0]),
        3: ([1, 0, 0], [2, 1, 0]),
    }
    for word, (code, point) in expected.items():
        assert lengths[word] == len(code)
        assert list(codes[word, : lengths[word]]) == code
        assert list(points[word, : lengths[word]]) == point


@pytest.mark.parametrize("ties", ["word2vec", "gensim"])
def test_huffman_codes_are_optimal_and_prefix_free(ties):
    counts = np.sort(np.random.default_rng(3).integers(1, 10_000, 300))[::-1]
    codes, points, lengths = tables.huffman_tree(counts, ties)
    words = ["".join(map(str, codes[w, : lengths[w]])) for w in range(len(counts))]
    assert len(set(words)) == len(words)
    assert not any(a != b and b.startswith(a) for a in words for b in words)
    assert all(points[w, 0] == len(counts) - 2 for w in range(len(counts)))  # root first
    heap = list(counts.tolist())  # cost of an optimal code from textbook Huffman
    heapq.heapify(heap)
    cost = 0
    while len(heap) > 1:
        merged = heapq.heappop(heap) + heapq.heappop(heap)
        cost += merged
        heapq.heappush(heap, merged)
    assert int((counts * lengths).sum()) == cost


@pytest.mark.parametrize("order", ["sorted", "unsorted"])
def test_gensims_huffman_tree_is_gensims_own(order):
    """Counts with many ties (a vocabulary's rare words), sorted as gensim sorts its
    vocabulary or not (a vocabulary grown by build_vocab(update=True)): the tree is the
    one gensim 4 builds, node for node, and word2vec C's is another."""
    from gensim.models import KeyedVectors
    from gensim.models.word2vec import _assign_binary_codes

    counts = np.random.default_rng(5).integers(1, 12, 400)
    counts = np.sort(counts)[::-1] if order == "sorted" else counts
    wv = KeyedVectors(4)
    wv.add_vectors([f"w{i}" for i in range(len(counts))], np.zeros((len(counts), 4)))
    for i, count in enumerate(counts.tolist()):
        wv.set_vecattr(i, "count", count)
    _assign_binary_codes(wv)
    codes, points, lengths = tables.huffman_tree(counts, "gensim")
    for w in range(len(counts)):
        n = lengths[w]
        assert codes[w, :n].tolist() == wv.get_vecattr(w, "code").tolist()
        assert points[w, :n].tolist() == wv.get_vecattr(w, "point").tolist()
    c_codes, _, c_lengths = tables.huffman_tree(counts)
    assert not np.array_equal(c_codes, codes) or not np.array_equal(c_lengths, lengths)
