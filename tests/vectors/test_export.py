"""Vectors out of w2v: `w2v vectors` (as fastText's print-word-vectors), `w2v select` (a
subset, as finalfusion's select) and `w2v export` (TensorBoard's Embedding Projector, a
numpy matrix), read back by gensim and numpy."""

import json
import os

import numpy as np
import pytest
from click.testing import CliRunner
from gensim.models import KeyedVectors

from w2vcli.cli import cli


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def test_vectors_prints_each_words_vector_exactly(en_vectors):
    kv = KeyedVectors.load_word2vec_format(str(en_vectors))
    words = kv.index_to_key[3:6]
    result = run("vectors", "-v", en_vectors, *words)
    assert result.exit_code == 0, result.stderr
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert [line[0] for line in lines] == words
    for line, word in zip(lines, words, strict=True):
        assert np.array_equal(np.array(line[1:], dtype=np.float32), kv[word])  # to the bit
    as_json = run("vectors", "-v", en_vectors, "--json", input="\n".join(words) + "\nzzzq\n")
    assert as_json.exit_code == 1 and "unknown word: zzzq" in as_json.stderr
    records = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert [r["word"] for r in records] == words
    assert np.array_equal(np.array(records[0]["vector"], dtype=np.float32), kv[words[0]])


def test_select_the_top_words_or_a_list(tmp_path, en_vectors):
    kv = KeyedVectors.load_word2vec_format(str(en_vectors))
    top = tmp_path / "top.bin"
    result = run("select", "-v", en_vectors, "--top", 50, "-o", top, "--format", "binary")
    assert result.exit_code == 0, result.stderr
    small = KeyedVectors.load_word2vec_format(str(top), binary=True)
    assert small.index_to_key == kv.index_to_key[:50]
    assert np.array_equal(small.vectors, kv.vectors[:50])
    wanted = tmp_path / "words.txt"
    wanted.write_text(f"{kv.index_to_key[30]}\nzzzq\n{kv.index_to_key[7]} 3\n\n")
    result = run("select", "-v", en_vectors, "--words", wanted, "-o", tmp_path / "few.txt")
    assert result.exit_code == 0 and "zzzq (1 of the words of --words)" in result.stderr
    few = KeyedVectors.load_word2vec_format(str(tmp_path / "few.txt"))
    assert few.index_to_key == [kv.index_to_key[7], kv.index_to_key[30]]  # the file's order
    assert np.array_equal(few[kv.index_to_key[30]], kv[kv.index_to_key[30]])
    assert run("select", "-v", en_vectors, "-o", tmp_path / "x.txt").exit_code == 2
    same = run("select", "-v", en_vectors, "--top", 5, "-o", en_vectors)
    assert same.exit_code == 1 and "same file" in same.stderr


def test_export_for_the_projector_as_its_documentation_gives(tmp_path, en_vectors):
    """vectors.tsv: one vector a line, values separated by tabs, no header; metadata.tsv:
    one word a line, no header (one column); a projector_config.pbtxt naming both."""
    kv = KeyedVectors.load_word2vec_format(str(en_vectors))
    out = tmp_path / "projector"
    result = run("export", "-v", en_vectors, "--to", "projector", out, "--limit", 200)
    assert result.exit_code == 0, result.stderr
    tensor = np.loadtxt(out / "vectors.tsv", delimiter="\t", dtype=np.float32)
    assert tensor.shape == (200, kv.vector_size) and np.array_equal(tensor, kv.vectors[:200])
    assert (out / "metadata.tsv").read_text().splitlines() == kv.index_to_key[:200]
    config = (out / "projector_config.pbtxt").read_text()
    assert 'tensor_path: "vectors.tsv"' in config and 'metadata_path: "metadata.tsv"' in config


def test_export_a_numpy_matrix_and_its_words(tmp_path, en_vectors):
    kv = KeyedVectors.load_word2vec_format(str(en_vectors))
    result = run("export", "-v", en_vectors, "--to", "npy", tmp_path / "n")
    assert result.exit_code == 0, result.stderr
    matrix = np.load(tmp_path / "n" / "vectors.npy", allow_pickle=False)
    assert matrix.dtype == np.float32 and np.array_equal(matrix, kv.vectors)
    assert (tmp_path / "n" / "words.txt").read_text().splitlines() == kv.index_to_key
    (tmp_path / "file").write_text("x")
    result = run("export", "-v", en_vectors, "--to", "npy", tmp_path / "file")
    assert result.exit_code == 1 and "not a directory" in result.stderr


@pytest.mark.slow  # 10 s: a 20,000-word export measured
def test_export_streams_into_its_files(tmp_path, monkeypatch):
    """export --to projector built the whole TSV in memory (603 MB for a 40 MB file): the
    files are written a block of rows at a time, so what the command holds once the
    vectors are read is a small part of what it writes."""
    import tracemalloc

    import w2vcli
    from w2vcli.cli import convert

    rng = np.random.default_rng(0)
    vecs = w2vcli.Vectors([f"w{i}" for i in range(20_000)], rng.random((20_000, 100), np.float32))
    vecs.save(tmp_path / "v.bin", format="binary")
    read, held = convert.load_vectors, []

    def load_vectors(*args, **kwargs):
        loaded = read(*args, **kwargs)
        tracemalloc.reset_peak()  # from here on, the writing
        held.append(tracemalloc.get_traced_memory()[0])
        return loaded

    monkeypatch.setattr(convert, "load_vectors", load_vectors)
    for to, names in (
        ("projector", ("vectors.tsv", "metadata.tsv", "projector_config.pbtxt")),
        ("npy", ("vectors.npy", "words.txt")),
    ):
        tracemalloc.start()
        result = run("export", "-v", tmp_path / "v.bin", "--to", to, tmp_path / to)
        peak = tracemalloc.get_traced_memory()[1] - held.pop()
        tracemalloc.stop()
        assert result.exit_code == 0, result.stderr
        written = sum(os.path.getsize(tmp_path / to / name) for name in names)
        assert written > 7_000_000 and peak < written / 10, (to, peak, written)
    assert np.array_equal(np.load(tmp_path / "npy" / "vectors.npy"), vecs.matrix)
    rows = (tmp_path / "projector" / "vectors.tsv").read_text().splitlines()
    assert len(rows) == 20_000 and np.allclose([float(x) for x in rows[7].split("\t")], vecs["w7"])
