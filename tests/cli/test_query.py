"""The query commands through the user's door: arguments, stdin, --json, unknown words and the
exit status, Chinese, malformed files; and in subprocesses: no numba import, answers that
arrive line by line, and a reader that stops early."""

import bz2
import gzip
import json
import lzma
import os
import select
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner
from gensim.models import KeyedVectors

import w2vcli
from w2vcli.cli import cli, console


def run(*args, input=None, env=None):
    result = CliRunner(env=env).invoke(cli, [str(a) for a in args], input=input)
    assert not result.exception or isinstance(result.exception, SystemExit), result.exception
    return result


def rows(result):
    return [line.split("\t") for line in result.stdout.splitlines()]


def test_nearest_words_from_arguments(en_vectors):
    result = run("nearest", "-v", en_vectors, "city", "war", "-k", "3")
    assert result.exit_code == 0 and result.stderr == ""
    out = rows(result)
    assert [r[0] for r in out] == ["city"] * 3 + ["war"] * 3
    kv = KeyedVectors.load_word2vec_format(str(en_vectors))
    assert [r[1] for r in out[:3]] == [w for w, _ in kv.most_similar("city", topn=3)]
    similarities = [float(r[2]) for r in out[:3]]
    assert similarities == sorted(similarities, reverse=True)


def test_nearest_reads_stdin_one_word_per_line(en_vectors):
    from_args = run("nearest", "-v", en_vectors, "city", "war", "-k", "3")
    from_stdin = run("nearest", "-v", en_vectors, "-k", "3", input="city\r\n\nwar")
    assert from_stdin.exit_code == 0 and from_stdin.stdout == from_args.stdout


def test_nearest_in_chinese(zh_vectors):
    result = run("nearest", "-v", zh_vectors, "北京")
    assert result.exit_code == 0
    out = rows(result)
    assert len(out) == 10 and {r[0] for r in out} == {"北京"} and "北京" not in [r[1] for r in out]
    as_json = run("nearest", "-v", zh_vectors, "北京", "-k", "1", "--json")
    assert '"query": "北京"' in as_json.stdout  # UTF-8, not \\u escapes


def test_json_lines(en_vectors):
    result = run("nearest", "-v", en_vectors, "city", "-k", "2", "--json")
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(objects) == 2 and set(objects[0]) == {"query", "neighbour", "similarity"}
    assert objects[0]["query"] == "city" and isinstance(objects[0]["similarity"], float)


def test_unknown_words_are_named_the_rest_answered_and_the_status_is_1(en_vectors):
    result = run("nearest", "-v", en_vectors, "city", "xyzzyq", "war", "-k", "1")
    assert result.exit_code == 1
    assert [r[0] for r in rows(result)] == ["city", "war"]
    assert result.stderr == "unknown word: xyzzyq\n"
    from_stdin = run("nearest", "-v", en_vectors, "-k", "1", input="city\nxyzzyq\nwar\n")
    assert from_stdin.exit_code == 1 and from_stdin.stdout == result.stdout


def test_restrict_limits_answers_to_the_most_frequent_words(en_vectors):
    words = [line.split()[0] for line in en_vectors.read_text().splitlines()[1:]]
    result = run("nearest", "-v", en_vectors, "history", "--restrict", "50", "-k", "20")
    assert result.exit_code == 0 and all(words.index(r[1]) < 50 for r in rows(result))


def test_vectors_path_from_the_environment(en_vectors, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no vectors.txt here
    result = run("nearest", "city", "-k", "1", env={"W2V_VECTORS": str(en_vectors)})
    assert result.exit_code == 0 and rows(result)[0][0] == "city"
    missing = run("nearest", "city", env={"W2V_VECTORS": None})
    assert missing.exit_code == 1
    assert missing.stderr == (
        "Error: vectors.txt: no such file; train one with 'w2v train CORPUS -o vectors.txt'\n"
    )


def test_analogy(en_vectors):
    kv = KeyedVectors.load_word2vec_format(str(en_vectors))
    expected = kv.most_similar(positive=["king", "woman"], negative=["man"], topn=2)
    result = run("analogy", "-v", en_vectors, "man", "king", "woman", "-k", "2")
    assert result.exit_code == 0
    assert [r[:4] for r in rows(result)] == [["man", "king", "woman", w] for w, _ in expected]
    lines = "man king woman\nman king\nman king zzzqx\nman king woman\n"
    from_stdin = run("analogy", "-v", en_vectors, "-k", "2", input=lines)
    assert from_stdin.exit_code == 1 and from_stdin.stdout == result.stdout * 2  # exact
    assert from_stdin.stderr.splitlines() == [
        "expected three words A B C per line, got: man king",
        "unknown word: zzzqx",
    ]
    mul = run("analogy", "-v", en_vectors, "man", "king", "woman", "--method", "mul", "--json")
    assert mul.exit_code == 0 and len(mul.stdout.splitlines()) == 10
    assert set(json.loads(mul.stdout.splitlines()[0])) == {"a", "b", "c", "answer", "similarity"}


def test_analogy_needs_three_words(en_vectors):
    result = run("analogy", "-v", en_vectors, "man", "king")
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1
    assert "give three words A B C" in result.stderr


def test_similarity(en_vectors):
    kv = KeyedVectors.load_word2vec_format(str(en_vectors))
    result = run("similarity", "-v", en_vectors, "city", "war")
    word1, word2, value = rows(result)[0]
    assert (word1, word2) == ("city", "war")
    assert abs(float(value) - kv.similarity("city", "war")) < 1e-6
    pairs = run("similarity", "-v", en_vectors, "--json", input="city war\nwar\tcity\n")
    objects = [json.loads(line) for line in pairs.stdout.splitlines()]
    assert [o["word2"] for o in objects] == ["war", "city"]
    assert objects[0]["similarity"] == objects[1]["similarity"]


def test_similarity_of_word_sets(en_vectors, tmp_path):
    kv = KeyedVectors.load_word2vec_format(str(en_vectors))
    expected = kv.n_similarity(["king", "queen"], ["man", "woman", "city"])
    result = run("similarity", "-v", en_vectors, "--sets", "king queen", "man woman city")
    assert result.exit_code == 0 and result.stderr == ""
    ((words1, words2, value),) = rows(result)
    assert (words1, words2) == ("king queen", "man woman city")
    assert float(value) == pytest.approx(expected, abs=1e-6)
    lines = "king queen | man woman city\nking queen\nking | | war\nking | zzzqx\ncity | war\n"
    from_stdin = run("similarity", "-v", en_vectors, "--sets", "--json", input=lines)
    assert from_stdin.exit_code == 1
    objects = [json.loads(line) for line in from_stdin.stdout.splitlines()]
    assert [(o["words1"], o["words2"]) for o in objects] == [
        ("king queen", "man woman city"),
        ("city", "war"),
    ]
    assert objects[0]["similarity"] == pytest.approx(expected, abs=1e-6)
    assert objects[1]["similarity"] == pytest.approx(kv.similarity("city", "war"), abs=1e-6)
    assert from_stdin.stderr.splitlines() == [
        "expected two sets of words 'W1 W2 | W3 W4' per line, got: king queen",
        "expected two sets of words 'W1 W2 | W3 W4' per line, got: king | | war",
        "unknown word: zzzqx",
    ]
    # the means of the vectors as they are, which a unit index has lost: it is not used
    indexed = tmp_path / "v.txt"
    indexed.write_bytes(en_vectors.read_bytes())
    assert run("index", indexed).exit_code == 0
    again = run("similarity", "-v", indexed, "--sets", "king queen", "man woman city")
    assert again.stdout == result.stdout


def test_rank(en_vectors):
    kv = KeyedVectors.load_word2vec_format(str(en_vectors))
    result = run("rank", "-v", en_vectors, "city", "war")
    assert result.exit_code == 0 and result.stderr == ""
    assert rows(result) == [["city", "war", str(kv.rank("city", "war"))]]
    first = kv.most_similar("king", topn=1)[0][0]
    lines = f"king {first}\nking\ncity war\nking zzzqx\n"
    from_stdin = run("rank", "-v", en_vectors, "--json", input=lines)
    assert from_stdin.exit_code == 1
    objects = [json.loads(line) for line in from_stdin.stdout.splitlines()]
    assert objects == [
        {"word1": "king", "word2": first, "rank": 1},
        {"word1": "city", "word2": "war", "rank": kv.rank("city", "war")},
    ]
    assert from_stdin.stderr.splitlines() == [
        "expected two words W1 W2 per line, got: king",
        "unknown word: zzzqx",
    ]
    assert run("rank", "-v", en_vectors, "city").exit_code == 2


def test_evaluate_prints_a_table_and_json(en_vectors, tmp_path):
    questions = tmp_path / "q.txt"
    questions.write_text(
        ": capitals\nathens greece berlin germany\n: gram-plurals\ncat cats dog dogs\n"
    )
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("# comment\ncity\ttown\t8.0\nwar\tpeace\t3.0\nking\tqueen\t8.5\nfoo\tbar\t1\n")
    result = run("evaluate", "-v", en_vectors, "--analogies", questions, "--pairs", pairs)
    assert result.exit_code == 0, result.output
    table = rows(result)
    assert table[0] == ["file", "section", "metric", "value", "answered", "total", "coverage"]
    assert [r[1:3] for r in table[1:]] == [
        ["capitals", "accuracy"],
        ["gram-plurals", "accuracy"],
        ["semantic", "accuracy"],
        ["syntactic", "accuracy"],
        ["total", "accuracy"],
        ["pairs", "spearman"],
        ["pairs", "pearson"],
    ]
    assert table[-1][4:6] == ["3", "4"]  # foo and bar are unknown
    as_json = run("evaluate", "-v", en_vectors, "--pairs", pairs, "--json")
    objects = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert [o["metric"] for o in objects] == ["spearman", "pearson"]
    assert objects[0]["coverage"] == 75.0


@pytest.mark.parametrize("pack", [gzip.compress, bz2.compress, lzma.compress])
def test_evaluate_reads_compressed_files(en_vectors, tmp_path, pack):
    """Before, a compressed questions file was read as text: no question answered."""
    questions = b": capitals\nathens greece berlin germany\n: family\nking queen man woman\n"
    pairs = b"city town 8.0\nwar peace 3.0\nking queen 8.5\n"
    plain = [tmp_path / "q.txt", tmp_path / "p.txt"]
    packed = [tmp_path / "q", tmp_path / "p"]  # told by content, not by name
    for path, data in zip(plain + packed, [questions, pairs] * 2, strict=True):
        path.write_bytes(data if path in plain else pack(data))
    results = [
        run("evaluate", "-v", en_vectors, "--analogies", q, "--pairs", p, "--json")
        for q, p in (plain, packed)
    ]
    assert results[1].exit_code == 0, results[1].output
    answered = [[json.loads(line)["answered"] for line in r.stdout.splitlines()] for r in results]
    assert answered[0] == answered[1] and max(answered[0]) == 3
    packed[0].write_bytes(pack(questions * 100)[:-20])  # cut short
    result = run("evaluate", "-v", en_vectors, "--analogies", packed[0])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.startswith(f"Error: --analogies {packed[0]}: cannot read (")
    assert len(result.stderr.splitlines()) == 1


def test_evaluate_needs_a_file(en_vectors):
    result = run("evaluate", "-v", en_vectors)
    assert result.exit_code == 2 and "--analogies FILE" in result.stderr


def test_convert_and_info(en_vectors, tmp_path):
    binary, text = tmp_path / "v.bin", tmp_path / "v.txt"
    assert run("convert", en_vectors, binary).exit_code == 0  # text in: binary out
    assert run("convert", binary, text).exit_code == 0
    assert text.read_bytes() == en_vectors.read_bytes()
    info = dict(rows(run("info", binary)))
    assert info["format"] == "word2vec binary" and info["dimensions"] == "50"
    assert int(info["words"]) == len(en_vectors.read_text().splitlines()) - 1
    as_json = json.loads(run("info", en_vectors, "--json").stdout)
    assert as_json["format"] == "word2vec text" and as_json["words"] == int(info["words"])
    to_text = run("convert", binary, "-", "--to", "text")
    assert to_text.stdout == en_vectors.read_text()


def test_a_malformed_file_is_one_line_with_the_line_number(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("2 3\na 1 2 3\nb 1 2\n")
    result = run("nearest", "-v", bad, "a")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {bad}, line 3: expected a word and 3 numbers (as the header says), found 2 "
        "numbers\n"
    )


# Subprocesses: the real interpreter, stdin and stdout.

W2V = [sys.executable, "-m", "w2vcli"]


def test_query_commands_never_import_numba(en_vectors, tmp_path):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("city\ttown\t8\nwar\tpeace\t3\nking\tqueen\t8\n")
    commands = [
        ["nearest", "-v", str(en_vectors), "city"],
        ["analogy", "-v", str(en_vectors), "man", "king", "woman"],
        ["similarity", "-v", str(en_vectors), "city", "war"],
        ["similarity", "-v", str(en_vectors), "--sets", "city town", "war"],
        ["rank", "-v", str(en_vectors), "city", "war"],
        ["axis", "-v", str(en_vectors), "city", "war", "king"],
        ["evaluate", "-v", str(en_vectors), "--pairs", str(pairs)],
        ["info", str(en_vectors)],
        ["convert", str(en_vectors), str(tmp_path / "v.bin")],
    ]
    code = (
        "import sys\nfrom w2vcli.cli import cli\n"
        f"for args in {commands!r}:\n"
        "    cli(args, standalone_mode=False)\n"
        "print('numba imported' if 'numba' in sys.modules else 'no numba', file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[-1] == "no numba"


def read_line(stream, timeout=20.0) -> str:
    ready, _, _ = select.select([stream], [], [], timeout)
    assert ready, "no answer within the timeout: stdin queries are not answered as they come"
    return stream.readline()


def test_stdin_queries_are_answered_as_they_arrive(en_vectors):
    with subprocess.Popen(
        [*W2V, "nearest", "-v", str(en_vectors), "-k", "1"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        for word in ("city", "war"):
            proc.stdin.write(word + "\n")
            proc.stdin.flush()  # stdin stays open: the answer must come anyway
            assert read_line(proc.stdout).startswith(word + "\t")
        proc.stdin.close()
        assert proc.wait(timeout=20) == 0


@pytest.mark.skipif(not os.path.exists("/bin/sh"), reason="needs a shell")
def test_a_reader_that_stops_early_gets_no_traceback(en_vectors):
    words = "city\nwar\n" * 5000
    command = f"{' '.join(W2V)} nearest -v {en_vectors} -k 5 | head -n 1"
    done = subprocess.run(
        command, shell=True, input=words, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.startswith("city\t") and len(done.stdout.splitlines()) == 1
    assert done.stderr == ""


def test_nearest_arithmetic_is_gensims_most_similar(en_vectors):
    """`a - b + c`, several words summed, and --restrict, against gensim's
    most_similar(positive, negative, restrict_vocab): the same words, the same scores."""
    kv = KeyedVectors.load_word2vec_format(str(en_vectors))
    a, b, c = kv.index_to_key[60], kv.index_to_key[75], kv.index_to_key[90]
    cases = [
        ([f"{a} {c}"], {"positive": [a, c]}, []),
        (["-", b, a], {"positive": [a], "negative": [b]}, []),
        ([a, "-", b, "+", c], {"positive": [a, c], "negative": [b]}, []),
        ([a, "-", b, "+", c], {"positive": [a, c], "negative": [b], "restrict_vocab": 500},
         ["--restrict", 500]),
    ]  # fmt: skip
    for query, gensim_query, options in cases:
        result = run("nearest", "-v", en_vectors, *query, "-k", 10, *options)
        assert result.exit_code == 0, result.stderr
        got = rows(result)
        expected = kv.most_similar(**gensim_query, topn=10)
        assert [r[1] for r in got] == [w for w, _ in expected]
        np.testing.assert_allclose([float(r[2]) for r in got], [s for _, s in expected], atol=2e-6)
        assert got[0][0] == " ".join(query)
    vecs = w2vcli.load(en_vectors)
    expected = kv.most_similar(positive=[a, c], negative=[b], topn=5)
    assert [n.word for n in vecs.nearest([a, c], k=5, negative=[b])] == [w for w, _ in expected]


def test_nearest_expressions_from_stdin(en_vectors):
    kv = KeyedVectors.load_word2vec_format(str(en_vectors))
    a, b = kv.index_to_key[60], kv.index_to_key[75]
    lines = f"{a} - {b}\n{a}\n{a} -\n- -\nzzzq + {a}\n"
    result = run("nearest", "-v", en_vectors, "-k", 1, input=lines)
    assert result.exit_code == 1  # three bad lines, each said; the others answered
    assert [r[0] for r in rows(result)] == [f"{a} - {b}", a]
    assert rows(result)[0][1] == kv.most_similar(positive=[a], negative=[b], topn=1)[0][0]
    said = result.stderr.splitlines()
    assert said == [
        f"'-' with no word after it: {a} -",
        "two operators in a row: - -",
        "unknown word: zzzq",
    ]


def test_doesnt_match_is_gensims(en_vectors):
    kv = KeyedVectors.load_word2vec_format(str(en_vectors))
    for words in [kv.index_to_key[40:44], kv.index_to_key[100:106:2]]:
        result = run("doesnt-match", "-v", en_vectors, *words)
        assert result.exit_code == 0, result.stderr
        ((query, odd, score),) = rows(result)
        assert query == " ".join(words) and odd == kv.doesnt_match(words)
        assert w2vcli.load(en_vectors).doesnt_match(words).word == odd
    result = run("doesnt-match", "-v", en_vectors, input=f"{' '.join(words)}\none\n")
    assert result.exit_code == 1 and "two words or more" in result.stderr
    assert len(rows(result)) == 1


def test_nearest_to_a_raw_vector_is_gensims_similar_by_vector(en_vectors):
    kv = KeyedVectors.load_word2vec_format(str(en_vectors))
    vector = kv[kv.index_to_key[40]] - kv[kv.index_to_key[70]]
    line = "\t".join(f"{x:.9g}" for x in vector)
    result = run("nearest", "-v", en_vectors, "--vector", "-k", 5, input=f"{line}\n1 2\n")
    assert result.exit_code == 1 and "expected a vector of" in result.stderr
    got = rows(result)
    expected = kv.similar_by_vector(vector, topn=5)
    assert [r[1] for r in got] == [w for w, _ in expected]  # nothing excluded
    np.testing.assert_allclose([float(r[2]) for r in got], [s for _, s in expected], atol=2e-6)
    piped = run("vectors", "-v", en_vectors, "city").stdout.split("\t", 1)[1]
    result = run("nearest", "-v", en_vectors, "--vector", "-k", 1, input=piped)
    assert rows(result)[0][1:] == ["city", "1.000000"]


def test_axis_sorts_words_from_a_to_b(axis_vectors, monkeypatch):
    """tests/conftest.py placed the words: along man → woman, king, engineer, person, nurse,
    queen."""
    result = run("axis", "man", "woman", "-v", axis_vectors, "queen", "nurse", "king", "person")
    assert result.exit_code == 0 and result.stderr == ""
    assert rows(result) == [
        ["word", "score"],
        ["king", "-0.948683"],
        ["person", "0.000000"],
        ["nurse", "0.447214"],
        ["queen", "0.948683"],
    ]
    swapped = run("axis", "woman", "man", "-v", axis_vectors, "queen", "nurse", "king", "person")
    backward = [(w, -float(s)) for w, s in reversed(rows(result)[1:])]
    assert [(w, float(s)) for w, s in rows(swapped)[1:]] == backward
    batches = console._stdin_queries  # a batch a line, as a terminal gives them: sorted whole
    monkeypatch.setattr(console, "_stdin_queries", lambda: ([q] for b in batches() for q in b))
    lines = "queen\nzz\nnurse\nking person\nking\nperson\n"
    from_stdin = run("axis", "man", "woman", "-v", axis_vectors, "--json", input=lines)
    assert from_stdin.exit_code == 1
    assert from_stdin.stderr.splitlines() == [
        "unknown word: zz",
        "expected one word per line, got: king person",
    ]
    objects = [json.loads(line) for line in from_stdin.stdout.splitlines()]
    assert [o["word"] for o in objects] == [r[0] for r in rows(result)[1:]]
    assert objects[0]["score"] == pytest.approx(-3 / 10**0.5)


def test_axis_of_word_sets_and_the_words_at_its_ends(axis_vectors):
    vecs = w2vcli.load(axis_vectors)
    start, end = ["man", "king", "engineer"], ["woman", "queen"]
    expected = [[w, f"{s:.6f}"] for w, s in vecs.axis(start, end, ["person", "nurse"])]
    result = run("axis", "--from", "man,king,engineer", "--to", "woman, queen", "-v",
                 axis_vectors, "person", "nurse")  # fmt: skip
    assert result.exit_code == 0 and rows(result)[1:] == expected
    ends = run("axis", "man", "woman", "-v", axis_vectors, "--ends", 1, "--json")
    assert [json.loads(line)["word"] for line in ends.stdout.splitlines()] == ["king", "queen"]
    within = run("axis", "man", "woman", "-v", axis_vectors, "--ends", 2, "--restrict", 5)
    assert [r[0] for r in rows(within)] == ["word", "king", "engineer", "queen"]


@pytest.mark.parametrize(
    "args, status, message",
    [
        (["zz", "woman", "king"], 1, "Error: 'zz' is not in the vectors"),
        (["man", "man", "king"], 1, "the axis man → man has the same words at both ends"),
        (["--from", "man,king", "--to", "king,man"], 1, "has the same words at both ends"),
        (["man"], 2, "give the axis's ends A B, or --from W,W,... --to W,W,..."),
        (["--from", "man", "king"], 2, "give --from and --to together"),
        (["--to", "man", "king"], 2, "give --from and --to together"),
        (["--from", "man,", "--to", "woman"], 2, "'man,' has an empty word"),
        (["man", "woman", "king", "--ends", "2"], 2, "give WORDs or --ends K, not both"),
        (["man", "woman", "king", "--restrict", "2"], 2, "--restrict: only with --ends"),
    ],
)
def test_axis_errors_are_one_line(axis_vectors, args, status, message):
    result = run("axis", "-v", axis_vectors, *args, input="king\n")
    assert result.exit_code == status and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr
