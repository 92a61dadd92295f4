"""`w2v prepare` and w2vcli.text.prepared: the vocabulary of many inputs is the one training
counts from them concatenated; Dask workers (a two-worker LocalCluster) write the same
directory as this process; `w2v train DIR` trains the shards as it trains the text, to the
byte; inputs of every kind; one-line errors."""

import bz2
import gzip
import json
import lzma
import os
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

import w2vcli
from tests.paths import SAMPLES
from w2vcli.cli import cli
from w2vcli.errors import W2VError
from w2vcli.text.corpus import LINE_END, encode, read_corpus
from w2vcli.text.prepared import load_prepared, prepare
from w2vcli.text.vocab import build_vocab

SAMPLE = SAMPLES / "en.txt"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> list:
    """The English sample in three files of unequal size, each ending its last line."""
    lines = SAMPLE.read_text().splitlines(keepends=True)
    folder = tmp_path_factory.mktemp("inputs")
    paths = []
    for i, (start, stop) in enumerate([(0, 40), (40, 150), (150, 250)]):
        paths.append(folder / f"part-{i}.txt")
        paths[-1].write_text("".join(lines[start:stop]))
    return paths


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def collapsed(ids: np.ndarray) -> np.ndarray:
    """The stream with each run of line ends made one."""
    ends = ids == LINE_END
    return ids[~(ends & np.concatenate([[False], ends[:-1]]))]


def test_the_vocabulary_and_ids_are_those_of_the_inputs_concatenated(inputs, tmp_path):
    prepared = prepare(inputs, tmp_path / "p")
    joined = tmp_path / "all.txt"
    joined.write_bytes(b"".join(p.read_bytes() for p in inputs))
    raw = read_corpus(str(joined))
    vocab, new_ids = build_vocab(raw.tokens, raw.counts, 5)
    assert prepared.vocab.words == vocab.words  # the same order: ties first seen first
    assert prepared.vocab.counts.tolist() == vocab.counts.tolist()
    ours = prepared.ids[0 : len(prepared.ids)]
    assert np.array_equal(collapsed(ours), collapsed(encode(raw, new_ids)))
    assert len(prepared.described["shards"]) == 3  # one per input, in their order
    lengths = [s["ids"] for s in prepared.described["shards"]]
    assert sum(lengths) == len(prepared.ids)
    assert prepared.described["distinct"] == len(raw.tokens)


def test_dask_workers_write_the_same_directory(inputs, tmp_path, monkeypatch):
    """Counted and encoded by two worker processes of a LocalCluster, the files have the
    same bytes as this process writes; from relative paths too (the workers run in a
    directory of their own)."""
    monkeypatch.chdir(inputs[0].parent)
    names = [p.name for p in inputs]
    local = prepare(names, tmp_path / "local", min_count=3)
    dask = prepare(names, os.path.relpath(tmp_path / "dask"), min_count=3, engine="dask", workers=2)
    assert dask.described["engine"] == "dask"
    names = sorted(os.listdir(tmp_path / "local"))
    assert names == sorted(os.listdir(tmp_path / "dask"))
    for name in names:
        if name != "prepared.json":
            assert (tmp_path / "local" / name).read_bytes() == (
                tmp_path / "dask" / name
            ).read_bytes()
    assert local.described["inputs"] == dask.described["inputs"]


def test_training_a_prepared_directory_is_training_its_text(tmp_path):
    """One input, one thread: the vectors of `w2v train DIR` and of `w2v train TEXT` have
    the same bytes; the run takes the directory's --min-count unless told otherwise."""
    assert invoke("prepare", SAMPLE, "-o", tmp_path / "p", "--min-count", "3").exit_code == 0
    common = ["--threads", "1", "--epochs", "1", "--dim", "20", "--seed", "3", "-q"]
    result = invoke("train", tmp_path / "p", "-o", tmp_path / "a.txt", *common)
    assert result.exit_code == 0, result.output
    result = invoke("train", SAMPLE, "-o", tmp_path / "b.txt", "--min-count", "3", *common)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "a.txt").read_bytes() == (tmp_path / "b.txt").read_bytes()
    refused = invoke("train", tmp_path / "p", "-o", tmp_path / "c.txt", "--min-count", "5")
    assert refused.exit_code == 1 and "prepared with --min-count 3" in refused.output
    model = w2vcli.train(tmp_path / "p", epochs=1, dim=10, threads=1)  # takes min_count 3
    assert len(model.vocab) == len(load_prepared(tmp_path / "p").vocab)


def test_directories_patterns_compressed_and_parquet_inputs(inputs, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    expected = prepare(inputs, tmp_path / "text").ids
    expected = expected[0 : len(expected)]
    packed = tmp_path / "packed"
    packed.mkdir()
    for p in inputs:
        (packed / (p.name + ".gz")).write_bytes(gzip.compress(p.read_bytes()))
    for given in ([packed], [str(packed / "part-*.txt.gz")]):
        got = prepare(given, tmp_path / "x").ids
        assert np.array_equal(got[0 : len(got)], expected)
    lines = [line for p in inputs for line in p.read_text().splitlines()]
    table = pa.table({"text": lines, "tokens": [line.split() for line in lines]})
    pq.write_table(table, tmp_path / "corpus.parquet")
    for column in ("text", "tokens"):
        got = prepare([tmp_path / "corpus.parquet"], tmp_path / "x", column=column).ids
        assert np.array_equal(collapsed(got[0 : len(got)]), collapsed(expected))


@pytest.mark.parametrize("pack", [gzip.compress, bz2.compress, lzma.compress])
def test_compressed_inputs_are_told_by_content_files_and_urls_alike(inputs, tmp_path, pack):
    """Before, a URL was decompressed by its name's suffix: a packed file named .txt was
    counted as text (its bytes as tokens)."""
    expected = prepare(inputs[:1], tmp_path / "text").ids
    expected = expected[0 : len(expected)]
    packed = tmp_path / "part.txt"  # the name says text
    packed.write_bytes(pack(inputs[0].read_bytes()))
    for given in (packed, packed.as_uri()):
        got = prepare([given], tmp_path / "x").ids
        assert np.array_equal(got[0 : len(got)], expected)


def test_stdin_is_refused_in_one_line(inputs, tmp_path):
    result = CliRunner().invoke(cli, ["prepare", "-", "-o", str(tmp_path / "out")], input="a b\n")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr == (
        "Error: -: w2v prepare reads each input twice, so not stdin; give files (w2v train - "
        "reads stdin)\n"
    )


def test_a_prepared_directory_is_replaced_whole_and_nothing_else_is(inputs, tmp_path):
    target = tmp_path / "p"
    prepare(inputs[:1], target)
    prepare(inputs, target)  # replaced: three shards now
    assert sorted(os.listdir(target))[:3] == ["ids-00000.npy", "ids-00001.npy", "ids-00002.npy"]
    (target / "notes.txt").write_text("mine")
    with pytest.raises(W2VError, match="not a prepared directory"):
        prepare(inputs, target)
    assert (target / "notes.txt").read_text() == "mine"


def test_errors_are_one_line(inputs, tmp_path):
    text = inputs[0]
    (tmp_path / "t.parquet").write_bytes(b"PAR1 not really")
    cases = [
        ([tmp_path / "missing.txt"], "missing.txt"),
        ([text, "--column", "text"], "--column is for Parquet"),
        ([tmp_path / "t.parquet"], "name its text with --column"),
        ([tmp_path / "t.parquet", "--column", "x"], "cannot read as Parquet"),
        ([text, "--workers", "2"], "for --engine dask"),
        ([str(tmp_path / "nothing-*.txt")], "matches no file"),
        ([text, "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9"], "cannot reach"),
    ]
    for args, message in cases:
        result = invoke("prepare", *args, "-o", tmp_path / "out")
        assert result.exit_code == 1, (args, result.output)
        last = result.output.splitlines()[-1]  # after what was done, one line
        assert last.startswith("Error: ") and message in last, result.output
        assert result.output.count("Error") == 1
    assert not (tmp_path / "out").exists()


def test_a_worker_that_dies_fails_the_run_in_one_line():
    from w2vcli.engines import DaskEngine

    with DaskEngine(workers=1) as engine:
        with pytest.raises(W2VError, match="died"):
            engine.map(os._exit, [3])


# Shards are files anyone may edit (issue 29, classes 10 and 12).


def forged_shard(inputs, tmp_path, change) -> tuple:
    """A prepared directory whose first shard's ids were changed by `change(ids)`."""
    prepared = tmp_path / "p"
    prepare(inputs[:2], prepared)
    shard = prepared / "ids-00000.npy"
    ids = np.load(shard)
    change(ids)
    np.save(shard, ids, allow_pickle=False)
    return prepared, shard


@pytest.mark.parametrize(
    "change",
    [
        lambda ids: ids.__setitem__(5, 2_000_000_000),  # the example: SIGSEGV in the kernel
        lambda ids: ids.__setitem__(5, -7),  # not LINE_END: read before w_in
        lambda ids: ids.__setitem__(slice(0, 3), ids[0] + 100_000),
        lambda ids: ids.__setitem__(5, (ids[5] + 1) % 50),  # in range, but not what was prepared
    ],
    ids=["2e9", "negative", "past the vocabulary", "another word"],
)
def test_a_forged_shard_is_refused_in_one_line(inputs, tmp_path, change):
    prepared, _ = forged_shard(inputs, tmp_path, change)
    for args in (["train", prepared, "-o", tmp_path / "v.txt"], ["train", prepared, "--dry-run"]):
        result = subprocess.run(  # a crash of the kernel must not take pytest with it
            [sys.executable, "-m", "w2vcli", *map(str, args), "--epochs", "1", "-q"],
            capture_output=True,
            timeout=120,
        )
        lines = result.stderr.decode().splitlines()
        assert result.returncode == 1 and len(lines) == 1, result.stderr
        assert "prepare it again" in lines[0] and not (tmp_path / "v.txt").exists()


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d["inputs"][0].update(tokens="x"),  # the example: ValueError traceback
        lambda d: d["inputs"][0].update(lines=1.5),
        lambda d: d.pop("vocabulary"),  # KeyError traceback
        lambda d: d.update(vocabulary=7),  # TypeError traceback
        lambda d: d["vocabulary"].update(max_vocab=[[1]]),  # TypeError in the settings
        lambda d: d.update(words=2**63),  # OverflowError traceback
        lambda d: d.update(distinct=float("nan")),
        lambda d: d.pop("inputs"),
    ],
    ids=["tokens x", "lines 1.5", "no vocabulary", "vocabulary 7", "max_vocab list",
         "words 2**63", "distinct NaN", "no inputs"],
)  # fmt: skip
def test_an_edited_prepared_json_is_refused_in_one_line(inputs, tmp_path, edit):
    """prepared.json is a file anyone may edit: each field w2v reads is checked for its
    type when the directory is read (issue 29, class 7)."""
    prepare(inputs[:1], tmp_path / "p")
    described = json.loads((tmp_path / "p" / "prepared.json").read_text())
    edit(described)
    (tmp_path / "p" / "prepared.json").write_text(json.dumps(described))
    for args in (["-o", tmp_path / "v.txt"], ["--dry-run"]):
        result = invoke("train", tmp_path / "p", *args, "-q")
        assert result.exit_code == 1, result.output
        assert result.output.startswith("Error: ") and len(result.output.splitlines()) == 1
        assert "prepared.json" in result.output


def test_ids_read_are_checked_whatever_reads_them(inputs, tmp_path):
    """The workers of a Dask run read the shards themselves: every slice is checked."""
    prepared, _ = forged_shard(inputs, tmp_path, lambda ids: ids.__setitem__(-2, 10**9))
    ids = load_prepared(prepared).ids
    assert len(ids[0:1000])  # the start is fine
    with pytest.raises(w2vcli.W2VError, match="ids outside its vocabulary"):
        ids[0 : len(ids)]


def test_thousands_of_shards_within_the_limit_of_open_files(tmp_path):
    """A prepared directory of 3,000 shards failed: "Too many open files" at 1,024."""
    import resource

    folder = tmp_path / "inputs"
    folder.mkdir()
    text = SAMPLE.read_bytes()[:200_000].split(b"\n")[0].split()
    for i in range(300):
        (folder / f"{i:04d}.txt").write_bytes(b" ".join(text[i * 20 : i * 20 + 200]) + b"\n")
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)
    code = (
        "import resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_NOFILE, (100, {limit[1]}))\n"
        "from w2vcli.cli import main\nsys.argv[0] = 'w2v'\nmain()\n"
    )
    for args in (
        ["prepare", str(folder), "-o", str(tmp_path / "p"), "--min-count", "1"],
        ["train", str(tmp_path / "p"), "-o", str(tmp_path / "v.txt"), "--epochs", "1", "-q"],
    ):
        result = subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, timeout=300
        )
        assert result.returncode == 0, result.stderr
    assert len(os.listdir(tmp_path / "p")) == 302 and (tmp_path / "v.txt").exists()


def test_each_input_is_reported_as_it_is_counted_and_as_it_is_encoded(inputs, tmp_path):
    told = []
    prepare(inputs[:2], tmp_path / "p", min_count=1, on_read=told.append)
    ends = [(r.name, r.at, r.size) for r in told if r.done]
    sizes = [(str(p), p.stat().st_size, p.stat().st_size) for p in inputs[:2]]
    assert ends == sizes * 2  # counted, then encoded
    counted = [r.tokens for r in told if r.done][:2]
    assert counted == [len(p.read_bytes().split()) for p in inputs[:2]]


def test_prepare_says_its_stages_in_the_right_number_and_nothing_with_q(inputs, tmp_path):
    said = invoke("prepare", inputs[0], "-o", tmp_path / "p", "--min-count", "1")
    assert said.exit_code == 0, said.output
    lines = said.stderr.splitlines()
    assert lines[0] == "counting 1 input on this process"
    assert lines[1].startswith("vocabulary: ") and lines[1].endswith(" words; writing 1 shard")
    assert lines[-1].startswith(f"{tmp_path / 'p'}: 1 shard, ")
    quiet = invoke("prepare", inputs[0], "-o", tmp_path / "p", "--min-count", "1", "-q")
    assert quiet.exit_code == 0 and quiet.stderr == "" and quiet.stdout == ""
    assert (tmp_path / "p" / "prepared.json").exists()
