"""The model directory (w2vcli.training.model): a round trip keeps every array and setting,
nothing is pickled, only w2v's own model directories are ever replaced, and a directory
is replaced whole or not at all."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from click.testing import CliRunner

import w2vcli
from w2vcli.cli import cli
from w2vcli.io import dirs


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def trained(small_corpus):
    return w2vcli.train(small_corpus, threads=1, epochs=2, dim=16, min_count=2, loss="hs")


def test_a_saved_model_loads_back_equal(tmp_path, trained):
    trained.save(tmp_path / "m")
    loaded = w2vcli.load_model(tmp_path / "m")
    assert loaded.vectors.words == trained.vectors.words
    assert np.array_equal(loaded.vectors.matrix, trained.vectors.matrix)
    assert np.array_equal(loaded.output, trained.output)
    assert loaded.output.shape == (len(trained.vocab) - 1, 16)  # hs: the inner nodes
    assert np.array_equal(loaded.vocab.counts, trained.vocab.counts)
    assert loaded.config == trained.config
    assert loaded.state == trained.state and loaded.state.epochs_done == 2
    assert loaded.epoch_losses == trained.epoch_losses
    assert loaded.corpus.sha256 == trained.corpus.sha256 and loaded.corpus.bytes > 0
    assert loaded.provenance == trained.provenance
    assert loaded.finished


def test_a_model_saved_before_batched_windows_goes_on_pair_by_pair(tmp_path, small_corpus):
    """model.json without batch_windows was written by a w2v that trained skip-gram pair by
    pair: resuming or continuing it keeps that, whatever today's default."""
    model = w2vcli.train(small_corpus, threads=1, epochs=1, dim=8, arch="skipgram")
    model.save(tmp_path / "m")
    assert w2vcli.load_model(tmp_path / "m").config.windows_at_once  # today's default (ns)
    described = json.loads((tmp_path / "m" / "model.json").read_text())
    del described["settings"]["batch_windows"]
    (tmp_path / "m" / "model.json").write_text(json.dumps(described))
    assert not w2vcli.load_model(tmp_path / "m").config.windows_at_once


def test_the_files_are_plain_numpy_json_and_text(tmp_path, trained):
    """Readable by anyone without w2v, and nothing pickled: every array loads with
    allow_pickle=False."""
    trained.save(tmp_path / "m")
    names = sorted(os.listdir(tmp_path / "m"))
    assert names == ["model.json", "vocab.txt", "w_in.npy", "w_out.npy"]
    for name in ("w_in.npy", "w_out.npy"):
        array = np.load(tmp_path / "m" / name, allow_pickle=False)
        assert array.dtype == np.float32
    described = json.loads((tmp_path / "m" / "model.json").read_text())
    assert described["format"] == "w2v model" and described["settings"]["dim"] == 16
    first = (tmp_path / "m" / "vocab.txt").read_text().splitlines()[0].split()
    assert first == [trained.vocab.words[0], str(trained.vocab.counts[0])]


def test_only_a_model_directory_is_replaced(tmp_path, trained):
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work")
    with pytest.raises(w2vcli.W2VError, match="not a w2v model directory"):
        trained.save(mine)
    assert (mine / "thesis.tex").read_text() == "years of work"
    (tmp_path / "file").write_text("data")
    with pytest.raises(w2vcli.W2VError, match="not a directory"):
        trained.save(tmp_path / "file")
    trained.save(tmp_path / "m")
    (tmp_path / "m" / "readme.txt").write_text("mine")
    with pytest.raises(w2vcli.W2VError, match="files w2v did not write"):
        trained.save(tmp_path / "m")
    assert (tmp_path / "m" / "readme.txt").exists()


def test_the_cli_refuses_before_training(tmp_path, small_corpus):
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_text("x")
    result = run("train", small_corpus, "-o", tmp_path / "v.txt", "--save-model", home, "-q")
    assert result.exit_code == 1
    assert "--save-model" in result.output and "not a w2v model directory" in result.output
    assert not (tmp_path / "v.txt").exists()
    result = run("train", small_corpus, "-o", tmp_path / "v.txt", "--checkpoint", home, "-q")
    assert result.exit_code == 1 and "--checkpoint" in result.output
    assert (home / ".bashrc").read_text() == "x"


def test_saving_again_replaces_the_model_whole(tmp_path, small_corpus, trained):
    trained.save(tmp_path / "m")
    other = w2vcli.train(small_corpus, threads=1, epochs=1, dim=8, min_count=3)
    other.save(tmp_path / "m")
    loaded = w2vcli.load_model(tmp_path / "m")
    assert loaded.config.dim == 8 and len(loaded.vocab) == len(other.vocab)
    assert sorted(os.listdir(tmp_path)) == ["m"]  # no temporary left
    assert sorted(os.listdir(tmp_path / "m")) == [
        "model.json",
        "vocab.txt",
        "w_in.npy",
        "w_out.npy",
    ]


def test_the_fallback_without_an_atomic_exchange_also_replaces(tmp_path, monkeypatch, trained):
    monkeypatch.setattr(dirs, "_exchange", lambda a, b: False)
    trained.save(tmp_path / "m")
    trained.save(tmp_path / "m")
    assert sorted(os.listdir(tmp_path)) == ["m"]
    assert w2vcli.load_model(tmp_path / "m").config == trained.config


def edit_json(directory, keys: list, value) -> None:
    described = json.loads((directory / "model.json").read_text())
    place = described
    for key in keys[:-1]:
        place = place[key]
    place[keys[-1]] = value
    (directory / "model.json").write_text(json.dumps(described))


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda d: (d / "w_in.npy").write_bytes(b"\x93NUMPY junk"), "w_in.npy"),
        (lambda d: (d / "w_out.npy").unlink(), "w_out.npy: missing"),
        (lambda d: (d / "model.json").write_text("{"), "not valid JSON"),
        (lambda d: (d / "vocab.txt").write_text("a 1\n"), "vocab.txt"),
        (
            lambda d: np.save(d / "w_in.npy", np.zeros((3, 16), np.float32)),
            "expected float32",
        ),
        (
            lambda d: (d / "model.json").write_text(
                (d / "model.json").read_text().replace('"version": 1', '"version": 99')
            ),
            "upgrade w2v",
        ),
        (lambda d: edit_json(d, ["state", "rng"], ["x"]), "training state is damaged"),
        (lambda d: edit_json(d, ["state", "lanes"], [[0, -1]]), "training state is damaged"),
        (lambda d: edit_json(d, ["settings", "dim"], "100"), "model.json: damaged"),
        (lambda d: edit_json(d, ["state"], [1, 2]), "model.json: damaged"),
        (lambda d: edit_json(d, ["corpus"], None), "model.json: damaged"),
        (lambda d: edit_json(d, ["corpus", "bytes"], "x"), "model.json: damaged"),
        (lambda d: edit_json(d, ["settings", "epochs"], 2.5), "model.json: damaged"),
        (lambda d: edit_json(d, ["state", "lanes"], [[0, 1]]), "training state is damaged"),
        (lambda d: edit_json(d, ["state", "rng"], [2**64]), "training state is damaged"),
        (lambda d: (d / "vocab.txt").write_text("a 1\n" * 3 + f"b {2**70}\n"), "vocab.txt"),
    ],
)
def test_a_damaged_model_is_one_clear_error(tmp_path, trained, damage, message):
    trained.save(tmp_path / "m")
    damage(tmp_path / "m")
    with pytest.raises(w2vcli.W2VError, match=message):
        w2vcli.load_model(tmp_path / "m")
    result = run("info", tmp_path / "m")
    assert result.exit_code == 1 and message.split(":")[0] in result.output
    assert "Traceback" not in result.output


def test_a_pickled_array_is_refused(tmp_path, trained):
    trained.save(tmp_path / "m")
    objects = np.empty(len(trained.vocab), dtype=object)
    np.save(tmp_path / "m" / "w_in.npy", objects, allow_pickle=True)
    with pytest.raises(w2vcli.W2VError, match="w_in.npy"):
        w2vcli.load_model(tmp_path / "m")


def test_kill_9_while_writing_leaves_the_last_model_whole(tmp_path, small_corpus):
    """A process saving models of 2 x 40 MB over and over is killed while the new files are
    being written (its temporary directory is there, partly written); the directory holds
    the model saved before, complete, and the next save cleans up what the killed one left."""
    script = (
        "import sys, w2vcli\n"
        "m = w2vcli.train(sys.argv[1], threads=1, epochs=1, dim=1000, min_count=1)\n"
        "m.save(sys.argv[2])\n"
        "print('saved', flush=True)\n"
        "while True:\n"
        "    m.save(sys.argv[2])\n"
    )
    target = tmp_path / "m"
    child = subprocess.Popen(
        [sys.executable, "-c", script, small_corpus, target], stdout=subprocess.PIPE
    )
    assert child.stdout.readline() == b"saved\n"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # until a save is caught with its files half there
        staging = [n for n in os.listdir(tmp_path) if n.startswith(".m.w2v-")]
        try:
            if staging and os.listdir(tmp_path / staging[0]):
                child.send_signal(signal.SIGKILL)
                break
        except FileNotFoundError:  # that save has just ended
            continue
    child.wait()
    assert child.returncode == -signal.SIGKILL
    left = [n for n in os.listdir(tmp_path) if n.startswith(".m.w2v-")]
    assert left, "not killed while writing"
    loaded = w2vcli.load_model(target)
    assert loaded.vectors.matrix.shape[1] == 1000 and loaded.finished
    loaded.save(target)
    assert sorted(os.listdir(tmp_path)) == ["m"]


def test_a_provenance_of_the_wrong_shape_is_taken_as_none(tmp_path, trained):
    trained.save(tmp_path / "m")
    edit_json(tmp_path / "m", ["provenance"], [1, {"runs": "x"}])
    assert w2vcli.load_model(tmp_path / "m").provenance == {"runs": []}
    assert run("info", tmp_path / "m").exit_code == 0


def test_a_save_killed_between_its_two_renames_is_recovered(tmp_path, trained, small_corpus):
    """Where the file system cannot exchange two directories, a save renames the old model
    aside, then the new one into place; killed in between, the name is missing, and the
    next reader or writer puts the newest whole model back."""
    trained.save(tmp_path / "m")
    newer = w2vcli.train(small_corpus, threads=1, epochs=1, dim=8, min_count=3)
    newer.save(tmp_path / "new")
    os.rename(tmp_path / "m", tmp_path / ".m.w2v-abcd.old")  # the first rename
    os.rename(tmp_path / "new", tmp_path / ".m.w2v-abcd")  # the new model, complete
    time.sleep(0.01)
    os.utime(tmp_path / ".m.w2v-abcd")  # newer than the old
    assert w2vcli.load_model(tmp_path / "m").config.dim == 8
    trained.save(tmp_path / "m")
    assert sorted(os.listdir(tmp_path)) == ["m"]  # the old one removed by the next save
