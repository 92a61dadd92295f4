"""The table reading counts tokens in, as arrays that compiled code fills: what
w2vcli.text.corpus.Provisional (a dict) does, about 5 times faster at a million types and
with no Python object a type. `count_tokens` (w2vcli.kernel.counting) splits and looks up
each chunk; this holds its arrays and grows them when it asks. The training stage hands a
TokenTable to the reading stage (w2vcli.kernel.native.token_table), which calls it as it
calls a Provisional: encode, token_lengths, keep_only, tokens, text_bytes."""

import os
from collections.abc import Sequence

import numpy as np

from .arrays import (
    FULL,
    MAX_START,
    STATE_AT,
    STATE_IDS,
    STATE_REHASH,
    STATE_SEED,
    STATE_SIZE,
    STATE_TEXT,
    STATE_TYPES,
)

SEPARATORS = b" \t\n\r\x0b\x0c"
SCRATCH_KEPT = 1 << 22  # scratch for chunks up to this (4 MiB) is kept from one to the next


class TokenTable:
    """What Provisional is, as arrays filled by compiled code (`count_tokens`, the native
    library's w2vcli.kernel.counting.count_tokens): about 5 times faster at a million
    types, and no Python object a type. The same ids, counts and pruning, byte for byte."""

    max_start = MAX_START  # (lowered by the tests, to cut chunks in pieces)

    def __init__(self, count_tokens):
        self.count_tokens = count_tokens
        self.slots = np.full((1 << 16, 2), -1, np.int64)
        self.starts = np.zeros(1 << 15, np.int64)
        self.lengths = np.zeros(1 << 15, np.int64)
        self.text = np.zeros(1 << 20, np.uint8)
        self.state = np.zeros(STATE_SIZE, np.int64)
        self.state[STATE_SEED] = int.from_bytes(os.urandom(8), "little") >> 1
        self.ids = np.empty(0, np.int32)  # reused from chunk to chunk
        self.hashes = np.empty(0, np.uint64)  # count_tokens's scratch, likewise

    def __len__(self) -> int:
        return int(self.state[STATE_TYPES])

    @property
    def text_bytes(self) -> int:
        """Of the tokens in the table (as a Provisional counts them: not their spaces)."""
        return int(self.state[STATE_TEXT]) - len(self)

    def encode(self, chunk: bytes) -> np.ndarray:
        """The chunk's ids (a view, valid until the next call)."""
        cut = _cut(chunk, self.max_start) if len(chunk) > self.max_start + 1 else len(chunk)
        if cut < len(chunk):  # (a sentence of 2 GiB, from Python)
            first = self.encode(chunk[:cut]).copy()
            return np.concatenate([first, self.encode(chunk[cut:])])
        data = np.frombuffer(chunk, np.uint8)
        if len(self.ids) < len(data):
            self.ids = np.empty(len(data), np.int32)
            self.hashes = np.empty(len(data), np.uint64)
        self.state[STATE_AT] = self.state[STATE_IDS] = 0
        while (status := self.count_tokens(data, *self._arrays())) == FULL:
            self._grow(len(data) + 1)
        assert status == 0, "count_tokens: a token starts past MAX_START"
        ids = self.ids[: self.state[STATE_IDS]]
        if len(self.ids) > SCRATCH_KEPT:  # a long token's chunk: not kept for the next
            self.ids, self.hashes = np.empty(0, np.int32), np.empty(0, np.uint64)
        return ids

    def _arrays(self) -> tuple:
        return self.ids, self.hashes, self.slots, self.starts, self.lengths, self.text, self.state

    def _grow(self, room: int) -> None:
        """Room for one more type of up to `room` bytes (its space included)."""
        types, used = len(self), int(self.state[STATE_TEXT])
        more_types, more_text = types == len(self.starts), used + room > len(self.text)
        more_slots = 2 * types + 2 > len(self.slots)
        assert more_types or more_text or more_slots, "count_tokens asked for room it has"
        if more_types:
            self.starts = _grown(self.starts, 2 * types)
            self.lengths = _grown(self.lengths, 2 * types)
        if more_text:
            self.text = _grown(self.text, max(2 * len(self.text), used + room))
        if more_slots:
            self.slots = np.full((2 * len(self.slots), 2), -1, np.int64)
            self.state[STATE_REHASH] = 1

    def token_lengths(self) -> np.ndarray:
        return self.lengths[: len(self)]

    def keep_only(self, survivors: np.ndarray) -> None:
        """Keep the types `survivors` (ids, ascending), renumbered in that order."""
        starts, spans = self.starts[survivors], self.lengths[survivors] + 1  # (and its space)
        new_starts = np.cumsum(spans) - spans
        at = np.repeat(starts - new_starts, spans) + np.arange(int(spans.sum()))
        self.text[: len(at)] = self.text[at]
        self.starts[: len(survivors)], self.lengths[: len(survivors)] = new_starts, spans - 1
        self.state[STATE_TYPES], self.state[STATE_TEXT] = len(survivors), len(at)
        self.slots.fill(-1)
        self.state[STATE_REHASH] = 1

    def tokens(self) -> "Tokens":
        n, used = len(self), int(self.state[STATE_TEXT])
        return Tokens(self.text[:used].tobytes(), self.starts[:n].copy(), self.lengths[:n].copy())


class Tokens(Sequence):
    """The bytes of each type of a TokenTable, made as they are asked for (memoryviews of
    the arrays give Python ints: twice as fast as NumPy's scalars)."""

    def __init__(self, text: bytes, starts: np.ndarray, lengths: np.ndarray):
        self.text, self.starts, self.lengths = text, memoryview(starts), memoryview(lengths)

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, i) -> bytes:
        start = self.starts[i]
        return self.text[start : start + self.lengths[i]]


def _cut(chunk: bytes, limit: int) -> int:
    """Where to cut `chunk` so that its first piece starts no token past `limit`: after
    its last white space before it, else (a first token that long, which starts at 0)
    after that token."""
    before = max(chunk.rfind(c, 0, limit) for c in SEPARATORS)
    if before >= 0:
        return before + 1
    after = [i for i in (chunk.find(c, limit) for c in SEPARATORS) if i >= 0]
    return min(after) + 1 if after else len(chunk)


def _grown(array: np.ndarray, size: int) -> np.ndarray:
    grown = np.zeros(size, array.dtype)
    grown[: len(array)] = array
    return grown
