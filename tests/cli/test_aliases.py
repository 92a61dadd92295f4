"""gensim's and word2vec C's option names (w2vcli.cli.aliases): a whole word2vec C command
line trains what w2v's own names train, gensim's keywords typed as options are read as
w2v's, and a value w2v cannot do as asked is refused in one line naming w2v's option."""

import json

import click
import pytest
from click.testing import CliRunner

from w2vcli.cli import cli
from w2vcli.cli.aliases import understood


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def rewritten(command: str, *args) -> list:
    """The arguments `w2v COMMAND args` hands click."""
    found = cli.commands[command]
    with click.Context(found, info_name=command) as ctx:
        return understood(found, ctx, list(args))


@pytest.mark.parametrize(
    "command, theirs, ours",
    [
        (
            "train",
            "-train c.txt -output v.bin -size 200 -window 8 -sample 1e-4 -negative 25 -hs 0 "
            "-threads 4 -iter 15 -min-count 3 -alpha 0.05 -binary 1 -cbow 1 -classes 0 "
            "-save-vocab v.voc -read-vocab r.voc",
            "c.txt --output v.bin --dim 200 --window 8 --sample 1e-4 --negative 25 --threads 4 "
            "--epochs 15 --min-count 3 --alpha 0.05 --format binary --arch cbow "
            "--save-vocab v.voc --read-vocab r.voc",
        ),
        (
            "train",
            "c.txt -cbow 0 -hs 1 -negative 0",
            "c.txt --arch skipgram --negative 0 --loss hs",
        ),
        ("train", "c.txt --hs=1 --negative=0", "c.txt --negative=0 --loss hs"),
        (
            "train",
            "c.txt -binary 0 -debug 0 -min_count 2",
            "c.txt --format text --quiet --min-count 2",
        ),
        ("train", "c.txt -debug 2", "c.txt"),
        (
            "train",
            "c.txt --size 50 --vector-size 60 --vector_size=70 --iter 2 --sg 1 --sg 0",
            "c.txt --dim 50 --dim 60 --dim 70 --epochs 2 --arch skipgram --arch cbow",
        ),
        (
            "train",
            "c.txt --min_count 2 --min_alpha=0.001 --max_final_vocab 9 --cbow_mean 0",
            "c.txt --min-count 2 --min-alpha=0.001 --max-vocab 9 --cbow-sum",
        ),
        ("nearest", "king --topn 3 --restrict_vocab=100", "king -k 3 --restrict 100"),
        ("evaluate", "--restrict-vocab 300000", "--restrict 300000"),
        (
            "phrases",
            "-train a.txt -output b.txt -min-count 3 -threshold 50 -debug 2",
            "a.txt --output b.txt --min-count 3 --threshold 50",
        ),  # fmt: skip
    ],
)
def test_their_names_are_rewritten_as_ours(command, theirs, ours):
    assert rewritten(command, *theirs.split()) == ours.split()


@pytest.mark.parametrize(
    "command, args",
    [
        ("train", "c.txt -o v.txt -q --dim 5 -h"),  # w2v's own short options
        ("train", "c.txt -o -size --watch -cbow"),  # values, however they look
        ("train", "c.txt -- -size"),  # arguments after --
        ("train", "c.txt -qo v.txt"),  # flags bundled, for click to read
        ("nearest", "-v v.txt -k 3 king - man + woman"),
        ("nearest", "-size 3"),  # word2vec C's names only where the option is: click's error
    ],
)
def test_our_names_and_values_stay_as_they_are(command, args):
    assert rewritten(command, *args.split()) == args.split()


def test_a_word2vec_c_command_line_trains_what_ours_does(tmp_path, small_corpus):
    """Before, `-output v.txt` was `-o utput` and `-size` "No such option '-s'"."""
    theirs, ours = tmp_path / "c.bin", tmp_path / "w.bin"
    result = run(
        "train", "-train", small_corpus, "-output", theirs, "-size", 16, "-window", 3,
        "-sample", "1e-4", "-negative", 3, "-threads", 1, "-iter", 1, "-min-count", 3,
        "-alpha", 0.03, "-binary", 1, "-cbow", 0, "-debug", 0, "-hs", 0,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # -debug 0: quiet
    result = run(
        "train", small_corpus, "-o", ours, "--dim", 16, "--window", 3, "--sample", "1e-4",
        "--negative", 3, "--threads", 1, "--epochs", 1, "--min-count", 3, "--alpha", 0.03,
        "--format", "binary", "--arch", "skipgram", "-q",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert theirs.read_bytes() == ours.read_bytes()
    settings = [
        json.loads((tmp_path / f"{p.name}.w2v.json").read_text())["runs"][0]["settings"]
        for p in (theirs, ours)
    ]
    assert settings[0] == settings[1] and settings[0]["arch"] == "skipgram"


@pytest.mark.parametrize(
    "theirs, ours",
    [
        (["--vector_size", 12, "--sg", 1, "--iter", 1, "--min_count", 3],
         ["--dim", 12, "--arch", "skipgram", "--epochs", 1, "--min-count", 3]),
        (["--size", 12, "-hs", 1, "-negative", 0, "--epochs", 1],
         ["--dim", 12, "--loss", "hs", "--epochs", 1]),
        (["--vector-size", 12, "--cbow_mean", 0, "--iter", 1, "--max_final_vocab", 50],
         ["--dim", 12, "--cbow-sum", "--epochs", 1, "--max-vocab", 50]),
    ],
)  # fmt: skip
def test_gensims_names_train_what_ours_do(tmp_path, small_corpus, theirs, ours):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    for out, names in ((a, theirs), (b, ours)):
        result = run("train", small_corpus, "-o", out, "--threads", 1, "-q", *names)
        assert result.exit_code == 0, result.output
    assert a.read_bytes() == b.read_bytes()


def test_topn_is_k(en_vectors):
    theirs = run("nearest", "-v", en_vectors, "--topn", 3, "--restrict_vocab", 500, "king")
    ours = run("nearest", "-v", en_vectors, "-k", 3, "--restrict", 500, "king")
    assert theirs.exit_code == 0 and theirs.stdout == ours.stdout
    assert len(theirs.stdout.splitlines()) == 3


@pytest.mark.parametrize(
    "args, said",
    [
        ("train c.txt -hs 1", "-hs 1 with negative 5, the default: word2vec C and gensim train"),
        ("train c.txt --hs 1 --negative 5", "add -negative 0 for hierarchical softmax alone"),
        ("train c.txt -hs 0 -negative 0", "trains no output layer; give -hs 1 (--loss hs)"),
        ("train c.txt -hs 2 -negative 0", "-hs 2: give 1 (--loss hs) or 0 (--loss ns)"),
        ("train c.txt -cbow 2", "-cbow 2: give 0 (--arch skipgram) or 1 (--arch cbow)"),
        ("train c.txt --sg yes", "--sg yes: give 0 (--arch cbow) or 1 (--arch skipgram)"),
        ("train c.txt -binary 2", "-binary 2: give 0 (--format text) or 1 (--format binary)"),
        ("train c.txt -classes 100", "not word2vec C's k-means classes"),
        ("train c.txt --max_vocab_size 1000", "is --max-types N; to keep only the N most"),
        ("train c.txt -size", "-size: give a value"),
        ("similarity a b --topn 3", "--topn is w2v's -k, which w2v similarity does not take"),
        ("nearest king --sg 1", "--sg is w2v's --arch, which w2v nearest does not take"),
    ],
)
def test_what_w2v_cannot_do_as_asked_is_one_line_naming_its_option(args, said):
    result = run(*args.split())
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and said in result.stderr
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.output


def test_gensims_workers_are_pointed_to_threads(small_corpus):
    result = run("train", small_corpus, "--workers", 4, "--dry-run")
    assert result.exit_code == 1
    assert "this machine's threads (gensim's workers) are --threads N" in result.stderr
