"""The Python library (w2vcli.train, w2vcli.load, Vectors), driven directly, not through
the CLI; and the README's "Use from Python" code, run as written."""

import gzip
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

import w2vcli
from tests.paths import ROOT
from w2vcli.cli import cli
from w2vcli.errors import CorpusError, W2VError

SAMPLE = ROOT / "sample_corpora" / "en.txt"
SETTINGS = dict(dim=20, epochs=2, threads=1, seed=3, min_count=3)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The first 30 lines of the English sample (30,000 words)."""
    path = tmp_path_factory.mktemp("library") / "c.txt"
    path.write_text("".join(SAMPLE.read_text().splitlines(keepends=True)[:30]))
    return path


@pytest.fixture(scope="module")
def model(corpus):
    return w2vcli.train(corpus, **SETTINGS)


def test_sentences_file_objects_and_paths_train_the_same_vectors(corpus, model, tmp_path):
    sentences = [line.split() for line in corpus.read_text().splitlines()]
    from_sentences = w2vcli.train(iter(sentences), **SETTINGS)  # an iterator: read once
    with open(corpus, "rb") as f:
        from_file_object = w2vcli.train(f, **SETTINGS)
    with open(corpus, encoding="utf-8") as f:
        from_text_file = w2vcli.train(f, **SETTINGS)
    packed = tmp_path / "c.txt.gz"
    packed.write_bytes(gzip.compress(corpus.read_bytes()))
    from_gzip = w2vcli.train(str(packed), **SETTINGS)
    for other in (from_sentences, from_file_object, from_text_file, from_gzip):
        assert other.vectors.words == model.vectors.words
        assert np.array_equal(other.vectors.matrix, model.vectors.matrix)
        assert np.array_equal(other.output, model.output)


def test_the_library_trains_what_the_cli_writes(corpus, model, tmp_path):
    out, saved = tmp_path / "cli.txt", tmp_path / "lib.txt"
    options = ["--dim", "20", "--epochs", "2", "--threads", "1", "--seed", "3", "--min-count", "3"]
    result = CliRunner().invoke(cli, ["train", str(corpus), "-o", str(out), "-q", *options])
    assert result.exit_code == 0, result.output
    model.vectors.save(saved)
    assert saved.read_bytes() == out.read_bytes()


def test_model_holds_the_run(model, corpus):
    words = corpus.read_text().split()
    assert model.vocab.words == model.vectors.words
    assert model.vocab.counts[0] == words.count(model.vocab.words[0])
    assert model.config.dim == 20 and model.config.arch == "cbow"  # the CLI's default
    assert len(model.epoch_losses) == 2 and model.epoch_losses[1] < model.epoch_losses[0]
    assert model.words > 0 and model.seconds > 0
    assert model.output.shape == model.vectors.matrix.shape and model.output.any()


def test_on_epoch_sees_each_epoch_and_on_progress_the_words(corpus):
    epochs, progress = [], []
    w2vcli.train(
        corpus,
        on_epoch=lambda epoch, m: epochs.append((epoch, m.vectors["the"].copy())),
        on_progress=lambda words, alpha, loss: progress.append((words, alpha)),
        **SETTINGS,
    )
    assert [e for e, _ in epochs] == [0, 1]
    assert not np.array_equal(epochs[0][1], epochs[1][1])  # the live vectors, moving
    assert progress and progress[-1][0] > progress[0][0] - 1


def test_vectors_by_word(model):
    vecs = model.vectors
    assert len(vecs) == len(vecs.words) and "the" in vecs and "no-such-word" not in vecs
    assert np.array_equal(vecs["of"], vecs.matrix[vecs.words.index("of")])
    with pytest.raises(KeyError, match="no-such-word"):
        vecs["no-such-word"]
    with pytest.raises(W2VError):
        vecs.similarity("the", "no-such-word")
    unit = vecs.matrix / np.linalg.norm(vecs.matrix, axis=1, keepdims=True)
    a, b = vecs.words.index("one"), vecs.words.index("two")
    assert vecs.similarity("one", "two") == pytest.approx(unit[a] @ unit[b], rel=1e-5)


def test_nearest_of_a_word_words_and_a_vector(model):
    vecs = model.vectors
    unit = vecs.matrix / np.linalg.norm(vecs.matrix, axis=1, keepdims=True)
    row = vecs.words.index("one")
    cosines = unit @ unit[row]
    cosines[row] = -np.inf
    expected = [vecs.words[i] for i in np.argsort(-cosines, kind="stable")[:5]]
    hits = vecs.nearest("one", k=5)
    assert [h.word for h in hits] == expected
    assert hits[0].score == pytest.approx(cosines.max(), rel=1e-5)
    # A vector: the word itself first. Several words: none of them an answer.
    assert vecs.nearest(vecs["one"], k=1)[0].word == "one"
    pair = vecs.nearest(["one", "two"], k=10)
    assert not {"one", "two"} & {h.word for h in pair}
    mean = (unit[row] + unit[vecs.words.index("two")]) / 2
    best = max(
        (w for w in vecs.words if w not in ("one", "two")),
        key=lambda w: unit[vecs.words.index(w)] @ mean,
    )
    assert pair[0].word == best


def test_analogy_and_evaluation_agree_with_the_cli(model, tmp_path):
    vecs = model.vectors
    path = tmp_path / "v.txt"
    vecs.save(path)
    runner = CliRunner()
    out = runner.invoke(cli, ["analogy", "one", "two", "three", "-v", str(path), "-k", "3"])
    assert out.exit_code == 0, out.output
    cli_words = [line.split("\t")[-2] for line in out.output.splitlines()]
    assert [h.word for h in vecs.analogy("one", "two", "three", k=3)] == cli_words
    questions = tmp_path / "q.txt"
    questions.write_text(": numbers\none two three four\ntwo three four five\none two six xyzzy\n")
    result = vecs.evaluate_analogies(questions)
    assert result.totals[-1].questions == 3 and result.totals[-1].answered == 2
    pairs = tmp_path / "p.tsv"
    pairs.write_text("one\ttwo\t9\none\tthe\t2\nthree\tfour\t8\nof\tand\t3\n")
    assert vecs.evaluate_pairs(pairs).answered == 4


def test_batch_forms_answer_as_one_query_at_a_time(model):
    vecs = model.vectors
    words, triples = ["one", "the", "two"], [("one", "two", "three"), ("of", "the", "and")]
    assert vecs.nearest_each(words, k=4) == [vecs.nearest_each([w], k=4)[0] for w in words]
    assert [hits[0].word for hits in vecs.nearest_each(words, k=4)] == [
        vecs.nearest(w, k=4)[0].word for w in words
    ]
    assert vecs.analogy_each(triples, k=3) == [vecs.analogy(*t, k=3) for t in triples]
    pairs = [("one", "two"), ("the", "of")]
    assert vecs.similarity_each(pairs) == [vecs.similarity(*p) for p in pairs]
    with pytest.raises(KeyError, match="xyzzy"):
        vecs.nearest_each(["one", "xyzzy"])


def test_evaluations_read_paths_or_lines(model, tmp_path):
    questions = ": numbers\none two three four\ntwo three four five\n"
    path = tmp_path / "q.txt"
    path.write_text(questions)
    from_path = model.vectors.evaluate_analogies(path)
    from_lines = model.vectors.evaluate_analogies(questions.splitlines())
    assert from_path == from_lines
    with pytest.raises(W2VError, match="^my questions: no 'a b c d' questions"):
        model.vectors.evaluate_analogies([": empty"], name="my questions")


def test_trained_vectors_save_their_text_in_compiled_code_as_python_would(model, tmp_path):
    """A training run's vectors write text with its kernel's compiled formatter (8x faster),
    the bytes Python's '%.9g' writes."""
    import dataclasses
    import io

    assert model.vectors.format_rows is not None
    model.vectors.save(tmp_path / "v.txt")
    python = io.BytesIO()
    dataclasses.replace(model.vectors, format_rows=None).save(python, "text")
    assert (tmp_path / "v.txt").read_bytes() == python.getvalue()


def test_save_to_a_file_object_writes_what_a_path_gets(model, tmp_path):
    import io

    buffer = io.BytesIO()
    model.vectors.save(buffer, "binary")
    model.vectors.save(tmp_path / "v.bin", "binary")
    assert buffer.getvalue() == (tmp_path / "v.bin").read_bytes()
    assert w2vcli.load(io.BytesIO(buffer.getvalue())).words == model.vectors.words


@pytest.mark.parametrize("format", ["text", "binary"])
def test_save_and_load(model, tmp_path, format):
    path = tmp_path / f"v.{format}"
    model.vectors.save(path, format)
    loaded = w2vcli.load(path)
    assert loaded.words == model.vectors.words and loaded.binary == (format == "binary")
    assert np.array_equal(loaded.matrix, model.vectors.matrix)
    with pytest.raises(W2VError, match="is a directory"):
        model.vectors.save(tmp_path, format)


def test_bad_corpora_and_settings_are_errors_that_say_what_to_do(corpus):
    with pytest.raises(CorpusError, match="a string, not a list of tokens"):
        w2vcli.train(["the cat sat"] * 10)
    with pytest.raises(CorpusError, match="white space"):
        w2vcli.train([["the", "big cat"]])
    with pytest.raises(W2VError, match="no setting 'dimensions'"):
        w2vcli.train(corpus, dimensions=10)
    with pytest.raises(W2VError, match="--dim"):
        w2vcli.train(corpus, dim=0)


def test_loading_and_asking_never_imports_numba(model, tmp_path):
    path = tmp_path / "v.bin"
    model.vectors.save(path, "binary")
    code = (
        "import sys, w2vcli\n"
        f"vecs = w2vcli.load({str(path)!r})\n"
        "vecs.nearest('one'); vecs.analogy('one', 'two', 'three')\n"
        "assert 'numba' not in sys.modules and 'llvmlite' not in sys.modules, 'imported'\n"
        "assert 'click' not in sys.modules, 'click'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_training_from_python_prints_nothing_and_never_imports_click(corpus, tmp_path):
    code = (
        "import sys, w2vcli\n"
        f"model = w2vcli.train({str(corpus)!r}, dim=10, epochs=1, threads=1)\n"
        "model.vectors.nearest('one')\n"
        "assert 'click' not in sys.modules and 'tqdm' not in sys.modules, 'imported'\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "" and run.stderr == ""


def test_the_library_never_reads_stdin(model, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin", None)  # reading it would fail otherwise than below
    with pytest.raises(W2VError, match="no such file"):
        w2vcli.load("-")
    with pytest.raises(CorpusError, match="no such file"):
        w2vcli.train("-")
    with pytest.raises(W2VError, match="no such file"):
        model.vectors.evaluate_pairs(tmp_path / "missing.tsv")


def test_normalize_gives_the_same_answers_with_one_matrix(model, tmp_path):
    path = tmp_path / "v.bin"
    model.vectors.save(path, "binary")
    plain, vecs = w2vcli.load(path), w2vcli.load(path)
    before = (plain.nearest_each(["one", "the"]), plain.analogy("one", "two", "three"))
    matrix = vecs.matrix
    assert vecs.normalize() is vecs and vecs.matrix is matrix  # in place: no second matrix
    assert vecs.index.unit is matrix
    assert (vecs.nearest_each(["one", "the"]), vecs.analogy("one", "two", "three")) == before
    assert plain.normalize().matrix is plain.index.unit  # after queries: the copy is kept
    assert np.allclose(np.linalg.norm(vecs.matrix, axis=1), 1, atol=1e-6)


def test_train_takes_a_survey_and_does_not_read_the_corpus_again(corpus, model, tmp_path):
    copy = tmp_path / "c.txt"
    copy.write_bytes(corpus.read_bytes())
    plan = w2vcli.survey(copy, **SETTINGS)
    copy.unlink()  # what train reads now would fail: it reads nothing
    surveyed = w2vcli.train(plan)
    assert surveyed.vectors.words == model.vectors.words
    assert np.array_equal(surveyed.vectors.matrix, model.vectors.matrix)
    assert np.array_equal(surveyed.output, model.output)
    assert surveyed.corpus.tokens == model.corpus.tokens and surveyed.corpus.words > 0
    assert plan.corpus.words == 0  # the model's record is its own
    again = w2vcli.train(plan, epochs=1)  # a survey trains again, with other settings
    assert again.config.epochs == 1 and again.vectors.words == model.vectors.words
    with pytest.raises(W2VError, match="--min-count 2: the survey counted the corpus with"):
        w2vcli.train(plan, min_count=2)  # a setting that counting decided
    with pytest.raises(W2VError, match="from_model: a survey counted"):
        w2vcli.train(plan, from_model=model)


def test_a_survey_on_disk_trains_the_same_vectors(corpus, model):
    plan = w2vcli.survey(corpus, corpus_in="disk", **SETTINGS)
    assert plan.corpus.ids_on_disk and plan.ids_bytes == 0
    surveyed = w2vcli.train(plan)
    assert np.array_equal(surveyed.vectors.matrix, model.vectors.matrix)


def test_survey_counts_what_train_would_train(corpus, model):
    found = w2vcli.survey(corpus, **SETTINGS)
    assert found.vocab.words == model.vocab.words
    assert np.array_equal(found.vocab.counts, model.vocab.counts)
    assert found.corpus.tokens == model.corpus.tokens and found.corpus.ids > 0
    assert found.matrices_bytes == 2 * 4 * len(model.vocab) * 32  # dim 20, padded to 32


@pytest.mark.parametrize(
    "call, given, said",
    [
        ("train", {"vector_size": 50}, "w2vcli.train: vector_size: w2v calls it dim"),
        ("train", {"size": 50}, "size: w2v calls it dim"),
        ("train", {"iter": 2}, "iter: w2v calls it epochs"),
        ("train", {"sg": 1}, "sg: w2v says arch='skipgram' (sg=1) or arch='cbow' (sg=0)"),
        ("train", {"hs": 1}, "hs: w2v says loss='hs'"),
        ("survey", {"max_vocab_size": 9}, "w2vcli.survey: max_vocab_size: w2v calls it max_types"),
        ("survey", {"windw": 3}, "no setting 'windw'; did you mean window?"),
        ("train", {"min_cuont": 3}, "did you mean min_count?"),
        ("train", {"workers": 4}, "this machine's threads (gensim's workers) are --threads"),
    ],
)
def test_gensims_keywords_are_errors_that_name_ours(corpus, call, given, said):
    """Before, a bare TypeError from TrainConfig.__init__ ("unexpected keyword argument")."""
    with pytest.raises(W2VError) as raised:
        getattr(w2vcli, call)(corpus, **given)
    assert said in str(raised.value)


def test_resume_and_from_model_name_gensims_keywords_too(tmp_path, corpus):
    saved = tmp_path / "m"
    w2vcli.train(corpus, **SETTINGS).save(saved)
    with pytest.raises(W2VError, match="vector_size: w2v calls it dim"):
        w2vcli.train(corpus, from_model=saved, vector_size=20)
    w2vcli.train(corpus, checkpoint=tmp_path / "c", **{**SETTINGS, "epochs": 1})
    with pytest.raises(W2VError, match="workers_count"):
        w2vcli.resume(tmp_path / "c", workers_count=2)
