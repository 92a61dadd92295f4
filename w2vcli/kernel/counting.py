"""Tokens to provisional ids in compiled code: the hash table that reading counts with.

Python's dict made reading the slowest phase at a million-word vocabulary: each token
became a bytes object, was hashed and looked up in a table that misses the cache two or
three times (1 M tokens/s at 2 M types), and the 2 M keys stayed in memory as small
objects. Here a slot holds a type's id, 31 bits of its hash and where its bytes are, so a
lookup reads one cache line and then the bytes; and each chunk is read twice, first for
its tokens' starts and hashes, then to look them up, each lookup fetching ahead the slot
of a token further on.

The table is arrays the caller owns (w2vcli.kernel.table.TokenTable): `slots` (rows of
two int64, a power of two of them, -1 empty, at most half full), each type's `starts` and
`lengths` in `text`, its bytes one after another, each followed by a space, and `state`
(the STATE_* positions of arrays.py). Types take ids in order of first appearance and
tokens are split on ASCII white space, as bytes.split() does: the same ids as the dict of
w2vcli.text.corpus.Provisional.

`count_tokens` is a plain function over arrays: w2vcli.kernel.native compiles it into the
same shared library as the training kernel.
"""

import numpy as np
from numba import njit

from .arrays import (
    FULL,
    MAX_START,
    STATE_AT,
    STATE_IDS,
    STATE_REHASH,
    STATE_SEED,
    STATE_TEXT,
    STATE_TYPES,
    TOO_LONG,
)
from .kernels import prefetch

LINE_END = -1  # as w2vcli.text.corpus.LINE_END: a newline's id (text is not imported here)
FNV_PRIME = np.uint64(1099511628211)
AHEAD = 16  # tokens between a slot's prefetch and its lookup

jit = njit(cache=True, nogil=True, _nrt=False, error_model="numpy")
inner = njit(cache=True, nogil=True, _nrt=False, error_model="numpy", inline="always")


@inner
def is_space(c):
    """ASCII white space as bytes.split() has it: space, \\t, \\n, \\v, \\f, \\r."""
    return c == 32 or (c >= 9 and c <= 13)


@inner
def token_hash(data, start, end, seed):
    """FNV-1a of data[start:end], from `seed`."""
    h = np.uint64(seed)
    for i in range(start, end):
        h = (h ^ np.uint64(data[i])) * FNV_PRIME
    return h


@inner
def place(slots, h, t, start):
    """Put type `t`, of hash `h` and bytes at text[start:], in the first free slot from its
    own: a slot is 31 bits of the hash above the 32-bit id (never negative: -1 is free),
    then where its bytes are, so that a lookup reads one cache line and then the bytes."""
    mask = len(slots) - 1
    slot = np.int64(h & np.uint64(mask))
    while slots[slot, 0] >= 0:
        slot = (slot + 1) & mask
    slots[slot, 0] = (np.int64(h >> np.uint64(33)) << 32) | t
    slots[slot, 1] = start


@inner
def token_end(chunk, at):
    """Where the token starting at `at` ends: the next white space or the chunk's end."""
    while at < len(chunk) and not is_space(chunk[at]):
        at += 1
    return at


@jit
def count_tokens(chunk, ids, hashes, slots, starts, lengths, text, state):
    """Write into `ids` the provisional id of each token of `chunk` (uint8), from
    state[STATE_AT] on, and LINE_END for each newline, adding new types to the table.
    Returns 0 once the chunk is read, or FULL where a new type does not fit (no room in
    `starts`, `text` or a half-full `slots`): state says where it stopped; the caller grows
    the arrays (new `slots` with STATE_REHASH set) and calls again. `ids` and `hashes`
    (scratch) need one place a byte of the chunk. Each type's bytes in `text` are
    followed by a space, which no token holds: a match needs no length."""
    types, used, at, n = state[STATE_TYPES], state[STATE_TEXT], state[STATE_AT], state[STATE_IDS]
    seed = state[STATE_SEED]
    if state[STATE_REHASH]:
        for t in range(types):
            place(slots, token_hash(text, starts[t], starts[t] + lengths[t], seed), t, starts[t])
        state[STATE_REHASH] = 0
    mask = len(slots) - 1
    # First each token's start, in the place its id goes (LINE_END for a newline, as it
    # stays), and its hash; then the lookups, each fetching ahead the slot of the token
    # AHEAD on: the slots of a large table miss the cache, and waiting for one at a time
    # was most of the time.
    last = n
    while at < len(chunk):
        c = chunk[at]
        if c == 10:
            ids[last] = LINE_END
            last += 1
        elif not is_space(c):
            if at > MAX_START:  # not an int32 (TokenTable cuts chunks so that it is)
                return TOO_LONG
            end = token_end(chunk, at)
            ids[last], hashes[last] = at, token_hash(chunk, at, end, seed)
            last += 1
            at = end
            continue
        at += 1
    for j in range(n, last):
        if j + AHEAD < last and ids[j + AHEAD] >= 0:
            prefetch(slots, np.int64(hashes[j + AHEAD] & np.uint64(mask)), 0)
        start = ids[j]
        if start < 0:  # a newline
            continue
        h = hashes[j]
        slot = np.int64(h & np.uint64(mask))
        tag = np.int64(h >> np.uint64(33))
        length = token_end(chunk, start) - start
        while True:
            entry = slots[slot, 0]
            if entry < 0:  # a new type
                no_room = types == len(starts) or 2 * types + 2 > len(slots)
                if no_room or used + length + 1 > len(text):
                    state[STATE_TYPES], state[STATE_TEXT] = types, used
                    state[STATE_AT], state[STATE_IDS] = start, j
                    return FULL
                for k in range(length):
                    text[used + k] = chunk[start + k]
                text[used + length] = 32
                starts[types], lengths[types] = used, length
                slots[slot, 0] = (tag << 32) | types
                slots[slot, 1] = used
                used += length + 1
                ids[j] = types
                types += 1
                break
            if (entry >> 32) == tag:
                first = slots[slot, 1]
                k = 0
                while k < length and text[first + k] == chunk[start + k]:
                    k += 1
                if k == length and text[first + k] == 32:
                    ids[j] = entry & 0xFFFFFFFF
                    break
            slot = (slot + 1) & mask
    state[STATE_TYPES], state[STATE_TEXT], state[STATE_AT], state[STATE_IDS] = types, used, at, last
    return 0
