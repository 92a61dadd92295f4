"""Where w2v's tasks and workers run: in this process (LocalEngine), or on the workers of
a Dask cluster (DaskEngine: the one place that knows Dask; another engine, Spark or MPI,
would be a class with the same few methods).

An engine is a context. `map(task, sources, **options)` runs task(source, **options) for
each source and returns the results in order (w2v prepare's counting and encoding);
`start(make, *args)` makes one stateful worker per part, make(*args, part, parts), and
returns them as a group whose `call(method, *args)` calls the method on every worker and
returns their results in order (distributed training: w2vcli.training.distributed).

A Dask cluster is the one at a scheduler's address (`dask scheduler`, dask-jobqueue on
Slurm, Kubernetes...), or a LocalCluster of worker processes started here. Every worker
needs w2vcli installed (the same version: checked before any work) and must reach the
inputs (a shared file system, or URLs that fsspec opens) and the output directory, by
absolute paths: a local cluster's processes run in a private empty directory, never in
this process's working directory (DaskEngine.start_local).
"""

import contextlib
import importlib.metadata
import logging
import os
import shutil
import sys
import tempfile

from .errors import W2VError

CONNECT_SECONDS = 10
ENGINES = ("local", "dask")
# Added to the environment in which a local cluster's processes start: Python 3.11+ then
# puts no working directory first on their import path (older ones ignore it).
SAFE_ENVIRON = {"PYTHONSAFEPATH": "1"}


def engine(kind: str = "local", scheduler: str | None = None, workers: int | None = None):
    """The engine of --engine `kind`: "local", this process, or "dask", the cluster at
    `scheduler`, else a local one of `workers` processes (the cores by default)."""
    if kind not in ENGINES:
        raise W2VError(f"--engine {kind}: give one of {', '.join(ENGINES)}")
    if kind == "dask":
        return DaskEngine(scheduler, workers)
    if scheduler or workers:
        raise W2VError("--scheduler and --workers are for --engine dask")
    return LocalEngine()


class LocalEngine:
    """Tasks and workers in this process, run one after another: for workers, the
    arithmetic of separate machines that synchronise, at the speed of one (used to
    simulate many workers)."""

    def __init__(self, workers: int = 1):
        self.workers = workers

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def describe(self) -> str:
        return "this process"

    def map(self, task, sources, **options) -> list:
        return [task(s, **options) for s in sources]

    def map_with(self, task, sources, paths, shared, **options) -> list:
        return [task(s, shared, p, **options) for s, p in zip(sources, paths, strict=True)]

    def start(self, make, *args) -> "LocalWorkers":
        return LocalWorkers([make(*args, part, self.workers) for part in range(self.workers)])


class LocalWorkers:
    """Workers in this process, called one after another."""

    def __init__(self, workers: list):
        self.workers = workers

    def __len__(self) -> int:
        return len(self.workers)

    def call(self, method: str, *args) -> list:
        return [getattr(w, method)(*args) for w in self.workers]


def _version() -> str:
    return importlib.metadata.version("w2vcli")


class DaskEngine:
    """A Dask client, as a context: the tasks and workers run on the cluster's workers."""

    def __init__(self, scheduler: str | None = None, workers: int | None = None):
        try:
            from dask import config, distributed
        except ImportError:
            raise W2VError("--engine dask needs Dask: pip install 'w2vcli[dask]'") from None
        self.dask_config, self.distributed = config, distributed
        self.scheduler, self.workers = scheduler, workers
        self.cluster = self.client = self.home = None
        self.environ: dict = {}  # set here by the local cluster's start: {name: (given, before)}
        if scheduler and workers:
            raise W2VError("--workers starts a local cluster; not with --scheduler")

    def __enter__(self):
        d = self.distributed
        if self.scheduler:
            try:
                self.client = d.Client(self.scheduler, timeout=CONNECT_SECONDS, set_as_default=True)
            except (OSError, TimeoutError, ValueError) as e:
                raise W2VError(
                    f"--scheduler {self.scheduler}: cannot reach a Dask scheduler there ({e}); "
                    "check the address, or leave --scheduler out for a local cluster"
                ) from None
        else:
            workers = self.workers or len(os.sched_getaffinity(0))
            self.start_local(workers)
            self.client = d.Client(self.cluster, set_as_default=True)
            self.client.wait_for_workers(workers)  # all of them, before work is shared out
        try:
            versions = self.client.run(_version)
        except Exception as e:  # a worker without w2vcli: its import fails there
            self.__exit__(None, None, None)
            raise W2VError(
                f"the Dask workers cannot run w2v ({e}); install w2vcli on them"
            ) from None
        ours = _version()
        other = {w: v for w, v in versions.items() if v != ours}
        if not versions or other:
            self.__exit__(None, None, None)
            found = ", ".join(f"{w} has {v}" for w, v in other.items()) or "no workers"
            raise W2VError(f"the Dask workers need w2vcli {ours}: {found}")
        return self

    def start_local(self, workers: int) -> None:
        """Start a LocalCluster of `workers` processes that import nothing from this
        process's working directory. Python starts multiprocessing's processes (the
        workers, its resource tracker, a forkserver) as `python -c ...`, which puts the
        working directory first on their import path: a socket.py or copyreg.py there would
        run in them before anything else. So while the cluster starts (a second or two;
        other threads see it too), this process works in a private empty directory, its
        environment has PYTHONSAFEPATH (Python 3.11+: no such entry) and its import path
        only its absolute entries (which multiprocessing gives its children, an empty one
        made the directory this process started in); then all three are put back. The
        workers stay in that directory (multiprocessing starts a child in its parent's),
        where a relative path finds nothing: tasks get absolute paths. A worker its nanny
        restarts after a crash gets PYTHONSAFEPATH too (Dask's pre-spawn-environ, which the
        nanny also sets here before each spawn: put back by __exit__), but starts in this
        process's working directory of the moment (first on its import path on Python
        3.10), with all of this process's import path."""
        d, before = self.distributed, dict(os.environ)
        spawn = "distributed.nanny.pre-spawn-environ"
        self.home = tempfile.mkdtemp(prefix="w2v-dask-")
        try:
            with (
                _working_in(self.home),
                _absolute_import_path(),
                self.dask_config.set({spawn: {**self.dask_config.get(spawn), **SAFE_ENVIRON}}),
            ):
                os.environ.update(SAFE_ENVIRON)
                self.cluster = d.LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
        except BaseException:
            self.environ = _put_back(before)
            self.__exit__(None, None, None)
            raise
        self.environ = _put_back(before)

    def __exit__(self, *exc):
        for part in (self.client, self.cluster):
            if part is not None:
                with contextlib.suppress(Exception):
                    part.close()
        for name, (given, before) in self.environ.items():
            if os.environ.get(name) == given:  # set again by a nanny restarting a worker
                _put_env(name, before)
        if self.home is not None:
            shutil.rmtree(self.home, ignore_errors=True)
        self.client = self.cluster = self.home = None
        self.environ = {}
        return False

    def describe(self) -> str:
        workers = len(self.client.scheduler_info().get("workers", {}))
        where = self.scheduler or "a local cluster"
        return f"{workers} Dask {'worker' if workers == 1 else 'workers'} ({where})"

    def start(self, make, *args) -> "DaskActors":
        """One actor per Dask worker: make(*args, part, parts) on worker number `part`."""
        addresses = sorted(self.client.scheduler_info()["workers"])
        futures = [
            self.client.submit(
                make, *args, part, len(addresses), actor=True, workers=[a], pure=False
            )
            for part, a in enumerate(addresses)
        ]
        return DaskActors(
            [self._result(f, a) for f, a in zip(futures, addresses, strict=True)], addresses
        )

    def map(self, task, sources: list, **options) -> list:
        futures = [self.client.submit(task, s, pure=False, **options) for s in sources]
        return self._results(futures, sources)

    def map_with(self, task, sources: list, paths: list, shared, **options) -> list:
        """task(source, shared, path, **options) for each source; `shared` sent to each
        worker once."""
        shared = self.client.scatter(shared, broadcast=True)
        futures = [
            self.client.submit(task, s, shared, p, pure=False, **options)
            for s, p in zip(sources, paths, strict=True)
        ]
        return self._results(futures, sources)

    def _results(self, futures: list, sources: list) -> list:
        """The tasks' results in order; the first failure as a one-line error, the other
        tasks cancelled."""
        try:
            return [self._result(f, s) for f, s in zip(futures, sources, strict=True)]
        finally:
            self.client.cancel([f for f in futures if not f.done()])

    def _result(self, future, source: str):
        try:
            return future.result()
        except W2VError:
            raise  # the task's own one-line error (a damaged input...)
        except self.distributed.KilledWorker as e:
            worker = getattr(e, "last_worker", None)
            name = getattr(worker, "address", worker) or "a worker"
            raise W2VError(
                f"{source}: the Dask worker running it ({name}) died, again on each retry; "
                "see the workers' logs (memory?)"
            ) from None
        except OSError as e:
            raise W2VError(f"{source}: lost the Dask cluster ({e})") from None


@contextlib.contextmanager
def _working_in(directory: str):
    """This process in `directory` for the block, then back in its working directory, even
    one since deleted or renamed (by a descriptor where there is O_PATH: Linux)."""
    back = os.open(".", os.O_PATH | os.O_CLOEXEC) if hasattr(os, "O_PATH") else os.getcwd()
    try:
        os.chdir(directory)
        yield
    finally:
        if isinstance(back, int):
            os.fchdir(back)
            os.close(back)
        else:
            os.chdir(back)


@contextlib.contextmanager
def _absolute_import_path():
    """This process's import path without its relative entries for the block, then all of
    it again (with what was added meanwhile first: a Dask scheduler adds its directory)."""
    path = sys.path[:]
    sys.path[:] = kept = [p for p in path if isinstance(p, str) and os.path.isabs(p)]
    try:
        yield
    finally:
        sys.path[:] = [p for p in sys.path if p not in kept] + path


def _put_back(before: dict) -> dict:
    """Put this process's environment back as `before`; returns what had changed, {name:
    (value given, value before)}, None for a variable that was not there."""
    changed = {}
    for name in set(os.environ) | set(before):
        if os.environ.get(name) != before.get(name):
            changed[name] = (os.environ.get(name), before.get(name))
            _put_env(name, before.get(name))
    return changed


def _put_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


class DaskActors:
    """Stateful workers on a Dask cluster: `call(method, *args)` calls it on each, in
    parallel, and returns their results in order."""

    def __init__(self, actors: list, addresses: list):
        self.actors, self.addresses = actors, addresses

    def __len__(self) -> int:
        return len(self.actors)

    def call(self, method: str, *args) -> list:
        futures = [
            _guarded(address, lambda actor=actor: getattr(actor, method)(*args))
            for actor, address in zip(self.actors, self.addresses, strict=True)
        ]
        return [_guarded(a, f.result) for f, a in zip(futures, self.addresses, strict=True)]


def _guarded(address: str, work):
    """work(), its failure one line naming the worker (its process died, or the network
    failed); a W2VError of the worker's own as it is."""
    try:
        return work()
    except W2VError:
        raise
    except Exception as e:
        raise W2VError(
            f"the Dask worker {address} failed in training ({type(e).__name__}: {e}); the run stops"
        ) from None
