"""The query library against gensim's KeyedVectors on the same trained vectors."""

import numpy as np
import pytest
from gensim.models import KeyedVectors
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from w2vcli.vectors import query
from w2vcli.vectors.query import Index, analogy, nearest, similarity, top_rows
from w2vcli.vectors.vectors import load_vectors

WORDS = ["city", "state", "war", "king", "one", "film", "people", "history"]
TRIPLES = [("man", "king", "woman"), ("france", "paris", "germany"), ("one", "two", "three")]


@pytest.fixture(scope="module")
def both(en_vectors):
    """Our index and gensim's KeyedVectors over the same file."""
    return load_vectors(str(en_vectors)).index, KeyedVectors.load_word2vec_format(str(en_vectors))


def names(index, hits):
    return [index.words[r] for r, _ in hits]


@pytest.mark.parametrize("restrict", [None, 500])
def test_nearest_matches_gensim_most_similar(both, restrict):
    index, kv = both
    answers = nearest(index, [index.rows[w] for w in WORDS], k=5, restrict=restrict)
    for word, hits in zip(WORDS, answers, strict=True):
        expected = kv.most_similar(word, topn=5, restrict_vocab=restrict)
        assert names(index, hits) == [w for w, _ in expected]
        np.testing.assert_allclose([s for _, s in hits], [s for _, s in expected], atol=1e-5)
        assert word not in names(index, hits)
        assert restrict is None or all(r < restrict for r, _ in hits)


def present(index, triples):
    return [t for t in triples if all(w in index.rows for w in t)]


def test_analogy_add_matches_gensim(both):
    index, kv = both
    triples = present(index, TRIPLES)
    assert len(triples) >= 2
    answers = analogy(index, [[index.rows[w] for w in t] for t in triples], k=5)
    for (a, b, c), hits in zip(triples, answers, strict=True):
        expected = kv.most_similar(positive=[b, c], negative=[a], topn=5)
        assert names(index, hits) == [w for w, _ in expected]
        np.testing.assert_allclose([s for _, s in hits], [s for _, s in expected], atol=1e-5)


@pytest.mark.filterwarnings("ignore:Call to deprecated")
def test_analogy_mul_matches_gensim_cosmul(both):
    index, kv = both
    triples = present(index, TRIPLES)
    answers = analogy(index, [[index.rows[w] for w in t] for t in triples], k=5, method="mul")
    for (a, b, c), hits in zip(triples, answers, strict=True):
        expected = kv.most_similar_cosmul(positive=[b, c], negative=[a], topn=10)
        # Same top-5 scores, and each word we give has the score gensim gives it (the small
        # test model has near-ties, which float rounding may order either way).
        np.testing.assert_allclose([s for _, s in hits], [s for _, s in expected[:5]], rtol=1e-4)
        theirs = dict(expected)
        for word, score in zip(names(index, hits), [s for _, s in hits]):
            assert theirs[word] == pytest.approx(score, rel=1e-4)


def test_similarity_matches_gensim(both):
    index, kv = both
    pairs = [("city", "state"), ("war", "war"), ("king", "film")]
    ours = similarity(index, [[index.rows[a], index.rows[b]] for a, b in pairs])
    np.testing.assert_allclose(ours, [kv.similarity(a, b) for a, b in pairs], atol=1e-6)


def test_batches_split_into_chunks_give_the_same_answers(both, monkeypatch):
    index, _ = both
    rows = list(range(40))
    whole = nearest(index, rows, k=3)
    per_query = 4 * len(index) + 12 * 3 * index.unit.shape[1]
    monkeypatch.setattr(query, "SCORE_BYTES", 7 * per_query)  # 7 queries per product
    assert index.chunks(len(rows), None, k=3)[1] == slice(7, 14)
    assert nearest(index, rows, k=3) == whole  # exactly: reported scores do not vary
    assert nearest(index, [5], k=3)[0] == whole[5]


def test_tiny_vocabulary_returns_what_there_is():
    index = Index(["a", "b", "c"], np.eye(3, dtype=np.float32))
    assert [r for r, _ in nearest(index, [0], k=10)[0]] == [1, 2]
    assert analogy(index, [[0, 1, 2]], k=10) == [[]]  # every candidate is an input


def test_zero_vectors_do_not_produce_nan():
    index = Index(["a", "b", "zero"], np.array([[1, 0], [1, 1], [0, 0]], dtype=np.float32))
    hits = nearest(index, [0], k=2)[0]
    assert [r for r, _ in hits] == [1, 2] and hits[1][1] == 0.0


def test_duplicate_words_resolve_to_the_first():
    index = Index(["a", "b", "a"], np.eye(3, dtype=np.float32))
    assert index.rows["a"] == 0


@given(
    arrays(
        np.float32,
        st.tuples(st.integers(1, 5), st.integers(1, 300)),
        elements=st.sampled_from([-np.inf, -1.0, 0.0, 0.25, 0.5, 1.0]) | st.floats(-1, 1, width=32),
    ),
    st.integers(1, 20),
)
def test_top_rows_is_a_stable_sort_by_score(scores, k):
    expected = np.argsort(-scores, axis=1, kind="stable")[:, :k]  # ties: the lower column first
    np.testing.assert_array_equal(top_rows(scores, k), expected)
