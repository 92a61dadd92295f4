"""The training loop against an independent reference (tests/reference.py, plain Python
from the paper and word2vec C's description): at one thread, for every architecture and
loss, the kernel's matrices after a run equal the reference's, up to float32 rounding.

The run is small but goes through everything: several epochs of batches of 97 positions
(so sentences are cut by batch ends and the learning rate falls from batch to batch), line
ends, sub-sampling, dynamic windows, noise words, the Huffman tree."""

import numpy as np
import pytest

from tests import reference
from tests.paths import SAMPLES
from w2vcli.config import TrainConfig
from w2vcli.text.corpus import read_corpus
from w2vcli.text.vocab import vocab_and_ids
from w2vcli.training.trainer import Trainer

BATCH = 97


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """About 900 words of English in lines of 3 to 40 words."""
    words = (SAMPLES / "en.txt").read_text().split()[:900]
    rng = np.random.default_rng(5)
    lines, at = [], 0
    while at < len(words):
        n = int(rng.integers(3, 41))
        lines.append(" ".join(words[at : at + n]))
        at += n
    path = tmp_path_factory.mktemp("reference") / "c.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_both(corpus, monkeypatch, **settings):
    """Train with w2v and with the reference from the same start: (w2v's result, the start,
    the reference's matrices, its log)."""
    monkeypatch.setattr("w2vcli.training.trainer.BATCH_WORDS", BATCH)
    config = TrainConfig(
        **{"dim": 8, "window": 3, "negative": 4, "min_count": 2, "epochs": 3, "threads": 1}
        | settings
    ).validate()
    vocab, ids = vocab_and_ids(read_corpus(str(corpus)), config)
    trainer = Trainer(vocab, ids, config)
    start = trainer.w_in.copy(), trainer.w_out.copy()
    w_in, w_out = (m.copy() for m in start)
    result = trainer.run()
    log = reference.train(
        ids,
        vocab.counts,
        w_in,
        w_out,
        reference.Settings(
            arch=config.arch,
            loss=config.loss,
            window=config.window,
            negative=config.negative,
            sample=config.sample,
            epochs=config.epochs,
            alpha=config.start_alpha,
            min_alpha=config.end_alpha,
            seed=config.seed * 1_000_003 + 1,  # thread 0's generator
            batch_words=BATCH,
            ns_exponent=config.ns_exponent,
            cbow_mean=config.cbow_mean,
            shrink_windows=config.shrink_windows,
            batch_windows=config.windows_at_once,
        ),
    )
    return result, start, (w_in, w_out), log


@pytest.mark.parametrize("loss", ["ns", "hs", "softmax"])
@pytest.mark.parametrize("arch", ["cbow", "skipgram"])
def test_the_kernel_trains_as_the_reference(corpus, monkeypatch, arch, loss):
    result, start, (w_in, w_out), log = run_both(corpus, monkeypatch, arch=arch, loss=loss)
    # The run is not trivial: thousands of examples, sub-sampling and a falling rate.
    assert len(log.pairs) > 1000 and len(set(log.alphas)) > 20
    assert 0.3 < np.mean([kept for _, kept in log.kept]) < 0.95
    assert np.abs(w_in - start[0]).max() > 1e-3 and np.abs(w_out).max() > 1e-3  # both learned
    # Up to float32 rounding (measured: 2e-7 of the largest value); a real difference, even
    # one noise word or one window otherwise drawn, is orders of magnitude larger.
    np.testing.assert_allclose(result.w_in, w_in, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(result.w_out, w_out, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(
    "settings",
    [
        dict(arch="cbow", loss="ns", cbow_mean=False),
        dict(arch="cbow", loss="hs", cbow_mean=False, shrink_windows=False),
        dict(arch="skipgram", loss="ns", shrink_windows=False, ns_exponent=-0.5),
        dict(arch="skipgram", loss="ns", batch_windows=False),
        dict(arch="skipgram", loss="hs", batch_windows=True),
    ],
    ids=["cbow-sum", "cbow-sum-fixed-window", "fixed-window-ns-exponent", "pairs-ns", "batch-hs"],
)
def test_the_kernel_trains_as_the_reference_in_other_modes(corpus, monkeypatch, settings):
    """--cbow-sum, --no-shrink-windows, --ns-exponent, and skip-gram's --pair-by-pair with ns
    and --batch-windows with hs (the other way round from their defaults), each equal to
    the reference."""
    result, start, (w_in, w_out), log = run_both(corpus, monkeypatch, **settings)
    assert len(log.pairs) > 1000 and np.abs(w_in - start[0]).max() > 1e-3
    if not settings.get("shrink_windows", True):
        assert {reach for reach, _, _ in log.windows} == {3}  # the whole window, always
    np.testing.assert_allclose(result.w_in, w_in, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(result.w_out, w_out, rtol=1e-5, atol=1e-7)


def test_what_it_draws_follows_word2vec(corpus, monkeypatch):
    """A longer run (about 20,000 pairs), the kernel still equal to the reference, and what
    the reference drew, which the kernel therefore drew too, against word2vec's
    distributions: the effective windows, the distances of the pairs they make, the words
    kept by sub-sampling, the noise words. Five standard errors each."""
    text = (SAMPLES / "en.txt").read_text().split()
    long = corpus.parent / "long.txt"
    long.write_text("\n".join(" ".join(text[i : i + 300]) for i in range(0, 6000, 300)) + "\n")
    settings = dict(arch="skipgram", loss="ns", window=5, negative=5, epochs=1, dim=4)
    settings["batch_windows"] = False  # word2vec C draws noise words for each pair
    result, _, (w_in, w_out), log = run_both(long, monkeypatch, **settings)
    np.testing.assert_allclose(result.w_in, w_in, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(result.w_out, w_out, rtol=1e-5, atol=1e-7)
    assert len(log.pairs) > 15_000

    def within(observed, expected, n):  # counts of n draws against their probabilities
        p = np.asarray(expected) / n
        return np.all(np.abs(np.asarray(observed) - expected) <= 5 * np.sqrt(n * p * (1 - p)) + 1)

    window = settings["window"]
    reaches = np.array([reach for reach, _, _ in log.windows])
    n = len(reaches)
    assert within(np.bincount(reaches, minlength=window + 1)[1:], [n / window] * window, n)
    # A centre at `pos` of a sentence of `length` pairs at distance d with each side that
    # exists, when its window reaches d: probability (window - d + 1) / window.
    distances = np.bincount([d for _, _, d in log.pairs], minlength=window + 1)[1:]
    expected = [
        sum(((pos - d >= 0) + (pos + d < length)) for _, pos, length in log.windows)
        * (window - d + 1)
        / window
        for d in range(1, window + 1)
    ]
    assert within(distances, expected, len(log.pairs))

    vocab, _ = vocab_and_ids(read_corpus(str(long)), TrainConfig(min_count=2).validate())
    counts = vocab.counts.astype(np.float64)
    st = 1e-3 * counts.sum()
    keep = np.minimum((np.sqrt(counts / st) + 1) * st / counts, 1)  # the doc's formula
    read = np.bincount([w for w, _ in log.kept], minlength=len(counts))
    kept = np.bincount([w for w, k in log.kept if k], minlength=len(counts))
    frequent = read >= 30
    assert frequent.sum() > 10 and (keep[frequent] < 0.9).all()
    for r, k, p in zip(read[frequent], kept[frequent], keep[frequent]):
        assert abs(k - r * p) <= 5 * np.sqrt(r * p * (1 - p)) + 1

    noise = np.bincount(log.noise, minlength=len(counts))
    unigram = counts**0.75 / (counts**0.75).sum()  # counts to the three quarters
    n = len(log.noise)
    assert n > 50_000 and within(noise, n * unigram, n)
