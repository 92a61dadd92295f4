import bz2
import gzip
import lzma

import numpy as np
import pytest

from tests.test_fuzz import lines_of
from w2vcli.errors import CorpusError
from w2vcli.text import corpus
from w2vcli.text.corpus import LINE_END, read_corpus
from w2vcli.text.vocab import build_vocab, format_vocab


def tokens_of(raw):
    """The corpus back as a list of lines of tokens."""
    lines, line = [], []
    for i in raw.ids.tolist():
        if i == LINE_END:
            if line:
                lines.append(line)
            line = []
        else:
            line.append(raw.tokens[i].decode())
    return lines


def write(tmp_path, data: bytes, name="c.txt"):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_splits_on_ascii_white_space_only(tmp_path):
    text = "a\tb\x0bc\x0cd\re  f\u3000g 猫咪\u00a0狗狗\n\n  h \r\n"
    raw = read_corpus(write(tmp_path, text.encode()))
    assert tokens_of(raw) == [["a", "b", "c", "d", "e", "f\u3000g", "猫咪\u00a0狗狗"], ["h"]]
    assert raw.stats.lines == 3


def test_counts_and_first_seen_order(tmp_path):
    raw = read_corpus(write(tmp_path, b"b a b\nc b a\n"))
    assert raw.tokens == [b"b", b"a", b"c"]
    assert raw.counts.tolist() == [3, 2, 1]


def test_long_lines_are_kept_whole_across_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus, "CHUNK_BYTES", 1000)  # many chunk boundaries
    words = [f"w{i % 5000}" for i in range(60_000)]  # gensim would cut this at 10,000
    raw = read_corpus(write(tmp_path, (" ".join(words) + "\nlast line\n").encode()))
    assert tokens_of(raw) == [words, ["last", "line"]]


def test_a_token_longer_than_a_chunk(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus, "CHUNK_BYTES", 64)
    big = "x" * 1000
    raw = read_corpus(write(tmp_path, f"a {big} b".encode()))  # no final newline
    assert tokens_of(raw) == [["a", big, "b"]]


@pytest.mark.parametrize(
    "ext,compress", [(".gz", gzip.compress), (".bz2", bz2.compress), (".xz", lzma.compress)]
)
def test_compressed_input(tmp_path, ext, compress):
    text = "猫咪 喜欢 狗狗\nthe cat\n".encode()
    raw = read_corpus(write(tmp_path, compress(text), "c.txt" + ext))
    assert tokens_of(raw) == [["猫咪", "喜欢", "狗狗"], ["the", "cat"]]


def test_invalid_utf8_is_replaced_and_counted(tmp_path):
    raw = read_corpus(write(tmp_path, b"ok line\nbad \xff\xfe here\nfine\nand \xc3 too\n"))
    assert raw.stats.bad_lines == 2
    assert tokens_of(raw)[1] == ["bad", "\ufffd\ufffd", "here"]


def test_byte_order_mark_is_dropped(tmp_path):
    raw = read_corpus(write(tmp_path, b"\xef\xbb\xbfhello world\n"))
    assert raw.tokens == [b"hello", b"world"]


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(CorpusError, match="no such file"):
        read_corpus(str(tmp_path / "nope.txt"))
    with pytest.raises(CorpusError, match="directory"):
        read_corpus(str(tmp_path))


def test_truncated_gzip(tmp_path):
    data = gzip.compress(b"some words here\n" * 1000)
    with pytest.raises(CorpusError, match="cannot read"):
        read_corpus(write(tmp_path, data[: len(data) // 2], "c.gz"))


def test_vocabulary_sorted_by_count_then_first_seen(tmp_path):
    raw = read_corpus(write(tmp_path, b"d c c b b b a a a a e e e e\n"))
    vocab, new_ids = build_vocab(raw.tokens, raw.counts, min_count=2)
    assert vocab.words == ["a", "e", "b", "c"]  # a and e tie: a was seen first
    assert vocab.counts.tolist() == [4, 4, 3, 2]
    assert new_ids[raw.tokens.index(b"d")] == -2
    assert format_vocab(vocab) == "a 4\ne 4\nb 3\nc 2\n"
    small, _ = build_vocab(raw.tokens, raw.counts, min_count=1, max_vocab=2)
    assert small.words == ["a", "e"]


def test_encode_drops_rare_words_and_keeps_line_ends(tmp_path):
    raw = read_corpus(write(tmp_path, b"a b rare a\nb a\n"))
    _, new_ids = build_vocab(raw.tokens, raw.counts, min_count=2)
    encoded = corpus.encode(raw, new_ids)
    assert encoded.tolist() == [0, 1, 0, LINE_END, 1, 0, LINE_END, LINE_END]
    assert encoded.dtype == np.int32


def test_stream_grows_and_is_encoded_in_small_parts(tmp_path, monkeypatch):
    """The id stream grows in place and is counted and encoded a part at a time; with
    parts of 3 ids that takes many steps, and gives what one step gives."""
    path = write(tmp_path, b"a b rare a\nb a\n" * 40 + b"c a\n")

    def read_and_encode():
        raw = read_corpus(path)
        ids, counts = raw.ids.copy(), raw.counts.copy()
        _, new_ids = build_vocab(raw.tokens, raw.counts, min_count=2)
        return ids, counts, corpus.encode(raw, new_ids)

    whole = read_and_encode()
    monkeypatch.setattr(corpus, "PART_SIZE", 3)
    parts = read_and_encode()
    for expected, got in zip(whole, parts, strict=True):
        np.testing.assert_array_equal(got, expected)
    encoded = parts[2].tolist()
    assert encoded[:8] == [0, 1, 2, 0, LINE_END, 1, 0, LINE_END]  # a b rare a / b a
    assert encoded[-3:] == [0, LINE_END, LINE_END]  # "c a": c is rare


# Corpora larger than memory: the id stream in a temporary file (--corpus-in disk).


def counted(path, ids_in, max_types=corpus.MAX_TYPES, tmp_dir=None):
    with open(path, "rb") as f:
        return corpus.count_chunks(corpus.read_chunks(f, path), path, max_types, ids_in, tmp_dir)


def as_array(ids) -> np.ndarray:
    return np.concatenate([np.asarray(part) for part in corpus.parts(ids)] or [[]])


@pytest.mark.parametrize("max_types", [corpus.MAX_TYPES, 40])  # 40: pruned many times
def test_disk_and_memory_streams_hold_the_same_ids(small_corpus, monkeypatch, max_types):
    monkeypatch.setattr(corpus, "PART_SIZE", 1000)  # many parts,
    monkeypatch.setattr(corpus, "BUFFER_IDS", 777)  # many writes, some larger than the buffer
    memory, disk = (counted(str(small_corpus), where, max_types) for where in ("memory", "disk"))
    assert isinstance(disk.ids, corpus.DiskIds) and isinstance(memory.ids, np.ndarray)
    assert np.array_equal(as_array(disk.ids), memory.ids)
    assert disk.tokens == memory.tokens and np.array_equal(disk.counts, memory.counts)
    assert (disk.stats.prunings > 0) == (max_types == 40)
    _, new_ids = build_vocab(memory.tokens, memory.counts, min_count=2)
    assert np.array_equal(as_array(corpus.encode(disk, new_ids)), corpus.encode(memory, new_ids))


def test_auto_moves_the_stream_to_disk_past_its_size_limit(small_corpus, monkeypatch):
    memory = counted(str(small_corpus), "auto")
    assert isinstance(memory.ids, np.ndarray)  # a small corpus stays in memory
    monkeypatch.setattr(corpus, "SPILL_BYTES", 16)  # four ids
    spilled = counted(str(small_corpus), "auto")
    assert isinstance(spilled.ids, corpus.DiskIds)
    assert np.array_equal(as_array(spilled.ids), memory.ids)


def test_the_temporary_file_has_no_name(small_corpus, tmp_path):
    raw = counted(str(small_corpus), "disk", tmp_dir=str(tmp_path))
    assert len(raw.ids) > 0 and list(tmp_path.iterdir()) == []  # nothing left anywhere
    with pytest.raises(CorpusError, match="^--tmp-dir .*missing: cannot make"):
        counted(str(small_corpus), "disk", tmp_dir=str(tmp_path / "missing"))


def test_memory_stream_grows_by_a_quarter(monkeypatch):
    monkeypatch.setattr(corpus, "PART_SIZE", 16)
    ids = corpus.MemoryIds()
    for n in range(1, 400):
        ids.append(np.full(n % 7 + 1, n, np.int32))
        assert len(ids.array) <= max(16, 1.25 * len(ids) + 8)  # never doubled
    assert np.array_equal(ids.stream()[:3], [1, 1, 2])


# How far reading has come: what `on_read` is told.


def reports(source, monkeypatch, chunk_bytes=1000):
    """What reading `source` in chunks of about `chunk_bytes` tells on_read, and what it read."""
    from w2vcli.config import TrainConfig

    monkeypatch.setattr(corpus, "CHUNK_BYTES", chunk_bytes)
    told = []
    raw = corpus.read_text(source, None, TrainConfig(), on_read=told.append)
    return told, raw


TEXT = b"the cat sat on the mat\n" * 500  # 3,000 tokens, 11,500 bytes


def test_reading_is_reported_after_each_chunk_and_at_its_end(tmp_path, monkeypatch):
    path = write(tmp_path, TEXT)
    told, raw = reports(path, monkeypatch)
    *going, last = told
    assert len(going) >= 10 and last.done and not any(r.done for r in going)
    for r in going:  # each chunk ends at a separator: so many tokens in so many bytes
        assert r.tokens == len(TEXT[: r.bytes].split()) and 0 < r.bytes <= len(TEXT)
        assert r.name == path and r.size == len(TEXT) and r.bytes <= r.at <= r.size
    assert [r.seconds for r in told] == sorted(r.seconds for r in told)
    assert (last.tokens, last.bytes) == (raw.stats.tokens, raw.stats.bytes) == (3000, len(TEXT))
    assert last.at == last.size == len(TEXT)


@pytest.mark.parametrize(
    "compress",
    [gzip.compress, bz2.compress, lambda text: lzma.compress(text, preset=0)],
    ids=["gzip", "bzip2", "xz"],
)
def test_a_compressed_file_is_gauged_by_its_compressed_bytes(tmp_path, monkeypatch, compress):
    # Numbers compress badly: 2.2 MB, three of bzip2's blocks (900 kB of text each).
    text = b"".join(b"%d %d the cat\n" % (i, i * i) for i in range(100_000))
    packed = compress(text)
    told, _ = reports(write(tmp_path, packed, "c.txt.x"), monkeypatch, 1 << 16)
    assert all(r.size == len(packed) for r in told) and told[-1].at == len(packed)
    assert told[-1].bytes == len(text) and told[-1].tokens == 4 * 100_000
    going = [r.at for r in told[:-1]]
    assert going == sorted(going) and going[0] < len(packed)  # the share read grows


def test_a_stream_or_sentences_have_no_size(monkeypatch):
    import io

    for source in (io.BytesIO(TEXT), [line.split() for line in TEXT.decode().splitlines()]):
        told, raw = reports(source, monkeypatch)
        assert len(told) >= 2 and all(r.size is None and r.at is None for r in told)
        assert told[-1].done and told[-1].tokens == raw.stats.tokens == 3000


# Chunk boundaries: wherever the reads cut the text, the same tokens, ids and counts.

TRICKY = (
    "\ufeffthe cat\r\nsat  on\tthe\x0bmat\x0c\n\n \t\n猫咪\u3000狗狗 a\u00a0b\n".encode()
    + b"nul\0here \xff bad \n"
    + " ".join(f"w{i % 37}" for i in range(300)).encode()
    + b"\n\n\n"
    + b"x" * 150
    + b" tail without newline"
)


def reference_count(data: bytes):
    """Tokens in order of first appearance, their counts and the lines of tokens, from
    bytes.split() alone (as the module docstring describes the format)."""
    data = data.removeprefix(corpus.BOM).replace(b"\0", b" ")
    lines = [line.decode("utf-8", "replace").encode().split() for line in data.split(b"\n")]
    counts: dict = {}
    for line in lines:
        for token in line:
            counts[token] = counts.get(token, 0) + 1
    return list(counts), list(counts.values()), [line for line in lines if line]


@pytest.mark.parametrize("chunk_bytes", [3, 4, 5, 7, 8, 13, 16, 31, 64, 100, 257, 1 << 20])
def test_any_chunk_size_reads_the_same(tmp_path, monkeypatch, chunk_bytes):
    monkeypatch.setattr(corpus, "CHUNK_BYTES", chunk_bytes)
    raw = read_corpus(write(tmp_path, TRICKY))
    tokens, counts, lines = reference_count(TRICKY)
    assert raw.tokens == tokens and raw.counts.tolist() == counts
    assert lines_of(raw) == lines
    assert (raw.stats.nul_bytes, raw.stats.bad_lines, raw.stats.lines) == (1, 1, 9)
    assert raw.stats.bytes == len(TRICKY) - len(corpus.BOM)


def test_line_ends_in_the_stream(tmp_path):
    """A LINE_END after each line with tokens, one for a run of blank lines within a chunk,
    and one at the end: the stream's length is in model.json (as ids), so it must stay."""
    raw = read_corpus(write(tmp_path, b"\n\na b\n\n \t\r\nb c\nc\n"))
    assert raw.ids.tolist() == [LINE_END, 0, 1, LINE_END, 1, 2, LINE_END, 2, LINE_END, LINE_END]


def test_a_vocabulary_word_holding_a_nul_leaves_line_ends_alone(tmp_path):
    words = corpus.KnownWords({b"\0": 0, b"a": 1})  # no text's token can be this word
    with open(write(tmp_path, b"a b\0a\n" + b"a a a\n" * 5), "rb") as f:
        raw = corpus.count_chunks(corpus.read_chunks(f, "c"), "c", 3, index=words)
    assert raw.ids.tolist() == [1, corpus.DROPPED, 1, LINE_END, *[1, 1, 1, LINE_END] * 5, LINE_END]
    assert len(words) == 2  # the caller's table is left as it was
