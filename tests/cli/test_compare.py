"""w2v diff through the user's door: TSV and JSON, the summary on stderr, --top, --words and
unknown words, --by, --limit; real vectors turned and blurred."""

import json

import numpy as np
from click.testing import CliRunner

from w2vcli import Vectors
from w2vcli.cli import cli

WORDS = [f"w{i}" for i in range(200)]


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert not result.exception or isinstance(result.exception, SystemExit), result.exception
    return result


def pair(tmp_path):
    """A and B: B is A turned, with w42 moved elsewhere."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((200, 10)).astype(np.float32)
    q, _ = np.linalg.qr(rng.standard_normal((10, 10)))
    b = (a @ q).astype(np.float32)
    b[42] = rng.standard_normal(10)
    Vectors(WORDS, a).save(tmp_path / "a.txt")
    Vectors(WORDS, b).save(tmp_path / "b.bin", "binary")
    return tmp_path / "a.txt", tmp_path / "b.bin"


def test_the_moved_word_first_and_a_summary(tmp_path):
    a, b = pair(tmp_path)
    result = run("diff", a, b, "--top", "3", "--neighbours", "2")
    assert result.exit_code == 0
    header, *rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert header == ["word", "displacement", "overlap", "rank_a", "rank_b"] + [
        "neighbours_a",
        "neighbours_b",
    ]
    assert len(rows) == 3 and rows[0][0] == "w42" and rows[0][3:5] == ["43", "43"]
    assert float(rows[0][1]) > 0.3 > float(rows[1][1])
    assert all(len(r[5].split(",")) == len(r[6].split(",")) == 2 for r in rows)
    assert result.stderr.startswith("200 shared words (0 only in A, 0 only in B), rotation")
    assert "mean overlap@10 " in result.stderr and len(result.stderr.splitlines()) == 1


def test_json_words_and_unknown_words(tmp_path):
    a, b = pair(tmp_path)
    result = run("diff", a, b, "--words", "w3,w42", "--words", "nope", "--json")
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["word"] for r in records] == ["w42", "w3"]
    assert records[1]["displacement"] < 1e-3 and records[1]["overlap"] >= 0.9
    assert records[0]["displacement"] > 0.3 and records[0]["overlap"] < 0.5
    assert len(records[0]["neighbours_a"]) == 5
    assert "unknown word: nope (not in A or B)" in result.stderr
    assert "mean overlap@10 of the 2 asked " in result.stderr


def test_by_overlap_limit_and_summary_only(tmp_path):
    a, b = pair(tmp_path)
    by_overlap = run("diff", a, b, "--by", "overlap", "--top", "1", "-k", "5")
    assert by_overlap.stdout.splitlines()[1].startswith("w42\t")
    only = run("diff", a, b, "--top", "0", "--limit", "50")
    assert only.exit_code == 0 and only.stdout == ""
    assert only.stderr.startswith("50 shared words")


def test_a_turned_noisy_copy_of_real_vectors_moved_a_little(tmp_path, en_vectors):
    from w2vcli import load

    vecs = load(en_vectors)
    rng = np.random.default_rng(1)
    q, _ = np.linalg.qr(rng.standard_normal((vecs.vector_size, vecs.vector_size)))
    norms = np.linalg.norm(vecs.matrix, axis=1, keepdims=True)
    noise = 0.3 * norms * rng.standard_normal(vecs.matrix.shape) / np.sqrt(vecs.vector_size)
    Vectors(vecs.words, ((vecs.matrix + noise) @ q).astype(np.float32)).save(tmp_path / "b.txt")
    result = run("diff", en_vectors, tmp_path / "b.txt", "--top", "0")
    mean = float(result.stderr.split("mean displacement ")[1].split(",")[0])
    assert 0.01 < mean < 0.2  # 1 - cos of a 0.3 noise: about 0.04, whatever the turn


def test_files_that_share_no_words_are_refused_in_one_line(tmp_path):
    Vectors(["a", "b"], np.eye(2, dtype=np.float32)).save(tmp_path / "a.txt")
    Vectors(["c", "d"], np.eye(2, dtype=np.float32)).save(tmp_path / "c.txt")
    result = run("diff", tmp_path / "a.txt", tmp_path / "c.txt")
    assert result.exit_code == 1 and "share 0 words" in result.stderr
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    missing = run("diff", tmp_path / "a.txt", tmp_path / "nope.txt")
    assert missing.exit_code != 0 and "nope.txt" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_small_files_unknown_words_only_and_too_few_anchors(tmp_path):
    a, b = pair(tmp_path)
    three = run("diff", a, b, "--limit", "3")  # 5 neighbours asked, 2 others to give
    assert three.exit_code == 0 and len(three.stdout.splitlines()[1].split("\t")[5].split(",")) == 2
    unknown = run("diff", a, b, "--words", "nope,zilch")
    assert unknown.exit_code == 1 and unknown.stdout == ""
    assert unknown.stderr.splitlines() == [
        "unknown word: nope (not in A or B)",
        "unknown word: zilch (not in A or B)",
    ]
    few = run("diff", a, b, "--anchors", "4", "--top", "0")
    assert few.exit_code == 0 and "fitted on 4 words, fewer than the vectors' 10" in few.stderr
