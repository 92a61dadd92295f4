"""`evaluate` against gensim's evaluate_word_analogies and evaluate_word_pairs (the reference):
the same numbers within 0.1 points, on a trained model and on constructed vectors where
analogies are often right and case variants test gensim's case handling."""

import logging

import numpy as np
import pytest
import scipy.stats
from gensim.models import KeyedVectors
from hypothesis import given
from hypothesis import strategies as st

from tests.paths import DATA
from w2vcli.vectors.evaluate import evaluate_analogies, evaluate_pairs, pearson, rank, spearman
from w2vcli.vectors.formats import write_vectors
from w2vcli.vectors.vectors import load_vectors

QUESTIONS = DATA / "questions-words.txt"
WORDSIM = DATA / "wordsim353.tsv"

pytestmark = pytest.mark.skipif(not QUESTIONS.exists(), reason="needs ../shared/data")
logging.getLogger("gensim").setLevel(logging.WARNING)


def gensim_analogies(path, restrict):
    kv = KeyedVectors.load_word2vec_format(str(path))
    _, sections = kv.evaluate_word_analogies(str(QUESTIONS), restrict_vocab=restrict)
    return [(s["section"], len(s["correct"]), len(s["correct"] + s["incorrect"])) for s in sections]


def ours_analogies(path, restrict):
    with open(QUESTIONS, encoding="utf-8") as f:
        result = evaluate_analogies(load_vectors(str(path)).index, f, restrict)
    return result.sections, result.totals


def assert_analogies_agree(path, restrict):
    theirs = gensim_analogies(path, restrict)
    sections, totals = ours_analogies(path, restrict)
    assert [s.name for s in sections] == [name for name, _, _ in theirs[:-1]]
    assert totals[-1].name == "total" and theirs[-1][0] == "Total accuracy"
    for ours, (name, correct, answered) in zip(sections + totals[-1:], theirs, strict=True):
        assert ours.answered == answered, name
        if answered:
            assert abs(ours.accuracy - 100 * correct / answered) <= 0.1, name
    return totals[-1]


def test_analogies_agree_with_gensim_on_a_trained_model(en_vectors):
    total = assert_analogies_agree(en_vectors, 30_000)
    assert total.answered > 300


@pytest.fixture(scope="module")
def constructed(tmp_path_factory):
    """Vectors where d = b - a + c + noise for the questions' words, so that many analogies
    are right and many wrong; 'Paris' before 'paris' (gensim's upper-case lookup takes the
    first); upper-case variants of capitals next to their countries (gensim passes over an
    answer that is a variant of an input); 2,000 filler words."""
    rng = np.random.default_rng(1)
    dim, vectors, offsets, section = 40, {}, {}, None
    for line in QUESTIONS.read_text().splitlines():
        if line.startswith(":"):
            section = line
            continue
        a, b, c, d = line.lower().split()
        offset = offsets.setdefault(section, rng.standard_normal(dim))
        for x, y in ((a, b), (c, d)):
            vectors.setdefault(x, rng.standard_normal(dim))
            vectors.setdefault(y, vectors[x] + offset + 0.9 * rng.standard_normal(dim))
    words = list(vectors)
    rng.shuffle(words)
    vectors["Paris"] = rng.standard_normal(dim)
    variants = {"BAGHDAD": "iraq", "BERLIN": "germany", "ATHENS": "greece"}
    for variant, country in variants.items():
        vectors[variant] = vectors[country] + 0.01 * rng.standard_normal(dim)
    fillers = [f"filler{i}" for i in range(2000)]
    vectors.update((w, rng.standard_normal(dim)) for w in fillers)
    words = ["Paris", *words, *variants, *fillers]
    path = tmp_path_factory.mktemp("constructed") / "vectors.txt"
    with open(path, "wb") as f:
        write_vectors(f, words, np.array([vectors[w] for w in words], dtype=np.float32))
    return path


@pytest.mark.parametrize("restrict", [30_000, 600])
def test_analogies_agree_with_gensim_on_constructed_vectors(constructed, restrict):
    total = assert_analogies_agree(constructed, restrict)
    assert total.correct > 0.2 * total.answered  # a meaningful test: many right, many wrong
    assert total.correct < 0.9 * total.answered


def test_semantic_and_syntactic_split(constructed):
    sections, (semantic, syntactic, total) = ours_analogies(constructed, 30_000)
    assert (semantic.name, syntactic.name) == ("semantic", "syntactic")
    assert semantic.questions == 8869 and syntactic.questions == 10675
    assert semantic.correct + syntactic.correct == total.correct == sum(s.correct for s in sections)


def gensim_pairs(path, pairs_path, delimiter="\t"):
    kv = KeyedVectors.load_word2vec_format(str(path))
    p, s, oov = kv.evaluate_word_pairs(str(pairs_path), restrict_vocab=len(kv), delimiter=delimiter)
    return p[0], s[0], 100 - oov


def ours_pairs(path, pairs_path):
    with open(pairs_path, encoding="utf-8") as f:
        return evaluate_pairs(load_vectors(str(path)).index, f)


@pytest.mark.parametrize("vectors", ["en_vectors", "constructed"])
def test_word_pairs_agree_with_gensim(request, vectors):
    path = request.getfixturevalue(vectors)
    theirs = gensim_pairs(path, WORDSIM)
    ours = ours_pairs(path, WORDSIM)
    assert abs(ours.pearson - theirs[0]) < 1e-3
    assert abs(ours.spearman - theirs[1]) < 1e-3
    assert ours.pairs == 353 and abs(100 * ours.answered / ours.pairs - theirs[2]) < 1e-9


def test_unknown_pairs_scored_zero_agree_with_gensims_dummy4unknown(en_vectors):
    kv = KeyedVectors.load_word2vec_format(str(en_vectors))
    theirs = kv.evaluate_word_pairs(str(WORDSIM), restrict_vocab=len(kv), dummy4unknown=True)
    with open(WORDSIM, encoding="utf-8") as f:
        ours = evaluate_pairs(load_vectors(str(en_vectors)).index, f, unknown=0.0)
    assert ours.answered < ours.pairs == 353  # some unknown: the test tells the two apart
    assert abs(ours.spearman - theirs[1][0]) < 1e-3 and abs(ours.pearson - theirs[0][0]) < 1e-3
    skipped = ours_pairs(en_vectors, WORDSIM)
    assert skipped.answered == ours.answered and abs(skipped.spearman - ours.spearman) > 0.01


def test_simlex_layouts_and_space_separated_pairs(tmp_path, en_vectors):
    rows = [
        line.split("\t") for line in WORDSIM.read_text().splitlines() if not line.startswith("#")
    ]
    tab = tmp_path / "pairs.tsv"
    tab.write_text("".join(f"{a}\t{b}\t{s}\n" for a, b, s in rows))
    spaced = tmp_path / "pairs.txt"
    spaced.write_text("# a comment\n" + "".join(f"{a} {b} {s}\n" for a, b, s in rows))
    simlex = tmp_path / "simlex.txt"  # SimLex-999's own layout, with its header line
    simlex.write_text(
        "word1\tword2\tPOS\tSimLex999\tconc(w1)\n"
        + "".join(f"{a}\t{b}\tN\t{s}\t4.1\n" for a, b, s in rows)
    )
    expected = gensim_pairs(en_vectors, tab)
    for path in (spaced, simlex):
        ours = ours_pairs(en_vectors, path)
        assert abs(ours.spearman - expected[1]) < 1e-3 and ours.pairs == len(rows)
    assert ours_pairs(en_vectors, simlex).invalid_lines == 1


@given(st.lists(st.integers(0, 5), min_size=2, max_size=30))
def test_rank_averages_ties_like_scipy(values):
    np.testing.assert_allclose(rank(np.array(values)), scipy.stats.rankdata(values))


@given(
    st.lists(
        st.tuples(st.integers(-50, 50), st.floats(-1, 1, allow_nan=False)), min_size=3, max_size=40
    )
)
def test_correlations_match_scipy(pairs):
    x, y = np.array(pairs).T
    if np.ptp(x) == 0 or np.ptp(y) == 0 or np.ptp(rank(x)) == 0:
        return  # undefined correlation
    assert abs(pearson(x, y) - scipy.stats.pearsonr(x, y)[0]) < 1e-9
    assert abs(spearman(x, y) - scipy.stats.spearmanr(x, y)[0]) < 1e-9
