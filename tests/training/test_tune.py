"""w2vcli.training.tune (w2v tune): a tiny search end to end whose best command gives its
score again; a resumed search draws and scores what an uninterrupted one does; the
halves, the budget, the journal's refusals; Survey.with_min_count is a survey at that
min_count, to the id."""

import shlex
import sys
from dataclasses import replace

import numpy as np
import pytest
from click.testing import CliRunner

import w2vcli
from tests.paths import DATA
from w2vcli.cli import cli
from w2vcli.errors import ConfigError, W2VError
from w2vcli.training.tune import Halves, _split, tune

QUESTIONS, PAIRS = DATA / "questions-words.txt", DATA / "wordsim353.tsv"
QUICK = {"threads": 1, "epochs": 1, "dim": 20}  # fixed: trials of a second or so


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where the default --journal goes


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert not result.exception or isinstance(result.exception, SystemExit), result.exception
    return result


def test_a_tiny_search_and_its_best_command_gives_its_score(small_corpus, tmp_path):
    journal = tmp_path / "trials.jsonl"
    args = ["tune", small_corpus, "--analogies", QUESTIONS, "--pairs", PAIRS, "--budget", "2m"]
    result = run(*args, "--trials", "3", "--threads", "1", "--epochs", "2", "--journal", journal)
    assert result.exit_code == 0, result.stderr
    header, *rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert header[:3] == ["trial", "score", "held_out"] and len(rows) == 3
    scores = [float(r[1]) for r in rows]
    assert scores == sorted(scores, reverse=True)
    said = result.stderr.splitlines()
    assert [line.split(" (")[0] for line in said if line.startswith("trial ")][-3:] == [
        "trial 0",
        "trial 1",
        "trial 2",
    ]
    assert said[-2].startswith(f"best of 3 trials: trial {rows[0][0]}, ")
    command = shlex.split(said[-1])
    assert command[:2] == ["w2v", "train"] and "--threads" in command and "--seed" in command
    vectors = tmp_path / "best.txt"
    command[command.index("-o") + 1] = str(vectors)
    assert run(*command[1:], "-q").exit_code == 0
    search, held_out = Halves.of([QUESTIONS], [PAIRS]).score(w2vcli.load(vectors))
    assert f"{search.value:.6f}" == rows[0][1] and f"{held_out.value:.6f}" == rows[0][2]
    assert f"{search.analogy:.6f}" == rows[0][3] and f"{search.pairs:.6f}" == rows[0][4]


def test_the_first_trial_trains_the_defaults(small_corpus):
    found = tune(small_corpus, pairs=[PAIRS], trials=1, threads=1)
    assert found[0].settings == {
        "arch": "cbow",
        "loss": "ns",
        "dim": 100,
        "window": 5,
        "negative": 5,
        "sample": 1e-3,
        "epochs": 5,
        "min_count": 5,
        "alpha": 0.05,
        "threads": 1,
        "seed": 1,
    }


def test_a_resumed_search_is_the_uninterrupted_one(small_corpus, tmp_path):
    whole = tune(small_corpus, pairs=[PAIRS], trials=5, **QUICK)
    journal = tmp_path / "trials.jsonl"
    first = tune(small_corpus, pairs=[PAIRS], trials=2, journal=journal, **QUICK)
    resumed = tune(small_corpus, pairs=[PAIRS], trials=5, journal=journal, resume=True, **QUICK)
    assert resumed[:2] == [
        t.__class__(t.number, t.settings, t.search, t.held_out, resumed[i].seconds, t.state)
        for i, t in enumerate(first)
    ]
    assert [(t.settings, t.search, t.held_out) for t in resumed] == [
        (t.settings, t.search, t.held_out) for t in whole
    ]
    assert len({str(t.settings) for t in whole}) == 5  # the sampler draws, not one setting


def test_trials_still_training_when_the_budget_ends_are_cut(small_corpus, tmp_path):
    found = tune(small_corpus, pairs=[PAIRS], budget=0.5, threads=1, epochs=200)
    assert [t.state for t in found] == ["cut"] and found[0].search is None
    result = run("tune", small_corpus, "--pairs", PAIRS, "--budget", "1s", "--epochs", "300")
    assert result.exit_code == 1 and "no trial finished within --budget 1s" in result.stderr
    assert "cut by the budget" in result.stderr and "Traceback" not in result.stderr


def test_the_journal_is_resumed_only_when_asked_and_only_for_its_search(small_corpus, tmp_path):
    journal = tmp_path / "trials.jsonl"
    tune(small_corpus, pairs=[PAIRS], trials=1, journal=journal, **QUICK)
    with pytest.raises(ConfigError, match="a search is kept there; --resume"):
        tune(small_corpus, pairs=[PAIRS], trials=2, journal=journal, **QUICK)
    with pytest.raises(ConfigError, match=r"another corpus.*\(analogies\)"):
        tune(
            small_corpus,
            analogies=[QUESTIONS],
            pairs=[PAIRS],
            journal=journal,
            resume=True,
            **QUICK,
        )
    with pytest.raises(ConfigError, match=r"\(fixed\)"):
        tune(small_corpus, pairs=[PAIRS], journal=journal, resume=True, threads=1, epochs=3)
    with pytest.raises(ConfigError, match="no search kept"):
        tune(small_corpus, pairs=[PAIRS], journal=tmp_path / "none.jsonl", resume=True)
    result = run("tune", small_corpus, "--pairs", PAIRS, "--journal", journal)
    assert result.exit_code == 1 and len(result.stderr.splitlines()) == 1
    assert str(journal) in result.stderr


def test_without_optuna_one_line_says_what_to_install(small_corpus, monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)
    result = run("tune", small_corpus, "--pairs", PAIRS)
    assert result.exit_code == 1 and "pip install 'w2vcli[tune]'" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_refused_settings_and_missing_sets(small_corpus):
    assert "give --analogies FILE and/or --pairs" in run("tune", small_corpus).stderr
    result = run("tune", small_corpus, "--pairs", PAIRS, "--keep", PAIRS)
    assert result.exit_code == 2 and "--keep: not with w2v tune" in result.stderr


def test_halves_take_every_other_question_and_each_section():
    lines = [": a", "1 2 3 4", "5 6 7 8", "9 10 11 12", ": b", "x y z w", ""]
    assert _split(lines, "analogies") == (
        [": a", "1 2 3 4", "9 10 11 12", ": b"],
        [": a", "5 6 7 8", ": b", "x y z w"],
        4,
    )
    pairs = ["# wordsim", "a b 1", "c d 2", "e f 3"]
    assert _split(pairs, "pairs") == (["# wordsim", "a b 1", "e f 3"], ["# wordsim", "c d 2"], 3)


def test_with_min_count_is_a_survey_at_that_min_count(small_corpus):
    low = w2vcli.survey(small_corpus, min_count=2, corpus_in="memory")
    for min_count in (2, 3, 7, 40):
        narrowed, direct = (
            low.with_min_count(min_count),
            w2vcli.survey(small_corpus, min_count=min_count, corpus_in="memory"),
        )
        assert narrowed.vocab.words == direct.vocab.words
        np.testing.assert_array_equal(narrowed.vocab.counts, direct.vocab.counts)
        np.testing.assert_array_equal(narrowed.ids, direct.ids)
        assert replace(narrowed.corpus, seconds=0) == replace(direct.corpus, seconds=0)
        assert narrowed.config == direct.config
    with pytest.raises(ConfigError, match="larger min_count"):
        low.with_min_count(1)


def test_a_journal_that_is_not_a_search_or_was_edited_is_refused(small_corpus, tmp_path):
    garbage = tmp_path / "garbage.jsonl"
    for text, said in (
        ("not json\n", "line 1: not a JSON line"),
        ('{"op_code": 0, "worker_id": "x"', "its last line is cut off"),
        ("{}\n", "not a search of w2v tune"),
        ("", "not a search of w2v tune"),
    ):
        garbage.write_text(text)
        result = run("tune", small_corpus, "--pairs", PAIRS, "--journal", garbage, "--resume")
        assert result.exit_code == 1 and said in result.stderr, result.stderr
        assert len(result.stderr.splitlines()) == 1 and garbage.read_text() == text
    journal = tmp_path / "trials.jsonl"
    tune(small_corpus, pairs=[PAIRS], trials=1, journal=journal, **QUICK)
    text = journal.read_text()
    for field, edited in (
        ('"settings":{"arch"', '"settings":{"; rm -rf ~"'),
        ('"search":{"analogy":null,"pairs":', '"search":{"analogy":null,"pairs":NaN,"x":'),
    ):
        assert field in text
        journal.write_text(text.replace(field, edited))
        with pytest.raises(ConfigError, match="trial 0's .* is not as w2v tune keeps it"):
            tune(small_corpus, pairs=[PAIRS], trials=2, journal=journal, resume=True, **QUICK)
    folder = run("tune", small_corpus, "--pairs", PAIRS, "--journal", tmp_path)
    assert folder.exit_code == 1 and "is a directory" in folder.stderr


@pytest.mark.parametrize("stopped", [0, 2])  # 0: the defaults, which only a queue draws
def test_a_search_interrupted_in_a_trial_trains_it_again(small_corpus, tmp_path, stopped):
    whole = tune(small_corpus, pairs=[PAIRS], trials=4, **QUICK)
    journal = tmp_path / "trials.jsonl"

    def stop(number, words):
        if number == stopped:
            raise KeyboardInterrupt  # Ctrl-C, or the process killed

    with pytest.raises(KeyboardInterrupt):
        tune(small_corpus, pairs=[PAIRS], journal=journal, on_progress=stop, **QUICK)
    resumed = tune(small_corpus, pairs=[PAIRS], trials=4, journal=journal, resume=True, **QUICK)
    states = ["done"] * 5
    states[stopped] = "interrupted"
    assert [t.state for t in resumed] == states
    assert resumed[stopped + 1].settings == resumed[stopped].settings  # trained again
    kept = [(t.settings, t.search, t.held_out) for t in resumed if t.drawn]
    assert kept == [(t.settings, t.search, t.held_out) for t in whole]


def test_the_command_has_every_setting_fixed(small_corpus, tmp_path):
    fixed = {"max_vocab": 300, "ns_exponent": 0.5, "min_alpha": 0.001, "shrink_windows": False}
    (trial,) = tune(small_corpus, pairs=[PAIRS], trials=1, **QUICK, **fixed)
    command = shlex.split(trial.command(str(small_corpus), str(tmp_path / "v.txt")))
    for words in (["--max-vocab", "300"], ["--ns-exponent", "0.5"], ["--min-alpha", "0.001"]):
        assert words[0] in command and command[command.index(words[0]) + 1] == words[1]
    assert "--no-shrink-windows" in command and "--corpus-in" not in command
    assert run(*command[1:], "-q").exit_code == 0
    search, held_out = Halves.of([], [PAIRS]).score(w2vcli.load(tmp_path / "v.txt"))
    assert (search, held_out) == (trial.search, trial.held_out)


def test_evaluation_files_are_checked_before_the_corpus_is_read(tmp_path):
    one = tmp_path / "one.tsv"
    one.write_text("king queen 9\n")
    none = tmp_path / "none.txt"
    none.write_text(": section\nnot a question\nnor this\n")
    missing_corpus = tmp_path / "no-such-corpus.txt"
    with pytest.raises(ConfigError, match="one.tsv: 1 pair; tune needs two or more"):
        tune(missing_corpus, pairs=[one])
    with pytest.raises(W2VError, match="no 'a b c d' questions"):
        tune(missing_corpus, analogies=[none])
    rare = tmp_path / "rare.tsv"
    rare.write_text("zzz yyy 1\nxxx www 2\nvvv uuu 3\n")  # no word of them known: scored 0
    assert Halves.of([], [rare]).score(w2vcli.Vectors(["a"], np.ones((1, 1), np.float32)))


def test_seeds_draw_searches_of_their_own(small_corpus):
    one = tune(small_corpus, pairs=[PAIRS], trials=4, **{**QUICK, "epochs": 1, "seed": 1})
    two = tune(small_corpus, pairs=[PAIRS], trials=4, **{**QUICK, "seed": 2})
    assert [t.settings for t in one[2:4]] != [{**t.settings, "seed": 1} for t in two[1:3]]
    last = tune(small_corpus, pairs=[PAIRS], trials=2, **{**QUICK, "seed": 2**32 - 1})
    assert [t.state for t in last] == ["done", "done"]
