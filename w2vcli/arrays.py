"""What the kernels work on: the model's arrays, each thread's scratch arrays, and the codes
that select the architecture and the loss. Importing this does not import Numba, so that
training with the prebuilt kernel (w2vcli.native) never loads it.

Arrays travel in two NamedTuples (Numba compiles them to plain structs): `Model`, shared
by all threads, and `Scratch`, each thread's own buffers.
"""

from typing import NamedTuple

import numpy as np

CBOW, SKIPGRAM = 0, 1
NS, HS, SOFTMAX = 0, 1, 2

# The rows of w_out that every training example writes: the nodes at the top of the
# Huffman tree, on nearly every path (hs), and the most frequent words' output vectors,
# a third of the noise words on en-mix (ns). Threads writing the same rows pass their
# cache lines back and forth between the cores, so with more than one thread each thread
# updates its own copy of these rows and adds its change to w_out after each batch.
HOT_TREE_NODES = 64
HOT_NOISE_WORDS = 512


class Model(NamedTuple):
    w_in: np.ndarray  # (V, N) input vectors
    w_out: np.ndarray  # (V, N) output vectors, or (V-1, N) inner nodes for hs
    loss_kind: int  # NS, HS or SOFTMAX
    noise_accept: np.ndarray  # (V,) alias table of the noise distribution (ns)
    noise_alias: np.ndarray  # (V,)
    codes: np.ndarray  # (V, L) Huffman codes (hs)
    points: np.ndarray  # (V, L) inner nodes on each word's path (hs)
    lengths: np.ndarray  # (V,) code lengths (hs)


class Scratch(NamedTuple):
    rng: np.ndarray  # (1,) uint64 state of the thread's random generator
    counts: np.ndarray  # (2,) examples trained, and those whose loss was computed
    hidden: np.ndarray  # (N,) h
    grad_hidden: np.ndarray  # (N,) -eta * EH
    context: np.ndarray  # (2 * window,) context words of a CBOW example
    negatives: np.ndarray  # (K,) noise words of an example
    next_negatives: np.ndarray  # (K,) the next example's, drawn ahead to prefetch their rows
    rows: np.ndarray  # (R,) the w_out rows of an example's binary classifiers (ns, hs)
    labels: np.ndarray  # (R,) their labels, 1 or 0
    coeffs: np.ndarray  # (R,) their scores, then g = eta * (label - sigma(score))
    scores: np.ndarray  # (V,) u_j for the full softmax
    hot_out: np.ndarray  # (H, N) the thread's own copy of the hot rows of w_out
    hot_base: np.ndarray  # (H, N) those rows as they were when copied
    sentence: np.ndarray  # (B,) the kept words of a sentence, B >= the longest batch


# Threads' scratch arrays are small and written all the time; allocated next to each other
# they would share cache lines, and each write would evict the line from the other core
# (false sharing: two threads then ran slower than one). So each gets its own lines; 128
# bytes, because the prefetcher fetches lines in pairs.
PRIVATE_BYTES = 128


def private_array(n: int, dtype) -> np.ndarray:
    """A zeroed array of n items that shares no PRIVATE_BYTES block with other data."""
    dtype = np.dtype(dtype)
    blocks = -(-max(1, n * dtype.itemsize) // PRIVATE_BYTES)
    buffer = np.zeros((blocks + 1) * PRIVATE_BYTES, np.uint8)
    start = -buffer.ctypes.data % PRIVATE_BYTES
    return buffer[start : start + n * dtype.itemsize].view(dtype)


def make_scratch(
    model: Model, window: int, negative: int, seed: int = 1, hot_rows: int = 0, batch: int = 1
) -> Scratch:
    n, real = model.w_in.shape[1], model.w_in.dtype
    hot_rows = min(hot_rows, model.w_out.shape[0])
    n_rows = max(negative + 1, model.codes.shape[1])
    rng = private_array(1, np.uint64)
    rng[0] = seed
    return Scratch(
        rng,
        private_array(2, np.int64),
        private_array(n, real),
        private_array(n, real),
        private_array(2 * window, np.int32),
        private_array(negative, np.int32),
        private_array(negative, np.int32),
        private_array(n_rows, np.int32),
        private_array(n_rows, np.int8),
        private_array(n_rows, real),
        private_array(model.w_out.shape[0] if model.loss_kind == SOFTMAX else 1, np.float64),
        private_array(hot_rows * n, real).reshape(hot_rows, n),
        private_array(hot_rows * n, real).reshape(hot_rows, n),
        private_array(batch, np.int32),
    )
