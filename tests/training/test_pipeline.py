"""A model's life through `w2v train` and the library: checkpoints, exact resumption
(also after kill -9), training on with new text (--from, --update-vocab), starting from
pretrained vectors (--init-vectors, --freeze-init), and the refusals of each."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import w2vcli
from tests.paths import SAMPLES
from w2vcli.cli import cli

ONE_THREAD = ["--threads", "1", "--dim", "16", "--min-count", "2", "-q"]
W2V = [sys.executable, "-m", "w2vcli"]


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


class Stop(Exception):
    pass


def stopped_after(epochs: int):
    """An on_epoch that stops the run once `epochs` epochs are done (their checkpoint
    written: it is written before on_epoch is called)."""

    def on_epoch(epoch, model):
        if epoch + 1 == epochs:
            raise Stop

    return on_epoch


def checkpoint_after(corpus, directory, stop_after: int, **settings) -> None:
    with pytest.raises(Stop):
        w2vcli.train(corpus, checkpoint=directory, on_epoch=stopped_after(stop_after), **settings)


@pytest.mark.parametrize("after", [1, 3])
def test_resumed_after_any_epoch_the_vectors_are_byte_identical(tmp_path, small_corpus, after):
    whole = tmp_path / "whole.txt"
    assert run("train", small_corpus, "-o", whole, "--epochs", 5, *ONE_THREAD).exit_code == 0
    settings = dict(epochs=5, threads=1, dim=16, min_count=2)
    checkpoint_after(small_corpus, tmp_path / "ck", after, **settings)
    assert w2vcli.load_model(tmp_path / "ck").state.epochs_done == after
    resumed = tmp_path / "resumed.txt"
    result = run("train", "--resume", tmp_path / "ck", "-o", resumed, "-q")
    assert result.exit_code == 0, result.output
    assert resumed.read_bytes() == whole.read_bytes()
    model = w2vcli.load_model(tmp_path / "ck")  # the last checkpoint: the finished run
    assert model.finished and len(model.epoch_losses) == 5


def test_resumed_within_an_epoch_the_vectors_are_byte_identical(tmp_path):
    """--checkpoint-every saves between two batches of an epoch; resuming there goes on
    with the same batches, random state and learning rate."""
    corpus = SAMPLES / "en.txt"
    settings = dict(epochs=2, threads=1, arch="skipgram", min_count=2)
    whole = w2vcli.train(corpus, **settings)

    def stop_once_paused(words, alpha, loss):
        ck = tmp_path / "ck"
        if ck.exists() and w2vcli.load_model(ck).state.lanes is not None:
            raise Stop

    with pytest.raises(Stop):
        w2vcli.train(
            corpus,
            checkpoint=tmp_path / "ck",
            checkpoint_every=0.01,
            on_progress=stop_once_paused,
            **settings,
        )
    state = w2vcli.load_model(tmp_path / "ck").state
    assert state.lanes is not None and 0 < state.words < whole.words
    resumed = w2vcli.resume(tmp_path / "ck")
    assert np.array_equal(resumed.vectors.matrix, whole.vectors.matrix)
    assert np.array_equal(resumed.output, whole.output)
    assert resumed.epoch_losses == whole.epoch_losses


def wait_for(predicate, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
    return False


def epochs_done(directory: Path) -> int:
    try:
        return json.loads((directory / "model.json").read_text())["state"]["epochs_done"]
    except (OSError, ValueError, KeyError, TypeError):
        return 0


# The slow tier takes the variants that go through the same code as a default one.
@pytest.mark.parametrize(
    "when", [pytest.param("in an epoch", marks=pytest.mark.slow), "in a checkpoint's writing"]
)
def test_kill_9_then_resume_gives_the_uninterrupted_vectors(tmp_path, when):
    corpus = tmp_path / "en.txt"
    corpus.write_bytes((SAMPLES / "en.txt").read_bytes())
    common = ["--epochs", "4", "--threads", "1", "--dim", "300", "--min-count", "2", "-q"]
    whole = tmp_path / "whole.txt"
    subprocess.run([*W2V, "train", corpus, "-o", whole, *common], check=True)
    out, ck = tmp_path / "v.txt", tmp_path / "ck"
    args = [*W2V, "train", corpus, "-o", out, "--checkpoint", ck, *common]
    if when == "in an epoch":
        child = subprocess.Popen(args)
        assert wait_for(lambda: epochs_done(ck) >= 1)
    else:  # checkpoints as often as can be, until one is caught with its files half written
        child = subprocess.Popen([*args, "--checkpoint-every", "0.1s"])

        def writing():
            staging = [n for n in os.listdir(tmp_path) if n.startswith(".ck.w2v-")]
            try:
                return bool(staging) and bool(os.listdir(tmp_path / staging[0]))
            except FileNotFoundError:  # that save has just ended
                return False

        assert wait_for(lambda: ck.exists() and writing()), "no checkpoint write caught"
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL and not out.exists()
    model = w2vcli.load_model(ck)
    assert not model.finished
    resumed = subprocess.run([*W2V, "train", "--resume", ck], capture_output=True)
    assert resumed.returncode == 2 and f"-o {out}".encode() in resumed.stderr  # its outputs
    resumed = subprocess.run([*W2V, "train", "--resume", ck, "-o", out], capture_output=True)
    assert resumed.returncode == 0, resumed.stderr
    assert out.read_bytes() == whole.read_bytes()
    assert sorted(os.listdir(tmp_path)) == [
        "ck", "en.txt", "v.txt", "v.txt.w2v.json", "whole.txt", "whole.txt.w2v.json"
    ]  # fmt: skip


@pytest.mark.parametrize(
    "sent",
    [pytest.param(signal.SIGINT, marks=pytest.mark.slow), signal.SIGTERM],  # one handler
    ids=["SIGINT", "SIGTERM"],
)
def test_a_stopped_run_saves_where_it_stopped_and_resumes_from_there(tmp_path, sent):
    """Ctrl-C or kill: the threads finish their batch and the checkpoint is saved there,
    within the epoch, so that no work is lost; resumed, the vectors are the same bytes."""
    corpus = tmp_path / "en.txt"
    corpus.write_bytes((SAMPLES / "en.txt").read_bytes() * 3)
    # Epochs of a few seconds (750,000 words, skip-gram, dim 200, one thread): the signal
    # comes 0.5 s into the second, after its first checkpoint is written, well before its end.
    common = ["--epochs", "3", "--threads", "1", "--arch", "skipgram", "--dim", "200", "-q"]
    whole = tmp_path / "whole.txt"
    subprocess.run([*W2V, "train", corpus, "-o", whole, *common], check=True)
    out, ck = tmp_path / "v.txt", tmp_path / "ck"
    child = subprocess.Popen(
        [*W2V, "train", corpus, "-o", out, "--checkpoint", ck, *common], stderr=subprocess.PIPE
    )
    assert wait_for(lambda: epochs_done(ck) >= 1)
    time.sleep(0.5)
    child.send_signal(sent)
    _, stderr = child.communicate()
    assert child.returncode == 128 + sent, stderr
    assert b"wrote --checkpoint" in stderr
    state = w2vcli.load_model(ck).state
    assert state.lanes is not None and state.epochs_done < 3  # within an epoch
    resumed = subprocess.run([*W2V, "train", "--resume", ck, "-o", out], capture_output=True)
    assert resumed.returncode == 0, resumed.stderr
    assert out.read_bytes() == whole.read_bytes()


def test_a_resume_of_another_corpus_is_refused(tmp_path, small_corpus):
    settings = dict(epochs=3, threads=1, dim=16, min_count=2)
    checkpoint_after(small_corpus, tmp_path / "ck", 1, **settings)
    text = small_corpus.read_text()
    same_size = tmp_path / "same-size.txt"
    same_size.write_text(text.replace("the", "teh", 1))
    result = run("train", same_size, "--resume", tmp_path / "ck", "-o", tmp_path / "o.txt", "-q")
    assert result.exit_code == 1
    assert "not the corpus the run in" in result.output and "sha256" in result.output
    shorter = tmp_path / "shorter.txt"
    shorter.write_text(text[:1000])
    result = run("train", shorter, "--resume", tmp_path / "ck", "-o", tmp_path / "o.txt", "-q")
    assert result.exit_code == 1 and "1,000 bytes" in result.output
    assert w2vcli.load_model(tmp_path / "ck").state.epochs_done == 1  # untouched


def test_a_resume_with_other_settings_is_refused(tmp_path, small_corpus):
    checkpoint_after(small_corpus, tmp_path / "ck", 1, epochs=3, threads=1, dim=16, min_count=2)
    result = run("train", "--resume", tmp_path / "ck", "--dim", 50, "-o", tmp_path / "o.txt", "-q")
    assert result.exit_code == 1
    assert "--dim 16, not 50" in result.output and "start a new run" in result.output
    out = tmp_path / "v.txt"
    result = run("train", "--resume", tmp_path / "ck", "--dim", 16, "--threads", 2, "-o", out, "-q")
    assert result.exit_code == 0, result.output  # the same --dim, and threads may change


def test_a_finished_run_resumed_writes_its_vectors(tmp_path, small_corpus):
    """Issue 29, class 5: a run killed after its last epoch's checkpoint, before it wrote
    its vectors, used to be refused by --resume ("complete"), its vectors lost."""
    args = ["train", small_corpus, "-o", tmp_path / "v.txt", "--checkpoint", tmp_path / "ck"]
    assert run(*args, "--epochs", 2, *ONE_THREAD).exit_code == 0
    result = run("train", "--resume", tmp_path / "ck", "-o", tmp_path / "again.txt")
    assert result.exit_code == 0 and "had trained all 2 epochs" in result.output
    assert (tmp_path / "again.txt").read_bytes() == (tmp_path / "v.txt").read_bytes()
    assert w2vcli.resume(tmp_path / "ck").finished  # the library: nothing left to train


def test_a_run_from_stdin_resumes_with_the_corpus_given_again(tmp_path, small_corpus):
    with open(small_corpus, "rb") as stream:  # read as from stdin: no path to go back to
        checkpoint_after(stream, tmp_path / "ck", 1, epochs=2, threads=1, dim=16, min_count=2)
    result = run("train", "--resume", tmp_path / "ck", "-o", tmp_path / "v.txt")
    assert result.exit_code == 1 and "give that corpus again" in result.output
    text = small_corpus.read_text()
    result = run("train", "-", "--resume", tmp_path / "ck", "-o", tmp_path / "v.txt", input=text)
    assert result.exit_code == 0, result.output
    assert w2vcli.load_model(tmp_path / "ck").finished


@pytest.fixture(scope="module")
def halves(tmp_path_factory):
    """The first and second halves of sample_corpora/en.txt, and a model of the first."""
    folder = tmp_path_factory.mktemp("halves")
    lines = (SAMPLES / "en.txt").read_text().splitlines(keepends=True)
    first, second = folder / "first.txt", folder / "second.txt"
    first.write_text("".join(lines[: len(lines) // 2]))
    second.write_text("".join(lines[len(lines) // 2 :]))
    model = w2vcli.train(first, threads=1, epochs=2, dim=16, min_count=3)
    model.save(folder / "model")
    return first, second, folder / "model", model


def test_training_on_keeps_the_vocabulary(tmp_path, halves):
    first, second, saved, before = halves
    out = tmp_path / "v.txt"
    result = run("train", second, "--from", saved, "-o", out, "--save-model", tmp_path / "m", "-q")
    assert result.exit_code == 0, result.output
    after = w2vcli.load_model(tmp_path / "m")
    assert after.vectors.words == before.vectors.words  # no word added
    assert np.array_equal(after.vocab.counts, before.vocab.counts)
    assert after.config == before.config  # its settings are the defaults
    assert not np.allclose(after.vectors.matrix, before.vectors.matrix)  # trained
    assert [r["kind"] for r in after.provenance["runs"]] == ["train", "continue"]
    assert w2vcli.load(out).words == before.vectors.words


def test_update_vocab_adds_words_and_keeps_the_vectors_of_the_others(halves):
    first, second, saved, before = halves
    # A learning rate of almost nothing: the vectors are where training on starts.
    after = w2vcli.train(second, from_model=saved, update_vocab=True, alpha=1e-12, epochs=1)
    old, new = set(before.vectors.words), set(after.vectors.words)
    added = new - old
    assert old < new and added
    counts_second = {}
    for token in second.read_text().split():
        counts_second[token] = counts_second.get(token, 0) + 1
    assert all(counts_second[w] >= 3 for w in added)  # reached --min-count in the new text
    assert {w for w, c in counts_second.items() if c >= 3} - old == added
    for word in ["the", before.vectors.words[-1]]:
        merged = after.vocab.counts[after.vectors.words.index(word)]
        was = before.vocab.counts[before.vectors.words.index(word)]
        assert merged == was + counts_second.get(word, 0)
    assert list(after.vocab.counts) == sorted(after.vocab.counts, reverse=True)
    for word in before.vectors.words[::97]:  # carried over, each to its new row
        np.testing.assert_allclose(after.vectors[word], before.vectors[word], atol=1e-6)
        row_before, row_after = before.vectors.words.index(word), after.vectors.words.index(word)
        np.testing.assert_allclose(after.output[row_after], before.output[row_before], atol=1e-6)
    fresh = np.array([after.vectors[w] for w in added])
    assert np.abs(fresh).max() <= 1 / 16  # a fresh run's start, [-1/N, 1/N)
    rows = [after.vectors.words.index(w) for w in added]
    assert np.abs(after.output[rows]).max() < 1e-9  # output vectors start at zero


def test_training_on_refuses_what_the_model_cannot_change(tmp_path, halves):
    first, second, saved, _ = halves
    result = run("train", second, "--from", saved, "--dim", 50, "-q")
    assert result.exit_code == 1 and "--dim 50" in result.output and "keeps" in result.output
    result = run("train", second, "--from", saved, "--loss", "hs", "-q")
    assert result.exit_code == 1 and "--loss" in result.output
    result = run("train", second, "--update-vocab", "-q")
    assert result.exit_code == 1 and "only with --from" in result.output
    unknown = tmp_path / "unknown.txt"
    unknown.write_text("zzzq xxxq\n" * 10)
    result = run("train", unknown, "--from", saved, "-q")
    assert result.exit_code == 1 and "--update-vocab" in result.output
    result = run("train", second, "--from", tmp_path / "nothing", "-q")
    assert result.exit_code == 1 and "does not exist" in result.output


def test_hierarchical_softmax_trains_on_too(halves):
    first, second, _, _ = halves
    model = w2vcli.train(first, threads=1, epochs=1, dim=16, min_count=3, loss="hs")
    after = w2vcli.train(second, from_model=model, update_vocab=True, epochs=1)
    assert after.output.shape == (len(after.vocab) - 1, 16)
    assert np.isfinite(after.vectors.matrix).all()


def write_vectors(path: Path, words, dim: int, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(len(words), dim)).astype(np.float32)
    w2vcli.Vectors(list(words), vectors).save(path)
    return vectors


def test_init_vectors_start_and_freeze_init_keeps_them(tmp_path, small_corpus):
    words = ["the", "of", "and", "notaword"]
    pretrained = write_vectors(tmp_path / "pre.txt", words, 12)
    out = tmp_path / "v.txt"
    args = ["train", small_corpus, "-o", out, "--init-vectors", tmp_path / "pre.txt"]
    result = run(*args, "--freeze-init", "--threads", "1", "--epochs", "2")
    assert result.exit_code == 0, result.output
    assert "3 of the" in result.output and "frozen" in result.output  # found: not notaword
    trained = w2vcli.load(out)
    assert trained.matrix.shape[1] == 12  # --dim from the vectors
    for i, word in enumerate(words[:3]):
        assert np.array_equal(trained[word], pretrained[i])  # kept as they were
    result = run(*args, "--threads", "1", "--epochs", "2", "-o", tmp_path / "free.txt")
    free = w2vcli.load(tmp_path / "free.txt")
    assert not np.allclose(free["the"], pretrained[0])  # not frozen: trained
    record = json.loads((tmp_path / "v.txt.w2v.json").read_text())
    init = record["runs"][0]["init_vectors"]
    assert init["found"] == 3 and init["frozen"] and init["path"].endswith("pre.txt")


def test_init_vectors_refusals(tmp_path, small_corpus):
    write_vectors(tmp_path / "pre.txt", ["the", "of"], 12)
    args = ["train", small_corpus, "-o", tmp_path / "v.txt", "--init-vectors", tmp_path / "pre.txt"]
    result = run(*args, "--dim", 20)
    assert result.exit_code == 1
    assert "12 dimensions" in result.output and "--dim 12" in result.output
    write_vectors(tmp_path / "other.txt", ["北京", "经济"], 12)
    args[-1] = tmp_path / "other.txt"
    result = run(*args)
    assert result.exit_code == 1 and "none of its 2 words" in result.output
    result = run("train", small_corpus, "--freeze-init", "-q")
    assert result.exit_code == 1 and "only with --init-vectors" in result.output
    assert not (tmp_path / "v.txt").exists()


def test_a_file_put_in_the_checkpoint_directory_does_not_stop_training(tmp_path, small_corpus):
    def put_a_file(epoch, model):
        if epoch == 0:
            (tmp_path / "ck" / "notes.txt").write_text("mine")

    with pytest.warns(w2vcli.W2VWarning, match="files w2v did not write"):
        model = w2vcli.train(
            small_corpus, checkpoint=tmp_path / "ck", on_epoch=put_a_file, epochs=3, threads=1
        )
    assert len(model.epoch_losses) == 3  # trained to the end
    assert (tmp_path / "ck" / "notes.txt").read_text() == "mine"
    assert w2vcli.load_model(tmp_path / "ck").state.epochs_done == 1  # the last it could save


def test_model_directories_that_would_collide_are_refused_before_training(tmp_path, halves):
    first, second, saved, _ = halves
    out = tmp_path / "x"
    result = run("train", first, "-o", out, "--checkpoint", out, "-q")
    assert result.exit_code == 1 and "same path as --output" in result.output
    result = run("train", second, "--from", saved, "--checkpoint", saved, "-o", out, "-q")
    assert result.exit_code == 1 and "is the model --from reads" in result.output
    result = run("train", first, "-o", out, "--checkpoint-every", "1m", "-q")
    assert result.exit_code == 2 and "give --checkpoint DIR too" in result.output
    result = run("train", first, "--checkpoint", tmp_path / "c", "--checkpoint-every", "x")
    assert result.exit_code == 1 and "a duration such as" in result.output
    assert sorted(os.listdir(tmp_path)) == []


def test_dry_run_refuses_what_the_run_would_refuse(small_corpus):
    """--dry-run stops after the vocabulary, whose plan is checked there: a run that
    cannot train is refused by the dry run too."""
    result = run("train", small_corpus, "--dry-run", "--sample", "1e-12")
    assert result.exit_code == 1 and "--sample 1e-12 keeps no word" in result.output


def test_resume_messages_name_the_checkpoint_as_given(tmp_path, small_corpus, monkeypatch):
    monkeypatch.chdir(tmp_path)
    checkpoint_after(small_corpus, "ck", 1, epochs=3, threads=1, dim=16, min_count=2)
    other = tmp_path / "other.txt"
    other.write_text("not the corpus\n" * 10)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for corpus, message in [
        (other, "not the corpus the run in ck trained on"),
        (fifo, "not the corpus the run in ck trained on"),  # refused before it is opened
    ]:
        result = run("train", corpus, "--resume", "ck", "-o", "v.txt", "-q")
        assert result.exit_code == 1 and message in result.output, result.output
    result = run("train", "--resume", "ck", "--dim", "50", "-o", "v.txt", "-q")
    assert result.exit_code == 1 and "--resume ck: its run has --dim 16" in result.output


def test_a_resumed_run_says_what_the_run_it_finishes_started_from(tmp_path, small_corpus):
    write_vectors(tmp_path / "pre.txt", ["the", "of", "and"], 12)
    settings = dict(epochs=3, threads=1, dim=12, min_count=2)
    with pytest.raises(Stop):
        w2vcli.train(
            small_corpus,
            checkpoint=tmp_path / "ck",
            on_epoch=stopped_after(1),
            init_vectors=tmp_path / "pre.txt",
            **settings,
        )
    result = run("train", "--resume", tmp_path / "ck", "-o", tmp_path / "v.txt")
    assert result.exit_code == 0, result.output
    assert "resuming after epoch 1 of 3" in result.output
    assert "--init-vectors: 3 of the" in result.output and "pre.txt" in result.output


# A finished run's vectors are not lost (issue 29, class 5).


def test_a_failed_save_model_loses_no_vectors(tmp_path, small_corpus, monkeypatch):
    """--save-model was written before -o, so its failure (a full disk...) discarded the
    vectors of a run that had trained; now the vectors are written first."""
    from w2vcli.training import model as saved_models

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(saved_models, "save", full)
    out = tmp_path / "v.txt"
    result = run("train", small_corpus, "-o", out, "--save-model", tmp_path / "m", *ONE_THREAD)
    assert result.exit_code == 1 and "No space left on device" in result.output
    assert w2vcli.load(out).words[0] == "the"  # the vectors are there


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), OSError(5, "I/O")])
def test_a_checkpoint_that_cannot_be_written_does_not_end_the_run(
    tmp_path, small_corpus, monkeypatch, error
):
    from w2vcli.training import model as saved_models

    def failing(model, path, option="--save-model"):
        raise error

    monkeypatch.setattr(saved_models, "save", failing)
    out = tmp_path / "v.txt"
    args = ["--checkpoint", tmp_path / "ck", "--epochs", 2, "--threads", 1, "--dim", 16]
    result = run("train", small_corpus, "-o", out, *args)
    assert result.exit_code == 0, result.output
    assert "this checkpoint was not saved" in result.output and out.exists()


def test_a_new_run_does_not_replace_an_unfinished_checkpoint(tmp_path, small_corpus):
    checkpoint_after(small_corpus, tmp_path / "ck", 1, epochs=3, threads=1, dim=16)
    before = (tmp_path / "ck" / "model.json").read_bytes()
    for option in ("--checkpoint", "--save-model"):
        args = ["train", small_corpus, "-o", tmp_path / "v.txt", option, tmp_path / "ck"]
        result = run(*args, *ONE_THREAD)
        assert result.exit_code == 1 and "holds a run that has not finished" in result.output
        assert "--resume" in result.output
    with pytest.raises(w2vcli.W2VError, match="has not finished"):
        w2vcli.train(small_corpus, checkpoint=tmp_path / "ck", epochs=1)
    assert (tmp_path / "ck" / "model.json").read_bytes() == before
    # but the run resumed may save its model where it was checkpointed
    args = ["train", "--resume", tmp_path / "ck", "-o", tmp_path / "v.txt"]
    result = run(*args, "--save-model", tmp_path / "ck", "-q")
    assert result.exit_code == 0, result.output
    assert w2vcli.load_model(tmp_path / "ck").finished


def test_two_runs_on_one_checkpoint_directory_cannot_run_at_once(tmp_path, small_corpus):
    """The first run holds its --checkpoint from its start to its end: a second one given
    the same directory before anything is saved there, or a resume once something is, is
    refused at once, naming the directory (not a staging directory), instead of the two
    replacing each other's saves."""
    ck = tmp_path / "ck"
    refused = []

    def second_run(model):  # the first run starts training: nothing saved in ck yet
        args = ["train", small_corpus, "-o", tmp_path / "b.txt", "--checkpoint", ck]
        refused.append(run(*args, *ONE_THREAD))

    def resume_it(epoch, model):
        if epoch == 0:  # after the last epoch the checkpoint is finished: resume returns it
            with pytest.raises(w2vcli.W2VError, match="another w2v run is saving into it"):
                w2vcli.resume(ck)

    settings = dict(epochs=2, threads=1, dim=16)
    w2vcli.train(small_corpus, checkpoint=ck, on_start=second_run, on_epoch=resume_it, **settings)
    (result,) = refused
    assert result.exit_code == 1, result.output
    message = result.output.strip()
    assert message.startswith(f"Error: --checkpoint {ck}: another w2v run is saving into it")
    assert f"(process {os.getpid()})" in message and ".w2v" not in message
    assert "\n" not in message
    assert not (tmp_path / "b.txt").exists()
    assert w2vcli.load_model(ck).finished
    assert os.listdir(tmp_path) == ["ck"]  # the hold is gone with the run
    w2vcli.train(small_corpus, checkpoint=ck, epochs=1, threads=1, dim=16)  # a new run may


def test_convert_exports_the_vectors_of_any_model_directory(tmp_path, small_corpus):
    checkpoint_after(small_corpus, tmp_path / "ck", 1, epochs=3, threads=1, dim=16)
    saved = w2vcli.load_model(tmp_path / "ck")
    for target, fmt in (("ck.txt", []), ("ck.bin", ["--to", "binary"])):
        result = run("convert", tmp_path / "ck", tmp_path / target, *fmt)
        assert result.exit_code == 0 and "1 of 3 epochs trained" in result.output
        vecs = w2vcli.load(tmp_path / target)
        assert vecs.words == saved.vocab.words
        assert np.allclose(vecs.matrix, saved.vectors.matrix, atol=1e-6)
    result = run("info", tmp_path / "ck.bin")
    assert "run.kind\ttrain" in result.output  # its provenance beside it


# --resume trusts no path or address from the checkpoint's model.json (class 8).


def edit_record(directory, **changes) -> None:
    described = json.loads((directory / "model.json").read_text())
    described["provenance"]["runs"][-1].update(changes)
    (directory / "model.json").write_text(json.dumps(described))


def test_a_resumed_run_writes_only_where_it_is_told(tmp_path, small_corpus):
    checkpoint_after(small_corpus, tmp_path / "ck", 1, epochs=2, threads=1, dim=16)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep\n")
    outputs = {"output": str(victim), "save_vocab": str(victim), "save_model": str(tmp_path)}
    edit_record(tmp_path / "ck", outputs={**outputs, "fmt": "binary", "vectors": "in"})
    result = run("train", "--resume", tmp_path / "ck", "-q")
    assert result.exit_code == 2 and "give -o FILE" in result.output
    result = run("train", "--resume", tmp_path / "ck", "-o", tmp_path / "v.bin", "-q")
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "keep\n" and w2vcli.load(tmp_path / "v.bin").binary
    assert sorted(os.listdir(tmp_path)) == ["ck", "v.bin", "v.bin.w2v.json", "victim.txt"]


DASK = {"engine": "dask", "scheduler": "tcp://127.0.0.1:9", "sync": "all", "merge": "sum"}


@pytest.mark.parametrize(
    "engine, message",
    [
        (DASK, "give --engine dask"),
        ({**DASK, "scheduler": None, "workers": 64}, "give --engine dask"),
        ("tcp://127.0.0.1:9", None),  # not an engine: the run trained on threads
    ],
    ids=["a scheduler's address", "workers", "garbage"],
)
def test_a_resumed_run_connects_to_no_address_from_its_record(
    tmp_path, small_corpus, engine, message
):
    """An edited scheduler address made --resume connect to that cluster and unpickle
    what it sent: code ran in w2v's process. The cluster is now the command line's."""
    checkpoint_after(small_corpus, tmp_path / "ck", 1, epochs=2, threads=1, dim=16)
    edit_record(tmp_path / "ck", engine=engine)
    result = run("train", "--resume", tmp_path / "ck", "-o", tmp_path / "v.txt", "-q")
    if message is None:
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code == 1 and message in result.output


def test_a_resumed_dask_run_checks_the_rules_its_record_holds(tmp_path, small_corpus):
    checkpoint_after(small_corpus, tmp_path / "ck", 1, epochs=2, threads=1, dim=16)
    edit_record(tmp_path / "ck", engine={**DASK, "sync": "everything"})
    args = ["--engine", "dask", "--workers", 1, "-o", tmp_path / "v.txt", "-q"]
    result = run("train", "--resume", tmp_path / "ck", *args)
    assert result.exit_code == 1 and "--sync everything" in result.output
