"""What the trainer (w2vcli.training.trainer) does, observed while it runs: the learning rate
it gives each batch, the threads that do the work, and that training learns."""

import threading
import time

import numpy as np
import pytest

from tests.paths import SAMPLES
from w2vcli.config import TrainConfig
from w2vcli.text.corpus import read_corpus
from w2vcli.text.vocab import vocab_and_ids
from w2vcli.training.trainer import Trainer
from w2vcli.vectors.query import Index, nearest


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The first 6,000 words of the English sample, in lines of 100."""
    words = (SAMPLES / "en.txt").read_text().split()[:6000]
    path = tmp_path_factory.mktemp("train") / "c.txt"
    path.write_text("".join(" ".join(words[i : i + 100]) + "\n" for i in range(0, 6000, 100)))
    return path


def trainer_for(corpus, monkeypatch, batch_words=97, **settings):
    monkeypatch.setattr("w2vcli.training.trainer.BATCH_WORDS", batch_words)
    config = TrainConfig(**{"dim": 16, "epochs": 2, "min_count": 2} | settings).validate()
    vocab, ids = vocab_and_ids(read_corpus(str(corpus)), config)
    return Trainer(vocab, ids, config), ids


def recording(trainer, seconds=0.0):
    """Wrap the trainer's kernel: every call's (thread, start, end, alpha, words read). With
    `seconds`, each call takes at least that long (as batches of real size do), so that
    every thread starts before the others have taken all its batches."""
    trainer.compile()
    kernel, calls, lock = trainer.kernel, [], threading.Lock()

    def recorded(m, corpus, start, end, arch, window, keep_prob, alpha, s):
        time.sleep(seconds)
        result = kernel(m, corpus, start, end, arch, window, keep_prob, alpha, s)
        with lock:
            calls.append((threading.current_thread().name, start, end, alpha, result[2]))
        return result

    trainer.kernel = recorded
    return calls


def test_each_batch_gets_the_learning_rate_of_the_words_read_before_it(corpus, monkeypatch):
    trainer, ids = trainer_for(corpus, monkeypatch, threads=1, alpha=0.04, min_alpha=0.01)
    calls = recording(trainer)
    trainer.run()
    total = np.count_nonzero(ids >= 0) * 2
    assert len(calls) == 2 * len(trainer.batches) > 100
    done = 0
    for _, start, end, alpha, words in calls:
        assert alpha == pytest.approx(max(0.01, 0.04 * (1 - done / total)), rel=1e-12)
        assert words == np.count_nonzero(ids[start:end] >= 0)
        done += words
    assert calls[-1][3] == 0.01  # the floor is reached near the end


@pytest.mark.parametrize("threads", [2, 5])  # 5: more than this machine's cores
def test_the_requested_threads_share_the_work(corpus, monkeypatch, threads):
    trainer, ids = trainer_for(corpus, monkeypatch, threads=threads)
    calls = recording(trainer, seconds=0.002)
    result = trainer.run()
    assert len({thread for thread, *_ in calls}) >= threads  # new threads each epoch
    assert len(result.thread_words) == result.threads == threads  # each trained some batches
    assert sum(result.thread_words) == result.words == 2 * np.count_nonzero(ids >= 0)
    batches = sorted((start, end) for _, start, end, *_ in calls)
    assert batches == sorted(trainer.batches * 2)  # each batch once an epoch
    # The rate falls with the words read by all threads: a later batch never gets more.
    alphas = [alpha for *_, alpha, _ in calls]
    late = max(alphas[len(alphas) // 2 :])
    assert late < alphas[0] and late <= np.median(alphas[: len(alphas) // 2])


@pytest.mark.parametrize("loss", ["ns", "hs", "softmax"])
@pytest.mark.parametrize("arch", ["cbow", "skipgram"])
def test_training_learns(corpus, monkeypatch, arch, loss):
    trainer, _ = trainer_for(
        corpus, monkeypatch, batch_words=10_000, arch=arch, loss=loss, epochs=10, threads=1
    )
    frequent = list(range(30))

    def closeness(vectors):
        """Mean cosine of the 30 most frequent words with their 5 nearest neighbours."""
        index = Index(trainer.vocab.words, vectors)
        return np.mean([s for hits in nearest(index, frequent, 5) for _, s in hits])

    before = closeness(trainer.w_in.copy())
    result = trainer.run()
    losses = result.epoch_losses
    assert losses[-1] < losses[0], losses  # the loss falls (the sampled loss is noisy)
    assert closeness(result.w_in) > before + 0.15  # words moved toward their neighbours
    # The output vectors that must have learned: the frequent words' (ns, softmax), which
    # start at zero, or the nodes near the Huffman tree's root (hs: the last rows).
    touched = result.w_out[-5:] if loss == "hs" else result.w_out[frequent]
    assert np.abs(touched).max(axis=1).min() > 1e-2


def test_initial_vectors(corpus, monkeypatch):
    """Input vectors uniform in [-1/N, 1/N) (gensim's range: see init_weights), output
    vectors zero, the rows' padding zero."""
    trainer, _ = trainer_for(corpus, monkeypatch, dim=20)
    w_in = trainer.w_in
    assert w_in.min() >= -1 / 20 and w_in.max() < 1 / 20
    assert w_in.min() < -0.95 / 20 and w_in.max() > 0.95 / 20  # the whole range is used
    assert abs(w_in.mean()) < 0.02 / 20 and w_in.std() == pytest.approx(1 / 20 / 3**0.5, rel=0.05)
    assert not trainer.w_out.any() and not trainer.shared.w_in[:, 20:].any()


@pytest.mark.parametrize("where", ["w_in", "w_out"])
def test_a_run_whose_vectors_stop_being_numbers_stops(corpus, monkeypatch, where):
    """A NaN or infinity left in either matrix by an epoch's last batch, past the first
    block of rows the check reads at a time (the loss cannot show it): the run stops
    after that epoch and says what to do."""
    from w2vcli.errors import TrainingDiverged

    monkeypatch.setattr("w2vcli.kernel.arrays.all_finite.__defaults__", (7,))
    trainer, _ = trainer_for(corpus, monkeypatch, threads=1)
    calls = recording(trainer)
    kernel = trainer.kernel

    def spoiling(*args):
        result = kernel(*args)
        if len(calls) == len(trainer.batches):
            getattr(trainer, where)[-1, -1] = np.inf if where == "w_in" else np.nan
        return result

    trainer.kernel = spoiling
    with pytest.raises(TrainingDiverged, match=r"in epoch 1; try a smaller --alpha"):
        trainer.run()
    assert calls and len(calls) == len(trainer.batches)  # the first epoch ran, no more


def test_all_finite_reads_every_block():
    from w2vcli.kernel.arrays import all_finite

    matrix = np.zeros((10, 3), np.float32)
    assert all_finite(matrix, rows=4) and all_finite(matrix[:0], rows=4)
    for row, value in ((0, np.nan), (9, np.inf), (5, -np.inf)):
        spoiled = matrix.copy()
        spoiled[row, 2] = value
        assert not all_finite(spoiled, rows=4)
        assert not all_finite(spoiled)
