"""Property-based tests (hypothesis) of the directories w2v writes and reads back: model
and checkpoint directories, prepared corpora, replays, indexes and provenance records.

Each is a set of files anyone may edit. Whatever is edited (a field of model.json,
prepared.json, replay.json, source.json or VECTORS.w2v.json given another value or taken
out; bytes of an array, a shard or a word list changed, cut or added; a shard forged
with its sha256), every command that reads it answers, or stops with one line that
says what is wrong: never a traceback, never a crash of the kernel, never a hang.
W2V_FUZZ_EXAMPLES cases per property (default 40), as tests/test_fuzz.py.
"""

import copy
import hashlib
import json
import os
import shutil

import pytest
from click.testing import CliRunner
from hypothesis import event, example, given
from hypothesis import strategies as st

from tests.paths import SAMPLES
from tests.test_fuzz import fuzz
from w2vcli.cli import cli


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A model, a checkpoint, a replay, a prepared corpus, a vectors file with its record
    and its index, all from one small run."""
    folder = tmp_path_factory.mktemp("made")
    (folder / "c.txt").write_bytes((SAMPLES / "en.txt").read_bytes()[:100_000])
    train = ["train", "c.txt", "--epochs", "1", "--dim", "10", "--min-count", "3", "-o", "v.txt"]
    made = ["--save-model", "m", "--checkpoint", "ck", "--snapshots", "rp", "-q"]
    for args in (train + made, ["prepare", "c.txt", "-o", "p", "--min-count", "3"]):
        assert w2v(folder, *args).exit_code == 0
    assert w2v(folder, "index", "v.txt").exit_code == 0
    return folder


def w2v(folder, *args):
    """A command run in `folder` (its relative paths there), in this process."""
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        return CliRunner().invoke(cli, [str(a) for a in args])
    finally:
        os.chdir(cwd)


def copied(made, tmp_path_factory):
    folder = tmp_path_factory.mktemp("edited") / "d"
    shutil.copytree(made, folder)  # times kept: the index is current
    return folder


def check(result, args) -> None:
    """An answer, or one line that says what is wrong (after any warnings)."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"w2v {' '.join(args)}: a traceback") from result.exception
    assert result.exit_code in (0, 1), (args, result.exit_code, result.output)
    if result.exit_code == 1:
        errors = [line for line in result.stderr.splitlines() if not line.startswith("w2v: ")]
        assert len(errors) == 1 and errors[0].startswith("Error: "), (args, result.stderr)


TRAIN = ["-o", "o.txt", "--epochs", "1", "-q"]
READERS = {  # each file edited, and the commands that read it
    "m/model.json": [
        ["info", "m"],
        ["info", "m", "--json"],
        ["convert", "m", "o.txt"],
        ["train", "c.txt", "--from", "m", *TRAIN],
        ["train", "c.txt", "--from", "m", "--update-vocab", *TRAIN],
    ],
    "ck/model.json": [["train", "--resume", "ck", "-o", "o.txt", "-q"], ["info", "ck"]],
    "p/prepared.json": [
        ["train", "p", *TRAIN],
        ["train", "p", "--from", "m", "--update-vocab", *TRAIN],
    ],
    "rp/replay.json": [
        ["plot", "--animate", "rp", "-o", "a.html"],
        ["plot", "--animate", "rp", "-o", "a.html", "the", "of"],
    ],
    "v.txt.w2v.json": [["info", "v.txt"], ["info", "v.txt", "--json"]],
    "v.txt.index/source.json": [["nearest", "-v", "v.txt", "the"], ["info", "v.txt"]],
}
BYTE_READERS = {
    "m/w_in.npy": READERS["m/model.json"],
    "m/vocab.txt": READERS["m/model.json"],
    "ck/w_out.npy": READERS["ck/model.json"],
    "p/ids-00000.npy": READERS["p/prepared.json"],
    "p/vocab.txt": READERS["p/prepared.json"],
    "rp/input.npy": READERS["rp/replay.json"],
    "v.txt.index/unit.npy": [["nearest", "-v", "v.txt", "the"]],
    "v.txt.index/sorted.npy": [["nearest", "-v", "v.txt", "the"]],
    "v.txt.index/sorted.txt": [["nearest", "-v", "v.txt", "the"]],
    "v.txt.index/words.txt": [["analogy", "-v", "v.txt", "the", "of", "and"]],
}

# Values a field may be given: of every JSON type, empty, huge, negative, not a number,
# a path elsewhere, w2v's own words in the wrong place, text that is not UTF-8.
VALUE = st.one_of(
    st.sampled_from(
        [None, True, False, 0, -1, 1, 2**31, 2**63, -(2**63), 10**30, 1.5, -0.5, 1e308]
        + [float("nan"), float("inf"), "", "x", "1", "/tmp/elsewhere", "../x", "\udcff"]
        + [[], {}, [1, 2], ["x"], {"a": 1}, [[]], [None], "cbow", "hs", "dask"]
    ),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
        max_leaves=5,
    ),
)


def places(doc, at=()):
    """Every place in a JSON document: the key path of each value."""
    yield at
    children = (
        doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    )
    for key, value in children:
        yield from places(value, (*at, key))


@st.composite
def edits(draw, doc):
    """`doc` with one to three of its values replaced or taken out, and maybe cut short."""
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.sampled_from(list(places(doc))))
        if not at:
            doc = copy.deepcopy(draw(VALUE))  # (never one object in two places)
            continue
        parent = doc
        for key in at[:-1]:
            parent = parent[key]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[at[-1]]
        else:
            parent[at[-1]] = copy.deepcopy(draw(VALUE))
    data = json.dumps(doc).encode("utf-8", "surrogatepass")
    return data[: draw(st.integers(0, len(data)))] if draw(st.integers(0, 9)) == 0 else data


@fuzz
@given(data=st.data(), name=st.sampled_from(sorted(READERS)))
@example(data=None, name="p/prepared.json")  # prepared.json's inputs[0].tokens = "x"
def test_edited_records_are_answered_or_refused_in_one_line(made, tmp_path_factory, data, name):
    folder = copied(made, tmp_path_factory)
    doc = json.loads((folder / name).read_bytes())
    if data is None:
        doc["inputs"][0]["tokens"] = "x"
        edited, args = json.dumps(doc).encode(), READERS[name][0]
    else:
        edited, args = data.draw(edits(doc)), data.draw(st.sampled_from(READERS[name]))
    (folder / name).write_bytes(edited)
    result = w2v(folder, *args)
    check(result, args)
    event(f"{args[0]}: exit {result.exit_code}")


@st.composite
def damage(draw, data: bytes) -> bytes:
    """Bytes changed (anywhere, or in a .npy header), cut short, added; or a 32-bit number
    of a .npy's data set to an id just outside a vocabulary, negative, or huge."""
    data = bytearray(data)
    kind = draw(st.sampled_from(["bytes", "header", "cut", "added", "int32"]))
    if kind == "bytes" and data:
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    elif kind == "header" and data:
        for _ in range(draw(st.integers(1, 3))):
            at = draw(st.integers(0, min(127, len(data) - 1)))
            data[at] = draw(st.sampled_from(b"0123456789<>if2348,()' :{}"))
    elif kind == "cut":
        data = data[: draw(st.integers(0, len(data)))]
    elif kind == "added":
        data += draw(st.binary(min_size=1, max_size=64))
    elif len(data) > 132:
        at = draw(st.integers(128, len(data) - 4)) & ~3
        value = draw(st.sampled_from([-2, -1, 971, 972, 2**31 - 1, 2_000_000_000]))
        data[at : at + 4] = value.to_bytes(4, "little", signed=True)
    return bytes(data)


@fuzz
@given(data=st.data(), name=st.sampled_from(sorted(BYTE_READERS)), forged=st.booleans())
def test_damaged_files_are_answered_or_refused_in_one_line(
    made, tmp_path_factory, data, name, forged
):
    """`forged`: a shard's sha256 in prepared.json made to match it, as someone who meant
    it would; its ids are then checked as they are read, before the kernel sees them."""
    folder = copied(made, tmp_path_factory)
    path = folder / name
    times = os.stat(path)
    damaged = data.draw(damage(path.read_bytes()))
    path.write_bytes(damaged)
    os.utime(path, ns=(times.st_atime_ns, times.st_mtime_ns))
    if forged and name.endswith("ids-00000.npy"):
        described = json.loads((folder / "p/prepared.json").read_bytes())
        described["shards"][0]["sha256"] = hashlib.sha256(damaged[128:]).hexdigest()
        (folder / "p/prepared.json").write_text(json.dumps(described))
    args = data.draw(st.sampled_from(BYTE_READERS[name]))
    result = w2v(folder, *args)
    check(result, args)
    event(f"{args[0]}: exit {result.exit_code}")


@pytest.mark.parametrize("name", [n for n in sorted(BYTE_READERS) if n.endswith(".npy")])
def test_a_npy_header_numpy_cannot_parse_is_one_line(made, tmp_path_factory, name):
    """A bracket of a .npy header changed: numpy's parser raised tokenize.TokenError, a
    traceback from every reader of w2v's arrays (models, shards, replays, indexes)."""
    folder = copied(made, tmp_path_factory)
    path = folder / name
    times = os.stat(path)
    path.write_bytes(path.read_bytes().replace(b"(", b"((", 1)[: os.path.getsize(path)])
    os.utime(path, ns=(times.st_atime_ns, times.st_mtime_ns))
    for args in BYTE_READERS[name]:
        result = w2v(folder, *args)
        check(result, args)
        assert result.exit_code == 1
