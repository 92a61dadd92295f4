"""convert, select and info through the command line: the output's name says its format
and compression (read back by gensim, which reads by name), a name that contradicts --to
or --format is refused, every reader reads what they write, and info says what a file is."""

import bz2
import gzip
import lzma

import numpy as np
import pytest
from click.testing import CliRunner
from gensim.models import KeyedVectors

import w2vcli
from w2vcli.cli import cli

MAGIC = {"gzip": b"\x1f\x8b", "bzip2": b"BZh", "xz": b"\xfd7zXZ\x00"}
COMPRESS = {"gzip": gzip.compress, "bzip2": bz2.compress, "xz": lzma.compress}


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert not result.exception or isinstance(result.exception, SystemExit), result.exception
    return result


def facts(result) -> dict:
    assert result.exit_code == 0, result.output
    return dict(line.split("\t", 1) for line in result.stdout.splitlines())


def assert_gensim_reads(path, binary: bool, compression, words, matrix) -> None:
    data = path.read_bytes()
    assert data.startswith(MAGIC[compression]) if compression else data[:1].isdigit()
    kv = KeyedVectors.load_word2vec_format(str(path), binary=binary)
    assert kv.index_to_key == list(words)
    np.testing.assert_array_equal(kv.vectors, matrix)  # %.9g round-trips float32


NAMES = [  # (name, --to / --format given, binary, compression)
    ("v.bin", [], True, None),
    ("v.bin.gz", [], True, "gzip"),
    ("v.txt.gz", [], False, "gzip"),
    ("v.gz", ["text"], False, "gzip"),  # the name says no format: the option does
    ("v.vec.xz", [], False, "xz"),
    ("v.bin.bz2", ["binary"], True, "bzip2"),  # the option and the name agree
]


@pytest.mark.parametrize("name,asked,binary,compression", NAMES)
def test_convert_writes_what_the_target_name_says(
    en_vectors, tmp_path, name, asked, binary, compression
):
    source = w2vcli.load(en_vectors)
    target = tmp_path / name
    result = run("convert", en_vectors, target, *(["--to", *asked] if asked else []))
    assert result.exit_code == 0, result.output
    fmt = "binary" if binary else "text"
    assert result.stderr.endswith(f"({fmt}, {compression})\n" if compression else f"({fmt})\n")
    assert_gensim_reads(target, binary, compression, source.words, source.matrix)


@pytest.mark.parametrize("name,asked,binary,compression", NAMES)
def test_select_writes_what_the_output_name_says(
    en_vectors, tmp_path, name, asked, binary, compression
):
    source = w2vcli.load(en_vectors)
    out = tmp_path / name
    given = ["--format", *asked] if asked else []
    result = run("select", "-v", en_vectors, "--top", 20, "-o", out, *given)
    assert result.exit_code == 0, result.output
    assert_gensim_reads(out, binary, compression, source.words[:20], source.matrix[:20])


def test_a_compressed_name_alone_keeps_the_default_format(en_vectors, tmp_path):
    """convert's default is the other format than SOURCE's, select's SOURCE's own."""
    source = w2vcli.load(en_vectors)
    assert run("convert", en_vectors, tmp_path / "c.gz").exit_code == 0
    assert_gensim_reads(tmp_path / "c.gz", True, "gzip", source.words, source.matrix)
    assert run("select", "-v", en_vectors, "--top", 5, "-o", tmp_path / "s.gz").exit_code == 0
    assert_gensim_reads(tmp_path / "s.gz", False, "gzip", source.words[:5], source.matrix[:5])


def test_converting_a_model_directory_to_a_compressed_name(tmp_path, small_corpus):
    model = tmp_path / "m"
    args = ["--epochs", 1, "--dim", 8, "--threads", 1, "-q", "--save-model", model]
    assert run("train", small_corpus, "-o", tmp_path / "v.txt", *args).exit_code == 0
    saved = w2vcli.load_model(model)
    assert run("convert", model, tmp_path / "m.bin.gz").exit_code == 0
    words, matrix = saved.vocab.words, saved.vectors.matrix
    assert_gensim_reads(tmp_path / "m.bin.gz", True, "gzip", words, matrix)
    info = facts(run("info", tmp_path / "m.bin.gz"))
    assert info["provenance_current"] == "True" and info["run.kind"] == "train"


@pytest.mark.parametrize(
    "args,message",
    [
        (["convert", "{v}", "{t}/x.bin", "--to", "text"], "TARGET {t}/x.bin: the name says "
         "binary but --to says text; name it .txt or .vec, or leave --to out"),
        (["convert", "{v}", "{t}/x.vec.gz", "--to", "binary"], "TARGET {t}/x.vec.gz: the name "
         "says text but --to says binary; name it .bin.gz, or leave --to out"),
        (["select", "-v", "{v}", "--top", "5", "-o", "{t}/x.txt", "--format", "binary"],
         "--output {t}/x.txt: the name says text but --format says binary; name it .bin, or "
         "leave --format out"),
    ],
)  # fmt: skip
def test_a_name_that_contradicts_the_format_asked_is_refused(en_vectors, tmp_path, args, message):
    result = run(*[a.format(v=en_vectors, t=tmp_path) for a in args])
    assert result.exit_code == 1
    assert result.output == f"Error: {message.format(t=tmp_path)}\n"
    assert list(tmp_path.iterdir()) == []


def test_every_reader_reads_the_compressed_files_written(en_vectors, tmp_path):
    words = w2vcli.load(en_vectors).words
    expected = run("nearest", "-v", en_vectors, "city", "-k", 3).stdout
    for name in ("v.bin.gz", "v.txt.bz2", "v.bin.xz"):
        path = tmp_path / name
        assert run("convert", en_vectors, path).exit_code == 0
        assert w2vcli.load(path).words == words  # the library
        assert run("nearest", "-v", path, "city", "-k", 3).stdout == expected
        assert run("similarity", "-v", path, "city", "war").exit_code == 0
        assert run("index", path).exit_code == 0  # and queried through its index
        assert run("nearest", "-v", path, "city", "-k", 3).stdout == expected
        back = tmp_path / f"{name}.txt"
        assert run("convert", path, back).exit_code == 0
        assert back.read_bytes() == en_vectors.read_bytes()


@pytest.mark.parametrize("compression", [None, "gzip", "bzip2", "xz"])
@pytest.mark.parametrize(
    "kind,shown",
    [
        ("text", "word2vec text"),
        ("binary", "word2vec binary"),
        ("glove", "GloVe text (no header)"),
    ],
)
def test_info_says_the_format_and_the_compression(tmp_path, kind, shown, compression):
    vecs = w2vcli.Vectors(["a", "b", "c"], np.arange(9, dtype=np.float32).reshape(3, 3))
    path = tmp_path / "vectors"  # a name that says nothing: info reads the content
    vecs.save(path, "binary" if kind == "binary" else "text")
    data = path.read_bytes()
    if kind == "glove":
        data = data.split(b"\n", 1)[1]
    path.write_bytes(COMPRESS[compression](data) if compression else data)
    info = facts(run("info", path))
    assert info["format"] == shown and info["compression"] == (compression or "none")
    assert info["words"] == "3" and info["dimensions"] == "3"
