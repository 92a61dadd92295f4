"""w2v's own directories (model, checkpoint, prepared, replay, index) under one rule
(w2vcli.io.dirs): no output inside one, only what w2v wrote replaced, checked again at the
moment it is replaced, saves that take turns. Issue 29, classes 1, 2 and 4."""

import os
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

import w2vcli
from tests.paths import ROOT
from w2vcli.cli import cli
from w2vcli.errors import W2VError
from w2vcli.io import dirs

FAST = ["--epochs", "1", "--dim", "8", "--threads", "1", "-q"]


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


def snapshot(folder) -> dict:
    """Every file under `folder` and its bytes."""
    return {
        os.path.relpath(os.path.join(root, name), folder): open(
            os.path.join(root, name), "rb"
        ).read()
        for root, _, names in os.walk(folder)
        for name in names
    }


@pytest.fixture(scope="module")
def made(tmp_path_factory, small_corpus):
    """A model, a prepared corpus, a replay and an index, made by w2v."""
    folder = tmp_path_factory.mktemp("made")
    args = ["train", small_corpus, "-o", folder / "v.txt", "--save-model", folder / "m"]
    assert run(*args, "--snapshots", folder / "s", *FAST).exit_code == 0
    assert run("prepare", small_corpus, "-o", folder / "p").exit_code == 0
    assert run("index", folder / "v.txt").exit_code == 0
    return folder


@pytest.mark.parametrize(
    "args",
    [
        ["train", "{c}", "--save-model", "{d}/m", "-o", "{d}/m/w_in.npy", *FAST],  # the example
        ["train", "{c}", "-o", "{d}/p/vocab.txt", *FAST],
        ["train", "{c}", "-o", "{d}/v2.txt", "--save-vocab", "{d}/s/replay.json", *FAST],
        ["convert", "{d}/m", "{d}/m/vectors.txt"],
        ["export", "-v", "{d}/v.txt", "--to", "npy", "{d}/m"],
        ["select", "-v", "{d}/v.txt", "--top", "5", "-o", "{d}/v.txt.index/words.txt"],
        ["plot", "--animate", "{d}/s", "-o", "{d}/s/film.gif"],
        ["phrases", "{c}", "-o", "{d}/p/ids-00000.npy"],
    ],
    ids=["model", "prepared", "replay", "convert", "export", "index", "animate", "phrases"],
)
def test_no_output_goes_inside_a_directory_of_w2v(made, small_corpus, args):
    """An output file inside a w2v directory used to be written, exit 0, and the directory
    then damaged ("not a readable .npy array") or the file lost when it was next replaced."""
    before = {kind: snapshot(made / kind) for kind in ("m", "p", "s", "v.txt.index")}
    result = run(*[a.format(c=small_corpus, d=made) if isinstance(a, str) else a for a in args])
    assert result.exit_code == 1 and "which w2v replaces whole" in result.output, result.output
    assert {kind: snapshot(made / kind) for kind in before} == before


def test_a_directory_is_never_written_inside_another_of_w2v(made, small_corpus, tmp_path):
    train = ["train", small_corpus, "-o", tmp_path / "v.txt", *FAST]
    for args, message in [
        ([*train, "--save-model", made / "m" / "x"], "is inside a w2v model"),
        ([*train, "--checkpoint", made / "p" / "ck"], "is inside a w2v prepared"),
        (["prepare", small_corpus, "-o", made / "s" / "p"], "is inside a w2v replay"),
        ([*train, "--snapshots", made / "m" / "s"], "is inside a w2v model"),
    ]:
        result = run(*args)
        assert result.exit_code == 1 and message in result.output, result.output


def test_the_directories_of_one_run_are_apart(small_corpus, tmp_path):
    for extra, message in [
        (["--checkpoint", tmp_path / "x", "--snapshots", tmp_path / "x"], "the same directory"),
        (["--save-model", tmp_path / "x", "--snapshots", tmp_path / "x" / "s"], "is inside"),
        (["--snapshots", tmp_path / "x", "--checkpoint", tmp_path / "x" / "c"], "is inside"),
    ]:
        result = run("train", small_corpus, "-o", tmp_path / "v.txt", *extra, *FAST)
        assert result.exit_code == 1 and message in result.output, result.output
    assert sorted(os.listdir(tmp_path)) == []


@pytest.mark.parametrize("kind", ["m", "p", "s"])
def test_a_folder_among_the_files_makes_it_not_w2vs(made, small_corpus, tmp_path, kind):
    """A folder named frozen.npy (or ids-00001.npy, output.npy) counted as w2v's file."""
    copy = tmp_path / kind
    subprocess.run(["cp", "-r", made / kind, copy], check=True)
    name = {"m": "frozen.npy", "p": "ids-00001.npy", "s": "output.npy"}[kind]
    (copy / name).unlink(missing_ok=True)
    (copy / name).mkdir()
    (copy / name / "keep.txt").write_text("keep\n")
    args = {
        "m": ["train", small_corpus, "-o", tmp_path / "v.txt", "--save-model", copy, *FAST],
        "p": ["prepare", small_corpus, "-o", copy],
        "s": ["train", small_corpus, "-o", tmp_path / "v.txt", "--snapshots", copy, *FAST],
    }[kind]
    result = run(*args)
    assert result.exit_code == 1, result.output
    assert (copy / name / "keep.txt").read_text() == "keep\n"


def test_what_appears_where_a_directory_goes_while_w2v_works_is_kept(small_corpus, tmp_path):
    """--snapshots and prepare -o were checked at the start and swapped in blindly at the
    end: a folder made meanwhile was destroyed."""
    from w2vcli.text.prepared import prepare
    from w2vcli.training.snapshots import Recorder

    target = tmp_path / "s"

    def meanwhile(epoch, model):
        target.mkdir()
        (target / "notes.txt").write_text("keep\n")

    with pytest.raises(W2VError, match="was replaced while w2v worked"):
        w2vcli.train(
            small_corpus, epochs=1, threads=1, snapshots=Recorder(target), on_epoch=meanwhile
        )
    assert (target / "notes.txt").read_text() == "keep\n"

    prepared = tmp_path / "p"

    def made_meanwhile(message):
        if message.startswith("vocabulary"):
            prepared.mkdir()
            (prepared / "notes.txt").write_text("keep\n")

    with pytest.raises(W2VError, match="was replaced while w2v worked"):
        prepare([small_corpus], prepared, on_progress=made_meanwhile)
    assert (prepared / "notes.txt").read_text() == "keep\n"
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".")]  # no staging left


def test_a_link_another_user_put_in_a_sticky_folder_is_not_followed(small_corpus, tmp_path):
    """Model directories followed another user's symlink in a sticky folder (as /tmp),
    which -o refuses: w2v would have written (or replaced) where they chose."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    chosen = tmp_path / "theirs"
    for option in ("--save-model", "--checkpoint", "--snapshots"):
        link = shared / option.strip("-")
        link.symlink_to(chosen)
        os.lchown(link, 65534, 65534)
        result = run("train", small_corpus, "-o", tmp_path / "v.txt", option, link, *FAST)
        assert result.exit_code == 1 and "another user put in the shared folder" in result.output
    assert not chosen.exists() and not (tmp_path / "v.txt").exists()


CONCURRENT = """
import sys, w2vcli
model = w2vcli.train(sys.argv[1], epochs=1, threads=1, dim=50, seed=int(sys.argv[3]))
for _ in range(4):
    model.save(sys.argv[2])
"""


def test_concurrent_saves_of_one_model_take_turns(small_corpus, tmp_path):
    """Two saves to one model directory at once deleted each other's staging directory:
    one failed after training, naming `.sm.w2v-.../vocab.txt`."""
    target = tmp_path / "sm"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CONCURRENT, str(small_corpus), str(target), str(seed)],
            env=env,
            stderr=subprocess.PIPE,
        )
        for seed in range(1, 4)
    ]
    for child in children:
        _, stderr = child.communicate(timeout=300)
        assert child.returncode == 0, stderr.decode()
    model = w2vcli.load_model(target)  # whole: one of them, complete
    assert model.config.seed in (1, 2, 3) and np.isfinite(model.vectors.matrix).all()
    assert sorted(os.listdir(tmp_path)) == ["sm"]


def test_the_lock_is_the_folders_and_ends_with_the_process(tmp_path):
    with dirs.locked(str(tmp_path)):
        probe = subprocess.run(
            [sys.executable, "-c", "import fcntl, os, sys\n"
             "fd = os.open(sys.argv[1], os.O_RDONLY)\n"
             "try:\n    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)\nexcept OSError:\n"
             "    sys.exit(3)", str(tmp_path)],
        )  # fmt: skip
        assert probe.returncode == 3  # another process waits while one saves
    with dirs.locked(str(tmp_path)):
        pass  # taken again: released


W2V = [sys.executable, "-m", "w2vcli"]


@pytest.mark.parametrize(
    "kind, name, args",
    [
        ("m", "vocab.txt", ["info", "{x}"]),  # the example
        ("m", "w_out.npy", ["train", "{c}", "--from", "{x}", "-o", "-"]),
        ("p", "vocab.txt", ["train", "{x}", "-o", "-"]),
        ("p", "ids-00000.npy", ["train", "{x}", "-o", "-"]),
        ("s", "replay.json", ["plot", "--animate", "{x}", "-o", "{t}/a.gif"]),
        ("s", "input.npy", ["plot", "--animate", "{x}", "-o", "{t}/a.gif"]),
        ("v.txt.index", "words.txt", ["nearest", "the", "-v", "{v}"]),
        ("v.txt.index", "source.json", ["nearest", "the", "-v", "{v}"]),
        ("v.txt.index", "unit.npy", ["nearest", "the", "-v", "{v}"]),
    ],
)
def test_a_fifo_inside_a_directory_of_w2v_is_refused_not_waited_on(
    made, small_corpus, tmp_path, kind, name, args
):
    """Files inside w2v's directories were opened without a regular-file check: a FIFO
    made `w2v info` hang forever."""
    copy = tmp_path / kind
    subprocess.run(["cp", "-r", made / kind, copy], check=True)
    if kind.endswith(".index"):
        subprocess.run(["cp", made / "v.txt", tmp_path / "v.txt"], check=True)
        os.utime(tmp_path / "v.txt", ns=(0, os.stat(made / "v.txt").st_mtime_ns))
    (copy / name).unlink()
    os.mkfifo(copy / name)
    command = [a.format(x=copy, c=small_corpus, t=tmp_path, v=tmp_path / "v.txt") for a in args]
    result = subprocess.run([*W2V, *command], capture_output=True, timeout=60, cwd=tmp_path)
    lines = result.stderr.decode().splitlines()
    assert result.returncode == 1 and lines[-1].startswith("Error: "), result.stderr
    assert any(w in lines[-1] for w in ("not a regular file", "damaged", "no readable")), lines
