"""Training on several workers (w2vcli.training.distributed): the sync schedule, how changes merge,
workers simulated in one process and as Dask actors on a two-worker LocalCluster, the
quality they reach against training on one machine, and faults."""

import contextlib
import os
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import w2vcli
from tests.paths import SAMPLES
from w2vcli.cli import cli
from w2vcli.config import TrainConfig
from w2vcli.engines import LocalEngine
from w2vcli.errors import W2VError
from w2vcli.text.prepared import load_prepared, prepare
from w2vcli.training.distributed import Worker, merged, synced_rows, train_parallel

SAMPLE = SAMPLES / "en.txt"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    """The English sample (250,000 tokens), prepared."""
    path = tmp_path_factory.mktemp("prepared") / "en"
    prepare([SAMPLE], path)
    return path


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_the_schedule_syncs_the_top_rows_more_often():
    assert [synced_rows(n, 100_000) for n in (1, 2, 3, 4, 6, 8, 16)] == [
        1024,
        2048,
        1024,
        4096,
        2048,
        8192,
        16384,
    ]
    assert synced_rows(64, 30_000) == 30_000  # never more rows than there are
    assert synced_rows(5, 30_000, "all") == 30_000 and synced_rows(5, 30_000, "epoch") == 0


def test_auto_sums_for_two_workers_and_caps_beyond():
    from w2vcli.training.distributed import merge_rule

    assert [merge_rule("auto", n) for n in (1, 2, 3, 8)] == ["sum", "sum", "capped", "capped"]
    assert merge_rule("mean", 2) == "mean" and merge_rule("sum", 8) == "sum"


def test_changes_merge_only_where_made():
    a = np.array([[1.0, 1.0], [2.0, 0.0], [0.0, 0.0]], dtype=np.float32)
    b = np.array([[3.0, 1.0], [0.0, 0.0], [0.0, 0.0]], dtype=np.float32)
    assert merged([a, b], "sum").tolist() == [[4, 2], [2, 0], [0, 0]]
    # the mean is over the workers that changed the row: one worker's change stays whole
    assert merged([a, b], "mean").tolist() == [[2, 1], [2, 0], [0, 0]]


def test_capped_keeps_independent_changes_and_shortens_agreeing_ones():
    from w2vcli.training.distributed import CAP

    def capped(*rows):
        return merged([np.array([r], dtype=np.float32) for r in rows], "capped")[0]

    assert capped([2.0, 0.0]).tolist() == [2, 0]  # one worker: its change, whole
    assert capped([3.0, 0.0], [0.0, 4.0]).tolist() == [3, 4]  # orthogonal: the sum
    assert capped([1.0, 0.0], [-1.0, 0.5]).tolist() == [0, 0.5]  # opposed: the sum
    # two equal changes: no longer than their root-sum-square, sqrt(2) of one
    assert np.allclose(capped([1.0, 1.0], [1.0, 1.0]), [np.sqrt(2)] * 2)
    # eight equal changes: sqrt(8) would overshoot; CAP times the longest
    assert np.allclose(capped(*[[0.0, 2.0]] * 8), [0, 2 * CAP])
    # never longer than the plain sum, always in its direction
    rng = np.random.default_rng(0)
    changes = [rng.normal(size=(50, 4)).astype(np.float32) + 1 for _ in range(6)]
    total, kept = merged(changes, "sum"), merged(changes, "capped")
    assert np.all(np.linalg.norm(kept, axis=1) <= np.linalg.norm(total, axis=1) + 1e-5)
    scale = (kept * total).sum(axis=1) / (total * total).sum(axis=1)
    assert np.all((scale > 0) & (scale <= 1 + 1e-6))
    assert np.allclose(kept, scale[:, None] * total, atol=1e-5)


def simulated(prepared: Path, workers: int, merge="sum", sync="schedule", **settings):
    config = TrainConfig(threads=1, dim=50, epochs=3, seed=1, **settings).validate()
    group = LocalEngine(workers).start(Worker, str(prepared), config, 2)
    vocab = load_prepared(prepared).vocab
    result = train_parallel(group, config, vocab.counts, sync, merge)
    return group.workers, result


def test_simulated_workers_agree_and_learn_as_one_machine(prepared):
    """Two workers end with the same model, having trained every word of every epoch
    once; their loss is within 3 % of one thread's over the same corpus, and summing
    changes learns faster than averaging them."""
    group, result = simulated(prepared, 2)
    assert np.array_equal(group[0].w_in, group[1].w_in)
    assert np.array_equal(group[0].w_out, group[1].w_out)
    single = w2vcli.train(prepared, threads=1, dim=50, epochs=3, seed=1)
    assert result.words == single.words
    assert abs(result.epoch_losses[-1] - single.epoch_losses[-1]) < 0.03 * single.epoch_losses[-1]
    _, averaged = simulated(prepared, 2, merge="mean")
    assert averaged.epoch_losses[-1] > result.epoch_losses[-1]


def test_four_workers_capped_learn_more_than_averaged(prepared):
    """With four workers, capping keeps more of the workers' progress than averaging and
    stays finite."""
    group, capped = simulated(prepared, 4, merge="auto")
    _, averaged = simulated(prepared, 4, merge="mean")
    assert np.isfinite(group[0].w_in).all()
    assert capped.epoch_losses[-1] < averaged.epoch_losses[-1]


def test_each_worker_trains_its_own_part(prepared):
    group, _ = simulated(prepared, 3, sync="epoch")
    parts = [w.mine for w in group]
    assert sum(map(len, parts)) == len(group[0].trainer.batches)
    assert parts[0][-1][1] == parts[1][0][0] and parts[1][-1][1] == parts[2][0][0]


def test_dask_workers_train_a_prepared_corpus(prepared, tmp_path, monkeypatch):
    """Two Dask worker processes train and sync; the vectors file and the model directory
    are written as for any run, and the run's record says how it was trained. The corpus
    is named relative to here (the workers run in a directory of their own)."""
    out, model = tmp_path / "v.txt", tmp_path / "model"
    monkeypatch.chdir(prepared.parent)
    result = invoke(
        "train", prepared.name, "--engine", "dask", "--workers", "2", "-o", out,
        "--save-model", model, "--epochs", "2", "--dim", "30", "-q",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    from gensim.models import KeyedVectors

    vectors = KeyedVectors.load_word2vec_format(str(out))
    assert len(vectors) == len(load_prepared(prepared).vocab) and vectors.vector_size == 30
    loaded = w2vcli.load_model(model)
    assert loaded.provenance["runs"][-1]["dask_workers"] == 2
    assert np.allclose(loaded.vectors.matrix, vectors.vectors)


def test_dask_faults_are_one_line(prepared, tmp_path):
    result = invoke(
        "train", prepared, "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9", "-o",
        tmp_path / "v.txt",
    )  # fmt: skip
    assert result.exit_code == 1 and "cannot reach a Dask scheduler" in result.output
    assert result.output.count("\n") == 1 and not (tmp_path / "v.txt").exists()
    result = invoke("train", SAMPLE, "--engine", "dask", "-o", tmp_path / "v.txt")
    assert result.exit_code == 1 and "trains a prepared directory" in result.output


def lose(client, address: str) -> None:
    """End the worker at `address`, and wait until the scheduler knows: a call made before
    that waits out Dask's connect timeout (30 s) on the dead address, one made after
    fails at once (the run stops either way)."""
    with contextlib.suppress(Exception):  # the call dies with its worker
        client.run(os._exit, 1, workers=[address])
    for _ in range(200):
        if address not in client.scheduler_info()["workers"]:
            return
        time.sleep(0.05)


def test_a_worker_lost_during_training_stops_the_run_naming_it(prepared):
    from w2vcli.engines import DaskEngine

    config = TrainConfig(threads=1, dim=20, epochs=1).validate()
    with DaskEngine(workers=2) as engine:
        workers = engine.start(Worker, str(prepared), config, 2)
        workers.call("start_epoch")
        lost = workers.addresses[1]
        lose(engine.client, lost)
        with pytest.raises(W2VError, match=f"the Dask worker {lost} failed"):
            for _ in range(50):
                workers.call("train_round", 0, 2)


def test_a_run_whose_worker_dies_resumes_from_its_last_epoch(prepared, tmp_path):
    """A worker killed after epoch 1 of 3 stops the run in one line; the checkpoint of
    epoch 1 stands, and --resume finishes the run on the workers."""

    def kill_a_worker(epoch, model):
        from distributed import get_client

        if epoch == 0:
            client = get_client()
            lose(client, sorted(client.scheduler_info()["workers"])[1])

    checkpoint = tmp_path / "ck"
    settings = dict(engine="dask", workers=2, epochs=3, dim=20, checkpoint=checkpoint)
    with pytest.raises(W2VError, match="failed in training"):
        w2vcli.train(prepared, on_epoch=kill_a_worker, **settings)
    saved = w2vcli.load_model(checkpoint)
    assert saved.state.epochs_done == 1 and len(saved.epoch_losses) == 1
    result = invoke("train", "--resume", checkpoint, "-o", tmp_path / "v.txt", "-q")
    assert result.exit_code == 1 and "give --engine dask" in result.output  # not its address
    resumed = ["--engine", "dask", "--workers", 2]
    result = invoke("train", "--resume", checkpoint, *resumed, "-o", tmp_path / "v.txt", "-q")
    assert result.exit_code == 0, result.output
    done = w2vcli.load_model(checkpoint)
    assert done.state.epochs_done == 3 and len(done.epoch_losses) == 3
    assert done.state.words == 3 * done.corpus.words
    assert done.epoch_losses[:1] == saved.epoch_losses
