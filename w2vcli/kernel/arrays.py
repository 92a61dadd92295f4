"""What the kernels work on: the model's arrays, each thread's scratch arrays, and the codes
that select the architecture and the loss. Importing this does not import Numba, so that
training with the prebuilt kernel (w2vcli.kernel.native) never loads it.

Arrays travel in two NamedTuples (Numba compiles them to plain structs): `Shared`, by all
threads, and `Scratch`, each thread's own buffers.
"""

import mmap
import os
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


class Shared(NamedTuple):
    w_in: np.ndarray  # (V, N) input vectors
    w_out: np.ndarray  # (V, N) output vectors, or (V-1, N) inner nodes for hs
    loss_kind: int  # NS, HS or SOFTMAX
    noise_accept: np.ndarray  # (V,) alias table of the noise distribution (ns)
    noise_alias: np.ndarray  # (V,)
    codes: np.ndarray  # (V, L) Huffman codes (hs)
    points: np.ndarray  # (V, L) inner nodes on each word's path (hs)
    lengths: np.ndarray  # (V,) code lengths (hs)
    frozen: np.ndarray  # (V,) 1 for an input vector that training leaves as it is (--freeze-init)
    cbow_mean: int  # 1: CBOW's h is the mean of the context vectors; 0: their sum
    shrink_windows: int  # 1: each centre word draws its window from 1 to window; 0: window
    batch_windows: int  # 1: skip-gram trains a window's pairs at once (kernels.skipgram_window)


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
    window_scores: np.ndarray  # (2 * window, R) a window's scores, then its g (batch_windows)
    window_grads: np.ndarray  # (2 * window, N) its context words' -eta * EH


# The element type and number of dimensions of each array, in the order of the fields: the
# one statement of the layout, which make_scratch allocates and the prebuilt kernel's C entry
# point (w2vcli.kernel.native) declares and checks. REAL is the model's float type: float32, or
# float64 in tests of the JIT kernel.
REAL = "real"
SHARED_ARRAYS = {
    "w_in": (REAL, 2),
    "w_out": (REAL, 2),
    "noise_accept": (np.float32, 1),
    "noise_alias": (np.int32, 1),
    "codes": (np.uint8, 2),
    "points": (np.int32, 2),
    "lengths": (np.int32, 1),
    "frozen": (np.uint8, 1),
}
CORPUS_ARRAYS = {"corpus": (np.int32, 1), "keep_prob": (np.float32, 1)}  # ids, and by id
SCRATCH_ARRAYS = {
    "rng": (np.uint64, 1),
    "counts": (np.int64, 1),
    "hidden": (REAL, 1),
    "grad_hidden": (REAL, 1),
    "context": (np.int32, 1),
    "negatives": (np.int32, 1),
    "next_negatives": (np.int32, 1),
    "rows": (np.int32, 1),
    "labels": (np.int8, 1),
    "coeffs": (REAL, 1),
    "scores": (np.float64, 1),
    "hot_out": (REAL, 2),
    "hot_base": (REAL, 2),
    "sentence": (np.int32, 1),
    "window_scores": (REAL, 2),
    "window_grads": (REAL, 2),
}
# The int64 arguments of the C entry:
SHARED_SCALARS = ("loss_kind", "cbow_mean", "shrink_windows", "batch_windows")

# The counting kernel's (counting.count_tokens) `state`: types in the table, bytes of its
# text in use, where the chunk is read up to, ids written, 1 if the slots are new (empty)
# and must first be filled from the types, and the hash's seed (random a table, so that no
# fixed text makes its tokens collide). Token starts are int32 in the ids, so a chunk is
# counted in pieces that start no token from MAX_START on.
STATE_TYPES, STATE_TEXT, STATE_AT, STATE_IDS, STATE_REHASH, STATE_SEED = range(6)
STATE_SIZE = 6
MAX_START = 2**31 - 1
# What count_tokens returns besides 0 (the chunk read): FULL, a new type does not fit (grow
# the table and call again); TOO_LONG, a token starts past MAX_START (never, when called by
# table.TokenTable, which cuts chunks).
FULL, TOO_LONG = 1, 2
assert [f for f in Shared._fields if f not in SHARED_SCALARS] == list(SHARED_ARRAYS)
assert list(Scratch._fields) == list(SCRATCH_ARRAYS)


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


# Rows of a matrix larger than the cache are fetched at random, and with 4 KiB pages nearly
# every fetch also misses the TLB (on en-mix the two matrices span 6,000 pages; a Zen 3 core's
# TLB holds 2,048). Transparent huge pages (2 MiB) cover them with a dozen entries: Linux
# gives them where asked for with madvise, the default setting ("madvise" in
# /sys/kernel/mm/transparent_hugepage/enabled).
HUGE_PAGE = 1 << 21


def model_array(n: int, dtype) -> np.ndarray:
    """A zeroed array of n items, on huge pages where the system gives them; else as
    private_array."""
    dtype = np.dtype(dtype)
    size = n * dtype.itemsize
    if size < HUGE_PAGE or not hasattr(mmap, "MADV_HUGEPAGE") or os.environ.get("W2V_NO_HUGE"):
        return private_array(n, dtype)
    # Private and anonymous (zeroed): shared memory would follow shmem_enabled instead.
    memory = mmap.mmap(-1, size + HUGE_PAGE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    buffer = np.frombuffer(memory, np.uint8)
    start = -buffer.ctypes.data % HUGE_PAGE
    memory.madvise(mmap.MADV_HUGEPAGE, start, size - size % HUGE_PAGE or HUGE_PAGE)
    return buffer[start : start + size].view(dtype)


def all_finite(matrix: np.ndarray, rows: int = 65536) -> bool:
    """np.isfinite(matrix).all(), a block of rows at a time: its array of booleans would
    be as large as a quarter of the matrix (66 MiB at 691,516 words, and the run's peak)."""
    return all(np.isfinite(matrix[i : i + rows]).all() for i in range(0, len(matrix), rows))


def make_scratch(
    model: Shared, window: int, negative: int, seed: int = 1, hot_rows: int = 0, batch: int = 1
) -> Scratch:
    n, real = model.w_in.shape[1], model.w_in.dtype
    hot_rows = min(hot_rows, model.w_out.shape[0])
    n_rows = max(negative + 1, model.codes.shape[1])
    sizes = {
        "rng": 1,
        "counts": 2,  # examples trained, and those whose loss was computed
        "hidden": n,
        "grad_hidden": n,
        "context": 2 * window,
        "negatives": negative,
        "next_negatives": negative,
        "rows": n_rows,
        "labels": n_rows,
        "coeffs": n_rows,
        "scores": model.w_out.shape[0] if model.loss_kind == SOFTMAX else 1,
        "hot_out": (hot_rows, n),
        "hot_base": (hot_rows, n),
        "sentence": batch,
        "window_scores": (2 * window, n_rows),
        "window_grads": (2 * window, n),
    }
    scratch = {}
    for name, (dtype, _) in SCRATCH_ARRAYS.items():
        shape = sizes[name]
        scratch[name] = private_array(int(np.prod(shape)), real if dtype == REAL else dtype)
        scratch[name] = scratch[name].reshape(shape)
    scratch["rng"][0] = seed
    return Scratch(**scratch)
