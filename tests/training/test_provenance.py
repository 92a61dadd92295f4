"""Provenance (w2vcli.training.provenance): the record beside every vectors file `w2v train` and
`w2v convert` write, and in the model directory; what `w2v info` shows of it; and that it
never replaces a file of the user's nor trusts what a file says."""

import hashlib
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

import w2vcli
from w2vcli.cli import cli

ONE_THREAD = ["--threads", "1", "--dim", "16", "--min-count", "2", "-q"]


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def facts_of(output: str) -> dict:
    return dict(line.split("\t", 1) for line in output.splitlines())


def test_the_provenance_beside_the_vectors_says_how_they_were_made(tmp_path, small_corpus):
    out = tmp_path / "v.bin"
    questions = tmp_path / "q.txt"
    questions.write_text(": family\nthe of and in\nof the in and\n")
    result = run(
        "train", small_corpus, "-o", out, "--format", "binary", "--eval-analogies", questions,
        "--epochs", 2, "--save-model", tmp_path / "m", *ONE_THREAD,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "v.bin.w2v.json").read_text())
    assert record["vectors"]["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert record["model"] == str((tmp_path / "m").resolve())
    (run_record,) = record["runs"]
    assert (
        run_record["command"].startswith("w2v train ")
        and "--eval-analogies" in run_record["command"]
    )
    assert run_record["corpus"]["sha256"] == hashlib.sha256(small_corpus.read_bytes()).hexdigest()
    assert run_record["settings"]["dim"] == 16 and run_record["threads"] == 1
    assert len(run_record["epoch_losses"]) == 2 and run_record["seconds"] > 0
    assert [e["at"] for e in run_record["evaluations"]] == ["start", "epoch 1/2", "epoch 2/2"]
    assert run_record["machine"]["cores"] >= 1
    info = run("info", out)
    assert info.exit_code == 0
    facts = dict(line.split("\t", 1) for line in info.output.splitlines())
    assert facts["provenance_current"] == "True" and facts["run.seed"] == "1"
    assert facts["run.corpus_sha256"] == run_record["corpus"]["sha256"]
    model_info = run("info", tmp_path / "m", "--json")
    facts = json.loads(model_info.output)
    assert facts["format"] == "w2v model" and facts["settings.dim"] == 16
    assert facts["epoch_losses"] == run_record["epoch_losses"]
    w2vcli.Vectors(["a"], np.ones((1, 3), np.float32)).save(out, "binary")  # replaced since
    facts = dict(line.split("\t", 1) for line in run("info", out).output.splitlines())
    assert facts["provenance_current"] == "False"


@pytest.mark.parametrize(
    "given, alpha, min_alpha",
    [
        (["--arch", "cbow"], 0.05, 0.05 * 1e-4),  # word2vec C's defaults, by --arch
        (["--arch", "skipgram"], 0.025, 0.025 * 1e-4),
        (["--arch", "skipgram", "--alpha", "0.1", "--min-alpha", "0.001"], 0.1, 0.001),
    ],
)
def test_the_record_says_the_learning_rates_used(tmp_path, small_corpus, given, alpha, min_alpha):
    """Before, `alpha: null` and `min_alpha: null` for the defaults."""
    out = tmp_path / "v.txt"
    result = run("train", small_corpus, "-o", out, "--epochs", 1, "--save-model", tmp_path / "m",
                 "--snapshots", tmp_path / "r", *given, *ONE_THREAD)  # fmt: skip
    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "v.txt.w2v.json").read_text())
    replay = json.loads((tmp_path / "r" / "replay.json").read_text())
    for settings in (record["runs"][0]["settings"], replay["settings"]):
        assert settings["alpha"] == pytest.approx(alpha)
        assert settings["min_alpha"] == pytest.approx(min_alpha)
    facts = facts_of(run("info", tmp_path / "m").output)
    assert float(facts["settings.alpha"]) == pytest.approx(alpha)


def test_the_provenance_never_replaces_a_file_of_the_users(tmp_path, small_corpus):
    mine = tmp_path / "v.txt.w2v.json"
    mine.write_text('{"my": "data"}')
    result = run("train", small_corpus, "-o", tmp_path / "v.txt", *ONE_THREAD)
    assert result.exit_code == 0 and "a file w2v did not write is there" in result.output
    assert mine.read_text() == '{"my": "data"}'
    result = run("train", small_corpus, "-o", "-", *ONE_THREAD)
    assert result.exit_code == 0
    assert sorted(os.listdir(tmp_path)) == ["v.txt", "v.txt.w2v.json"]  # none for stdout


def test_convert_carries_the_provenance_over(tmp_path, small_corpus):
    out = tmp_path / "v.txt"
    assert run("train", small_corpus, "-o", out, *ONE_THREAD).exit_code == 0
    result = run("convert", out, tmp_path / "v.bin")
    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "v.bin.w2v.json").read_text())
    assert (
        record["vectors"]["sha256"] == hashlib.sha256((tmp_path / "v.bin").read_bytes()).hexdigest()
    )
    assert record["vectors"]["converted_from"]["path"] == str(out)
    assert record["runs"] == json.loads((tmp_path / "v.txt.w2v.json").read_text())["runs"]
    facts = facts_of(run("info", tmp_path / "v.bin").output)
    assert facts["provenance_current"] == "True" and facts["run.kind"] == "train"
    w2vcli.Vectors(["a"], np.ones((1, 3), np.float32)).save(out)  # no longer what it says
    assert run("convert", out, tmp_path / "w.bin").exit_code == 0
    assert not (tmp_path / "w.bin.w2v.json").exists()


def test_info_takes_a_companion_file_as_data(tmp_path):
    out = tmp_path / "v.txt"
    w2vcli.Vectors(["a", "b"], np.ones((2, 3), np.float32)).save(out)
    hostile = {
        "format": "w2v provenance",
        "vectors": [1, 2],
        "model": {"path": "/"},
        "runs": [{"corpus": "x", "resumed": ["2026", 5], "evaluations": [None]}, 7, "run"],
    }
    (tmp_path / "v.txt.w2v.json").write_text(json.dumps(hostile))
    result = run("info", out)
    assert result.exit_code == 0, result.output
    facts = facts_of(result.output)
    assert facts["provenance_current"] == "False" and facts["model"] == ""
    assert facts["run.resumed"] == "" and facts["run.corpus"] == ""


@pytest.mark.parametrize(
    "values",
    [
        [False, 3],
        [1, "x", None],
        [[1, 2], {"a": 1}],
        [float("nan")],
        "deep",
    ],
    ids=["booleans", "mixed", "nested", "NaN", "950 deep"],
)
def test_info_shows_a_record_of_any_values(tmp_path, values):
    """A run's list of epoch losses (or seeds, settings) edited into other types: `w2v info`
    gave a TypeError traceback joining them (issue 29, class 7)."""
    out = tmp_path / "v.txt"
    w2vcli.Vectors(["a", "b"], np.ones((2, 3), np.float32)).save(out)
    record = {
        "format": "w2v provenance",
        "runs": [{"epoch_losses": values, "settings": {"keep": values}}],
    }
    text = json.dumps(record)
    if values == "deep":  # (written here: that deep is too deep for json.dumps under xdist)
        text = text.replace('"deep"', '["deep", ' + "[" * 950 + "]" * 950 + "]")
    (tmp_path / "v.txt.w2v.json").write_text(text)
    for args in (["info", out], ["info", out, "--json"]):
        result = run(*args)
        assert result.exit_code == 0, result.output
    if values != "deep":  # (a record nested that deep may be too deep to read at all)
        assert facts_of(run("info", out).output)["run.epoch_losses"]


def test_a_fifo_where_the_provenance_goes_does_not_block(tmp_path, small_corpus):
    os.mkfifo(tmp_path / "v.txt.w2v.json")
    result = subprocess.run(
        [sys.executable, "-m", "w2vcli", "train", small_corpus, "-o", tmp_path / "v.txt",
         *ONE_THREAD],
        capture_output=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0 and b"a file w2v did not write" in result.stderr
    info = subprocess.run(
        [sys.executable, "-m", "w2vcli", "info", tmp_path / "v.txt"], capture_output=True,
        timeout=120,
    )  # fmt: skip
    assert info.returncode == 0 and b"provenance" not in info.stdout
