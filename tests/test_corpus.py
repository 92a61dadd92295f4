import bz2
import gzip
import lzma

import numpy as np
import pytest

from w2vcli import corpus
from w2vcli.corpus import LINE_END, read_corpus
from w2vcli.errors import CorpusError
from w2vcli.vocab import build_vocab, format_vocab


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
    assert raw.lines == 3


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
    assert raw.bad_lines == 2
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
