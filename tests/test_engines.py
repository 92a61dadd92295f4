"""w2vcli.engines: the processes of a local Dask cluster (its workers, multiprocessing's
resource tracker, a forkserver if configured) import nothing from the working directory
of the process that starts them, nor through a relative entry of its import path or of
PYTHONPATH (issue 29: Python starts them as `python -c ...`, which puts the working
directory first on their import path); and the cluster leaves this process's working
directory and environment as they were.

Modules planted in a temporary working directory (pickle.py, socket.py, sitecustomize.py,
a w2vcli/ package...) each leave a marker file when imported, then hand over to the real
module, so that a process that imports one still works and the test names it."""

import importlib
import json
import multiprocessing.process
import os
import subprocess
import sys
from pathlib import Path

import pytest

import w2vcli
from w2vcli import engines
from w2vcli.text.prepared import prepare

MODULES = ["pickle", "socket", "selectors", "numbers", "sitecustomize", "usercustomize"]
PACKAGES = ["multiprocessing", "dask", "distributed", "numpy", "w2vcli"]
for name in MODULES[:4] + PACKAGES:  # imported here first, so that this process never
    importlib.import_module(name)  # imports a planted copy itself (a test adds "." to its path)

PLANTED = """\
import os as _os, sys as _sys
with open(_os.path.join({markers!r}, f"{{__name__}}-{{_os.getpid()}}"), "w") as _f:
    _f.write(f"{{__name__}} from {{__file__}}: process {{_os.getpid()}} (of {{_os.getppid()}})"
             f" {{_sys.argv[:2]}} in {{_os.getcwd()}}")
# Now be the real module: found without this directory, whatever names it on the path.
_there = _os.path.realpath(_os.path.dirname(_os.path.dirname(__file__) if {package} else __file__))
_path = _sys.path[:]
_sys.path[:] = [p for p in _path if _os.path.realpath(p or ".") != _there]
_me = _sys.modules.pop(__name__)
try:
    import importlib as _importlib
    _sys.modules[__name__] = _importlib.import_module(__name__)
except ModuleNotFoundError:  # sitecustomize, usercustomize: there may be none
    _sys.modules[__name__] = _me
finally:
    _sys.path[:] = _path
"""


@pytest.fixture
def hostile(tmp_path, monkeypatch) -> Path:
    """A working directory (this process's, for the test) of planted modules; returns the
    directory of their markers."""
    work, markers = tmp_path / "work", tmp_path / "markers"
    work.mkdir()
    markers.mkdir()
    for name in MODULES:
        (work / f"{name}.py").write_text(PLANTED.format(markers=str(markers), package=False))
    for name in PACKAGES:
        (work / name).mkdir()
        (work / name / "__init__.py").write_text(PLANTED.format(markers=str(markers), package=True))
    monkeypatch.chdir(work)
    return markers


def imported(markers: Path) -> list:
    """What the markers say: which planted module, imported by which process, where."""
    return sorted(m.read_text() for m in markers.iterdir())


class Counter:
    """A stateful worker (an actor): make(*args, part, parts)."""

    def __init__(self, start: int, part: int, parts: int):
        self.total, self.parts = start + part, parts

    def add(self, n: int) -> tuple:
        self.total += n
        return self.total, self.parts, os.getpid(), os.getcwd()


def square(x: int) -> int:
    return x * x


@pytest.mark.parametrize("route", ["command", "PYTHONPATH", "sys.path", "empty entry"])
def test_a_local_cluster_imports_nothing_from_the_working_directory(hostile, monkeypatch, route):
    """`python -c` puts the working directory first on its children's import path; a
    relative PYTHONPATH entry (".") makes Python import sitecustomize from there; a
    relative entry of this process's import path is theirs too. Tasks and actors run, in
    a directory of the cluster's own, and the working directory, the environment and the
    import path here are what they were, during and after (Dask's scheduler adds its
    directory to the import path)."""
    if route == "PYTHONPATH":
        monkeypatch.setenv(
            "PYTHONPATH", os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), "."]))
        )
    elif route == "sys.path":
        monkeypatch.syspath_prepend(".")
    elif route == "empty entry":
        # `python -c`, or an interactive Python, started here: "" on the import path, which
        # multiprocessing gives its children as the directory this process started in
        monkeypatch.syspath_prepend("")
        monkeypatch.setattr(multiprocessing.process, "ORIGINAL_DIR", os.getcwd())
    work, environ, path = os.getcwd(), dict(os.environ), sys.path[:]
    with engines.engine("dask", None, 2) as run:
        assert run.map(square, [1, 2, 3]) == [1, 4, 9]
        results = run.start(Counter, 10).call("add", 5)
        assert imported(hostile) == []
        assert os.getcwd() == work and dict(os.environ) == environ
        assert [p for p in sys.path if p in path] == path
        assert [(total, parts) for total, parts, _, _ in results] == [(15, 2), (16, 2)]
        pids = {pid for _, _, pid, _ in results}
        assert len(pids) == 2 and os.getpid() not in pids
        (home,) = {cwd for _, _, _, cwd in results}
        assert home != work and os.listdir(home) == []
    assert os.getcwd() == work and dict(os.environ) == environ
    assert [p for p in sys.path if p in path] == path
    assert not os.path.exists(home)
    assert imported(hostile) == []


def test_prepare_on_a_local_cluster_imports_nothing_from_the_working_directory(hostile, tmp_path):
    """w2v prepare's tasks on two worker processes (inputs and output by absolute paths,
    as the workers run in a directory of their own): the same directory as here."""
    text = tmp_path / "corpus.txt"
    text.write_text("the cat sat on the mat\nthe dog sat on the log\n" * 20)
    work, environ = os.getcwd(), dict(os.environ)
    on_dask = prepare([str(text)], tmp_path / "dask", min_count=1, engine="dask", workers=2)
    local = prepare([str(text)], tmp_path / "local", min_count=1)
    assert imported(hostile) == []
    assert os.getcwd() == work and dict(os.environ) == environ
    assert on_dask.described["words"] == local.described["words"] == 7
    assert on_dask.described["shards"] == local.described["shards"]
    assert on_dask.described["inputs"] == local.described["inputs"]


DRIVER = """\
import json, multiprocessing.forkserver, multiprocessing.resource_tracker, os, sys
import dask, distributed
from w2vcli import engines

def main():
    method, safe_path = sys.argv[1:]
    if safe_path == "off":  # as on Python 3.10, where PYTHONSAFEPATH does nothing
        engines.SAFE_ENVIRON = {}
    with dask.config.set({"distributed.worker.multiprocessing-method": method}):
        with engines.engine("dask", None, 2) as run:
            results = run.map(abs, [-1, -2])
    started = {
        "tracker": multiprocessing.resource_tracker._resource_tracker._pid is not None,
        "forkserver": multiprocessing.forkserver._forkserver._forkserver_pid is not None,
    }
    print(json.dumps({"results": results, "started": started, "cwd": os.getcwd()}))

if __name__ == "__main__":
    main()
"""


@pytest.mark.parametrize(
    "method, safe_path", [("spawn", "off"), ("forkserver", "on")], ids=["spawn-3.10", "forkserver"]
)
def test_a_fresh_process_starts_its_resource_tracker_and_forkserver_safely(
    hostile, tmp_path, method, safe_path
):
    """In a process of its own (a fresh one: the resource tracker and the forkserver are
    started once per process), run from the planted directory: the tracker, the
    forkserver (with Dask's multiprocessing-method forkserver) and the workers import
    nothing from it; without PYTHONSAFEPATH (Python 3.10) too."""
    driver = tmp_path / "driver.py"  # its own directory, not the working one, on the path
    driver.write_text(DRIVER)
    package = os.path.dirname(os.path.dirname(os.path.abspath(w2vcli.__file__)))
    path = os.pathsep.join(filter(None, [package, os.environ.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, str(driver), method, safe_path],
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    said = json.loads(done.stdout.splitlines()[-1])
    assert said["results"] == [1, 2] and said["cwd"] == os.getcwd()
    assert said["started"] == {"tracker": True, "forkserver": method == "forkserver"}
    assert imported(hostile) == []
