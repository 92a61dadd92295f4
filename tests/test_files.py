"""Outputs and inputs (w2vcli.files), tried as a careless or hostile user would: nothing w2v
is pointed at is destroyed, every path is checked before the corpus is read, and every
message names the path the user gave.

Device nodes are made only inside a private mount namespace (`unshare`), on a tmpfs of its
own, never the machine's /dev: those that act when opened (the kernel log, a disk) on one
mounted `nodev`, so that even a w2v that wrongly opened them could not act on the device.
(An earlier w2v, run as root against these tests, replaced the machine's /dev/null with a
regular file.)"""

import contextlib
import os
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from w2vcli import files
from w2vcli.cli import cli
from w2vcli.vectors import load_vectors

FAST = ["--epochs", "1", "--dim", "8", "--threads", "1", "-q"]
PREVIOUS = b"2 1\nprevious 1\nfile 2\n"


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


def w2v(*args, timeout=120, **kwargs) -> subprocess.CompletedProcess:
    """`w2v ARGS` in a child process, as a shell would run it."""
    command = [sys.executable, "-m", "w2vcli", *map(str, args)]
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **kwargs}
    return subprocess.run(command, timeout=timeout, **streams)


def one_line_error(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 1, result.output
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


@pytest.fixture
def corpus(tmp_path, small_corpus) -> Path:
    path = tmp_path / "c.txt"
    shutil.copy(small_corpus, path)
    return path


def previous(path: Path, mode: int = 0o644) -> Path:
    path.write_bytes(PREVIOUS)
    path.chmod(mode)
    return path


def left_in(directory: Path) -> set:
    return {p.name for p in directory.iterdir()}


# Outputs that are the inputs, or each other: refused before anything is read or written.


def test_an_output_that_is_the_corpus_is_refused_however_it_is_named(tmp_path, corpus):
    data = corpus.read_bytes()
    os.link(corpus, tmp_path / "hard.txt")
    (tmp_path / "soft.txt").symlink_to(corpus)
    (tmp_path / "sub").mkdir()
    for name in [corpus, "hard.txt", "soft.txt", "sub/../c.txt", "./c.txt"]:
        target = f"{tmp_path}/{name}" if isinstance(name, str) else name
        message = one_line_error(run("train", corpus, "-o", target, *FAST))
        assert f"--output {target}: is the same file as CORPUS {corpus}" in message
    assert corpus.read_bytes() == data
    assert left_in(tmp_path) == {"c.txt", "hard.txt", "soft.txt", "sub"}


def test_an_output_that_is_stdin_the_corpus_is_refused(tmp_path, corpus):
    data = corpus.read_bytes()
    with open(corpus, "rb") as stdin:
        result = w2v("train", "-", "-o", corpus, *FAST, stdin=stdin)
    assert result.returncode == 1
    assert b"is the same file as CORPUS -" in result.stderr
    assert corpus.read_bytes() == data


def test_outputs_onto_other_inputs_and_onto_each_other(tmp_path, corpus, en_vectors):
    questions = tmp_path / "q.txt"
    questions.write_text(": capitals\nthe of and in\n")
    cases = [
        (["-o", questions, "--eval-analogies", questions], "is the same file as --eval-analogies"),
        (["-o", tmp_path / "x", "--save-vocab", tmp_path / "x"], "is the same file as --output"),
        (["-o", tmp_path / "x", "--save-vocab", f"{tmp_path}/./x"], "same file as --output"),
        (["-o", "-", "--save-vocab", "/proc/self/fd/1"], "is the same file as --output -"),
        (["-o", "-", "--save-vocab", "-"], "is the same file as --output -"),
    ]
    for args, message in cases:
        assert message in one_line_error(run("train", corpus, *args, *FAST))
    assert questions.read_text() == ": capitals\nthe of and in\n"
    converted = tmp_path / "v.txt"
    shutil.copy(en_vectors, converted)
    assert "TARGET" in one_line_error(run("convert", converted, converted, "--to", "binary"))
    assert converted.read_bytes() == en_vectors.read_bytes()


def test_answers_appended_to_the_vectors_file_are_refused(tmp_path, en_vectors):
    vectors = tmp_path / "v.txt"
    shutil.copy(en_vectors, vectors)
    for command in (["nearest", "city", "-v", vectors], ["info", vectors]):
        with open(vectors, "ab") as appended:
            result = w2v(*command, stdout=appended)
        assert result.returncode == 1 and b"is the same file as" in result.stderr
    assert vectors.read_bytes() == en_vectors.read_bytes()


def test_tokenize_never_reads_what_it_appends_to(tmp_path):
    raw = tmp_path / "raw.txt"
    raw.write_text("北京是中国的首都\n")
    with open(raw, "ab") as appended:
        result = w2v("tokenize", raw, stdout=appended, timeout=60)
    assert result.returncode == 1 and b"stdout is the same file as SOURCE" in result.stderr
    assert raw.read_text() == "北京是中国的首都\n"


# Every output path is checked before the corpus is read, and messages name it as given.


@pytest.fixture
def silent_corpus(tmp_path):
    """A FIFO that nobody writes: reading it would block forever, so a run that ends at once
    with an error has checked its outputs before reading anything."""
    path = tmp_path / "corpus.fifo"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize(
    "output, message",
    [
        ("", "--output: an empty file name"),
        ("missing/../v.txt", "--output missing/../v.txt: folder missing/.. does not exist"),
        ("no/v.txt", "--output no/v.txt: folder no does not exist"),
        ("c.txt/v.txt", "--output c.txt/v.txt: a part of the path is not a folder"),
        ("new/", "--output new/: names a directory"),
        (".", "--output .: is a directory"),
        ("a" * 256, "the file name is too long for the file system"),
        ("/proc/self/fd/999", "--output /proc/self/fd/999: descriptor 999 is not open"),
        ("dangling", "--output dangling: is a symbolic link to nowhere, which does not exist"),
    ],
)
def test_bad_output_paths_fail_before_reading(
    tmp_path, silent_corpus, monkeypatch, output, message
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.txt").write_text("a\n")
    (tmp_path / "dangling").symlink_to("nowhere")
    result = w2v("train", silent_corpus, "-o", output, *FAST, timeout=60)
    lines = result.stderr.decode().splitlines()
    assert result.returncode == 1 and len(lines) == 1 and lines[0].startswith("Error: "), lines
    assert message in lines[0] and ".tmp" not in lines[0]
    assert left_in(tmp_path) == {"c.txt", "dangling", "corpus.fifo"}


def test_a_name_of_254_bytes_is_written(tmp_path, corpus):
    # The temporary file's name does not grow with the output's: it always fits.
    out = tmp_path / ("v" * 254)
    assert run("train", corpus, "-o", out, *FAST).exit_code == 0
    assert left_in(tmp_path) == {"c.txt", "v" * 254}


def test_a_folder_link_onto_another_file_system(tmp_path, corpus):
    # `link/../v.txt` is where the link's target's parent is, as the system resolves it;
    # a lexical reading would make the temporary file here and fail to rename it there.
    other = Path("/dev/shm") if os.path.isdir("/dev/shm") else None
    if other is None or os.stat(other).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("needs /dev/shm on another file system than the test folder")
    target_dir = Path(os.path.realpath(other)) / f"w2v-test-{os.getpid()}"
    (target_dir / "inner").mkdir(parents=True)
    try:
        (tmp_path / "link").symlink_to(target_dir / "inner")
        result = run("train", corpus, "-o", tmp_path / "link" / ".." / "v.txt", *FAST)
        assert result.exit_code == 0, result.output
        assert load_vectors(str(target_dir / "v.txt")).words[0] == "the"
        assert left_in(target_dir) == {"inner", "v.txt"}
    finally:
        shutil.rmtree(target_dir)


def test_write_errors_name_the_output_not_the_temporary_file(tmp_path, corpus):
    if not os.path.exists("/dev/full"):
        pytest.skip("needs Linux's /dev/full")
    real = files.tempfile.mkstemp

    def on_full_disk(**kwargs):
        fd, path = real(**kwargs)
        os.dup2(os.open("/dev/full", os.O_WRONLY), fd)
        return fd, path

    out = previous(tmp_path / "v.txt")
    files.tempfile.mkstemp, saved = on_full_disk, files.tempfile.mkstemp
    try:
        message = one_line_error(run("train", corpus, "-o", out, *FAST))
    finally:
        files.tempfile.mkstemp = saved
    assert message.startswith(f"Error: --output {out}: cannot write (No space left on device)")
    assert ".tmp" not in message
    assert out.read_bytes() == PREVIOUS and left_in(tmp_path) == {"c.txt", "v.txt"}


# What is written where: links, modes, owners, hard links, FIFOs, descriptors.


def test_a_symbolic_link_is_followed_and_stays(tmp_path, corpus):
    real = previous(tmp_path / "real.txt")
    (tmp_path / "link.txt").symlink_to("real.txt")
    assert run("train", corpus, "-o", tmp_path / "link.txt", *FAST).exit_code == 0
    assert os.readlink(tmp_path / "link.txt") == "real.txt"
    assert load_vectors(str(real)).words[0] == "the"


def test_an_existing_file_keeps_its_permissions(tmp_path, corpus):
    for mode in (0o600, 0o640, 0o664):
        out = previous(tmp_path / "v.txt", mode)
        assert run("train", corpus, "-o", out, *FAST).exit_code == 0
        assert stat.S_IMODE(out.stat().st_mode) == mode and out.read_bytes() != PREVIOUS


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
def test_root_keeps_the_owner_of_a_file_it_replaces(tmp_path, corpus):
    out = previous(tmp_path / "v.txt", 0o640)
    os.chown(out, 65534, 65534)
    assert run("train", corpus, "-o", out, *FAST).exit_code == 0
    info = out.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (65534, 65534, 0o640)


def test_a_read_only_file_is_refused_even_for_root(tmp_path, corpus):
    out = previous(tmp_path / "v.txt", 0o444)
    assert "the file is read-only" in one_line_error(run("train", corpus, "-o", out, *FAST))
    assert out.read_bytes() == PREVIOUS


def test_other_hard_links_keep_the_old_content(tmp_path, corpus):
    out = previous(tmp_path / "v.txt")
    os.link(out, tmp_path / "snapshot.txt")  # as `cp -al` backups make
    assert run("train", corpus, "-o", out, *FAST).exit_code == 0
    assert (tmp_path / "snapshot.txt").read_bytes() == PREVIOUS
    assert load_vectors(str(out)).words[0] == "the"


def test_a_fifo_is_written_in_place(tmp_path, corpus):
    fifo = tmp_path / "v.fifo"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run("train", corpus, "-o", fifo, *FAST)
    if reader.is_alive():  # nothing opened the FIFO: let the reader go
        with contextlib.suppress(OSError):
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    reader.join(60)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # still a FIFO
    assert received[0].split(b"\n", 1)[0].endswith(b" 8")
    assert left_in(tmp_path) == {"c.txt", "v.fifo"}


# /proc/self/fd/N and /dev/fd/N: a w2v that took them for files could not create one there.
# /dev/stdout itself is tried only in a private /dev, below.


def test_process_substitution_and_descriptor_paths(tmp_path, corpus):
    # bash's `-o >(gzip > v.gz)` passes /dev/fd/N, a pipe w2v inherits.
    read_end, write_end = os.pipe()
    received = []
    with os.fdopen(read_end, "rb") as pipe:
        reader = threading.Thread(target=lambda: received.append(pipe.read()))
        reader.start()
        args = ["train", corpus, "-o", f"/dev/fd/{write_end}", *FAST]
        result = w2v(*args, pass_fds=(write_end,), timeout=120)
        os.close(write_end)
        reader.join(60)
    assert result.returncode == 0, result.stderr
    assert received[0].split(b"\n", 1)[0].endswith(b" 8")
    to_stdout = w2v("train", corpus, "-o", "/proc/self/fd/1", *FAST)
    assert to_stdout.returncode == 0 and to_stdout.stdout.split(b"\n", 1)[0].endswith(b" 8")


def test_stdout_redirected_to_a_file_is_written_in_place(tmp_path, corpus):
    out = tmp_path / "v.txt"
    with open(out, "wb") as redirected:
        assert w2v("train", corpus, "-o", "/dev/fd/1", *FAST, stdout=redirected).returncode == 0
    assert load_vectors(str(out)).words[0] == "the"


def test_another_users_file_in_a_shared_sticky_folder(tmp_path, monkeypatch):
    # In /tmp (sticky), only a file's owner may replace it: refused before any work, not
    # after hours of training when the rename fails.
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    theirs = previous(shared / "v.txt", 0o666)
    os.chown(theirs, 65534, 65534)
    monkeypatch.setattr(files.os, "geteuid", lambda: 1000)  # as an ordinary user
    with pytest.raises(files.W2VError, match="belongs to another user in the shared folder"):
        files.plan_outputs({"--output": str(theirs)}, [])
    mine = previous(shared / "mine.txt", 0o644)
    os.chown(mine, 1000, 1000)
    assert files.plan_outputs({"--output": str(mine)}, [])["--output"].kind == "atomic"


# Devices, in a private mount namespace on a nodev tmpfs.

DEVICES = r"""
set -e
d="$WORK/nodev"
mkdir "$d"
mount -t tmpfs -o nodev,size=1m tmpfs "$d"
mknod "$d/kmsg" c 1 11      # the kernel log
mknod "$d/loop" b 7 0       # a disk
mknod "$d/null" c 1 3       # the null device, unusable here (nodev)
for target in kmsg loop; do
  "$PYTHON" -m w2vcli train "$CORPUS" -o "$d/$target" --epochs 1 --dim 8 -q 2>&1 || true
  "$PYTHON" -m w2vcli train "$d/$target" -o "$d/v.txt" 2>&1 || true
  "$PYTHON" -m w2vcli info "$d/$target" 2>&1 || true
done
"$PYTHON" -m w2vcli train "$CORPUS" -o "$d/null" --epochs 1 --dim 8 -q 2>&1 || true
ls -l "$d" | awk 'NR > 1 {print substr($1, 1, 1), $NF}'
n="$WORK/dev"
mkdir "$n"
mount -t tmpfs -o size=1m tmpfs "$n"
mknod -m 666 "$n/null" c 1 3  # a usable null device, as /dev/null, but not the machine's
"$PYTHON" -m w2vcli train "$CORPUS" -o "$n/null" --save-vocab "$n/null" --epochs 1 --dim 8 -q \
  2>&1 && echo "null: written"
ls -l "$n" | awk 'NR > 1 {print "n", substr($1, 1, 1), $NF}'
mount -t tmpfs -o size=1m tmpfs /dev  # a /dev of this namespace's own, as /dev is made
ln -s /proc/self/fd/1 /dev/stdout
ln -s /proc/self/fd/2 /dev/stderr
mknod -m 666 /dev/null c 1 3
"$PYTHON" -m w2vcli train "$CORPUS" -o /dev/stdout --epochs 1 --dim 8 -q | head -c 4 | wc -c
find /dev -mindepth 1 -maxdepth 1 -printf 'dev %y %f\n'
"""


def test_devices_are_refused_before_they_are_opened(tmp_path, corpus):
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare for a private mount namespace")
    env = {**os.environ, "PYTHON": sys.executable, "CORPUS": str(corpus), "WORK": str(tmp_path)}
    command = ["unshare", "--mount", "--propagation", "private", "sh", "-c", DEVICES]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for name, kind in [("kmsg", "device"), ("loop", "block device (a disk)")]:
        refused = f"/{name}: is a {kind}; w2v writes only files, FIFOs and terminals"
        assert any(line.startswith("Error: --output ") and line.endswith(refused) for line in lines)
        assert any(line.endswith(f"/{name}: is a {kind}, not a corpus file") for line in lines)
        assert any(line.endswith(f"/{name}: is a {kind}, not a vectors file") for line in lines)
    nodev = "/null: is a device on a file system mounted nodev; it cannot be opened"
    assert any(line.endswith(nodev) for line in lines), lines
    # Nothing replaced a device with a file, and no file was left behind.
    assert sorted(line for line in lines if line[:2] in ("c ", "b ", "- ")) == [
        "b loop",
        "c kmsg",
        "c null",
    ]
    # The null device takes both outputs, written in place, and stays a device.
    assert "null: written" in lines and "n c null" in lines
    assert [line for line in lines if line.startswith("n ")] == ["n c null"]
    # /dev/stdout is written through, not replaced by a file.
    assert "4" in lines
    assert sorted(line for line in lines if line.startswith("dev ")) == [
        "dev c null",
        "dev l stderr",
        "dev l stdout",
    ]
