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


# An index is trusted only as far as it is checked (issue 29, class 11).


def another_file_of_the_same_size_and_time(vectors, where: int):
    """The vectors file replaced by another of its size, its time put back."""
    info = os.stat(vectors)
    data = bytearray(vectors.read_bytes())
    data[where] ^= 0x01  # a bit of a number: another vector, the same size
    vectors.write_bytes(bytes(data))
    os.utime(vectors, ns=(info.st_atime_ns, info.st_mtime_ns))


@pytest.mark.parametrize("where", [100, -100], ids=["near the start", "near the end"])
def test_another_file_of_the_same_size_and_time_is_not_answered_from_the_index(vectors, where):
    """An index was trusted on size and modification time alone: a different file of the
    same size and time got the old file's neighbours, exit 0."""
    assert w2v("index", vectors).exit_code == 0
    another_file_of_the_same_size_and_time(vectors, where)
    expected = w2vcli.load(vectors).normalize().nearest("w1", k=5)
    result = w2v("nearest", "w1", "-k", "5", "-v", vectors)
    assert result.exit_code == 0 and "has changed since" in result.output
    assert [line.split("\t")[1] for line in result.stdout.splitlines()] == [
        n.word for n in expected
    ]


@pytest.mark.parametrize(
    "damage",
    [
        lambda n: np.arange(n, dtype=np.int64)[::-1].copy() * 2,  # out of range
        lambda n: np.zeros(n, dtype=np.int64),  # not an order: row 0 n times
        lambda n: np.arange(n, dtype=np.int32),  # another type
        lambda n: np.arange(n + 5, dtype=np.int64),  # another length
        lambda n: -np.arange(n, dtype=np.int64),  # negative
    ],
    ids=["out of range", "not an order", "int32", "longer", "negative"],
)
def test_a_damaged_sorted_npy_is_refused_in_one_line(vectors, damage):
    """A damaged sorted.npy gave wrong answers or an IndexError traceback."""
    assert w2v("index", vectors).exit_code == 0
    np.save(f"{vectors}.index/sorted.npy", damage(500), allow_pickle=False)
    for query in QUERIES:
        result = w2v(*query, "-v", vectors)
        assert result.exit_code == 1 and "damaged index" in result.output, result.output


def test_the_index_is_as_readable_as_its_file(vectors):
    """It was private to its maker (0700): another user who could read the vectors file
    could not read its index."""
    old = os.umask(0o022)
    try:
        assert w2v("index", vectors).exit_code == 0
    finally:
        os.umask(old)
    assert os.stat(f"{vectors}.index").st_mode & 0o777 == 0o755


def swap_two_words(path: str) -> None:
    """w1 and w2 exchanged in one of the index's word files: same size, every word still
    once, and answers silently wrong if it were believed."""
    data = Path(path).read_bytes()
    Path(path).write_bytes(
        data.replace(b"w1\n", b"wX\n").replace(b"w2\n", b"w1\n").replace(b"wX\n", b"w2\n")
    )


@pytest.mark.parametrize("name", ["words.txt", "sorted.txt"])
def test_an_edited_word_file_of_the_index_is_refused(vectors, name):
    """An index's words were believed whatever they said: w1 and w2 swapped in words.txt
    gave w2's neighbours for w1, exit 0. Their sha256 is recorded and checked."""
    assert w2v("index", vectors).exit_code == 0
    swap_two_words(f"{vectors}.index/{name}")
    for query in QUERIES:
        result = w2v(*query, "-v", vectors)
        assert result.exit_code == 1 and "damaged index" in result.output, result.output
        assert name in result.output and len(result.output.splitlines()) == 1


def test_a_forged_index_with_its_sha256_is_refused_before_a_row_outside(vectors):
    """Even with source.json's sha256 forged to match an out-of-range sorted.npy, no row
    outside the matrix is ever read."""
    import hashlib
    import json

    assert w2v("index", vectors).exit_code == 0
    order = np.arange(500, dtype=np.int64) * 3
    np.save(f"{vectors}.index/sorted.npy", order, allow_pickle=False)
    meta = json.loads(Path(f"{vectors}.index/source.json").read_text())
    meta["sha256"]["sorted.npy"] = hashlib.sha256(order).hexdigest()
    Path(f"{vectors}.index/source.json").write_text(json.dumps(meta))
    result = w2v("nearest", "w1", "-v", vectors)
    assert result.exit_code == 1 and "not an order of the rows" in result.output


def test_an_index_of_an_older_w2v_is_not_used(vectors):
    """An index made before its files' sha256 were recorded is ignored with a warning; the
    file is read, and answers as it does."""
    import json

    expected = answers(vectors)
    assert w2v("index", vectors).exit_code == 0
    meta = json.loads(Path(f"{vectors}.index/source.json").read_text())
    meta["format"] = 1
    del meta["sha256"]
    Path(f"{vectors}.index/source.json").write_text(json.dumps(meta))
    result = w2v(*QUERIES[0], "-v", vectors)
    assert result.exit_code == 0 and "made by an older w2v" in result.stderr
    assert result.stdout == expected[0]
