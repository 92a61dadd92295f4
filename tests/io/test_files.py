"""Outputs and inputs (w2vcli.io.files), tried as a careless or hostile user would: nothing w2v
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
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from w2vcli.cli import cli
from w2vcli.io import files
from w2vcli.vectors.vectors import load_vectors

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
    # The temporary file's name does not grow with the output's: it always fits. The
    # provenance's, 9 bytes longer, would not: it is left out, and the run says so.
    out = tmp_path / ("v" * 254)
    result = run("train", corpus, "-o", out, *FAST)
    assert result.exit_code == 0 and "the name is too long" in result.output
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
        assert left_in(target_dir) == {"inner", "v.txt", "v.txt.w2v.json"}  # its provenance
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


@pytest.fixture
def shared(tmp_path) -> Path:
    """A folder like /tmp: anyone may write, only an entry's owner may replace it."""
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o1777)
    return folder


@pytest.mark.parametrize("euid", [1000, 0], ids=["user", "root"])
def test_another_users_file_in_a_shared_sticky_folder(shared, monkeypatch, euid):
    # Only its owner may replace it (root may, but is not tricked into it): refused before
    # any work, not after hours of training when the rename fails.
    theirs = previous(shared / "v.txt", 0o666)
    os.chown(theirs, 65534, 65534)
    monkeypatch.setattr(files, "_euid", lambda: euid)
    with pytest.raises(files.W2VError, match="belongs to another user in the shared folder"):
        files.plan_outputs({"--output": str(theirs)}, [])
    mine = previous(shared / "mine.txt", 0o644)
    os.chown(mine, euid, euid)
    assert files.plan_outputs({"--output": str(mine)}, [])["--output"].kind == "file"


@pytest.mark.parametrize("euid", [1000, 0], ids=["user", "root"])
def test_a_link_planted_in_a_shared_folder_is_not_followed(tmp_path, shared, monkeypatch, euid):
    # Another user's link in /tmp leads the output onto a file of their choosing (where the
    # kernel's protected_symlinks is off, as in many containers).
    victim = previous(tmp_path / "bashrc", 0o600)
    os.chown(victim, euid, euid)
    link = shared / "vectors.txt"
    link.symlink_to(victim)
    os.lchown(link, 65534, 65534)
    monkeypatch.setattr(files, "_euid", lambda: euid)
    for path in (
        link,
        shared / "." / "vectors.txt",
        tmp_path / "shared" / ".." / "shared" / link.name,
    ):
        with pytest.raises(files.W2VError, match="symbolic link that another user .uid 65534."):
            files.plan_outputs({"--output": str(path)}, [])
    os.lchown(link, euid, euid)  # the user's own link is followed
    assert files.plan_outputs({"--output": str(link)}, [])["--output"].target == str(victim)
    assert victim.read_bytes() == PREVIOUS


def test_a_rewrite_keeps_the_files_group(tmp_path, corpus, monkeypatch):
    out = previous(tmp_path / "v.txt", 0o664)
    os.chown(out, os.geteuid(), 1001)  # a team's group
    monkeypatch.setattr(files, "_euid", lambda: 1000)  # as an ordinary member of it
    planned = files.plan_outputs({"--output": str(out)}, [])["--output"]
    assert planned.owner == (-1, 1001)
    with planned.open() as f:
        f.write(b"new")
    assert (out.stat().st_gid, stat.S_IMODE(out.stat().st_mode)) == (1001, 0o664)


def test_several_outputs_are_renamed_together_even_if_a_signal_comes(tmp_path, monkeypatch):
    from w2vcli.cli import Stopped, _on_signal

    a, b = previous(tmp_path / "a.txt"), previous(tmp_path / "b.txt")
    planned = files.plan_outputs({"-o": str(a), "--save-vocab": str(b)}, [])
    real_replace = os.replace

    def replace_then_signal(source, target):
        real_replace(source, target)
        os.kill(os.getpid(), signal.SIGTERM)  # as if it came between the two renames

    monkeypatch.setattr(files.os, "replace", replace_then_signal)
    previous_handler = signal.signal(signal.SIGTERM, _on_signal)  # the CLI's handler
    try:
        with pytest.raises(Stopped):
            with files.write_outputs(list(planned.values())) as (fa, fb):
                fa.write(b"new a")
                fb.write(b"new b")
    finally:
        signal.signal(signal.SIGTERM, previous_handler)
    assert (a.read_bytes(), b.read_bytes()) == (b"new a", b"new b")  # stopped after both
    assert left_in(tmp_path) == {"a.txt", "b.txt"}


def test_an_output_that_fails_leaves_the_other_unwritten(tmp_path, corpus):
    vocab = tmp_path / "vocab.txt"
    child = subprocess.Popen(
        [sys.executable, "-m", "w2vcli", "train", corpus, "-o", "-", "--save-vocab", vocab, *FAST],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    child.stdout.close()  # `| head -c 0`: the vectors cannot be delivered
    _, err = child.communicate(timeout=120)
    assert child.returncode != 0 and b"vocab" not in err
    assert left_in(tmp_path) == {"c.txt"}


def test_a_fifo_whose_reader_goes_away(tmp_path, corpus):
    fifo = tmp_path / "v.fifo"
    os.mkfifo(fifo)
    reader = threading.Thread(target=lambda: open(fifo, "rb").read(10), daemon=True)
    reader.start()
    result = w2v("train", corpus, "-o", fifo, "--epochs", "1", "--dim", "300", "-q")
    assert result.returncode == 1
    assert (
        result.stderr.decode()
        == f"Error: --output {fifo}: its reader has gone; nothing more was written\n"
    )


def test_a_closed_stderr_is_not_an_output(tmp_path, corpus):
    result = w2v(
        "train",
        corpus,
        "-o",
        "/proc/self/fd/2",
        *FAST,
        stderr=subprocess.DEVNULL,
        preexec_fn=lambda: os.close(2),
    )
    assert result.returncode == 1  # the message has nowhere to go, the status says it


def test_talk_is_silent_when_stderr_is_the_output(tmp_path, corpus):
    out = tmp_path / "v.txt"
    with open(out, "wb") as both:  # `w2v train c.txt -o - > v.txt 2>&1`, or nohup's
        result = w2v(
            "train",
            corpus,
            "-o",
            "-",
            "--epochs",
            "1",
            "--dim",
            "8",
            stdout=both,
            stderr=subprocess.STDOUT,
        )
    assert result.returncode == 0
    assert load_vectors(str(out)).words[0] == "the"


def test_stdin_queries_never_read_their_own_answers(tmp_path, en_vectors):
    queries = tmp_path / "q.txt"
    queries.write_text("city\nwar\n")
    with open(queries, "rb") as stdin, open(queries, "ab") as stdout:
        result = w2v("nearest", "-v", en_vectors, "-k", "2", stdin=stdin, stdout=stdout)
    assert result.returncode == 1 and b"stdout is the same file as stdin -" in result.stderr
    assert queries.read_text() == "city\nwar\n"


@pytest.mark.skipif(shutil.which("chattr") is None, reason="needs chattr (e2fsprogs)")
@pytest.mark.parametrize("attribute", ["+a", "+i"])
def test_an_append_only_or_immutable_file_is_refused_before_the_work(tmp_path, corpus, attribute):
    out = previous(tmp_path / "v.txt")
    if subprocess.run(["chattr", attribute, out], capture_output=True).returncode:
        pytest.skip(f"this file system has no chattr {attribute}")
    try:
        result = run("train", corpus, "-o", out, "--save-vocab", tmp_path / "vocab.txt", *FAST)
        assert "is immutable or append-only (chattr)" in one_line_error(result)
    finally:
        subprocess.run(["chattr", attribute.replace("+", "-"), out])
    assert out.read_bytes() == PREVIOUS and left_in(tmp_path) == {"c.txt", "v.txt"}


# Standard streams that are terminals: the words are shown escaped, binary refused.


def on_a_terminal(*args, stdin_too=False):
    """`w2v ARGS` with stdout (and stdin) a pseudo-terminal; what it printed there."""
    import pty

    leader, follower = pty.openpty()
    streams = {"stdout": follower, "stderr": subprocess.PIPE}
    if stdin_too:
        streams["stdin"] = follower
    child = subprocess.Popen([sys.executable, "-m", "w2vcli", *map(str, args)], **streams)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 1 << 16)
        except OSError:  # the terminal closed
            break
        if not chunk:
            break
        shown += chunk
        if stdin_too and b"\n" in shown and child.poll() is None:
            os.write(leader, b"\x04")  # Ctrl-D: the end of the typed text
    os.close(leader)
    return child.wait(timeout=120), shown, child.stderr.read()


def test_vectors_shown_on_a_terminal_cannot_drive_it(tmp_path):
    corpus = tmp_path / "evil.txt"
    corpus.write_bytes(b"hello \x1b]0;PWNED\x07\x1b[2J world and more\n" * 6)
    status, shown, _ = on_a_terminal("train", corpus, "-o", "-", *FAST, "--min-count", 1)
    assert status == 0 and b"\x1b" not in shown and b"\\x1b]0;PWNED\\x07" in shown
    status, shown, err = on_a_terminal("train", corpus, "-o", "-", *FAST, "--format", "binary")
    assert status == 1 and b"is a terminal; binary data goes to a file or a pipe" in err


def test_tokenize_from_a_terminal_to_it(tmp_path):
    import pty

    leader, follower = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-m", "w2vcli", "tokenize"],
        stdin=follower,
        stdout=follower,
        stderr=subprocess.PIPE,
    )
    os.close(follower)
    os.write(leader, "北京欢迎你\n".encode() + b"\x04")
    shown, deadline = b"", time.monotonic() + 60
    while "北京 欢迎 你".encode() not in shown and time.monotonic() < deadline:
        shown += os.read(leader, 1 << 16)  # the terminal's echo of the typed line, then this
    assert "北京 欢迎 你".encode() in shown
    child.wait(timeout=60)
    os.close(leader)
    assert child.returncode == 0, child.stderr.read()


# stdout that is not Python's: unbuffered (PYTHONUNBUFFERED), non-blocking, size-limited.


def test_stdout_under_a_file_size_limit_is_an_error_not_a_short_file(tmp_path, en_vectors):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # set in many containers
    for command, label in [
        (["convert", en_vectors, "-", "--to", "text"], "TARGET -"),
        (["nearest", "-v", en_vectors, "city", "-k", "20000"], "stdout"),
    ]:
        script = (
            f"ulimit -f 64; exec {sys.executable} -m w2vcli {' '.join(map(str, command))} > out"
        )
        result = subprocess.run(
            ["sh", "-c", script], cwd=tmp_path, env=env, capture_output=True, timeout=120, text=True
        )
        assert result.returncode == 1, result.stderr
        assert result.stderr.startswith(f"Error: {label}: cannot write (File too large)")


def test_a_non_blocking_stdout_pipe_gets_every_byte(en_vectors):
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)  # as some parents leave it
    child = subprocess.Popen(
        [sys.executable, "-m", "w2vcli", "convert", en_vectors, "-", "--to", "text"],
        stdout=write_end,
        stderr=subprocess.PIPE,
    )
    os.close(write_end)
    received = []
    with os.fdopen(read_end, "rb") as pipe:
        while chunk := pipe.read(4096):
            received.append(chunk)
            time.sleep(0.001)  # a slow reader: the pipe fills
    assert child.wait(timeout=120) == 0, child.stderr.read()
    assert b"".join(received) == en_vectors.read_bytes()


# Devices, in a private mount namespace on a nodev tmpfs.

NAMESPACE = r"""
set -e
W="$PYTHON -m w2vcli"
FAST="--epochs 1 --dim 8 --threads 1 -q"
t() {  # LABEL COMMAND...: the label and the last line the command printed
  label=$1; shift
  printf '%s: %s\n' "$label" "$("$@" 2>&1 | tail -n 1)"
}

# Devices that act when opened, on a tmpfs mounted nodev: refused before any opening.
nodev=$WORK/nodev; mkdir $nodev; mount -t tmpfs -o nodev,size=1m tmpfs $nodev
mknod $nodev/kmsg c 1 11; mknod $nodev/loop b 7 0; mknod $nodev/console c 5 1
mknod $nodev/ptmx c 5 2; mknod $nodev/ttyS0 c 4 64; mknod $nodev/null c 1 3
for x in kmsg loop console ptmx ttyS0; do
  t "$x as output" $W train $CORPUS -o $nodev/$x $FAST
  t "$x as corpus" $W train $nodev/$x -o $WORK/v.txt $FAST
  t "$x as vectors" $W info $nodev/$x
done
t "nodev null" $W train $CORPUS -o $nodev/null $FAST
find $nodev -mindepth 1 -printf 'left %y %f\n'

# A read-only file system, and a file that is a mount point: refused before the work.
ro=$WORK/ro; mkdir $ro; mount -t tmpfs tmpfs $ro; echo old > $ro/v.txt; mount -o remount,ro $ro
t "read-only" $W train $CORPUS -o $ro/v.txt $FAST
echo old > $WORK/mounted.txt; echo other > $WORK/other.txt
mount --bind $WORK/other.txt $WORK/mounted.txt
t "mount point" $W train $CORPUS -o $WORK/mounted.txt --save-vocab $WORK/vocab.txt $FAST

# A usable null device, not the machine's: both outputs, written in place.
null=$WORK/null; mkdir $null; mount -t tmpfs -o size=1m tmpfs $null; mknod -m 666 $null/null c 1 3
t "null" sh -c "$W train $CORPUS -o $null/null --save-vocab $null/null $FAST && echo written"
find $null -mindepth 1 -printf 'null %y %f\n'

# A /dev of this namespace's own, made as the system makes it.
mount -t tmpfs -o size=1m tmpfs /dev
ln -s /proc/self/fd/1 /dev/stdout; ln -s /proc/self/fd/2 /dev/stderr
mknod -m 666 /dev/null c 1 3; mknod -m 666 /dev/tty c 5 0
echo "first line" > $WORK/log
$W train $CORPUS -o /dev/stdout $FAST >> $WORK/log
$W train $CORPUS -o //dev/stdout $FAST >> $WORK/log
(cd /dev && $W train $CORPUS -o stdout $FAST >> $WORK/log)
ln -s /dev/stdout $WORK/link; $W train $CORPUS -o $WORK/link $FAST >> $WORK/log
echo "log: $(head -n 1 $WORK/log), $(grep -c '^[0-9]* 8$' $WORK/log) files appended"
mkfifo $WORK/silent  # a corpus no one writes: only a check before reading can end the run
t "no terminal" timeout 60 setsid $W train $WORK/silent -o /dev/tty $FAST
find /dev -mindepth 1 -printf 'dev %y %f\n'
"""


def test_devices_mounts_and_dev_in_a_private_namespace(tmp_path, corpus):
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare for a private mount namespace")
    env = {**os.environ, "PYTHON": sys.executable, "CORPUS": str(corpus), "WORK": str(tmp_path)}
    command = ["unshare", "--mount", "--propagation", "private", "sh", "-c", NAMESPACE]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr
    said = dict(line.split(": ", 1) for line in result.stdout.splitlines() if ": " in line)
    nodev = f"{tmp_path}/nodev"
    for name, kind in [
        ("kmsg", "device"),
        ("loop", "block device (a disk)"),
        ("console", "device"),
        ("ptmx", "device"),
        ("ttyS0", "device"),
    ]:
        assert said[f"{name} as output"] == (
            f"Error: --output {nodev}/{name}: is a {kind}; w2v writes only files, FIFOs and "
            "terminals"
        )
        assert said[f"{name} as corpus"] == f"Error: {nodev}/{name}: is a {kind}, not a corpus file"
        assert (
            said[f"{name} as vectors"] == f"Error: {nodev}/{name}: is a {kind}, not a vectors file"
        )
    assert said["nodev null"].endswith(
        "/null: is a device on a file system mounted nodev; it cannot be opened"
    )
    assert said["read-only"].endswith("/ro/v.txt: is on a read-only file system; write elsewhere")
    assert said["mount point"].endswith("is a mount point (a file mounted there); write elsewhere")
    assert said["null"] == "written"
    assert said["log"] == "first line, 4 files appended"  # >> kept: written through
    assert (
        said["no terminal"] == "Error: --output /dev/tty: cannot open (No such device or address)"
    )
    lines = result.stdout.splitlines()
    # Nothing replaced a device or a link with a file, and nothing was left behind.
    assert sorted(line for line in lines if line.startswith("left ")) == [
        "left b loop",
        "left c console",
        "left c kmsg",
        "left c null",
        "left c ptmx",
        "left c ttyS0",
    ]
    assert [line for line in lines if line.startswith("null ")] == ["null c null"]
    assert sorted(line for line in lines if line.startswith("dev ")) == [
        "dev c null",
        "dev c tty",
        "dev l stderr",
        "dev l stdout",
    ]
    assert not (tmp_path / "vocab.txt").exists()
