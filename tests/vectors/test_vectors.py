"""Reading word2vec files: both formats detected from content, other tools' variants, gensim
interoperability in both directions, and one-line errors for malformed files; and gensim's
KeyedVectors methods on Vectors, each against gensim on the same file."""

import io
import struct

import numpy as np
import pytest
from gensim.models import KeyedVectors
from hypothesis import given, settings
from hypothesis import strategies as st

from w2vcli.errors import VectorsFormatError, W2VError
from w2vcli.vectors.formats import parse_vectors, write_vectors
from w2vcli.vectors.vectors import UnknownWord, Vectors, load_vectors

WORDS = ["the", "1990", "猫咪", "naïve", "of"]  # a numeric word and non-ASCII ones on purpose
VECTORS = np.random.default_rng(0).standard_normal((5, 7)).astype(np.float32)


def written(words=WORDS, vectors=VECTORS, binary=False) -> bytes:
    f = io.BytesIO()
    write_vectors(f, words, vectors, binary=binary)
    return f.getvalue()


def text_rows(rows, end=b"\n", trailing=b"") -> bytes:
    return b"".join(
        f"{w} {' '.join(f'{x:.9g}' for x in v)}".encode() + trailing + end
        for w, v in zip(WORDS, VECTORS, strict=True)
    )


@pytest.mark.parametrize("binary", [False, True])
def test_our_files_read_back_exactly(binary):
    loaded = parse_vectors(written(binary=binary))
    assert loaded.binary == binary
    assert loaded.words == WORDS
    assert loaded.vectors.dtype == np.float32
    np.testing.assert_array_equal(loaded.vectors, VECTORS)


@pytest.mark.parametrize(
    "body",
    [
        text_rows(VECTORS, trailing=b" "),  # word2vec C's text output ends rows with a space
        text_rows(VECTORS, end=b"\r\n"),  # CRLF
        text_rows(VECTORS, trailing=b" ", end=b"\r\n"),
        text_rows(VECTORS, end=b"\n\n"),  # the binary format's optional newline, in text
        text_rows(VECTORS).replace(b" ", b"\t"),
    ],
    ids=["trailing-space", "crlf", "space-crlf", "blank-lines", "tabs"],
)
def test_text_variants_other_tools_write(body):
    loaded = parse_vectors(b"5 7\r\n" + body)
    assert not loaded.binary and loaded.words == WORDS
    np.testing.assert_array_equal(loaded.vectors, VECTORS)


def binary_rows(newline: bool) -> bytes:
    end = b"\n" if newline else b""
    return b"".join(
        w.encode() + b" " + v.astype("<f4").tobytes() + end
        for w, v in zip(WORDS, VECTORS, strict=True)
    )


@pytest.mark.parametrize("newline", [True, False], ids=["word2vec-c", "no-newline"])
def test_binary_with_and_without_newline_after_each_vector(newline):
    loaded = parse_vectors(b"5 7\n" + binary_rows(newline))
    assert loaded.binary and loaded.words == WORDS
    np.testing.assert_array_equal(loaded.vectors, VECTORS)


def test_binary_floats_containing_space_and_newline_bytes():
    tricky = np.frombuffer(b" \n  \n\n \n" * 7, dtype="<f4").reshape(2, 7)
    loaded = parse_vectors(written(["a", "b"], tricky, binary=True))
    np.testing.assert_array_equal(loaded.vectors, tricky)


def test_binary_whose_first_bytes_read_as_a_number_up_to_a_newline():
    # The first row reads as text "the 1" (one number, not 7) but the file parses as binary.
    vectors = VECTORS.copy()
    vectors[0, 0] = np.frombuffer(b"1\n\x00\x00", dtype="<f4")[0]
    loaded = parse_vectors(written(vectors=vectors, binary=True))
    assert loaded.binary
    np.testing.assert_array_equal(loaded.vectors, vectors)


@pytest.mark.parametrize("binary", [False, True])
def test_invalid_utf8_in_a_word_is_replaced_and_counted(binary):
    data = written(["ok", "bad\xff"], VECTORS[:2], binary).replace("bad\xff".encode(), b"bad\xff")
    loaded = parse_vectors(data)
    assert loaded.words == ["ok", "bad\ufffd"] and loaded.invalid_utf8 == 1


def test_byte_order_mark_is_skipped():
    assert parse_vectors(b"\xef\xbb\xbf" + written()).words == WORDS


def test_read_vectors_returns_words_and_matrix(tmp_path):
    path = tmp_path / "v.bin"
    path.write_bytes(written(binary=True))
    loaded = load_vectors(str(path))
    words, vectors = loaded.words, loaded.vectors
    assert words == WORDS and vectors.shape == (5, 7)


@pytest.mark.parametrize("binary", [False, True])
def test_gensim_files_are_read(tmp_path, binary):
    kv = KeyedVectors(vector_size=7)
    kv.add_vectors(WORDS, VECTORS)
    path = tmp_path / "gensim.vec"
    kv.save_word2vec_format(str(path), binary=binary)
    loaded = load_vectors(str(path))
    assert loaded.binary == binary and loaded.words == WORDS
    np.testing.assert_allclose(loaded.vectors, VECTORS, rtol=1e-6)


@pytest.mark.parametrize("binary", [False, True])
def test_gensim_reads_our_files(tmp_path, binary):
    path = tmp_path / "ours.vec"
    path.write_bytes(written(binary=binary))
    kv = KeyedVectors.load_word2vec_format(str(path), binary=binary)
    assert kv.index_to_key == WORDS
    np.testing.assert_array_equal(kv.vectors, VECTORS)


MAGIC = {"gzip": b"\x1f\x8b", "bzip2": b"BZh", "xz": b"\xfd7zXZ\x00"}


@pytest.mark.parametrize(
    "name,asked,binary,compression",
    [
        ("v.bin", None, True, None),
        ("v.txt", None, False, None),
        ("v.bin.gz", None, True, "gzip"),
        ("v.txt.gz", None, False, "gzip"),
        ("v.gz", None, False, "gzip"),  # the name says no format: text
        ("v.gz", "binary", True, "gzip"),
        ("v.vec.bz2", "text", False, "bzip2"),
        ("v.bin.xz", "binary", True, "xz"),
        ("v.w2v", "binary", True, None),
    ],
)
def test_save_writes_what_the_name_says_and_gensim_reads_it(
    tmp_path, name, asked, binary, compression
):
    path = tmp_path / name
    Vectors(WORDS, VECTORS).save(path, asked)
    assert path.read_bytes().startswith(MAGIC[compression] if compression else b"5 7\n")
    kv = KeyedVectors.load_word2vec_format(str(path), binary=binary)
    assert kv.index_to_key == WORDS
    np.testing.assert_array_equal(kv.vectors, VECTORS)
    again = load_vectors(path)
    assert again.words == WORDS and (again.binary, again.compression) == (binary, compression)


def test_save_refuses_a_name_that_says_the_other_format(tmp_path):
    for name, asked, says in (("v.bin", "text", "binary"), ("v.txt.gz", "binary", "text")):
        with pytest.raises(W2VError) as refused:
            Vectors(WORDS, VECTORS).save(tmp_path / name, asked)
        assert str(refused.value).startswith(
            f"{tmp_path / name}: the name says {says} but format says {asked}; name it"
        )
    assert list(tmp_path.iterdir()) == []


def test_save_compresses_the_same_data_into_the_same_bytes(tmp_path):
    for name in ("a.txt.gz", "b.txt.gz", "a.bin.bz2", "b.bin.bz2", "a.bin.xz", "b.bin.xz"):
        Vectors(WORDS, VECTORS).save(tmp_path / name)
    for suffix, compression in ((".txt.gz", "gzip"), (".bin.bz2", "bzip2"), (".bin.xz", "xz")):
        data = (tmp_path / f"a{suffix}").read_bytes()
        assert (
            data.startswith(MAGIC[compression]) and data == (tmp_path / f"b{suffix}").read_bytes()
        )


def test_a_compressed_save_that_fails_leaves_the_file_as_it_was(tmp_path):
    path = tmp_path / "v.bin.gz"
    Vectors(WORDS, VECTORS).save(path)
    before = path.read_bytes()
    with pytest.raises(W2VError, match="white space"):
        Vectors(["a b"], VECTORS[:1]).save(path)
    assert path.read_bytes() == before and sorted(tmp_path.iterdir()) == [path]


def test_save_to_a_file_object_writes_the_format_asked_uncompressed():
    text, binary = io.BytesIO(), io.BytesIO()
    Vectors(WORDS, VECTORS).save(text)
    Vectors(WORDS, VECTORS).save(binary, "binary")
    assert text.getvalue() == written() and binary.getvalue() == written(binary=True)


def test_a_trained_model_reads_the_same_as_gensim_reads_it(en_vectors):
    loaded = load_vectors(str(en_vectors))
    kv = KeyedVectors.load_word2vec_format(str(en_vectors))
    assert loaded.words == kv.index_to_key
    np.testing.assert_array_equal(loaded.vectors, kv.vectors)


words_strategy = st.lists(
    st.text(
        st.characters(blacklist_categories=["Zs", "Zl", "Zp", "Cc", "Cs"]), min_size=1, max_size=8
    ),
    min_size=1,
    max_size=20,
    unique=True,
)


@settings(max_examples=60, deadline=None)
@given(words=words_strategy, dim=st.integers(1, 6), binary=st.booleans(), data=st.data())
def test_round_trip_any_words_and_floats(words, dim, binary, data):
    floats = st.floats(width=32, allow_nan=False, allow_infinity=False)
    vectors = np.array(
        data.draw(st.lists(floats, min_size=len(words) * dim, max_size=len(words) * dim)),
        dtype=np.float32,
    ).reshape(len(words), dim)
    loaded = parse_vectors(written(words, vectors, binary))
    assert loaded.binary == binary and loaded.words == words
    np.testing.assert_array_equal(loaded.vectors, vectors)


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty file"),
        (b"\n\n", "empty file"),
        (b"5 7\n", "announces 5 words but none follow"),
        (b"the 0.1 0.2\n", "line 1: expected a 'V N' header"),
        (b"5\n" + b"x 1\n", "line 1: expected a 'V N' header"),
        (b"6 7\n" + text_rows(VECTORS), "announces 6 words but the file has 5 rows"),
        (b"4 7\n" + text_rows(VECTORS), "announces 4 words but the file has 5 rows"),
        (b"5 8\n" + text_rows(VECTORS), "line 2: expected a word and 8 numbers"),
        (b"5 7\n" + text_rows(VECTORS).replace(b"\n", b" 1\n", 3), "line 2: expected a word"),
        (b"5 7\n" + text_rows(VECTORS).replace(b"of ", b"of x"), "line 6: 'x"),
        (b"5 7\n" + text_rows(VECTORS).replace(b"1990 ", b"1990 nope "), "line 3: expected"),
        (b"6 7\n" + binary_rows(True), "ends inside binary vector 6 of the 6"),
        (b"5 7\n" + binary_rows(True)[:-9], "ends inside binary vector 5 of the 5"),
        (b"4 7\n" + binary_rows(True), "data continues after the 4 binary vectors"),
    ],
)
def test_malformed_files_give_one_line_errors(data, message):
    with pytest.raises(VectorsFormatError, match="^name") as error:
        parse_vectors(data, "name")
    assert message in str(error.value) and "\n" not in str(error.value)


def test_a_bad_row_in_the_middle_is_named_by_line_number():
    rows = text_rows(VECTORS).splitlines(keepends=True)
    rows[3] = rows[3].rsplit(b" ", 1)[0] + b"\n"  # the last number is missing
    with pytest.raises(VectorsFormatError, match="line 5: expected a word and 7 numbers"):
        parse_vectors(b"5 7\n" + b"".join(rows), "name")


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(Exception, match="no such file; train one with"):
        load_vectors(str(tmp_path / "missing.txt"))
    with pytest.raises(Exception, match="is a directory"):
        load_vectors(str(tmp_path))


def test_vectors_are_writable_native_float32():
    loaded = parse_vectors(b"1 2\n" + b"a " + struct.pack("<2f", 1.5, -2.0) + b"\n")
    assert loaded.vectors.flags.writeable and loaded.vectors.dtype == np.float32
    np.testing.assert_array_equal(loaded.vectors, [[1.5, -2.0]])


# gensim's KeyedVectors methods on Vectors: each against gensim on the same file.

KV_WORDS = [f"w{i}" for i in range(200)]


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """Our Vectors and gensim's KeyedVectors over one file of 200 random vectors of 16
    dimensions, of norms from 0.5 to 3 (so that unit vectors and raw ones differ)."""
    rng = np.random.default_rng(7)
    matrix = rng.standard_normal((200, 16)) * rng.uniform(0.5, 3, (200, 1))
    path = tmp_path_factory.mktemp("kv") / "v.txt"
    with open(path, "wb") as f:
        write_vectors(f, KV_WORDS, matrix.astype(np.float32), binary=False)
    return load_vectors(path), KeyedVectors.load_word2vec_format(str(path))


def same_neighbours(ours, theirs):
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-5)


SETS = [(["w1", "w2"], ["w3", "w4", "w5"]), (["w9"], ["w9"]), (["w0", "w0", "w7"], ["w150"])]


def test_n_similarity_matches_gensim(pair):
    vecs, kv = pair
    expected = [kv.n_similarity(a, b) for a, b in SETS]
    np.testing.assert_allclose(vecs.n_similarity_each(SETS), expected, atol=1e-5)
    assert vecs.n_similarity(*SETS[0]) == pytest.approx(expected[0], abs=1e-5)
    # of the means of the vectors as they are: those of unit vectors would differ here
    a, b = (vecs.mean_vector(words, post_normalize=True) for words in SETS[0])
    assert abs(float(a @ b) - expected[0]) > 1e-3
    assert vecs.n_similarity("w3", ["w3"]) == pytest.approx(1)  # a word alone: a set of one
    with pytest.raises(ValueError, match="one word or more in each set"):
        vecs.n_similarity([], ["w1"])


def test_distances_match_gensim(pair):
    vecs, kv = pair
    everything = vecs.distances("w3")
    assert everything.shape == (200,) and everything.dtype == np.float32
    np.testing.assert_allclose(everything, kv.distances("w3"), atol=1e-5)
    others = ["w1", "w199", "w3"]
    np.testing.assert_allclose(vecs.distances("w3", others), kv.distances("w3", others), atol=1e-5)
    vector = vecs["w10"] * 2 + vecs["w11"]
    np.testing.assert_allclose(vecs.distances(vector), kv.distances(vector), atol=1e-5)


RANKED = [("w1", "w2"), ("w3", "w50"), ("w7", "w7"), ("w100", "w199"), ("w0", "w1")]


def test_rank_and_closer_than_match_gensim(pair):
    vecs, kv = pair
    for a, b in RANKED:
        assert vecs.closer_than(a, b) == kv.closer_than(a, b)  # the vectors' order
        assert vecs.rank(a, b) == kv.rank(a, b)
    assert vecs.rank_each(RANKED) == [kv.rank(a, b) for a, b in RANKED]
    nearest = vecs.nearest("w5", k=3)
    assert [vecs.rank("w5", w) for w, _ in nearest] == [1, 2, 3]


def test_ranks_in_any_batch_are_the_same(pair, monkeypatch):
    from w2vcli.vectors import query

    vecs, _ = pair
    pairs = [(a, b) for a in KV_WORDS[:20] for b in KV_WORDS[::7]]
    together = vecs.rank_each(pairs)
    monkeypatch.setattr(query, "SCORE_BYTES", 4 * 200 * 3)  # three queries per chunk
    assert vecs.rank_each(pairs) == together == [vecs.rank(a, b) for a, b in pairs]


@pytest.mark.parametrize(
    "options",
    [{}, {"pre_normalize": False}, {"post_normalize": True}, {"weights": [1.0, -2.0, 0.5]}],
)
def test_get_mean_vector_matches_gensim(pair, options):
    vecs, kv = pair
    keys = ["w1", "w2", vecs["w5"] * 3]  # words and a vector
    ours = vecs.get_mean_vector(keys, **options)
    assert ours.dtype == np.float32 and ours.shape == (16,)
    np.testing.assert_allclose(ours, kv.get_mean_vector(keys, **options), atol=1e-5)
    np.testing.assert_array_equal(vecs.mean_vector(keys, **options), ours)


def test_unknown_words_in_a_mean(pair):
    vecs, kv = pair
    with_unknown = ["w1", "nope", "w2"]
    expected = kv.get_mean_vector(with_unknown)  # gensim leaves it out by default
    np.testing.assert_allclose(vecs.get_mean_vector(with_unknown), expected, atol=1e-5)
    np.testing.assert_array_equal(
        vecs.mean_vector(with_unknown, ignore_missing=True), vecs.get_mean_vector(with_unknown)
    )
    for strict in (
        lambda: vecs.mean_vector(with_unknown),  # w2v's: an unknown word is an error
        lambda: vecs.get_mean_vector(with_unknown, ignore_missing=False),
    ):
        with pytest.raises(UnknownWord, match="'nope' is not in the vectors"):
            strict()
    with pytest.raises(ValueError, match="one weight per key"):
        vecs.mean_vector(["w1", "w2"], weights=[1.0])


@pytest.mark.filterwarnings("ignore:Call to deprecated")
@pytest.mark.parametrize(
    "positive, negative",
    [(["w1", "w2", "w3"], ["w4", "w5"]), (["w8"], []), ("w8", "w9"), (["w1", "w2"], ["w3"])],
)
def test_most_similar_cosmul_matches_gensim(pair, positive, negative):
    vecs, kv = pair
    ours = vecs.most_similar_cosmul(positive, negative, topn=8)
    same_neighbours(ours, kv.most_similar_cosmul(positive, negative, topn=8))
    given = {positive} if isinstance(positive, str) else set(positive)
    assert not given & {w for w, _ in ours}  # the words given are never answers


@pytest.mark.filterwarnings("ignore:Call to deprecated")
def test_most_similar_cosmul_takes_vectors_and_is_analogy_mul(pair):
    vecs, kv = pair
    unit = vecs["w20"] / np.linalg.norm(vecs["w20"])  # gensim takes vectors as they are
    same_neighbours(
        vecs.most_similar_cosmul(["w1", unit], ["w2"], topn=5),
        kv.most_similar_cosmul(["w1", unit], ["w2"], topn=5),
    )
    assert vecs.most_similar_cosmul(["w2", "w3"], ["w1"], topn=5) == vecs.analogy(
        "w1", "w2", "w3", k=5, method="mul"
    )


@pytest.mark.parametrize(
    "positive, negative", [(["w1", "w2"], ["w3"]), ("w8", None), (["w1", "vector"], ["w2"])]
)
def test_most_similar_matches_gensim(pair, positive, negative):
    vecs, kv = pair
    if "vector" in positive:  # a vector among the words, as it is (not made unit length)
        positive = ["w1", vecs["w30"] * 4]
    same_neighbours(
        vecs.most_similar(positive, negative, topn=6),
        kv.most_similar(positive, negative, topn=6),
    )
    assert vecs.most_similar(positive, negative, topn=6) == vecs.nearest(
        positive, 6, negative=negative
    )
    assert vecs.most_similar(positive, negative, topn=0) == []  # as gensim's


def test_indexing_by_words_size_and_iteration_as_gensim(pair):
    vecs, kv = pair
    np.testing.assert_array_equal(vecs[["w3", "w1", "w3"]], kv[["w3", "w1", "w3"]])
    assert vecs[("w3",)].shape == (1, 16) and vecs[[]].shape == (0, 16)
    assert vecs.vector_size == kv.vector_size == 16
    assert list(vecs) == kv.index_to_key == vecs.index_to_key
    assert vecs.key_to_index == kv.key_to_index
    assert "w199" in vecs and "w200" not in vecs


@pytest.mark.filterwarnings("ignore:Call to deprecated")
@pytest.mark.parametrize(
    "ask",
    [
        lambda v: v[["w1", "nope"]],
        lambda v: v.n_similarity(["w1"], ["nope"]),
        lambda v: v.distances("nope"),
        lambda v: v.distances("w1", ["nope"]),
        lambda v: v.rank("w1", "nope"),
        lambda v: v.closer_than("nope", "w1"),
        lambda v: v.most_similar_cosmul(["w1"], ["nope"]),
        lambda v: v.most_similar(["nope"]),
    ],
)
def test_unknown_words_raise_unknown_word(pair, ask):
    vecs, _ = pair
    with pytest.raises(UnknownWord, match="'nope' is not in the vectors") as raised:
        ask(vecs)
    assert isinstance(raised.value, W2VError) and isinstance(raised.value, KeyError)
