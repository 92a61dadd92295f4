"""Standard streams (w2vcli.io.streams): words from hostile files never forge a row or reach
the terminal as control sequences, lines are read in bounded memory and linear time, and
talk on stderr never ends a run."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from gensim.models import KeyedVectors

import w2vcli
from w2vcli.cli import cli
from w2vcli.io.streams import json_line, quantity, read_lines, shown, split_words
from w2vcli.vectors.formats import parse_vectors
from w2vcli.vectors.vectors import load_vectors

CONTROLS = "".join(map(chr, [*range(0x20), 0x7F, *range(0x80, 0xA0)]))
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def run(*args, input=None):
    result = CliRunner().invoke(cli, [str(a) for a in args], input=input)
    assert not result.exception or isinstance(result.exception, SystemExit), result.exception
    return result


def test_shown_escapes_what_a_terminal_or_a_tsv_reader_acts_on():
    assert shown("a\tb\nc\rd") == "a\\tb\\nc\\rd"
    assert shown("\x1b[31mred\x07") == "\\x1b[31mred\\x07"
    assert shown("\x9b2J\x7f") == "\\x9b2J\\x7f"  # C1 CSI, DEL
    assert shown("abc\u202egnp.exe") == "abc\\u202egnp.exe"
    assert shown("line\u2028sep") == "line\\u2028sep"
    for char in CONTROLS + BIDI + "\u2028\u2029":
        assert shown(char).isprintable() and shown(char).startswith("\\")
    kept = "北京 café ٣ 😀 \u3000 \u00a0 ZWJ\u200d x\\y"  # letters, spaces, joiners, backslash
    assert shown(kept) == kept


def test_json_lines_escape_them_and_keep_every_word_exactly():
    words = ["a\x1bb", "\x9b", "r\u202el", "s\u2028t", "北京", 'q"uote\\']
    for word in words:
        line = json_line({"word": word, "x": 1.5})
        assert json.loads(line) == {"word": word, "x": 1.5}
        assert not any(c in line for c in CONTROLS + BIDI + "\u2028\u2029")
    assert json_line({"v": float("nan"), "w": float("inf")}) == '{"v": null, "w": null}'


def test_split_words_splits_on_ascii_white_space_only():
    assert split_words(" a\tb\r\n\x0bc\x0cd ") == ["a", "b", "c", "d"]
    assert split_words("全角\u3000空格 a\u00a0b \x1cx\x85y") == [
        "全角\u3000空格",
        "a\u00a0b",
        "\x1cx\x85y",
    ]


def test_read_lines_bounds_a_line_and_joins_pieces_once():
    pieces = iter([b"ab", b"c\nde", b"f" * 10, b"g\nshort\n", b"h", b""])
    assert list(read_lines(lambda: next(pieces), limit=8)) == [[b"abc"], [None], [b"short"], [b"h"]]
    # A 4 MB line in one-byte reads: linear time (the old joining was quadratic: hours).
    data = iter([b"x"] * (4 << 20) + [b"\nnext\n", b""])
    assert list(read_lines(lambda: next(data))) == [[None], [b"next"]]


# Hostile words, from a binary vectors file (any byte but a space may be in a word there).

HOSTILE = [
    b"city",
    b"new\nrow\t0.999",  # would forge a TSV row
    b"tab\tbed",
    b"\x1b]0;pwned\x07\x1b[2J",  # sets the terminal title, clears the screen
    b"csi\xc2\x9b31m",  # U+009B, a one-character CSI
    b"evil\xe2\x80\xaegnp",  # U+202E, right-to-left override
    b"nul\x00byte",
    b"\rcarriage",
    b"del\x7f",
    b"sep\xe2\x80\xa8arator",  # U+2028
]


@pytest.fixture
def hostile(tmp_path) -> Path:
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(len(HOSTILE), 4)).astype("<f4")
    rows[1] = rows[0] + 0.01  # the forging word is city's nearest neighbour
    body = b"".join(w + b" " + r.tobytes() + b"\n" for w, r in zip(HOSTILE, rows))
    path = tmp_path / "hostile.bin"
    path.write_bytes(f"{len(HOSTILE)} 4\n".encode() + body)
    return path


def assert_safe(text: str, fields: int | None = None) -> None:
    for line in text.splitlines():
        assert not any(c in line for c in CONTROLS.replace("\t", "") + BIDI + "\u2028\u2029"), line
        if fields is not None:
            assert line.count("\t") == fields - 1, line


def test_white_space_and_nul_in_words_are_replaced_and_counted(hostile):
    loaded = load_vectors(str(hostile))
    assert loaded.blank_words == 4 and loaded.words[1] == "new\ufffdrow\ufffd0.999"
    assert loaded.words[3] == "\x1b]0;pwned\x07\x1b[2J"  # a control, not a separator: kept
    assert all(not set(w) & set(" \t\n\r\x0b\x0c\x00") for w in loaded.words)


def test_hostile_words_cannot_forge_rows_or_reach_the_terminal(hostile):
    nearest = run("nearest", "city", "-v", hostile, "-k", "9")
    assert nearest.exit_code == 0
    assert len(nearest.stdout.splitlines()) == 9
    assert_safe(nearest.stdout, fields=3)
    assert "city\tnew\ufffdrow\ufffd0.999\t" in nearest.stdout
    assert "\\x1b]0;pwned\\x07\\x1b[2J" in nearest.stdout and "evil\\u202egnp" in nearest.stdout
    analogy = run("analogy", "city", "del\x7f", "csi\x9b31m", "-v", hostile, "-k", "3")
    assert analogy.exit_code == 0 and analogy.stdout.startswith("city\tdel\\x7f\tcsi\\x9b31m\t")
    assert_safe(analogy.stdout, fields=5)
    info = run("info", hostile)
    assert "blank_words_replaced\t4" in info.stdout
    assert_safe(info.stdout, fields=2)
    unknown = run("nearest", "\x1b[31mred\u202e", "-v", hostile)
    assert unknown.exit_code == 1
    assert unknown.stderr.splitlines()[-1] == "unknown word: \\x1b[31mred\\u202e"


def test_json_gives_the_hostile_words_exactly(hostile):
    loaded = load_vectors(str(hostile))
    result = run("nearest", "city", "-v", hostile, "-k", "9", "--json")
    assert_safe(result.stdout)
    answers = [json.loads(line)["neighbour"] for line in result.stdout.splitlines()]
    assert sorted(answers) == sorted(loaded.words[1:])


@pytest.mark.parametrize("binary", [False, True])
def test_converted_files_read_back_in_w2v_and_gensim(hostile, tmp_path, binary):
    out = tmp_path / ("v.bin" if binary else "v.txt")
    result = run("convert", hostile, out, "--to", "binary" if binary else "text")
    assert result.exit_code == 0 and "4 words held white space or NUL" in result.stderr
    loaded, again = load_vectors(str(hostile)), load_vectors(str(out))
    assert again.words == loaded.words and again.blank_words == 0
    np.testing.assert_array_equal(again.vectors, loaded.vectors)
    kv = KeyedVectors.load_word2vec_format(str(out), binary=binary)
    assert kv.index_to_key == loaded.words


def test_the_writer_refuses_words_no_file_can_hold(tmp_path):
    from w2vcli.errors import W2VError
    from w2vcli.vectors.formats import write_vectors

    for words in (["ok", "a b"], ["ok", ""], ["a\nb", "c"], ["nul\x00"]):
        with pytest.raises(W2VError, match="cannot hold"):
            write_vectors(open(os.devnull, "wb"), words, np.zeros((len(words), 2), np.float32))


def test_an_empty_word_in_a_binary_file_is_damage():
    data = b"2 1\na " + np.float32(1).tobytes() + b"\n " + np.float32(2).tobytes() + b"\n"
    with pytest.raises(Exception, match="binary vector 2 has an empty word"):
        parse_vectors(data, "name")


def test_file_names_in_messages_are_escaped(tmp_path):
    name = tmp_path / "\x1b]0;title\x07.txt"
    result = run("info", name)
    assert result.exit_code == 1 and "\\x1b]0;title\\x07.txt: no such file" in result.stderr
    assert "\x1b" not in result.stderr


def test_a_word_that_looks_like_a_formula_is_plotted_as_text(tmp_path):
    words = ["$\\undefinedcommand$", "$x^2$", "a$b", "plain", "$$"]
    rows = np.random.default_rng(1).normal(size=(5, 3)).astype(np.float32)
    path = tmp_path / "v.txt"
    path.write_text(
        "5 3\n" + "".join(f"{w} {' '.join(map(str, r))}\n" for w, r in zip(words, rows))
    )
    out = tmp_path / "p.svg"
    result = run("plot", "--top", "5", "-v", path, "-o", out)
    assert result.exit_code == 0, result.output
    assert "\\undefinedcommand" in out.read_text()


def test_a_matplotlibrc_in_the_working_directory_is_ignored(en_vectors, tmp_path, monkeypatch):
    (tmp_path / "matplotlibrc").write_text("text.usetex: True\nsavefig.facecolor: red\n")
    monkeypatch.chdir(tmp_path)
    script = (
        "from w2vcli.cli import cli; "
        f"cli(['plot', '--top', '20', '-v', {str(en_vectors)!r}, '-o', 'p.png'])"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr
    from matplotlib.image import imread

    corner = imread(tmp_path / "p.png")[0, 0, :3]
    assert corner.tolist() == [1.0, 1.0, 1.0]  # white: the rc file's red was not used


# Stdin queries.


def test_stdin_queries_keep_unicode_spaces_inside_words(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("3 2\n全角\u3000空格 1 0\na\u00a0b 0 1\nc 1 1\n")
    result = run("similarity", "-v", path, input="全角\u3000空格 a\u00a0b\n")
    assert result.exit_code == 0 and result.stdout == "全角\u3000空格\ta\u00a0b\t0.000000\n"


def test_a_query_line_too_long_is_skipped_and_the_rest_answered(en_vectors):
    lines = b"city\n" + b"x" * (2 << 20) + b"\nwar\n"
    result = run("nearest", "-v", en_vectors, "-k", "1", input=lines)
    assert result.exit_code == 1
    assert [row.split("\t")[0] for row in result.stdout.splitlines()] == ["city", "war"]
    assert result.stderr == "stdin line 2: longer than 1 MiB, not a query; skipped\n"


# stderr: talk never ends a run.


def w2v(*args, **kwargs):
    command = [sys.executable, "-m", "w2vcli", *map(str, args)]
    return subprocess.run(command, timeout=180, **kwargs)


def test_a_closed_stderr_neither_stops_training_nor_lands_in_the_output(tmp_path, small_corpus):
    out = tmp_path / "v.txt"
    args = ["train", small_corpus, "-o", out, "--epochs", "2", "--dim", "8", "--threads", "1"]
    result = w2v(
        *args,
        "--watch",
        "the",
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        preexec_fn=lambda: os.close(2),
    )
    assert result.returncode == 0
    loaded = load_vectors(str(out))  # nothing meant for stderr was written into it
    assert loaded.words[0] == "the" and loaded.vectors.shape[1] == 8


def test_a_reader_of_stderr_that_goes_away_does_not_stop_training(tmp_path, small_corpus):
    out = tmp_path / "v.txt"
    args = ["train", small_corpus, "-o", out, "--epochs", "3", "--dim", "8", "--threads", "1"]
    read_end, write_end = os.pipe()
    child = subprocess.Popen(
        [sys.executable, "-m", "w2vcli", *map(str, args), "--watch", "the"],
        stdout=subprocess.DEVNULL,
        stderr=write_end,
    )
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        pipe.readline()  # `| head -1`
    assert child.wait(timeout=180) == 0
    assert load_vectors(str(out)).words[0] == "the"


def test_sigpipe_on_stdout_stops_queries_quietly(en_vectors):
    child = subprocess.Popen(
        [sys.executable, "-m", "w2vcli", "nearest", "-v", str(en_vectors), "-k", "5"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    child.stdout.close()  # the reader has gone
    _, err = child.communicate(b"city\n" * 50_000, timeout=120)
    assert child.returncode == 141 and err == b""


def test_file_names_that_are_not_utf8(tmp_path, en_vectors):
    # Names are bytes on Linux: Python holds the undecodable ones as lone surrogates, which
    # cannot be printed; they are shown as the bytes they were.
    name = os.fsdecode(b"v\xff\xfe.txt")
    (tmp_path / name).write_bytes(en_vectors.read_bytes())
    pairs = tmp_path / os.fsdecode(b"p\xfe.txt")
    pairs.write_text("city war 5\nwar army 7\ncity town 9\n")
    for args, expected in [
        (["info", name], "path\tv\\xff\\xfe.txt\n"),
        (["info", name, "--json"], '"path": "v\\udcff\\udcfe.txt"'),
        (["evaluate", "-v", name, "--pairs", pairs.name], "p\\xfe.txt\tpairs\tspearman"),
        (["nearest", "zzzq", "-v", os.fsdecode(b"missing\xff")], "missing\\xff: no such file"),
    ]:
        result = subprocess.run(
            [sys.executable, "-m", "w2vcli", *args], cwd=tmp_path, capture_output=True, timeout=60
        )
        assert b"Traceback" not in result.stderr, result.stderr
        assert expected.encode() in result.stdout + result.stderr
    out = tmp_path / "p.svg"
    result = run("plot", "--top", "10", "-v", tmp_path / name, "-o", out)
    assert result.exit_code == 0, result.output


def test_a_file_that_is_not_a_font(en_vectors, tmp_path):
    fake = tmp_path / "font.ttf"
    fake.write_text("root:x:0:0:root:/root:/bin/sh\n")
    result = run("plot", "--top", "10", "-v", en_vectors, "-o", tmp_path / "p.png", "--font", fake)
    assert result.exit_code == 1
    assert result.output == f"Error: --font {fake}: not a font file FreeType can read\n"


def test_names_that_are_not_utf8_through_training(tmp_path, small_corpus):
    """Issue 29, class 6: a corpus, vectors file, model, replay or prepared directory whose
    name is not UTF-8 used to end training in a UnicodeEncodeError traceback (the JSON of
    its provenance); each is written, and its name read back as the same bytes."""
    corpus = tmp_path / os.fsdecode(b"c\xff.txt")
    corpus.write_bytes(small_corpus.read_bytes())
    names = {n: os.fsdecode(n.encode() + b"\xfe") for n in ("v.txt", "m", "s", "p")}
    args = ["train", corpus.name, "-o", names["v.txt"], "--save-model", names["m"]]
    args += ["--snapshots", names["s"], "--epochs", "1", "--threads", "1", "--dim", "8", "-q"]
    for command in (args, ["prepare", corpus.name, "-o", names["p"]]):
        result = subprocess.run(
            [sys.executable, "-m", "w2vcli", *command],
            cwd=tmp_path,
            capture_output=True,
            timeout=120,
        )
        assert result.returncode == 0 and b"Traceback" not in result.stderr, result.stderr
    record = json.loads((tmp_path / (names["v.txt"] + ".w2v.json")).read_bytes())
    assert record["runs"][0]["corpus"]["path"] == str(corpus)  # the same bytes, escaped
    assert w2vcli.load_model(tmp_path / names["m"]).corpus.path == str(corpus)
    described = json.loads((tmp_path / names["p"] / "prepared.json").read_bytes())
    assert described["inputs"][0]["name"] == corpus.name
    result = run("plot", "--animate", tmp_path / names["s"], "-o", tmp_path / "a.gif")
    assert result.exit_code == 0, result.output


def test_a_model_word_that_is_not_utf8_is_damage_in_one_line(tmp_path, small_corpus):
    model = tmp_path / "m"
    w2vcli.train(small_corpus, epochs=1, threads=1, dim=8).save(model)
    vocab = (model / "vocab.txt").read_bytes()
    (model / "vocab.txt").write_bytes(b"caf\xe9" + vocab[vocab.index(b" ") :])
    for args in (["info", model], ["train", small_corpus, "--from", model, "-o", "-"]):
        result = run(*args)
        assert result.exit_code == 1 and "a word is not UTF-8 text" in result.output


def test_a_quantity_has_its_noun_in_its_number():
    assert quantity(1, "thread") == "1 thread" and quantity(2, "thread") == "2 threads"
    assert quantity(0, "input") == "0 inputs" and quantity(1_234_567, "word") == "1,234,567 words"
    assert quantity(1, "matrix", "matrices") == "1 matrix"
    assert quantity(3, "matrix", "matrices") == "3 matrices"


@pytest.mark.parametrize(
    "args, said",
    [
        (["evaluate", "--analogies", "ANALOGIES"], "skipped 1 line that is not four words"),
        (["similarity", "a", "b"], "1 duplicate word; the first row of each is used"),
    ],
)
def test_messages_count_one_in_the_singular(tmp_path, args, said):
    vectors = tmp_path / "v.txt"
    vectors.write_text("3 2\na 1 0\nb 0 1\na 1 1\n")
    analogies = tmp_path / "q.txt"
    analogies.write_text(": s\na b a b\nnot four\n")
    args = [str(analogies) if a == "ANALOGIES" else a for a in args]
    result = CliRunner().invoke(cli, [*args, "-v", str(vectors)])
    assert said in result.stderr, result.stderr
