"""Tables computed once from the word counts: sub-sampling, noise words, Huffman tree."""

import heapq

import numpy as np

MAX_CODE_LENGTH = 64


def keep_probability(counts: np.ndarray, sample: float) -> np.ndarray:
    """word2vec C's sub-sampling: keep word w with probability
    (sqrt(f/(s*T)) + 1) * (s*T)/f, f its count, T the total count (capped at 1)."""
    counts = counts.astype(np.float64)
    if sample <= 0:
        return np.ones(len(counts), dtype=np.float32)
    ratio = sample * counts.sum() / counts  # s*T/f: the same formula, sqrt(r) + r, without
    return np.minimum(np.sqrt(ratio) + ratio, 1.0).astype(np.float32)  # f/(s*T) overflowing


def noise_distribution(counts: np.ndarray, power: float = 0.75) -> np.ndarray:
    """The negative-sampling distribution: unigram counts raised to 3/4, normalised."""
    weights = counts.astype(np.float64) ** power
    return weights / weights.sum()


def alias_table(probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Walker's alias method: draw k uniformly, keep it with accept[k], else take alias[k].

    O(1) per draw from two arrays of V entries, where word2vec C reads a 400 MB table
    at random (slow on machines with large memory latency).
    """
    n = len(probs)
    # `scaled` a list of Python floats, not numpy's scalars: the same float64 arithmetic in
    # the same order (so the same table), twice as fast (1.1 s to 0.5 s at 691,516 words).
    scaled = (probs * n).tolist()
    accept = np.ones(n, dtype=np.float64)
    alias = np.arange(n, dtype=np.int32)
    small = [i for i in range(n) if scaled[i] < 1.0]
    large = [i for i in range(n) if scaled[i] >= 1.0]
    while small and large:
        s, g = small.pop(), large.pop()
        accept[s] = scaled[s]
        alias[s] = g
        scaled[g] -= 1.0 - scaled[s]
        (small if scaled[g] < 1.0 else large).append(g)
    # What is left has probability 1 up to rounding: keep accept = 1.
    return accept.astype(np.float32), alias


def huffman_tree(
    counts: np.ndarray, ties: str = "word2vec"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The Huffman tree of --loss hs: word2vec C's CreateBinaryTree for counts sorted in
    decreasing order, or gensim's (`ties` "gensim"). Both merge the two smallest nodes
    first and number the inner nodes in the order they are made, but where counts are
    equal word2vec C takes an inner node before a word, and gensim whichever its heap
    holds first, which makes another tree: a gensim model's output matrix means
    something only on gensim's.

    Returns codes (uint8, V x L), points (int32, V x L) and lengths (int32, V): word w's
    path from the root visits inner nodes points[w, :lengths[w]] (rows of the output
    matrix, V-1 of them, the root is V-2) and turns codes[w, :lengths[w]] at each.
    """
    v = len(counts)
    merge = _gensim_merges if ties == "gensim" else _word2vec_merges
    merged = np.array(list(merge(counts.astype(np.int64))), dtype=np.int64).reshape(-1, 2)
    parent = np.zeros(2 * v, dtype=np.int64)
    parent[merged[:, 0]] = parent[merged[:, 1]] = v + np.arange(len(merged))  # inner node a
    binary = np.zeros(2 * v, dtype=np.uint8)
    binary[merged[:, 1]] = 1
    # Every word climbs to the root at once, one level a step: a loop per word and level
    # in Python took 20 s at 691,516 words. First the lengths, then the paths written
    # from their ends (the climb meets the nodes leaf first).
    root = 2 * v - 2
    lengths = np.zeros(v, dtype=np.int32)
    node = np.arange(v)
    climbing = np.flatnonzero(node != root)
    while len(climbing):
        lengths[climbing] += 1
        node[climbing] = parent[node[climbing]]
        climbing = climbing[node[climbing] != root]
    width = max(1, int(lengths.max(initial=0)))
    if width > MAX_CODE_LENGTH:
        raise ValueError(f"Huffman code longer than {MAX_CODE_LENGTH}")
    codes = np.zeros((v, width), dtype=np.uint8)
    points = np.zeros((v, width), dtype=np.int32)
    node, depth = np.arange(v), lengths.copy()
    climbing = np.flatnonzero(depth > 0)
    while len(climbing):
        below = node[climbing]
        depth[climbing] -= 1
        codes[climbing, depth[climbing]] = binary[below]
        node[climbing] = above = parent[below]
        points[climbing, depth[climbing]] = above - v
        climbing = climbing[above != root]
    return codes, points, lengths


def _word2vec_merges(counts: np.ndarray):
    """The two nodes word2vec C merges into inner node a, for a = 0 .. V-2 (the words
    are nodes 0 .. V-1, inner node a is node V + a): the words from the least frequent up
    and the inner nodes as made are two sorted queues, an inner node first on a tie."""
    v = len(counts)
    count = counts.tolist() + [np.iinfo(np.int64).max // 4] * v  # Python ints: faster
    pos1, pos2 = v - 1, v
    for a in range(v - 1):
        mins = []
        for _ in range(2):  # the two smallest of the leaves and the inner nodes so far
            if pos1 >= 0 and count[pos1] < count[pos2]:
                mins.append(pos1)
                pos1 -= 1
            else:
                mins.append(pos2)
                pos2 += 1
        count[v + a] = count[mins[0]] + count[mins[1]]
        yield mins


def _gensim_merges(counts: np.ndarray):
    """The same for gensim 4's _build_heap: a heap of (count, node) compared by count
    alone, so that which of equal counts comes first is the heap's business (its layout:
    the vocabulary's order, then the merges so far); the counts need not be sorted."""
    v = len(counts)
    heap = [_ByCount((count, node)) for node, count in enumerate(counts.tolist())]
    heapq.heapify(heap)
    for a in range(v - 1):
        (count1, first), (count2, second) = heapq.heappop(heap), heapq.heappop(heap)
        heapq.heappush(heap, _ByCount((count1 + count2, v + a)))
        yield first, second


class _ByCount(tuple):
    """(count, node), ordered by count only, as gensim's Heapitem."""

    __slots__ = ()

    def __lt__(self, other):
        return self[0] < other[0]
