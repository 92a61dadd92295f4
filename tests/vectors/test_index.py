"""`w2v index`: the mapped companion of a vectors file, used while current, refreshed,
ignored when stale, refused when it belongs to another file or is damaged."""

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import w2vcli
from w2vcli.cli import cli
from w2vcli.vectors import formats
from w2vcli.vectors.formats import write_vectors


def w2v(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def vectors(tmp_path):
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(500)]
    path = tmp_path / "v.bin"
    with open(path, "wb") as f:
        write_vectors(f, words, rng.standard_normal((500, 12)).astype(np.float32), True)
    return path


QUERIES = [
    ["nearest", "w1", "w7", "-k", "5"],
    ["analogy", "w1", "w2", "w3", "-k", "3", "--method", "mul"],
    ["similarity", "w4", "w9"],
    ["nearest", "w1", "--limit", "40", "-k", "50"],
]


def answers(path) -> list:
    outputs = []
    for query in QUERIES:
        result = w2v(*query, "-v", path)
        assert result.exit_code == 0, result.output
        outputs.append(result.stdout)
    return outputs


def test_the_index_answers_as_the_file_does_without_reading_it(vectors, monkeypatch):
    expected = answers(vectors)
    result = w2v("index", vectors)
    assert result.exit_code == 0, result.output
    files = ["sorted.npy", "sorted.txt", "source.json", "unit.npy", "words.txt"]
    assert sorted(os.listdir(f"{vectors}.index")) == files

    def not_read(*args, **kwargs):
        raise AssertionError("the vectors file was read")

    monkeypatch.setattr(formats, "read_vectors", not_read)
    assert answers(vectors) == expected


def test_a_stale_index_is_ignored_with_a_warning_then_refreshed(vectors):
    w2v("index", vectors)
    data = bytearray(vectors.read_bytes())
    data[-5] ^= 0xFF  # the last vector changes
    vectors.write_bytes(bytes(data))
    os.utime(vectors, ns=(1, 1))  # and its time, as any rewrite does
    fresh = answers(vectors)  # read from the file, with the warning
    result = w2v("nearest", "w499", "-v", vectors)
    assert result.exit_code == 0
    assert "has changed since" in result.output and "w2v index" in result.output
    assert w2v("index", vectors).exit_code == 0
    result = w2v("nearest", "w499", "-v", vectors)
    assert "has changed" not in result.output
    assert answers(vectors) == fresh


def test_an_index_of_another_file_or_damaged_is_refused_in_one_line(vectors, tmp_path):
    w2v("index", vectors)
    other = tmp_path / "other.bin"
    shutil.copy(vectors, other)
    os.utime(other, ns=(2, 2))
    shutil.copytree(f"{vectors}.index", f"{other}.index")
    result = w2v("nearest", "w1", "-v", other)
    assert result.exit_code == 1 and len(result.output.splitlines()) == 1
    assert "the index of another file" in result.output
    unit = tmp_path / "v.bin.index" / "unit.npy"
    unit.write_bytes(unit.read_bytes()[:200])
    result = w2v("nearest", "w1", "-v", vectors)
    assert result.exit_code == 1 and len(result.output.splitlines()) == 1
    assert "v.bin.index" in result.output and "w2v index" in result.output


def test_an_index_is_never_written_through_a_link(vectors, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, f"{vectors}.index")
    result = w2v("index", vectors)
    assert result.exit_code == 1 and "is not an index folder" in result.output
    assert list(elsewhere.iterdir()) == []


def test_words_are_found_by_binary_search_as_a_dictionary_finds_them(tmp_path):
    from w2vcli.vectors.index import load_index, write_index
    from w2vcli.vectors.vectors import Vectors

    words = ["b", "a", "ab", "aa", "ä", "中国", "z\u00e9", "abc", "A", "_", "a-b"]
    path = tmp_path / "v.txt"
    vecs = Vectors(words, np.random.default_rng(0).standard_normal((len(words), 4)).astype("f4"))
    vecs.save(path)
    write_index(w2vcli.load(path), str(path))
    rows = load_index(str(path)).rows
    assert all(rows[w] == i for i, w in enumerate(words))
    for missing in ["", "c", "ab ", "abcd", "中", "\ud800", 7, None]:
        assert missing not in rows and rows.get(missing) is None
    limited = load_index(str(path), limit=3).rows
    assert [w in limited for w in words] == [i < 3 for i in range(len(words))]


def test_a_folder_of_other_files_where_the_index_goes_is_refused_not_replaced(vectors):
    folder = Path(f"{vectors}.index")
    folder.mkdir()
    (folder / "notes.txt").write_text("keep\n")
    result = w2v("index", vectors)
    assert result.exit_code == 1 and "is not an index folder" in result.output
    assert (folder / "notes.txt").read_text() == "keep\n"
    (folder / "notes.txt").unlink()  # an empty folder is taken, and the index written whole
    assert w2v("index", vectors).exit_code == 0
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["unit.npy", "words.txt", "sorted.txt", "sorted.npy", "source.json"]
    )
