"""`w2v train --watch`, `--eval-analogies` and `--output-vectors`: what is printed between
epochs matches the query commands on the written vectors, errors come before training, and
in / out / sum are W, W' and their sum."""

import re

import numpy as np
import pytest
from click.testing import CliRunner

from w2vcli.cli import cli
from w2vcli.vectors.vectors import load_vectors

FAST = ["--epochs", "2", "--dim", "16", "--threads", "1", "-q"]


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert not result.exception or isinstance(result.exception, SystemExit), result.exception
    return result


def watch_lines(stderr: str, word: str) -> dict:
    """label -> [(neighbour, similarity)] from the lines about `word`."""
    found = {}
    for line in stderr.splitlines():
        label, sep, rest = line.partition(f"  {word}: ")
        if sep:
            pairs = [item.rsplit(" ", 1) for item in rest.split(", ")]
            found[label] = [(w, float(s)) for w, s in pairs]
    return found


def test_watch_prints_neighbours_at_the_start_and_after_each_epoch(tmp_path, small_corpus):
    out = tmp_path / "v.txt"
    result = run("train", small_corpus, "-o", out, *FAST, "--watch", "history,war")
    assert result.exit_code == 0, result.output
    seen = watch_lines(result.stderr, "history")
    labels = list(seen)
    assert labels[0] == "start" and len(labels) == 3
    for epoch, label in enumerate(labels[1:], start=1):
        assert re.fullmatch(rf"epoch {epoch}/2 \(loss \d+\.\d{{4}}\)", label), label
    assert all(len(hits) == 8 for hits in seen.values())
    assert len(watch_lines(result.stderr, "war")) == 3
    # After the last epoch: the neighbours `w2v nearest` finds in the written file.
    final = list(seen.values())[-1]
    nearest = run("nearest", "-v", out, "history", "-k", 8).stdout.splitlines()
    assert [w for w, _ in final] == [line.split("\t")[1] for line in nearest]
    assert [s for _, s in final] == [round(float(line.split("\t")[2]), 2) for line in nearest]


def test_eval_analogies_matches_w2v_evaluate(tmp_path, small_corpus):
    questions = tmp_path / "q.txt"
    questions.write_text(": made-up\nthe of and in\nof the in and\nthe a of to\nxyzzy the a of\n")
    out = tmp_path / "v.txt"
    result = run("train", small_corpus, "-o", out, *FAST, "--eval-analogies", questions)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if "analogies:" in line]
    assert len(lines) == 3 and lines[0].startswith("start  analogies: ")
    assert "of 3 answered (75% of 4)" in lines[-1]
    evaluated = run("evaluate", "-v", out, "--analogies", questions).stdout.splitlines()[-1]
    accuracy = float(evaluated.split("\t")[3])
    assert lines[-1].split("analogies: ")[1].startswith(f"{accuracy:.1f}% ")


def test_nothing_extra_is_printed_unless_asked(tmp_path, small_corpus):
    result = run("train", small_corpus, "-o", tmp_path / "v.txt", *FAST)
    assert result.exit_code == 0 and result.stderr == ""


def test_unknown_watched_words_fail_before_training(tmp_path, small_corpus):
    out = tmp_path / "v.txt"
    result = run("train", small_corpus, "-o", out, "--epochs", "1", "--watch", "history,xyzzyq,qqq")
    assert result.exit_code == 1 and not out.exists()
    assert result.stderr.splitlines()[-1] == (
        "Error: --watch: not in the vocabulary: xyzzyq, qqq (absent from the corpus or rarer "
        "than --min-count)"
    )
    assert "train:" not in result.stderr  # no progress bar: training never started


@pytest.mark.parametrize("loss", ["ns", "softmax"])
def test_output_vectors_in_out_and_sum(tmp_path, small_corpus, loss):
    files = {}
    for which in ("in", "out", "sum"):
        files[which] = tmp_path / f"{which}.txt"
        args = ["train", small_corpus, "-o", files[which], *FAST, "--seed", 3, "--loss", loss]
        result = run(*args, "--max-vocab", 300, "--output-vectors", which)
        assert result.exit_code == 0, result.output
    w_in, w_out, both = (load_vectors(str(files[w])) for w in ("in", "out", "sum"))
    assert w_in.words == w_out.words == both.words
    assert not np.allclose(w_in.vectors, w_out.vectors)
    np.testing.assert_array_equal(both.vectors, w_in.vectors + w_out.vectors)  # float32, exact


@pytest.mark.parametrize("which", ["out", "sum"])
def test_output_vectors_of_hierarchical_softmax_are_refused(tmp_path, small_corpus, which):
    out = tmp_path / "v.txt"
    result = run("train", small_corpus, "-o", out, "--loss", "hs", "--output-vectors", which)
    assert result.exit_code == 1 and not out.exists()
    assert result.stderr.startswith(f"Error: --output-vectors {which}: with --loss hs ")
    assert len(result.stderr.splitlines()) == 1
