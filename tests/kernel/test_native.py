"""The prebuilt kernel (w2vcli.kernel.native) trains exactly as the JIT kernel, keeps Numba out of
the training process, and is replaced by the JIT kernel where it cannot be built, trusted or
verified. The attacks: programs and modules planted in the working directory, a cache that
another user can write to, and a damaged library."""

import hashlib
import io
import os
import re
import stat
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from tests.paths import ROOT
from w2vcli.config import TrainConfig
from w2vcli.errors import W2VWarning
from w2vcli.kernel import native
from w2vcli.text import corpus
from w2vcli.text.corpus import read_corpus
from w2vcli.text.vocab import vocab_and_ids
from w2vcli.training.trainer import Trainer
from w2vcli.vectors.formats import parse_vectors, write_vectors


@pytest.fixture
def warned():
    """The warnings given, every one (pytest's warned keeps one per place in the code)."""
    with warnings.catch_warnings(record=True) as given:
        warnings.simplefilter("always")
        yield given


def said(warned) -> list:
    """The W2VWarnings given since the last call, as the CLI says them on stderr."""
    lines = [f"w2v: {w.message}" for w in warned if issubclass(w.category, W2VWarning)]
    warned.clear()
    return lines


@pytest.fixture(autouse=True)
def forget_loaded_libraries():
    """native caches what it loaded per path in this process; each test starts afresh."""
    native._loaded.clear()
    yield
    native._loaded.clear()


@pytest.fixture(scope="session")
def good_library() -> tuple:
    """(library bytes, sha256 file text) from the session's normal cache, built if needed."""
    assert native.train_batch() is not None, native.why_not()
    path = native.library_path()
    return path.read_bytes(), path.with_suffix(".sha256").read_text()


@pytest.fixture
def cached(tmp_path, monkeypatch, good_library) -> Path:
    """A private cache, tmp_path/home/w2v, holding a copy of the good library; its path."""
    (tmp_path / "home").mkdir(mode=0o700)
    (tmp_path / "home" / "w2v").mkdir(mode=0o700)
    monkeypatch.setenv("W2V_CACHE_DIR", str(tmp_path / "home" / "w2v"))
    library = native.library_path()
    library.write_bytes(good_library[0])
    library.with_suffix(".sha256").write_text(good_library[1])
    return library


def trains_with_the_jit_kernel(corpus_path):
    config = TrainConfig(dim=16, epochs=1, threads=1, max_vocab=200).validate()
    vocab, corpus = vocab_and_ids(read_corpus(str(corpus_path)), config)
    trainer = Trainer(vocab, corpus, config)
    trainer.compile()
    assert trainer.kernel.__module__ == "w2vcli.kernel.kernels"
    assert np.abs(trainer.run().w_out).max() > 1e-2  # trained: the output vectors start at 0


def forbidden(*args):
    pytest.fail("must not build or load here")  # an exception that native does not catch


@pytest.mark.parametrize("loss", ["ns", "hs", "softmax"])
@pytest.mark.parametrize("arch", ["cbow", "skipgram"])
def test_prebuilt_kernel_trains_the_same_vectors_as_the_jit_kernel(
    small_corpus, monkeypatch, arch, loss
):
    monkeypatch.setattr("w2vcli.training.trainer.hot_rows", lambda config: 8)  # as with 2 threads
    config = TrainConfig(arch=arch, loss=loss, dim=16, epochs=2, threads=1, max_vocab=200)
    vocab, corpus = vocab_and_ids(read_corpus(str(small_corpus)), config.validate())
    trained = []
    for prebuilt in (True, False):
        trainer = Trainer(vocab, corpus, config)
        start = trainer.w_in.copy()
        trainer.compile(prebuilt)
        trained.append(trainer.run())
    assert native.train_batch() is not None, native.why_not()
    with_library, with_jit = trained
    assert with_library.epoch_losses == with_jit.epoch_losses
    np.testing.assert_array_equal(with_library.w_in, with_jit.w_in)
    np.testing.assert_array_equal(with_library.w_out, with_jit.w_out)
    assert np.abs(with_library.w_in - start).max() > 1e-2  # both matrices learned
    assert np.abs(with_library.w_out).max() > 1e-2  # (the output vectors start at zero)


def test_training_with_the_prebuilt_kernel_does_not_load_numba(small_corpus, tmp_path):
    assert native.train_batch() is not None, native.why_not()
    script = (
        "import sys; from w2vcli.cli import cli; "
        f"cli(['train', {str(small_corpus)!r}, '-o', {str(tmp_path / 'v.txt')!r}, '-q'], "
        "standalone_mode=False); "
        "print(sorted(m for m in sys.modules if m.startswith(('numba', 'llvmlite'))))"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
    # Its text, formatted by the library, is Python's text of the same vectors.
    written = (tmp_path / "v.txt").read_bytes()
    read = parse_vectors(written)
    assert len(read.words) > 100
    f = io.BytesIO()
    write_vectors(f, read.words, read.vectors)
    assert f.getvalue() == written


def test_the_library_formats_text_as_python_does():
    """Its second function, w2vcli.kernel.text.format_rows, gives Python's bytes: rows it
    can format and rows (tiny, huge, infinite, NaN numbers) it leaves to Python."""
    assert native.train_batch() is not None, native.why_not()
    format_rows = native.format_rows()
    assert format_rows.__qualname__ == "_wrap_text.<locals>.format_rows"  # not the JIT's
    rng = np.random.default_rng(3)
    bits = rng.integers(0, 2**32, (2000, 50), dtype=np.uint64).astype(np.uint32)
    normal = rng.normal(0, 0.1, (2000, 50)).astype(np.float32)
    matrix = np.concatenate([bits.view(np.float32), normal])
    words = [f"w{i}" for i in range(len(matrix))]
    written = []
    for formatter in (None, format_rows):
        f = io.BytesIO()
        write_vectors(f, words, matrix, format_rows=formatter)
        written.append(f.getvalue())
    assert written[0] == written[1]


def test_the_library_counts_tokens_as_python_does(small_corpus):
    """Its third function, w2vcli.kernel.counting.count_tokens: reading with its table gives
    the provisional ids, tokens and counts of Python's dict."""
    assert native.train_batch() is not None, native.why_not()
    table = native.token_table()
    assert table.count_tokens.__qualname__ == "_wrap_count.<locals>.count_tokens"
    data = small_corpus.read_bytes() + "北京 😀 a\u00a0b\x0bc\n".encode() * 3
    read = [corpus.count_chunks([data], "c", 3000, index=index) for index in (table, None)]
    assert list(read[0].tokens) == read[1].tokens and len(read[1].tokens) > 1000
    np.testing.assert_array_equal(read[0].ids, read[1].ids)
    assert read[0].stats.prunings == read[1].stats.prunings > 0  # (--max-types 3000)


def test_reading_never_builds_the_library_nor_remembers_its_absence(cached, monkeypatch, warned):
    """Reading counts with the library only if it is there and sound; else with Python,
    silently (training, which comes next, builds it or says why not)."""
    monkeypatch.setattr(native, "_build_in_child", forbidden)
    monkeypatch.setattr(native, "_dlopen", forbidden)
    truncate(cached)
    assert native.token_table() is None
    cached.unlink()
    assert native.token_table() is None
    assert native._loaded == {} and said(warned) == []


def test_without_a_c_compiler_training_falls_back_to_the_jit_kernel_once(
    small_corpus, tmp_path, monkeypatch, warned
):
    monkeypatch.setenv("W2V_CACHE_DIR", str(tmp_path))
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    for run in range(2):
        assert native.train_batch() is None
        assert "no C compiler" in native.why_not()
        err = "\n".join(said(warned))
        assert ("Numba's JIT kernel" in err) == (run == 0)  # said once, not at every run
        native._loaded.clear()
    config = TrainConfig(epochs=1, threads=1).validate()
    vocab, corpus = vocab_and_ids(read_corpus(str(small_corpus)), config)
    result = Trainer(vocab, corpus, config).run()
    assert np.abs(result.w_out).max() > 1e-2  # trained: the output vectors start at zero
    assert not list(tmp_path.glob("*.so"))


# Nothing is imported or run from the working directory.

PLANTED = ["numpy.py", "numba.py", "llvmlite.py", "sitecustomize.py", "usercustomize.py"]
PLANTED += ["w2vcli/__init__.py", "w2vcli/kernel/native.py", "w2vcli/kernel/kernels.py"]


def plant(folder: Path, markers: Path) -> None:
    """Modules and a `cc` in `folder` that each leave a file in `markers` when run."""
    for name in PLANTED:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        marker = markers / name.replace("/", ".")
        (folder / name).write_text(f"open({str(marker)!r}, 'w').close()\n")
    (folder / "cc").write_text(f"#!/bin/sh\ntouch '{markers / 'cc'}'\nexit 1\n")
    (folder / "cc").chmod(0o755)


def test_a_first_run_imports_and_runs_nothing_from_the_working_directory(tmp_path, monkeypatch):
    folder, markers = tmp_path / "corpus", tmp_path / "markers"
    folder.mkdir()
    markers.mkdir()
    plant(folder, markers)
    monkeypatch.chdir(folder)
    monkeypatch.setenv("W2V_CACHE_DIR", str(tmp_path / "new" / "w2v"))
    monkeypatch.setenv("PATH", ".:bin::" + os.environ["PATH"])
    monkeypatch.setenv("PYTHONPATH", f".:{folder}")
    # What `python -m w2vcli` leaves on the import path: the working directory first.
    monkeypatch.setattr(sys, "path", ["", str(folder), *sys.path])
    assert native.shutil.which("cc") == "./cc"  # the planted cc is the first on this PATH

    assert native.train_batch() is not None, native.why_not()
    assert sorted(p.name for p in markers.iterdir()) == []
    library = native.library_path()
    assert library.parent == tmp_path / "new" / "w2v"
    digest = library.with_suffix(".sha256").read_text().strip()
    assert digest == hashlib.sha256(library.read_bytes()).hexdigest()
    assert stat.S_IMODE(library.parent.stat().st_mode) == 0o700
    assert {p.name for p in library.parent.iterdir()} == {library.name, f"{library.stem}.sha256"}


def test_the_child_gets_only_absolute_programs_and_import_paths(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", os.pathsep.join([".", "", "bin", "/usr/bin", "./x", "/bin"]))
    assert native.search_path() == "/usr/bin:/bin"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", ["", ".", "tests", str(tmp_path), "/usr/lib/x", "/opt/y"])
    assert native._import_path() == ["/usr/lib/x", "/opt/y"]


# A cache that someone else could write to is neither loaded from nor built into.


def chown(path: Path) -> None:
    try:
        os.chown(path, 65534, 65534, follow_symlinks=False)
    except PermissionError:
        pytest.skip("giving a file to another user (uid 65534) needs root")


def link_library(library: Path) -> None:
    target = library.with_name("elsewhere.so")
    library.rename(target)
    library.symlink_to(target)


# (what is changed, which path the message names, what it says is wrong, the fix it gives)
UNTRUSTED = {
    "cache writable by others": (
        lambda library: library.parent.chmod(0o777),
        lambda library: library.parent,
        "is writable by others (mode 0777",
        "W2V_CACHE_DIR",
    ),
    "cache writable by its group": (
        lambda library: library.parent.chmod(0o770),
        lambda library: library.parent,
        "is writable by its group (mode 0770",
        "chmod go-w",
    ),
    "cache owned by another user": (
        lambda library: chown(library.parent),
        lambda library: library.parent,
        "is owned by another user (uid 65534)",
        "W2V_CACHE_DIR",
    ),
    "folder above the cache writable by others": (
        lambda library: library.parent.parent.chmod(0o777),
        lambda library: library.parent.parent,
        "is writable by others (mode 0777",
        "chmod go-w",
    ),
    "folder above the cache owned by another user": (
        lambda library: chown(library.parent.parent),
        lambda library: library.parent.parent,
        "is owned by another user (uid 65534)",
        "W2V_CACHE_DIR",
    ),
    "library writable by others": (
        lambda library: library.chmod(0o666),
        lambda library: library,
        "is writable by others (mode 0666",
        "delete it",
    ),
    "library owned by another user": (
        lambda library: chown(library),
        lambda library: library,
        "is owned by another user (uid 65534)",
        "delete it",
    ),
    "checksum owned by another user": (
        lambda library: chown(library.with_suffix(".sha256")),
        lambda library: library.with_suffix(".sha256"),
        "is owned by another user (uid 65534)",
        "delete it",
    ),
    "library a symbolic link": (
        link_library,
        lambda library: library,
        "is a symbolic link",
        "delete it",
    ),
}


@pytest.mark.parametrize("case", UNTRUSTED, ids=list(UNTRUSTED))
def test_a_cache_someone_else_could_write_to_is_refused(
    cached, small_corpus, monkeypatch, warned, case
):
    change, named, wrong, fix = UNTRUSTED[case]
    change(cached)
    monkeypatch.setattr(native, "_build_in_child", forbidden)
    monkeypatch.setattr(native, "_dlopen", forbidden)
    assert native.train_batch() is None
    err = said(warned)
    assert len(err) == 1, err
    assert f"{named(cached)} {wrong}" in err[0] and fix in err[0], err
    trains_with_the_jit_kernel(small_corpus)


def test_a_failure_note_is_read_only_from_a_trusted_cache(tmp_path, monkeypatch, warned):
    monkeypatch.setenv("W2V_CACHE_DIR", str(tmp_path / "open"))
    (tmp_path / "open").mkdir(mode=0o777)
    (tmp_path / "open").chmod(0o777)
    native.library_path().with_suffix(".failed").write_text("planted\n")
    monkeypatch.setattr(native, "_build_in_child", forbidden)
    assert native.train_batch() is None
    assert "planted" not in native.why_not() and "mode 0777" in native.why_not()


def test_which_directories_are_trusted(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir(mode=0o700)
    assert native.trusted_directory(mine) is None
    shared = tmp_path / "shared"  # like /tmp: anyone may write, but not replace our entries
    shared.mkdir()
    shared.chmod(0o1777)
    (shared / "mine").mkdir(mode=0o700)
    assert native.trusted_directory(shared / "mine") is None
    shared.chmod(0o777)
    assert "writable by others (mode 0777" in native.trusted_directory(shared / "mine")
    shared.chmod(0o1777)
    (shared / "mine").chmod(0o1777)  # sticky does not excuse the directory itself
    assert "writable by others (mode 1777" in native.trusted_directory(shared / "mine")
    # A link from a private folder to an open one: the folder linked to is what counts.
    (mine / "link").symlink_to(shared / "mine")
    assert f"{shared / 'mine'} is writable" in native.trusted_directory(mine / "link")
    assert "cannot check" in native.trusted_directory(tmp_path / "missing")


def test_a_missing_cache_directory_is_created_private(tmp_path):
    old = os.umask(0o022)  # the usual umask, under which os.makedirs alone gives 0755
    try:
        assert native.private_directory(tmp_path / "a" / "w2v") is None
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a" / "w2v").stat().st_mode) == 0o700


# A damaged library is found before it is loaded, and rebuilt once.


def loads_only(monkeypatch, accept) -> list:
    """Let native load only the images that `accept` takes, and list them: loading a damaged
    library would kill the test session (SIGBUS) rather than fail the test."""
    loaded, dlopen = [], native._dlopen

    def load(path, image):
        if not accept(image):
            pytest.fail(f"loading a damaged library ({len(image)} bytes)")
        loaded.append(image)
        return dlopen(path, image)

    monkeypatch.setattr(native, "_dlopen", load)
    return loaded


def truncate(library: Path) -> None:
    os.truncate(library, library.stat().st_size // 3)


def flip_a_byte(library: Path) -> None:
    image = bytearray(library.read_bytes())
    image[len(image) // 2] ^= 0x01
    library.write_bytes(image)


def drop_the_checksum(library: Path) -> None:
    library.with_suffix(".sha256").unlink()


DAMAGE = {
    "truncated": (truncate, "checksum mismatch"),
    "one byte flipped": (flip_a_byte, "checksum mismatch"),
    "checksum file missing": (drop_the_checksum, ".sha256 is missing"),
}


@pytest.mark.parametrize("case", DAMAGE, ids=list(DAMAGE))
def test_a_damaged_library_is_rebuilt_before_it_is_loaded(
    cached, good_library, monkeypatch, warned, case
):
    damage, says = DAMAGE[case]
    damage(cached)
    builds = []

    def rebuild(path, failed, on_build):
        builds.append(path)
        path.write_bytes(good_library[0])
        path.with_suffix(".sha256").write_text(good_library[1])

    monkeypatch.setattr(native, "_build_in_child", rebuild)
    loaded = loads_only(monkeypatch, lambda image: image == good_library[0])
    assert native.train_batch() is not None
    assert builds == [cached] and loaded == [good_library[0]]
    err = said(warned)
    assert len(err) == 1 and err[0].startswith(f"w2v: {cached} is damaged ("), err
    assert err[0].endswith(f"{says}); rebuilding it"), err


def test_a_library_still_damaged_after_a_rebuild_is_not_loaded(
    cached, small_corpus, monkeypatch, warned
):
    builds = []

    def rebuild_badly(path, failed, on_build):
        builds.append(path)
        path.write_bytes(b"\x7fELF")

    truncate(cached)
    monkeypatch.setattr(native, "_build_in_child", rebuild_badly)
    monkeypatch.setattr(native, "_dlopen", forbidden)
    assert native.train_batch() is None
    assert len(builds) == 1
    err = said(warned)
    assert len(err) == 2 and "rebuilding it" in err[0] and "even after a rebuild" in err[1]
    trains_with_the_jit_kernel(small_corpus)


def test_a_truncated_library_is_really_rebuilt(cached, good_library, monkeypatch, warned):
    truncate(cached)
    loaded = loads_only(monkeypatch, lambda image: len(image) > len(good_library[0]) // 2)
    assert native.train_batch() is not None, native.why_not()
    assert len(loaded) == 1
    assert "checksum mismatch); rebuilding it" in "\n".join(said(warned))
    digest = cached.with_suffix(".sha256").read_text().strip()
    assert digest == hashlib.sha256(cached.read_bytes()).hexdigest()
    assert cached.stat().st_size > len(good_library[0]) // 2  # not the truncated one


def test_truncating_the_library_while_training_cannot_crash_the_run(cached, small_corpus):
    # In a child: loaded from the file itself, the kernel's first call would die of SIGBUS.
    script = f"""
import os, sys
sys.path[:0] = [{str(ROOT)!r}]
from w2vcli.kernel import native
from w2vcli.config import TrainConfig
from w2vcli.text import corpus
from w2vcli.text.corpus import read_corpus
from w2vcli.text.vocab import vocab_and_ids
from w2vcli.training.trainer import Trainer
assert native.train_batch() is not None, native.why_not()
os.truncate(native.library_path(), 0)
config = TrainConfig(dim=16, epochs=1, threads=1, max_vocab=200).validate()
vocab, corpus = vocab_and_ids(read_corpus({str(small_corpus)!r}), config)
trainer = Trainer(vocab, corpus, config)
trainer.compile()
assert trainer.kernel is native.train_batch()
print(trainer.run().epoch_losses[0])
"""
    out = subprocess.run(
        [sys.executable, "-I", "-c", script], capture_output=True, text=True, cwd=cached.parent
    )
    assert out.returncode == 0, out.stderr
    assert float(out.stdout) > 0


# Only a build that fails by itself is remembered as failed.


def fake_python(tmp_path, monkeypatch, script: str) -> Path:
    """Make the build child a shell script; returns the file that counts its runs."""
    runs = tmp_path / "runs"
    python = tmp_path / "python"
    python.write_text(f"#!/bin/sh\necho run >> '{runs}'\n{script}\n")
    python.chmod(0o755)
    monkeypatch.setattr(native.sys, "executable", str(python))
    monkeypatch.setenv("W2V_CACHE_DIR", str(tmp_path / "cache"))
    return runs


def test_the_build_runs_isolated_in_the_cache_directory(tmp_path, monkeypatch, warned):
    where, args = tmp_path / "where", tmp_path / "args"
    script = f"pwd > '{where}'; printf '%s\\0' \"$@\" > '{args}'; exit 1"
    fake_python(tmp_path, monkeypatch, script)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", ["", str(tmp_path), *sys.path])
    assert native.train_batch() is None
    assert where.read_text().strip() == str(tmp_path / "cache")  # not the working directory
    argv = args.read_text().split("\0")[:-1]
    assert argv[:3] == ["-I", "-c", native.BOOTSTRAP]
    package, library, cc, *path = argv[3:]
    assert package == str(ROOT / "w2vcli") and library == str(native.library_path())
    assert os.path.isabs(cc) and os.access(cc, os.X_OK)
    assert path and all(os.path.isabs(p) and p != str(tmp_path) for p in path)


def test_a_build_killed_by_a_signal_is_tried_again_next_run(tmp_path, monkeypatch, warned):
    runs = fake_python(tmp_path, monkeypatch, "kill -KILL $$")
    for run in (1, 2):
        native._loaded.clear()
        assert native.train_batch() is None
        assert not native.library_path().with_suffix(".failed").exists()
        assert runs.read_text().count("run") == run
        assert "killed (signal 9)" in "\n".join(said(warned))


def test_a_build_that_fails_is_not_tried_again(tmp_path, monkeypatch, warned):
    runs = fake_python(tmp_path, monkeypatch, "echo 'LinkError: no luck' >&2; exit 3")
    for _ in range(2):
        native._loaded.clear()
        assert native.train_batch() is None
    assert runs.read_text().count("run") == 1
    assert native.why_not() == "could not build the native kernel: LinkError: no luck"
    assert "LinkError: no luck" in "\n".join(said(warned))


def test_a_build_interrupted_with_ctrl_c_is_tried_again_next_run(tmp_path, monkeypatch):
    runs = fake_python(tmp_path, monkeypatch, "exec sleep 60")  # a build that goes on

    def interrupted(seconds, done):
        if seconds:
            raise KeyboardInterrupt  # in the first tick: Ctrl-C while it builds

    monkeypatch.setattr(native, "BUILD_TICK", 0.1)
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        native.train_batch(interrupted)
    assert time.monotonic() - t0 < 10  # the child was killed, not waited for
    assert runs.read_text().count("run") == 1
    assert not native.library_path().with_suffix(".failed").exists()


def test_a_build_says_how_long_it_has_run(tmp_path, monkeypatch, warned):
    fake_python(tmp_path, monkeypatch, "sleep 0.5; exit 3")  # a build that fails in 0.5 s
    monkeypatch.setattr(native, "BUILD_TICK", 0.1)
    told = []
    assert native.train_batch(lambda seconds, done: told.append((seconds, done))) is None
    assert told[0] == (0.0, False) and told[-1][1] and not any(done for _, done in told[:-1])
    ticks = [seconds for seconds, _ in told]
    assert ticks == sorted(ticks) and len(ticks) >= 4 and 0.5 <= ticks[-1] < 10
    assert "could not build the native kernel" in "\n".join(said(warned))


def test_a_relative_cache_folder_is_never_used(tmp_path, monkeypatch, warned):
    # A relative $XDG_CACHE_HOME or $W2V_CACHE_DIR names a folder wherever w2v is started,
    # where a library could be planted and would run.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("W2V_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "cache")  # ignored, as the XDG specification says
    assert native.cache_dir() == tmp_path / "home" / ".cache" / "w2v"
    monkeypatch.setenv("W2V_CACHE_DIR", "cache/w2v")
    monkeypatch.setattr(native, "_build_in_child", forbidden)
    monkeypatch.setattr(native, "_dlopen", forbidden)
    assert native.train_batch() is None
    assert "cache/w2v is not an absolute path" in "\n".join(said(warned))
    assert not (tmp_path / "cache").exists()


def test_numba_gets_a_private_cache_where_it_can_write_none(monkeypatch):
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)  # restored after the test
    monkeypatch.setattr(native.os, "access", lambda path, mode: False)  # read-only install, no home
    native.numba_cache()
    folder = Path(os.environ["NUMBA_CACHE_DIR"])
    assert folder.is_dir() and stat.S_IMODE(folder.stat().st_mode) == 0o700
    monkeypatch.setenv("NUMBA_CACHE_DIR", "/elsewhere")  # the user's own choice stays
    native.numba_cache()
    assert os.environ["NUMBA_CACHE_DIR"] == "/elsewhere"


@pytest.mark.parametrize("on_build", [False, True])
def test_from_python_a_build_is_said_unless_on_build_is_given(
    small_corpus, tmp_path, monkeypatch, good_library, on_build
):
    import w2vcli

    (tmp_path / "cache").mkdir(mode=0o700)
    monkeypatch.setenv("W2V_CACHE_DIR", str(tmp_path / "cache"))

    def build(path, failed, told):  # the build, without its minute
        told(0.0, False)
        path.write_bytes(good_library[0])
        path.with_suffix(".sha256").write_text(good_library[1])
        told(1.0, True)

    monkeypatch.setattr(native, "_build_in_child", build)
    builds = []
    with warnings.catch_warnings(record=True) as given:
        warnings.simplefilter("default")  # as Python shows warnings: once per place
        callback = {"on_build": lambda: builds.append(1)} if on_build else {}
        w2vcli.train(str(small_corpus), epochs=1, dim=16, threads=1, **callback)
    said = [str(w.message) for w in given if issubclass(w.category, W2VWarning)]
    if on_build:
        assert builds == [1] and said == []
    else:
        assert said == [
            f"building the training kernel for this CPU, once: {native.BUILD_TIME} (later "
            "runs load it)"
        ]


@pytest.mark.parametrize("quiet", [False, True])
def test_a_first_run_says_it_builds_the_kernel_unless_quiet(
    small_corpus, tmp_path, monkeypatch, quiet
):
    from click.testing import CliRunner

    from w2vcli.cli import cli

    runs = fake_python(tmp_path, monkeypatch, "sleep 1.5; exit 3")  # fails in 1.5 s
    native._loaded.clear()
    args = ["train", str(small_corpus), "-o", str(tmp_path / "v.txt"), "--epochs", "1"]
    result = CliRunner().invoke(cli, args + ["-q"] * quiet)
    assert result.exit_code == 0, result.output
    says = f"building the training kernel for this CPU, once: {native.BUILD_TIME} (later"
    assert (says in result.stderr) != quiet and runs.read_text().count("run") == 1
    # Then how long it has run: a line (stderr is not a terminal here) after a second.
    ticks = re.findall(r"^building the training kernel: (\d+) s$", result.stderr, re.M)
    assert ticks == ([] if quiet else ["1"])
    assert "\r" not in result.stderr
    native._loaded.clear()  # a later run: nothing to build (the failure is remembered)
    result = CliRunner().invoke(cli, args)
    assert says not in result.stderr
    native._loaded.clear()
