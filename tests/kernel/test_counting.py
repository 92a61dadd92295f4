"""Counting in compiled code (counting.count_tokens in a table.TokenTable) gives what
Python's dict (corpus.Provisional) gives: the same provisional ids, tokens, counts,
pruning and stats, for any text, chunking and --max-types."""

import functools
import io
import types
from unittest import mock

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from numba import njit

from tests.test_fuzz import chunk_bytes, fuzz, text_like
from w2vcli.errors import CorpusError
from w2vcli.kernel import counting
from w2vcli.kernel.table import Tokens, TokenTable
from w2vcli.text import corpus


def least(table: TokenTable) -> TokenTable:
    """`table` at its least: each new type makes count_tokens stop (FULL) and the table
    grow (its slots rehashed), and chunks are cut in pieces that start no token past 7."""
    table.slots = np.full((2, 2), -1, np.int64)
    table.starts, table.lengths = np.zeros(1, np.int64), np.zeros(1, np.int64)
    table.text = np.zeros(1, np.uint8)
    table.max_start = 7
    return table


@njit
def one_hash(data, start, end, seed):
    return np.uint64(seed)


@functools.cache
def colliding():
    """count_tokens with every token hashed alike: one chain of slots, one tag, so that
    only the bytes (and the space after them) tell types apart."""
    function = counting.count_tokens.py_func
    names = {**function.__globals__, "token_hash": one_hash}
    return njit(types.FunctionType(function.__code__, names))


TABLES = {
    "python": lambda: None,
    "compiled": lambda: TokenTable(counting.count_tokens),
    "least": lambda: least(TokenTable(counting.count_tokens)),
    "colliding": lambda: TokenTable(colliding()),
}


def counted(data: bytes, chunk: int, max_types: int, table: str = "compiled"):
    """What count_chunks makes of `data` read in `chunk`-byte reads, or the error's text."""
    index = TABLES[table]()
    with mock.patch.object(corpus, "CHUNK_BYTES", chunk):
        try:
            chunks = corpus.read_chunks(io.BytesIO(data), "c.txt")
            raw = corpus.count_chunks(chunks, "c.txt", max_types, index=index)
        except CorpusError as e:
            return str(e)
    raw.stats.seconds = 0.0
    assert isinstance(raw.tokens, list if index is None else Tokens)
    return raw.ids.tolist(), list(raw.tokens), raw.counts.tolist(), raw.stats


def check_same(data: bytes, chunk: int, max_types: int, tables=("compiled",)) -> None:
    python = counted(data, chunk, max_types, "python")
    for table in tables:
        assert counted(data, chunk, max_types, table) == python, table


@fuzz
@given(data=text_like, chunk=chunk_bytes, max_types=st.sampled_from([1, 2, 3, 5, 1000]))
@example(data=b"b a b\nc b a\n\n \n", chunk=3, max_types=2)
@example(data=b"ab a abc b a\xc3\xa9 a\xc3 abcdefghijkl\n", chunk=1 << 20, max_types=1000)
def test_compiled_counting_is_the_dict_on_any_text(data, chunk, max_types):
    check_same(data, chunk, max_types, ("compiled", "least", "colliding"))


def test_tables_that_grow_and_are_pruned():
    """Past the table's first sizes (32,768 types, 65,536 slots, 1 MiB of text), with a
    token longer than all of it, and pruned by --max-types while it grows."""
    rng = np.random.default_rng(4)
    words = [b"w%d" % i for i in rng.integers(0, 80_000, 150_000)]
    lines = [b" ".join(words[i : i + 17]) for i in range(0, len(words), 17)]
    lines.insert(3000, b"x" * (3 << 20))
    data = b"\n".join(lines) + b"\n"
    for max_types in (1_000_000, 100_000, 20_000):  # (100,000: pruned for the long token)
        check_same(data, 1 << 20, max_types)
    tokens, stats = counted(data, 1 << 20, 1_000_000)[1::2]
    assert len(tokens) > 60_000 and b"x" * (3 << 20) in tokens and stats.prunings == 0
    assert counted(data, 1 << 20, 20_000)[3].prunings > 1


def test_tokens_are_a_sequence_of_bytes():
    table = TokenTable(counting.count_tokens)
    ids = table.encode(b"b a\tb\nc\x0bb a\r\n")
    assert ids.tolist() == [0, 1, 0, -1, 2, 0, 1, -1]
    tokens = table.tokens()
    assert len(tokens) == 3 and list(tokens) == [b"b", b"a", b"c"]
    assert tokens[2] == b"c" and tokens[np.int64(1)] == b"a" and b"c" in tokens
    with pytest.raises(IndexError):
        tokens[3]


def test_the_hash_seed_changes_no_id():
    """Each table hashes from a random seed (crafted text cannot make every token
    collide); ids are by first appearance, whatever the seed."""
    data = b" ".join(b"t%d" % (i % 3001) for i in range(20_000)) + b"\n"
    seen = set()
    for seed in (0, 1, 2**62 + 12345):
        table = TokenTable(counting.count_tokens)
        table.state[counting.STATE_SEED] = seed
        seen.add(tuple(table.encode(data).tolist()))
    assert len(seen) == 1
