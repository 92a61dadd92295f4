"""Tables computed once from the word counts: sub-sampling, noise words, Huffman tree."""

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
    scaled = probs * n
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


def huffman_tree(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """word2vec C's CreateBinaryTree for counts sorted in decreasing order.

    Returns codes (uint8, V x L), points (int32, V x L) and lengths (int32, V): word w's
    path from the root visits inner nodes points[w, :lengths[w]] (rows of the output
    matrix, V-1 of them, the root is V-2) and turns codes[w, :lengths[w]] at each.
    """
    v = len(counts)
    count = np.concatenate([counts.astype(np.int64), np.full(v, np.iinfo(np.int64).max // 4)])
    parent = np.zeros(2 * v, dtype=np.int64)
    binary = np.zeros(2 * v, dtype=np.uint8)
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
        parent[mins[0]] = parent[mins[1]] = v + a
        binary[mins[1]] = 1
    lengths = np.zeros(v, dtype=np.int32)
    paths = []
    for w in range(v):
        code, point, node = [], [], w
        while node != 2 * v - 2:
            code.append(binary[node])
            node = parent[node]
            point.append(node - v)
        paths.append((code[::-1], point[::-1]))
        lengths[w] = len(code)
    width = max(1, int(lengths.max()))
    if width > MAX_CODE_LENGTH:
        raise ValueError(f"Huffman code longer than {MAX_CODE_LENGTH}")
    codes = np.zeros((v, width), dtype=np.uint8)
    points = np.zeros((v, width), dtype=np.int32)
    for w, (code, point) in enumerate(paths):
        codes[w, : len(code)] = code
        points[w, : len(point)] = point
    return codes, points, lengths
