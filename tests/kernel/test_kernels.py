"""The kernels' updates are the gradients of their losses, and their samplers are right.

The losses are evaluated by the same functions that train (alpha = 0 computes the loss
only), in float64, against central finite differences on a tiny model.
"""

import numpy as np
import pytest
from numba import njit

from w2vcli.config import TrainConfig
from w2vcli.kernel import arrays, kernels
from w2vcli.text.corpus import read_corpus
from w2vcli.text.vocab import vocab_and_ids
from w2vcli.training import tables
from w2vcli.training.trainer import Trainer, hot_rows

V, N = 20, 8
COUNTS = np.array(sorted(np.random.default_rng(0).integers(1, 500, V), reverse=True))


def model(loss):
    rng = np.random.default_rng(42)
    w_in = rng.normal(0, 0.3, (V, N))
    w_out = rng.normal(0, 0.3, (V - 1 if loss == arrays.HS else V, N))
    return w_in, w_out


def example_fn(arch, loss, cbow_mean=1, word=4, target=2):
    """f(w_in, w_out, alpha) -> loss of one training example, updating in place."""
    codes, points, lengths = tables.huffman_tree(COUNTS)
    context = np.array([3, 7, 11, 5], dtype=np.int32)

    def f(w_in, w_out, alpha):
        m = arrays.Shared(
            w_in,
            w_out,
            loss,
            np.ones(V, np.float32),
            np.arange(V, dtype=np.int32),
            codes,
            points,
            lengths,
            np.zeros(V, np.uint8),
            cbow_mean,
            1,
            0,
        )
        s = arrays.make_scratch(m, window=2, negative=5)
        s.negatives[:] = [1, 6, 13, 17, 19]
        s.context[:] = context
        if arch == arrays.CBOW:
            return kernels.cbow_example(m, s, len(context), target, alpha, True)
        return kernels.skipgram_example(m, s, word, target, alpha, True)

    return f, context


def numeric_gradient(f, w_in, w_out, which, eps=1e-6):
    params = w_in if which == "in" else w_out
    grad = np.zeros_like(params)
    for idx in np.ndindex(params.shape):
        old = params[idx]
        params[idx] = old + eps
        up = f(w_in, w_out, 0.0)
        params[idx] = old - eps
        down = f(w_in, w_out, 0.0)
        params[idx] = old
        grad[idx] = (up - down) / (2 * eps)
    return grad


def relative_error(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b), 1e-12)


@pytest.mark.parametrize(
    "loss", [arrays.NS, arrays.HS, arrays.SOFTMAX], ids=["ns", "hs", "softmax"]
)
@pytest.mark.parametrize("arch", [arrays.CBOW, arrays.SKIPGRAM], ids=["cbow", "skipgram"])
def test_update_is_the_negative_gradient(arch, loss):
    check_gradient(arch, loss)


@pytest.mark.parametrize(
    "loss", [arrays.NS, arrays.HS, arrays.SOFTMAX], ids=["ns", "hs", "softmax"]
)
def test_cbow_sum_update_is_the_exact_gradient(loss):
    """--cbow-sum: h is the sum of the context vectors, and each one's update, the whole
    -eta*EH, is then the gradient itself."""
    check_gradient(arrays.CBOW, loss, cbow_mean=0)


def check_gradient(arch, loss, cbow_mean=1):
    f, context = example_fn(arch, loss, cbow_mean)
    w_in, w_out = model(loss)
    grad_in = numeric_gradient(f, w_in, w_out, "in")
    grad_out = numeric_gradient(f, w_in, w_out, "out")
    new_in, new_out = w_in.copy(), w_out.copy()
    f(new_in, new_out, 1.0)  # one SGD step with eta = 1 gives -gradient
    assert np.abs(grad_out).max() > 1e-3  # the check is not vacuous
    assert relative_error(new_out - w_out, -grad_out) < 1e-4
    if arch == arrays.CBOW and cbow_mean:
        # word2vec C gives every context word the whole -eta*EH, which is C times the
        # gradient of the averaged model with respect to that word's input vector.
        expected_in = -grad_in * len(context)
    else:
        expected_in = -grad_in
    assert relative_error(new_in - w_in, expected_in) < 1e-4
    touched = np.flatnonzero(np.abs(new_in - w_in).sum(axis=1))
    assert set(touched) == (set(context) if arch == arrays.CBOW else {4})


SENTENCE = np.array([3, 7, 4, 11, 5], dtype=np.int32)  # centre word 4 at position 2


def window_fn(loss):
    """f(w_in, w_out, alpha) -> loss of all of SENTENCE's pairs with its centre word, trained
    at once (--batch-windows), each pair's loss computed; updates in place."""
    codes, points, lengths = tables.huffman_tree(COUNTS)

    def f(w_in, w_out, alpha):
        m = arrays.Shared(
            w_in, w_out, loss, np.ones(V, np.float32), np.arange(V, dtype=np.int32),
            codes, points, lengths, np.zeros(V, np.uint8), 1, 1, 1,
        )  # fmt: skip
        s = arrays.make_scratch(m, window=2, negative=5)
        s.next_negatives[:] = [1, 6, 13, 17, 19]  # the window's noise words (ns)
        return kernels.skipgram_window(m, s, SENTENCE, 2, 0, len(SENTENCE), alpha, 1)

    return f


@pytest.mark.parametrize("loss", [arrays.NS, arrays.HS], ids=["ns", "hs"])
def test_a_batched_window_steps_down_the_gradient_of_its_pairs_losses(loss):
    """--batch-windows takes every pair's gradient at the window's start: its update is one
    SGD step on the sum of the pairs' losses, which equal the pair-by-pair kernel's."""
    f = window_fn(loss)
    w_in, w_out = model(loss)
    grad_in = numeric_gradient(f, w_in, w_out, "in")
    grad_out = numeric_gradient(f, w_in, w_out, "out")
    new_in, new_out = w_in.copy(), w_out.copy()
    f(new_in, new_out, 1.0)
    assert np.abs(grad_out).max() > 1e-3 and np.abs(grad_in).max() > 1e-3
    assert relative_error(new_out - w_out, -grad_out) < 1e-4
    assert relative_error(new_in - w_in, -grad_in) < 1e-4
    touched = np.flatnonzero(np.abs(new_in - w_in).sum(axis=1))
    assert set(touched) == {3, 7, 11, 5}

    # The pairs (3, 4), (7, 4)...: each word's input vector against the centre's output side,
    # with the same noise words.
    pairs = [example_fn(arrays.SKIPGRAM, loss, word=w, target=4)[0] for w in (3, 7, 11, 5)]
    expected = sum(pair(w_in, w_out, 0.0) for pair in pairs)
    assert f(w_in, w_out, 0.0) == pytest.approx(expected)


@njit
def one_row_after_the_other(grad, matrix, rows, coeffs, vector):
    for k in range(len(rows)):
        kernels.row_update(grad, matrix, rows[k], coeffs[k], vector)
    return kernels.row_dot(vector, matrix, rows[0]), kernels.row_dot(vector, matrix, rows[1])


@njit
def two_rows_a_pass(grad, matrix, rows, coeffs, vector):
    r0, r1 = rows[0], rows[1]
    kernels.two_row_updates(grad, matrix, r0, coeffs[0], matrix, r1, coeffs[1], vector)
    return kernels.two_row_dots(vector, matrix, r0, matrix, r1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rows", [(1, 4), (4, 1), (3, 3)], ids=["two", "reversed", "twice"])
def test_two_rows_a_pass_are_the_two_rows_one_after_the_other(dtype, rows):
    """The output layer takes its rows two a pass: its updates are bit for bit those of one
    row after the other, also for a row given twice (a noise word drawn twice gets both)."""
    rng = np.random.default_rng(7)
    matrix = rng.normal(0, 0.3, (6, 112)).astype(dtype)
    vector, coeffs = rng.normal(0, 0.3, 112).astype(dtype), np.array([0.3, -0.2], dtype)
    rows = np.array(rows, np.int32)
    results = []
    for train in (one_row_after_the_other, two_rows_a_pass):
        grad, trained = np.zeros(112, dtype), matrix.copy()
        dots = train(grad, trained, rows, coeffs, vector)
        results.append((grad, trained, dots))
    (grad, trained, dots), (grad2, trained2, dots2) = results
    assert np.array_equal(grad, grad2) and np.array_equal(trained, trained2)
    # A sum's order is LLVM's to choose for each loop (the same here on Zen 3: the vectors
    # of cli_identity.sh are the same bits), so the dot products are held to rounding only.
    assert np.allclose(dots, dots2, rtol=10 * np.finfo(dtype).eps, atol=0)
    if rows[0] == rows[1]:  # both updates landed: not only the second
        once = matrix[rows[0]] + coeffs[1] * vector
        assert not np.allclose(trained[rows[0]], once)


def test_loss_values_match_their_formulas():
    f, context = example_fn(arrays.CBOW, arrays.SOFTMAX)
    w_in, w_out = model(arrays.SOFTMAX)
    h = w_in[context].mean(axis=0)
    u = w_out @ h
    assert f(w_in, w_out, 0.0) == pytest.approx(-u[2] + np.log(np.exp(u).sum()))

    f, _ = example_fn(arrays.SKIPGRAM, arrays.NS)
    w_in, w_out = model(arrays.NS)
    h = w_in[4]

    def log_sigmoid(x):
        return -np.log1p(np.exp(-x))

    expected = -log_sigmoid(w_out[2] @ h) - sum(
        log_sigmoid(-w_out[k] @ h) for k in [1, 6, 13, 17, 19]
    )
    assert f(w_in, w_out, 0.0) == pytest.approx(expected)


def test_hierarchical_softmax_is_a_distribution_over_the_words():
    """The loss of each target word against an independent formula, the product of the
    sigmoids along its Huffman path (Rong, eq. 37-39, with word2vec C's codes), and those
    probabilities summing to one over the vocabulary, as a softmax does."""
    codes, points, lengths = tables.huffman_tree(COUNTS)
    w_in, w_out = model(arrays.HS)
    h = w_in[4]  # skip-gram: the input word's vector
    probabilities = []
    for target in range(V):
        m = arrays.Shared(
            w_in,
            w_out,
            arrays.HS,
            np.ones(V),
            np.arange(V, dtype=np.int32),
            codes,
            points,
            lengths,
            np.zeros(V, np.uint8),
            1,
            1,
            0,
        )
        s = arrays.make_scratch(m, window=2, negative=0)
        loss = kernels.skipgram_example(m, s, 4, target, 0.0, True)
        path = range(lengths[target])
        # code 0: the target is the left child, p = sigma(v'h); code 1: sigma(-v'h)
        p = np.prod(
            [
                1 / (1 + np.exp((2 * int(codes[target, d]) - 1) * (w_out[points[target, d]] @ h)))
                for d in path
            ]
        )
        assert loss == pytest.approx(-np.log(p), rel=1e-9)
        probabilities.append(p)
    assert sum(probabilities) == pytest.approx(1.0, rel=1e-9)
    assert max(probabilities) < 0.5  # a real distribution, not one word taking it all


@njit
def _sigmoids(x, out_exp, out_sigmoid):
    for i in range(x.shape[0]):
        out_exp[i] = kernels.exp(x[i])
        out_sigmoid[i] = kernels.sigmoid(x[i])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_exp_and_sigmoid_are_accurate_to_float32_precision(dtype):
    """The kernels' own e^x (a polynomial, so that it vectorises) against numpy's."""
    x = np.linspace(-30, 30, 1_000_001).astype(dtype)
    out_exp, out_sigmoid = np.empty_like(x), np.empty_like(x)
    _sigmoids(x, out_exp, out_sigmoid)
    exact = np.exp(x.astype(np.float64))
    assert np.abs(out_exp / exact - 1).max() < 1.5 * np.finfo(np.float32).eps
    assert np.abs(out_sigmoid - 1 / (1 + 1 / exact)).max() < 1.5 * np.finfo(np.float32).eps


@njit
def _draw_many(n, accept, alias, seed):
    rng = np.array([seed], dtype=np.uint64)
    hist = np.zeros(accept.shape[0], np.int64)
    for _ in range(n):
        hist[kernels.draw_noise(rng, accept, alias)] += 1
    return hist


def test_noise_words_follow_unigram_to_the_three_quarters():
    counts = np.array([5000, 1200, 700, 300, 90, 40, 12, 5, 5, 1], dtype=np.int64)
    expected = counts**0.75 / (counts**0.75).sum()
    accept, alias = tables.alias_table(tables.noise_distribution(counts))
    n = 2_000_000
    observed = _draw_many(n, accept, alias, 12345) / n
    # 5 standard errors of a binomial proportion
    tolerance = 5 * np.sqrt(expected * (1 - expected) / n)
    assert np.all(np.abs(observed - expected) < tolerance)


@njit
def _uniforms(n, seed, below):
    rng = np.array([seed], dtype=np.uint64)
    u = np.empty(n)
    k = np.empty(n, np.int64)
    for i in range(n):
        u[i] = kernels.uniform(rng)
        k[i] = kernels.random_below(rng, below)
    return u, k


def test_random_numbers_are_uniform():
    u, k = _uniforms(400_000, 99, 7)
    assert 0 <= u.min() and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.003
    assert np.all(np.abs(np.bincount(k, minlength=7) / len(k) - 1 / 7) < 0.003)


@pytest.mark.parametrize("arch, loss", [("skipgram", "hs"), ("cbow", "ns"), ("skipgram", "ns")])
def test_hot_rows_copy_changes_nothing_with_one_thread(small_corpus, monkeypatch, arch, loss):
    """A thread's own copy of the hot rows (the top tree nodes, the most frequent words) is
    only a cache: one thread trains the same vectors with and without it (up to rounding
    in adding back the change)."""
    config = TrainConfig(arch=arch, loss=loss, dim=20, epochs=1, threads=1).validate()
    vocab, corpus = vocab_and_ids(read_corpus(str(small_corpus)), config)
    assert hot_rows(config) == 0  # one thread makes no copy
    trained = []
    for hot in (0, arrays.HOT_TREE_NODES if loss == "hs" else 50):
        monkeypatch.setattr("w2vcli.training.trainer.hot_rows", lambda config, hot=hot: hot)
        trainer = Trainer(vocab, corpus, config)
        assert trainer.scratch().hot_out.shape == (min(hot, len(trainer.w_out)), 32)
        trained.append(trainer.run())
    without, with_copy = trained
    hot_row_out = -1 if loss == "hs" else 0  # the root node, the most frequent word
    assert np.abs(with_copy.w_out[hot_row_out]).max() > 0.01  # a hot row did learn
    np.testing.assert_allclose(with_copy.w_out, without.w_out, atol=1e-5)
    np.testing.assert_allclose(with_copy.w_in, without.w_in, atol=1e-5)
