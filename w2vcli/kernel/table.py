"""The table reading counts tokens in, as arrays that compiled code fills: what
w2vcli.text.corpus.Provisional (a dict) does, 3-4 times faster at a million types and with
no Python object a type. `count_tokens` (w2vcli.kernel.counting) splits and looks up each
chunk; this holds its arrays and grows them when it asks. The training stage hands a
TokenTable to the reading stage (w2vcli.kernel.native.token_table), which calls it as it
calls a Provisional: encode, token_lengths, keep_only, tokens, text_bytes."""

import os
from collections.abc import Sequence

import numpy as np

# count_tokens's `state`: types in the table, bytes of `text` in use, where the chunk is read
# up to, ids written, 1 if the slots are new (empty) and must first be filled from the
# types, and the hash's seed (random a table: crafted text cannot make every token collide).
STATE_TYPES, STATE_TEXT, STATE_AT, STATE_IDS, STATE_REHASH, STATE_SEED = range(6)
STATE_SIZE = 6


class TokenTable:
    """What Provisional is, as arrays filled by compiled code (`count_tokens`, the native
    library's w2vcli.kernel.counting.count_tokens): 3-4 times faster at a million types,
    and no Python object a type. The same ids, counts and pruning, byte for byte."""

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
        data = np.frombuffer(chunk, np.uint8)
        if len(self.ids) < len(data):
            self.ids = np.empty(len(data), np.int32)
            self.hashes = np.empty(len(data), np.uint64)
        self.state[STATE_AT] = self.state[STATE_IDS] = 0
        while self.count_tokens(data, *self._arrays()):
            self._grow(len(data) + 1)
        return self.ids[: self.state[STATE_IDS]]

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
        return Tokens(self.text[:used].copy(), self.starts[:n].copy(), self.lengths[:n])


class Tokens(Sequence):
    """The bytes of each type of a TokenTable, made as they are asked for."""

    def __init__(self, text: np.ndarray, starts: np.ndarray, lengths: np.ndarray):
        self.text, self.starts, self.lengths = text, starts, lengths

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, i) -> bytes:
        start = self.starts[i]
        return self.text[start : start + self.lengths[i]].tobytes()


def _grown(array: np.ndarray, size: int) -> np.ndarray:
    grown = np.zeros(size, array.dtype)
    grown[: len(array)] = array
    return grown
