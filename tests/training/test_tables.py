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


def word2vec_c_tree(counts):
    """word2vec C's CreateBinaryTree, line for line: two queues over count[] (the words
    from the rarest up, then the inner nodes as made), then each word's code and points
    collected leaf first by following parent_node[] and stored root first."""
    v = len(counts)
    count = list(counts) + [10**15] * v
    binary, parent_node = [0] * (2 * v), [0] * (2 * v)
    pos1, pos2 = v - 1, v
    for a in range(v - 1):
        mins = []
        for _ in range(2):
            if pos1 >= 0 and count[pos1] < count[pos2]:
                mins.append(pos1)
                pos1 -= 1
            else:
                mins.append(pos2)
                pos2 += 1
        count[v + a] = count[mins[0]] + count[mins[1]]
        parent_node[mins[0]] = parent_node[mins[1]] = v + a
        binary[mins[1]] = 1
    paths = []
    for a in range(v):
        code, point, b = [], [], a
        while b != 2 * v - 2:
            code.append(binary[b])
            point.append(b)
            b = parent_node[b]
        # C: vocab[a].point[0] = vocab_size - 2; point[i - b] = point[b] - vocab_size
        paths.append((code[::-1], [v - 2] + [p - v for p in point[::-1][:-1]]))
    return paths


@pytest.mark.parametrize("v", [2, 3, 50, 700])
def test_huffman_tree_is_word2vec_cs_node_for_node(v):
    """Every word's code and points as word2vec C makes them, on counts with many ties
    (where word2vec C takes an inner node before a word)."""
    rng = np.random.default_rng(v)
    counts = np.sort(rng.integers(1, 6, v))[::-1]
    codes, points, lengths = tables.huffman_tree(counts)
    assert codes.dtype == np.uint8 and points.dtype == np.int32 and lengths.dtype == np.int32
    assert codes.shape == points.shape == (v, max(1, int(lengths.max())))
    for w, (code, point) in enumerate(word2vec_c_tree(counts.tolist())):
        assert lengths[w] == len(code)
        assert codes[w, : len(code)].tolist() == code
        assert points[w, : len(code)].tolist() == point[: len(code)]
        assert not codes[w, len(code) :].any() and not points[w, len(code) :].any()


def test_alias_table_is_the_one_earlier_runs_drew_from():
    """The table, entry for entry, of Walker's method as w2v has always built it (its
    stacks popped from their ends): the noise words a seed draws depend on it."""
    rng = np.random.default_rng(7)
    for n in (1, 2, 17, 1000):
        probs = tables.noise_distribution(rng.integers(1, 50, n), 0.75)
        scaled = probs * n
        accept, alias = np.ones(n), np.arange(n)
        small = [i for i in range(n) if scaled[i] < 1.0]
        large = [i for i in range(n) if scaled[i] >= 1.0]
        while small and large:
            s, g = small.pop(), large.pop()
            accept[s], alias[s] = scaled[s], g
            scaled[g] -= 1.0 - scaled[s]
            (small if scaled[g] < 1.0 else large).append(g)
        got_accept, got_alias = tables.alias_table(probs)
        assert got_accept.dtype == np.float32 and got_alias.dtype == np.int32
        assert np.array_equal(got_accept, accept.astype(np.float32))
        assert np.array_equal(got_alias, alias)
