"""w2v import (w2vcli.training.imported): a gensim Word2Vec model, trained here by gensim
itself, becomes a w2v model with gensim's very matrices, vocabulary, counts, Huffman tree
and settings; w2v trains it on; and what cannot be carried over is refused in one line."""

import dataclasses
import sys

import numpy as np
import pytest
from gensim.models import FastText, Word2Vec

import w2vcli
from tests.paths import SAMPLES
from w2vcli.kernel.kernels import LOSS_EVERY
from w2vcli.training import tables
from w2vcli.training.imported import import_gensim

# Three gensim models, settings other than both tools' defaults, so that each must map.
CONFIGS = {
    "sg-ns": dict(sg=1, hs=0, negative=3, window=3, ns_exponent=0.5, shrink_windows=False),
    "cbow-ns": dict(sg=0, hs=0, negative=5, cbow_mean=0, sample=1e-4, max_final_vocab=1500),
    "sg-hs": dict(sg=1, hs=1, negative=0, alpha=0.03, min_alpha=0.001),
}


def sentences(first: int, last: int) -> list:
    """Lines first..last of the English sample, cut into sentences of 50 tokens."""
    lines = (SAMPLES / "en.txt").read_text().splitlines()[first:last]
    tokens = " ".join(lines).split()
    return [tokens[i : i + 50] for i in range(0, len(tokens), 50)]


def saved_gensim(directory, config="sg-ns", **settings):
    """A gensim Word2Vec trained on 600 sentences (30,000 tokens) and saved in `directory`:
    its path, and the gensim model."""
    defaults = {"vector_size": 16, "min_count": 3, "epochs": 2, "seed": 7, "workers": 1}
    model = Word2Vec(sentences(0, 30), **{**defaults, **CONFIGS[config], **settings})
    path = directory / f"{config}.model"
    model.save(str(path))
    return path, model


@pytest.fixture(scope="module", params=list(CONFIGS))
def saved(request, tmp_path_factory):
    return saved_gensim(tmp_path_factory.mktemp("gensim"), request.param)


@pytest.fixture(scope="module")
def one(tmp_path_factory):
    """One of them, for what does not depend on the settings."""
    return saved_gensim(tmp_path_factory.mktemp("one"))


def test_the_model_is_gensims_matrices_vocabulary_and_counts(saved):
    path, gensim = saved
    model = import_gensim(path, allow_pickle=True)
    words = gensim.wv.index_to_key
    assert model.vocab.words == words == model.vectors.words
    counts = [gensim.wv.get_vecattr(w, "count") for w in words]
    assert model.vocab.counts.tolist() == counts
    np.testing.assert_array_equal(model.vectors.matrix, gensim.wv.vectors)
    output = gensim.syn1[: len(words) - 1] if gensim.hs else gensim.syn1neg  # V - 1 nodes
    np.testing.assert_array_equal(model.output, output)


def test_the_settings_map(saved):
    path, gensim = saved
    config = import_gensim(path, allow_pickle=True).config
    assert config.arch == ("skipgram" if gensim.sg else "cbow")
    assert config.loss == ("hs" if gensim.hs else "ns")
    assert config.huffman == "gensim"
    assert (config.dim, config.window, config.negative) == (16, gensim.window, gensim.negative)
    assert config.cbow_mean == bool(gensim.cbow_mean)
    assert config.shrink_windows == gensim.shrink_windows
    assert (config.min_count, config.max_vocab) == (3, gensim.max_final_vocab)
    assert (config.sample, config.ns_exponent) == (gensim.sample, gensim.ns_exponent)
    assert (config.alpha, config.min_alpha) == (gensim.alpha, gensim.min_alpha)
    assert (config.epochs, config.seed) == (2, 7)


def test_a_saved_import_loads_back_equal_with_its_provenance(tmp_path, saved):
    path, _ = saved
    model = import_gensim(path, allow_pickle=True)
    model.save(tmp_path / "m")
    loaded = w2vcli.load_model(tmp_path / "m")
    np.testing.assert_array_equal(loaded.vectors.matrix, model.vectors.matrix)
    np.testing.assert_array_equal(loaded.output, model.output)
    assert loaded.config == model.config and loaded.finished
    record = loaded.provenance["runs"][0]
    assert record["kind"] == "import" and record["gensim"]["file"] == str(path)
    assert any(event.get("event") == "train" for event in record["gensim"]["events"])


def test_hs_keeps_gensims_huffman_tree_not_word2vec_cs(tmp_path):
    """gensim breaks ties between equal counts otherwise than word2vec C: its output matrix
    means something on its own tree only, which the import keeps (config.huffman)."""
    path, gensim = saved_gensim(tmp_path, "sg-hs")
    counts = import_gensim(path, allow_pickle=True).vocab.counts
    codes, points, lengths = tables.huffman_tree(counts, "gensim")
    c_codes, c_points, c_lengths = tables.huffman_tree(counts)
    same_as_c = 0
    for w in range(len(counts)):
        n = lengths[w]
        assert codes[w, :n].tolist() == gensim.wv.get_vecattr(w, "code").tolist()
        assert points[w, :n].tolist() == gensim.wv.get_vecattr(w, "point").tolist()
        m = c_lengths[w]
        same_as_c += (m, c_codes[w, :m].tolist(), c_points[w, :m].tolist()) == (
            n,
            codes[w, :n].tolist(),
            points[w, :n].tolist(),
        )
    assert same_as_c < len(counts) / 2  # word2vec C's tree is another one


def test_w2v_trains_the_import_on(saved):
    path, gensim = saved
    model = import_gensim(path, allow_pickle=True)
    on = w2vcli.train(sentences(30, 40), from_model=model, threads=1, epochs=1)
    assert on.vectors.words == gensim.wv.index_to_key and on.finished
    assert not np.array_equal(on.vectors.matrix, model.vectors.matrix)
    assert on.provenance["runs"][0]["kind"] == "import"  # the history goes on


def hs_loss(gensim, sentences: list) -> float:
    """-log p(word | context) in gensim's hs model, by its own tree (each word's code and
    point) and matrices, in float64, averaged over the skip-gram examples whose loss w2v's
    kernel computes: every LOSS_EVERY-th (word, context) pair in its order (one batch)."""
    index, window = gensim.wv.key_to_index, gensim.window
    pairs = []
    for sentence in sentences:
        ids = [index[w] for w in sentence if w in index]
        for i, word in enumerate(ids):
            lo, hi = max(0, i - window), min(len(ids), i + window + 1)
            pairs += [(word, ids[j]) for j in range(lo, hi) if j != i]
    losses = []
    for word, context in pairs[::LOSS_EVERY]:
        code, point = gensim.wv.get_vecattr(word, "code"), gensim.wv.get_vecattr(word, "point")
        f = gensim.syn1[point].astype(np.float64) @ gensim.wv.vectors[context]
        losses.append(np.logaddexp(0, np.where(code == 0, -f, f)).sum())  # -log sigmoid(+-f)
    return float(np.mean(losses))


def test_w2v_computes_gensims_hs_probabilities_on_the_import(tmp_path):
    """The loss of an epoch that does not move the weights is the imported model's own:
    the same as gensim's model defines, on gensim's tree; word2vec C's gives another."""
    path, gensim = saved_gensim(tmp_path, "sg-hs")
    model = import_gensim(path, allow_pickle=True)
    probe = sentences(0, 3)
    still = dict(threads=1, epochs=1, alpha=1e-9, min_alpha=1e-9, sample=0, shrink_windows=False)
    loss = w2vcli.train(probe, from_model=model, **still).epoch_losses[0]
    assert loss == pytest.approx(hs_loss(gensim, probe), rel=1e-5)
    c_config = dataclasses.replace(model.config, huffman="word2vec")
    c_tree = dataclasses.replace(model, config=c_config)
    c_loss = w2vcli.train(probe, from_model=c_tree, **still).epoch_losses[0]
    assert c_loss != pytest.approx(loss, rel=1e-4)  # another tree: other probabilities


def test_without_allow_pickle_nothing_is_loaded(one, monkeypatch):
    path, _ = one
    loaded = []
    monkeypatch.setattr("gensim.utils.SaveLoad.load", lambda *a, **k: loaded.append(a))
    with pytest.raises(w2vcli.W2VError, match="pickles, and loading one runs code.*--allow-pickle"):
        import_gensim(path)
    assert loaded == []


def test_without_gensim_the_error_says_how_to_install_it(one, monkeypatch):
    path, _ = one
    monkeypatch.setitem(sys.modules, "gensim", None)  # `import gensim` raises ImportError
    with pytest.raises(w2vcli.W2VError, match=r"pip install 'w2vcli\[gensim\]'"):
        import_gensim(path, allow_pickle=True)


@pytest.mark.parametrize(
    "save, message",
    [
        (lambda p, m: m.wv.save(str(p)), "KeyedVectors holds vectors only.*--init-vectors"),
        (
            lambda p, m: FastText(sentences(0, 5), vector_size=8, min_count=3, workers=1).save(
                str(p)
            ),
            "a gensim FastText, not a Word2Vec",
        ),
        (
            lambda p, m: Word2Vec(sentences(0, 5), vector_size=8, hs=1, negative=5).save(str(p)),
            r"both hierarchical softmax and negative sampling \(hs=1, negative=5\)",
        ),
        (lambda p, m: m.wv.save_word2vec_format(str(p)), "not a model gensim .* can load"),
        (lambda p, m: p.write_bytes(b""), "not a model gensim .* can load"),
        (lambda p, m: None, "no such file"),
        (lambda p, m: p.mkdir(), "not a regular file"),
    ],
)
def test_what_does_not_map_is_refused(tmp_path, one, save, message):
    path = tmp_path / "x.model"
    save(path, one[1])
    with pytest.raises(w2vcli.W2VError, match=message):
        import_gensim(path, allow_pickle=True)


def test_an_array_saved_beside_the_model_is_needed(tmp_path):
    path, _ = saved_gensim(tmp_path)
    Word2Vec.load(str(path)).save(str(path), separately=["syn1neg"])
    (tmp_path / "sg-ns.model.syn1neg.npy").unlink()
    with pytest.raises(w2vcli.W2VError, match=r"syn1neg.npy is missing.*keep them together"):
        import_gensim(path, allow_pickle=True)


def test_a_vocabulary_grown_by_gensim_keeps_its_order_and_tree(tmp_path):
    """build_vocab(update=True) appends the new words, unsorted, and rebuilds the tree on
    that order: the import keeps both."""
    path, gensim = saved_gensim(tmp_path, "sg-hs")
    gensim.build_vocab(sentences(30, 40), update=True)
    gensim.train(sentences(30, 40), total_examples=gensim.corpus_count, epochs=1)
    gensim.save(str(path))
    model = import_gensim(path, allow_pickle=True)
    assert model.vocab.words == gensim.wv.index_to_key
    assert (np.diff(model.vocab.counts) > 0).any()  # not sorted: gensim's order
    np.testing.assert_array_equal(model.output, gensim.syn1[: len(gensim.wv) - 1])


def test_a_tree_other_than_gensims_is_refused(tmp_path):
    """An hs model whose stored paths are not those gensim 4 builds from its counts (an
    older gensim's, say): its output matrix would mean other nodes."""
    path, gensim = saved_gensim(tmp_path, "sg-hs")
    code = gensim.wv.get_vecattr(0, "code")
    gensim.wv.set_vecattr(0, "code", 1 - code)
    gensim.save(str(path))
    with pytest.raises(w2vcli.W2VError, match=r"Huffman tree is not the one.*'the'"):
        import_gensim(path, allow_pickle=True)
