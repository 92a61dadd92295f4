"""`w2v import` through the command line: a gensim model becomes a model directory that
`w2v train --from` trains on, and every refusal is one line, with nothing written."""

import sys

import pytest
from click.testing import CliRunner
from gensim.models import FastText

from tests.paths import SAMPLES
from tests.training.test_imported import CONFIGS, saved_gensim, sentences
from w2vcli.cli import cli


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def one_line_error(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code != 0
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    return lines[0]


@pytest.fixture(scope="module")
def more(tmp_path_factory):
    """New text to train on: lines 30 to 40 of the English sample (the models read 0-30)."""
    path = tmp_path_factory.mktemp("more") / "more.txt"
    path.write_text("\n".join((SAMPLES / "en.txt").read_text().splitlines()[30:40]) + "\n")
    return path


@pytest.mark.parametrize("config", list(CONFIGS))
def test_an_imported_model_trains_on_with_from(tmp_path, more, config):
    path, gensim = saved_gensim(tmp_path, config)
    result = run("import", path, "-o", tmp_path / "m", "--allow-pickle")
    assert result.exit_code == 0, result.output
    assert f"{len(gensim.wv):,} words x 16" in result.output and "--from" in result.output
    info = run("info", tmp_path / "m").output
    assert "run.kind\timport" in info and "settings.huffman\tgensim" in info
    assert "run.command\tw2v import" in info
    out = tmp_path / "v.txt"
    trained = run("train", more, "--from", tmp_path / "m", "--update-vocab", "-o", out,
                  "--threads", 1, "-q")  # fmt: skip
    assert trained.exit_code == 0, trained.output
    assert int(out.read_text().split()[0]) > len(gensim.wv)  # the new words added


def test_without_allow_pickle_it_is_one_line_and_nothing_is_written(tmp_path):
    path, _ = saved_gensim(tmp_path)
    line = one_line_error(run("import", path, "-o", tmp_path / "m"))
    assert "pickles, and loading one runs code" in line and "--allow-pickle" in line
    assert not (tmp_path / "m").exists()


def test_without_gensim_it_is_one_line_that_says_how_to_install_it(tmp_path, monkeypatch):
    path, _ = saved_gensim(tmp_path)
    monkeypatch.setitem(sys.modules, "gensim", None)  # `import gensim` raises ImportError
    line = one_line_error(run("import", path, "-o", tmp_path / "m", "--allow-pickle"))
    assert "pip install 'w2vcli[gensim]'" in line
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize(
    "save, message",
    [
        (lambda p, m: m.wv.save(str(p)), "w2v train CORPUS --init-vectors FILE"),
        (
            lambda p, m: FastText(sentences(0, 5), vector_size=8, min_count=3, workers=1).save(
                str(p)
            ),
            "a gensim FastText, not a Word2Vec",
        ),
        (lambda p, m: p.write_text("not a pickle\n"), "not a model gensim"),
    ],
)
def test_what_is_not_a_word2vec_model_is_one_line(tmp_path, save, message):
    _, gensim = saved_gensim(tmp_path)
    path = tmp_path / "x.model"
    save(path, gensim)
    line = one_line_error(run("import", path, "-o", tmp_path / "m", "--allow-pickle"))
    assert message in line and str(path) in line
    assert not (tmp_path / "m").exists()


def test_an_output_that_is_not_a_model_directory_is_refused_before_loading(tmp_path):
    path, _ = saved_gensim(tmp_path)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.txt").write_text("mine")
    line = one_line_error(run("import", path, "-o", tmp_path / "notes"))  # no flag: not read
    assert "-o" in line and "not a w2v model directory" in line
    assert (tmp_path / "notes" / "a.txt").read_text() == "mine"


def test_from_a_gensim_file_points_to_import(tmp_path, more):
    path, _ = saved_gensim(tmp_path)
    line = one_line_error(run("train", more, "--from", path, "-o", tmp_path / "v.txt"))
    assert "w2v import" in line


def test_an_imported_model_keeps_gensims_tree(tmp_path, more):
    path, _ = saved_gensim(tmp_path, "sg-hs")
    assert run("import", path, "-o", tmp_path / "m", "--allow-pickle").exit_code == 0
    args = ["train", more, "--from", tmp_path / "m", "-o", tmp_path / "v.txt"]
    line = one_line_error(run(*args, "--huffman", "word2vec"))
    assert "--huffman word2vec" in line and "keeps" in line
