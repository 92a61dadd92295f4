"""Tokens to provisional ids in compiled code: the hash table that reading counts with.

Python's dict made reading the slowest phase at a million-word vocabulary: each token
became a bytes object, was hashed and looked up in a table that misses the cache two or
three times (1 M tokens/s at 2 M types), and the 2 M keys stayed in memory as small
objects. Here a chunk's bytes are split and looked up in one pass: a slot holds a type's
id and 31 bits of its hash, so a lookup reads one slot and, on a match, the type's bytes.

The table is arrays the caller owns (w2vcli.kernel.table.TokenTable): `slots` (int64,
a power of two, -1 empty, at most half full), each type's `starts` and `lengths` in
`text`, its bytes one after another, and `state` (the STATE_* positions of table.py). Types
take ids in order of first appearance and tokens are split on ASCII white space, as
bytes.split() does: the same ids as the dict of w2vcli.text.corpus.Provisional.

`count_tokens` is a plain function over arrays: w2vcli.kernel.native compiles it into the
same shared library as the training kernel.
"""

import numpy as np
from numba import njit

from .table import STATE_AT, STATE_IDS, STATE_REHASH, STATE_SEED, STATE_TEXT, STATE_TYPES

LINE_END = -1  # as w2vcli.text.corpus.LINE_END: a newline's id (text is not imported here)
FULL = 1  # count_tokens stopped at a new type the table has no room for: grow it, call again
FNV_PRIME = np.uint64(1099511628211)

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
def place(slots, h, t):
    """Put type `t`, of hash `h`, in the first free slot from its own: the slot's word is
    31 bits of the hash above the 32-bit id, so it is never negative (-1: free)."""
    mask = len(slots) - 1
    slot = np.int64(h & np.uint64(mask))
    while slots[slot] >= 0:
        slot = (slot + 1) & mask
    slots[slot] = (np.int64(h >> np.uint64(33)) << 32) | t


@jit
def count_tokens(chunk, ids, slots, starts, lengths, text, state):
    """Write into `ids` the provisional id of each token of `chunk` (uint8), from
    state[STATE_AT] on, and LINE_END for each newline, adding new types to the table.
    Returns 0 once the chunk is read, or FULL where a new type does not fit (no room in
    `starts`, `text` or a half-full `slots`): state says where it stopped; the caller grows
    the arrays (new `slots` with STATE_REHASH set) and calls again. `ids` needs one place
    a byte of the chunk."""
    types, used, at, n = state[STATE_TYPES], state[STATE_TEXT], state[STATE_AT], state[STATE_IDS]
    seed = state[STATE_SEED]
    if state[STATE_REHASH]:
        for t in range(types):
            place(slots, token_hash(text, starts[t], starts[t] + lengths[t], seed), t)
        state[STATE_REHASH] = 0
    mask = len(slots) - 1
    size = len(chunk)
    while at < size:
        c = chunk[at]
        if c == 10:
            ids[n] = LINE_END
            n += 1
            at += 1
            continue
        if is_space(c):
            at += 1
            continue
        start = at
        while at < size and not is_space(chunk[at]):
            at += 1
        h = token_hash(chunk, start, at, seed)
        tag = np.int64(h >> np.uint64(33))
        slot = np.int64(h & np.uint64(mask))
        while True:
            entry = slots[slot]
            if entry < 0:  # a new type
                length = at - start
                if types == len(starts) or used + length > len(text) or 2 * types + 2 > len(slots):
                    state[STATE_TYPES], state[STATE_TEXT] = types, used
                    state[STATE_AT], state[STATE_IDS] = start, n
                    return FULL
                for k in range(length):
                    text[used + k] = chunk[start + k]
                starts[types], lengths[types] = used, length
                used += length
                slots[slot] = (tag << 32) | types
                ids[n] = types
                types += 1
                break
            t = entry & 0xFFFFFFFF
            if (entry >> 32) == tag and lengths[t] == at - start:
                first = starts[t]
                k = 0
                while k < at - start and text[first + k] == chunk[start + k]:
                    k += 1
                if k == at - start:
                    ids[n] = t
                    break
            slot = (slot + 1) & mask
        n += 1
    state[STATE_TYPES], state[STATE_TEXT], state[STATE_AT], state[STATE_IDS] = types, used, at, n
    return 0
