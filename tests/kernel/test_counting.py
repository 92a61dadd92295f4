"""Counting in compiled code (counting.count_tokens in a table.TokenTable) gives what
Python's dict (corpus.Provisional) gives: the same provisional ids, tokens, counts,
pruning and stats, for any text, chunking and --max-types."""

import io
from unittest import mock

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.test_fuzz import chunk_bytes, fuzz, text_like
from w2vcli.errors import CorpusError
from w2vcli.kernel import counting
from w2vcli.kernel.table import Tokens, TokenTable
from w2vcli.text import corpus


def counted(data: bytes, chunk: int, max_types: int, compiled: bool):
    """What count_chunks makes of `data` read in `chunk`-byte reads, or the error's text."""
    table = TokenTable(counting.count_tokens) if compiled else None
    with mock.patch.object(corpus, "CHUNK_BYTES", chunk):
        try:
            chunks = corpus.read_chunks(io.BytesIO(data), "c.txt")
            raw = corpus.count_chunks(chunks, "c.txt", max_types, index=table)
        except CorpusError as e:
            return str(e)
    raw.stats.seconds = 0.0
    assert isinstance(raw.tokens, Tokens if compiled else list)
    return raw.ids.tolist(), list(raw.tokens), raw.counts.tolist(), raw.stats


def check_same(data: bytes, chunk: int, max_types: int) -> None:
    python = counted(data, chunk, max_types, compiled=False)
    assert counted(data, chunk, max_types, compiled=True) == python


@fuzz
@given(data=text_like, chunk=chunk_bytes, max_types=st.sampled_from([1, 2, 3, 5, 1000]))
@example(data=b"b a b\nc b a\n\n \n", chunk=3, max_types=2)
def test_compiled_counting_is_the_dict_on_any_text(data, chunk, max_types):
    check_same(data, chunk, max_types)


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
    tokens, stats = counted(data, 1 << 20, 1_000_000, compiled=True)[1::2]
    assert len(tokens) > 60_000 and b"x" * (3 << 20) in tokens and stats.prunings == 0
    assert counted(data, 1 << 20, 20_000, compiled=True)[3].prunings > 1


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
