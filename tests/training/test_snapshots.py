"""`w2v train --snapshots` and `w2v plot --animate`: the frames hold the rows as training
had them (the first the initial vectors, the last the final ones), at the words asked
for; the directory is written and replaced only as w2v's own; the animation has a frame
per snapshot, the words chosen from the last frame, and an alignment that undoes a
rotation; one-line errors."""

import json

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

import w2vcli
from w2vcli.cli import cli
from w2vcli.config import TrainConfig
from w2vcli.errors import W2VError
from w2vcli.explore.animate import choose, layouts
from w2vcli.training.snapshots import Recorder, Replay, load_replay
from w2vcli.training.trainer import init_weights


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def recorded(small_corpus, tmp_path_factory):
    """One thread, so that the frames are exact; a frame every 20,000 words."""
    directory = tmp_path_factory.mktemp("replay") / "snaps"
    recorder = Recorder(directory, 20_000, top=50, watch=["king", "city"])
    model = w2vcli.train(small_corpus, threads=1, epochs=2, dim=20, seed=3, snapshots=recorder)
    return model, load_replay(directory), directory


def test_frames_hold_the_rows_as_training_had_them(recorded):
    model, replay, _ = recorded
    words = model.vocab.words
    assert replay.words[:50] == words[:50] and replay.watch == ["king", "city"]
    assert replay.words[50:] == [w for w in ["king", "city"] if words.index(w) >= 50]
    rows = [words.index(w) for w in replay.words]
    config = TrainConfig(dim=20, seed=3).validate()
    initial = init_weights(len(words), config)[0][:, :20]
    assert np.array_equal(replay.input[0], initial[rows])
    assert not replay.output[0].any()  # output vectors start at zero
    assert np.array_equal(replay.input[-1], model.vectors.matrix[rows])
    assert np.array_equal(replay.output[-1], model.output[rows])
    done = [f["words"] for f in replay.frames]
    total = model.words
    # a frame after the batch that passed each multiple of 20,000 (batches of 10,000 ids)
    assert done[0] == 0 and done[-1] == total and done == sorted(done)
    assert [d // 20_000 for d in done[1:-1]] == list(range(1, total // 20_000 + 1))[: len(done) - 2]
    assert all(0 < b - a <= 20_000 + 10_000 for a, b in zip(done, done[1:]))
    alphas = [f["alpha"] for f in replay.frames]
    assert alphas[0] == 0.05 and alphas == sorted(alphas, reverse=True)
    assert replay.frames[-1]["epoch"] == 2.0
    assert replay.frames[0]["loss"] is None and all(f["loss"] > 0 for f in replay.frames[1:])
    # frames differ from each other: training moved the rows between them
    assert all(not np.array_equal(a, b) for a, b in zip(replay.input, replay.input[1:]))


def test_epoch_frames_and_hs(small_corpus, tmp_path):
    directory = tmp_path / "snaps"
    recorder = Recorder(directory, "epoch", top=10)
    model = w2vcli.train(small_corpus, threads=2, epochs=3, dim=10, loss="hs", snapshots=recorder)
    replay = load_replay(directory)
    per_epoch = model.words // 3
    assert [f["words"] for f in replay.frames] == [0, per_epoch, 2 * per_epoch, 3 * per_epoch]
    assert [f["epoch"] for f in replay.frames] == [0, 1, 2, 3]
    assert replay.output is None and not (directory / "output.npy").exists()
    assert model.provenance["runs"][-1]["snapshots"] == str(directory.resolve())


def test_snapshots_directory_written_only_as_w2vs(small_corpus, tmp_path, recorded):
    _, _, directory = recorded
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "notes.txt").write_text("mine")
    out = tmp_path / "v.txt"
    result = invoke("train", small_corpus, "-o", out, "--snapshots", theirs, "--epochs", "1")
    assert result.exit_code == 1 and "not a replay directory w2v wrote" in result.output
    assert (theirs / "notes.txt").read_text() == "mine" and not out.exists()  # before training
    again = tmp_path / "again"
    for epochs in ("1", "2"):  # a replay w2v wrote is replaced whole
        args = ["--snapshots", again, "--snapshot-every", "epoch", "--epochs", epochs, "-q"]
        assert invoke("train", small_corpus, "-o", out, *args).exit_code == 0
    assert len(json.loads((again / "replay.json").read_text())["frames"]) == 3


@pytest.mark.parametrize(
    "args, message",
    [
        (["--snapshot-every", "5000"], "--snapshot-every: give --snapshots DIR too"),
        (["--snapshots", "S", "--snapshot-every", "ten"], "--snapshot-every ten: give a number"),
        (["--snapshots", "S", "--snapshot-every", "1"], "frames"),
        (["--snapshots", "S", "--watch", "zzzq"], "--watch: not in the vocabulary: zzzq"),
    ],
)
def test_snapshot_option_errors(small_corpus, tmp_path, args, message):
    args = [a.replace("S", str(tmp_path / "s")) if a == "S" else a for a in args]
    result = invoke("train", small_corpus, "-o", tmp_path / "v.txt", *args, "-q")
    assert result.exit_code != 0 and message in result.output
    assert "Traceback" not in result.output and not (tmp_path / "s").exists()


def test_animation_has_a_frame_per_snapshot(recorded, tmp_path):
    _, replay, directory = recorded
    gif, page = tmp_path / "t.gif", tmp_path / "t.html"
    result = invoke("plot", "--animate", directory, "-o", gif, "--neighbours", "5")
    assert result.exit_code == 0, result.output
    with Image.open(gif) as image:
        assert image.n_frames == len(replay.frames) and image.size == (648, 486)
        first = np.asarray(image.convert("RGB"))
        image.seek(image.n_frames - 1)
        assert not np.array_equal(first, np.asarray(image.convert("RGB")))
    # the watched words, then each one's 5 nearest in the last frame among those recorded
    last = replay.input[-1] / np.linalg.norm(replay.input[-1], axis=1, keepdims=True)
    expected = ["king", "city"]
    for word in ["king", "city"]:
        scores = last @ last[replay.words.index(word)]
        ranked = [replay.words[i] for i in np.argsort(-scores) if replay.words[i] != word]
        expected += [w for w in ranked[:5] if w not in expected]
    assert result.output.strip().endswith(f"{len(expected)} words, {len(replay.frames)} frames")
    args = ["--neighbours", "5", "--with-output"]
    assert invoke("plot", "--animate", directory, "-o", page, *args).exit_code == 0
    text = page.read_text(encoding="utf-8")
    assert text.count("data:image/png;base64,") == len(replay.frames)
    assert " · ".join(expected) in text and "<script src" not in text


def test_alignment_undoes_rotations_and_scale():
    """Frames that are rotations (and a scaling) of one another in the full space come out
    as the same picture: the PCA of each, rotated onto the one before."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 8)) * np.linspace(3, 0.5, 8)
    frames = [x]
    for _ in range(4):
        q, _ = np.linalg.qr(rng.normal(size=(8, 8)))
        frames.append(frames[-1] @ q * 1.7)
    replay = Replay([str(i) for i in range(30)], [], [{}] * 5, np.array(frames), None, {})
    points = layouts(replay, list(range(30)))
    for frame in points[1:]:
        assert np.allclose(frame, points[0], atol=1e-6)
    assert np.allclose((points[0] ** 2).sum(axis=1).mean(), 1)  # the same spread


def test_chinese_animation_draws_characters(zh_vectors, tmp_path):
    corpus = tmp_path / "zh.txt"
    from itertools import islice

    from tests.paths import SAMPLES

    with open(SAMPLES / "zh.txt", encoding="utf-8") as f:
        corpus.write_text("".join(islice(f, 2000)), encoding="utf-8")
    snaps = tmp_path / "snaps"
    args = ["--snapshots", snaps, "--snapshot-every", "epoch", "--watch", "中国", "--epochs", "2"]
    assert invoke("train", corpus, "-o", tmp_path / "v.txt", *args, "-q").exit_code == 0
    replay = load_replay(snaps)
    rows, groups, queries = choose(replay, (), 6)
    assert replay.words[rows[0]] == "中国" and queries == 1 and len(rows) == 7
    result = invoke("plot", "--animate", snaps, "-o", tmp_path / "zh.gif")
    assert result.exit_code == 0 and "no font found" not in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["--animate", "NOPE", "-o", "x.gif"], "not a replay directory"),
        (["--animate", "DIR", "-o", "x.png"], "name a .gif, .html or .mp4 file"),
        (["--animate", "DIR", "-o", "x.gif", "nosuchword"], "not in the replay: nosuchword"),
        (["--with-output", "-o", "x.png"], "--with-output: only with --animate"),
    ],
)
def test_animate_errors(recorded, tmp_path, args, message):
    _, _, directory = recorded
    swap = {"NOPE": str(tmp_path), "DIR": str(directory)}
    args = [swap.get(a, a) for a in args]
    args = [str(tmp_path / a) if a.startswith("x.") else a for a in args]
    result = invoke("plot", *args)
    assert result.exit_code != 0 and message in result.output and "Traceback" not in result.output


def test_mp4_never_runs_an_ffmpeg_from_the_current_folder(tmp_path, monkeypatch):
    from w2vcli.explore.animate import output_format

    fake = tmp_path / "ffmpeg"
    fake.write_text("#!/bin/sh\ntouch ran\n")
    fake.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", ".")  # only the current folder, where the fake one is
    with pytest.raises(W2VError, match="an MP4 needs ffmpeg on PATH"):
        output_format("x.mp4")
    assert not (tmp_path / "ran").exists()


# A replay is a directory anyone may edit (issue 29, classes 7 and 12).


def forged(recorded, tmp_path, edit=None, frames=None):
    """A copy of the recorded replay, replay.json edited by `edit(described)`, its arrays
    given `frames` frames (each the last one) if asked."""
    import shutil

    _, _, directory = recorded
    copy = tmp_path / "forged"
    shutil.copytree(directory, copy)
    described = json.loads((copy / "replay.json").read_text())
    if frames is not None:
        last = described["frames"][-1]
        described["frames"] = [last] * frames
        for name in ("input.npy", "output.npy"):
            array = np.load(copy / name)
            np.save(copy / name, np.broadcast_to(array[-1:], (frames, *array.shape[1:])))
    if edit:
        edit(described)
    (copy / "replay.json").write_text(json.dumps(described))
    return copy


@pytest.mark.slow  # 8 s: a 100,000-frame replay forged
def test_a_forged_replay_of_100000_frames_is_refused_at_once(recorded, tmp_path):
    """plot --animate drew a forged 100,000-frame replay until killed: the cap of 5,000
    frames held only while recording."""
    import time

    copy = forged(recorded, tmp_path, frames=100_000)
    t0 = time.perf_counter()
    result = invoke("plot", "--animate", copy, "-o", tmp_path / "a.gif")
    assert result.exit_code == 1 and "100,000 frames, not 1 to 5,000" in result.output
    assert time.perf_counter() - t0 < 30 and not (tmp_path / "a.gif").exists()


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d.update(frames=[{"words": "x"}] * len(d["frames"])),
        lambda d: d.update(words=[1] * len(d["words"])),
        lambda d: d.update(frames=[]),
        lambda d: d.update(words=d["words"][:-1]),
        lambda d: d.update(frames={"a": 1}),
    ],
    ids=["words of a frame", "words not text", "no frames", "fewer words", "frames not a list"],
)
def test_a_damaged_replay_json_is_one_line(recorded, tmp_path, edit):
    copy = forged(recorded, tmp_path, edit)
    result = invoke("plot", "--animate", copy, "-o", tmp_path / "a.gif")
    assert result.exit_code == 1 and "the replay is damaged" in result.output, result.output


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf], ids=["NaN", "inf", "-inf"])
@pytest.mark.parametrize("name", ["input.npy", "output.npy"])
def test_a_replay_of_numbers_training_never_records_is_one_line(recorded, tmp_path, name, value):
    """A number of a replay's array made NaN or infinite: plot --animate ended in a
    LinAlgError traceback ("SVD did not converge"), found by tests/test_fuzz_dirs.py."""
    copy = forged(recorded, tmp_path)
    array = np.load(copy / name)
    array[-1, 0, 0] = value
    np.save(copy / name, array, allow_pickle=False)
    result = invoke("plot", "--animate", copy, "-o", tmp_path / "a.gif")
    assert result.exit_code == 1 and "not finite" in result.output, result.output
    assert len(result.output.splitlines()) == 1
