"""How vectors were made: a record of each training run, kept in the model directory
(model.json) and in a small JSON file beside every vectors file `w2v train` writes
(VECTORS.w2v.json), which no reader of the vectors file sees. A model trained on
(`--from`) keeps the records of the runs before, so its whole history is there.

A run's record: w2v's version, the command, the settings, the corpus (path, bytes,
sha256, tokens, lines), vocabulary size, threads, per-epoch loss, the --eval-analogies
scores, when it started and finished, the seconds it trained (over all its resumptions),
what it started from (--from, --init-vectors), and the machine (CPU, cores, system,
library versions; not its name).
"""

import datetime
import importlib.metadata
import json
import os
import platform

from ..config import available_cores
from ..io.dirs import json_bytes, read_regular

SUFFIX = ".w2v.json"
FORMAT = "w2v provenance"
MAX_BYTES = 16 << 20


def version() -> str:
    try:
        return importlib.metadata.version("w2vcli")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            info = dict(line.split(":", 1) for line in f.read().split("\n\n")[0].splitlines())
        info = {k.strip(): v.strip() for k, v in info.items()}
        cpu = f"{info['model name']} (family {info['cpu family']}, model {info['model']})"
    except (OSError, ValueError, KeyError):
        pass
    versions = {}
    for package in ("numpy", "numba"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            pass
    return {
        "cpu": cpu,
        "cores": available_cores(),
        "system": platform.platform(),
        "python": platform.python_version(),
        **versions,
    }


def settings_record(config) -> dict:
    """A run's settings as its record keeps them: the learning rates it used, not None
    for their defaults (which depend on --arch)."""
    import dataclasses

    return {
        **dataclasses.asdict(config),
        "alpha": config.start_alpha,
        "min_alpha": config.end_alpha,
    }


def new_run(kind: str, config, corpus, vocab_size: int, **extra) -> dict:
    """The record of a run about to train (`corpus`: its CorpusStats)."""
    return {
        "kind": kind,  # "train", or "continue" (--from)
        "w2v": version(),
        "command": None,  # the CLI's, or None from Python
        "started": now(),
        "finished": None,  # while it trains
        "seconds": 0.0,
        "settings": settings_record(config),
        "corpus": {
            "path": corpus.path,
            "name": corpus.name,
            "bytes": corpus.bytes,
            "sha256": corpus.sha256,
            "tokens": corpus.tokens,
            "lines": corpus.lines,
        },
        "vocabulary": vocab_size,
        "threads": config.n_threads,
        "epoch_losses": [],
        "evaluations": [],
        "resumed": [],
        "machine": machine(),
        **extra,
    }


def companion(vectors_path: str) -> str:
    return vectors_path + SUFFIX


def name_max(path: str) -> int:
    """The longest file name the file system of `path`'s folder takes."""
    try:
        return os.pathconf(os.path.dirname(path) or ".", "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def companion_record(provenance: dict, vectors: dict, model_path: str | None) -> dict:
    """What the companion file of a vectors file holds."""
    return {"format": FORMAT, "vectors": vectors, "model": model_path, **provenance}


def is_ours(path: str) -> bool:
    """Whether `path` is missing or a companion file w2v wrote (which it may replace)."""
    if not os.path.lexists(path):
        return True
    return read(path) is not None


def read(path: str) -> dict | None:
    """A companion file's record, or None if `path` is not one (or not a regular file)."""
    try:
        record = json.loads(read_regular(path, MAX_BYTES))
    except (OSError, ValueError, RecursionError):
        return None
    return record if isinstance(record, dict) and record.get("format") == FORMAT else None


def dumps(record: dict) -> bytes:
    return json_bytes(record)


def facts(provenance: dict) -> dict:
    """The records of the runs as flat `name: value` facts for `w2v info`: run.NAME, or
    run1.NAME, run2.NAME... for a model trained on (--from). A record is data from a
    file anyone may have edited: what is not of the expected type is left out."""
    runs = [r for r in _list(provenance.get("runs")) if isinstance(r, dict)]
    out = {}
    for number, run in enumerate(runs, 1):
        prefix = f"run{number}." if len(runs) > 1 else "run."
        corpus, machine, start = _dict(run, "corpus"), _dict(run, "machine"), _dict(run, "from")
        init = _dict(run, "init_vectors")
        items = {
            "kind": run.get("kind"),
            "command": run.get("command"),
            "w2v": run.get("w2v"),
            "started": run.get("started"),
            "finished": run.get("finished"),
            "seconds": run.get("seconds"),
            "resumed": [
                f"{r.get('at')} ({r.get('command') or 'from Python'})"
                for r in _list(run.get("resumed"))
                if isinstance(r, dict)
            ],
            "corpus": corpus.get("path") or corpus.get("name"),
            "corpus_bytes": corpus.get("bytes"),
            "corpus_sha256": corpus.get("sha256"),
            "corpus_tokens": corpus.get("tokens"),
            "vocabulary": run.get("vocabulary"),
            "threads": run.get("threads"),
            "seed": _dict(run, "settings").get("seed"),
            "epoch_losses": _list(run.get("epoch_losses")),
            "analogies": [
                f"{e.get('at')}: {e.get('accuracy')}%"
                for e in _list(run.get("evaluations"))
                if isinstance(e, dict)
            ],
            "cpu": machine.get("cpu"),
            "cores": machine.get("cores"),
            "system": machine.get("system"),
        }
        if start:
            items["from_vocabulary"] = start.get("vocabulary")
            items["added_words"] = start.get("added_words")
        if init:
            items["init_vectors"] = init.get("path")
            items["init_found"] = init.get("found")
            items["init_frozen"] = init.get("frozen")
        out.update({prefix + k: _plain(v) for k, v in items.items()})
    return out


def settings_facts(record: dict) -> dict:
    """The settings of the last run, as settings.NAME facts."""
    runs = [r for r in _list(record.get("runs")) if isinstance(r, dict)]
    settings = _dict(runs[-1], "settings") if runs else {}
    return {f"settings.{k}": _plain(v) for k, v in settings.items()}


def describes(record: dict, path: str) -> bool:
    """Whether the companion `record` describes the file `path` as it is now: the same
    size and sha256 (a file rewritten since, by w2v or another tool, is not it)."""
    import hashlib

    described = described_file(record)
    try:
        if described.get("bytes") != os.path.getsize(path):
            return False
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            while block := f.read(1 << 20):
                digest.update(block)
    except OSError:
        return False
    return digest.hexdigest() == described.get("sha256")


def described_file(record: dict) -> dict:
    """What a companion record says of its vectors file (path, format, bytes, sha256)."""
    return _dict(record, "vectors")


def _dict(record: dict, key: str) -> dict:
    value = record.get(key)
    return value if isinstance(value, dict) else {}


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _plain(value, inside: bool = False):
    """A value as a fact: a number, text, a list of them, or None (anything else: a record
    is a file anyone may edit, and may nest lists a thousand deep)."""
    if isinstance(value, list) and not inside:
        return [_plain(v, True) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return None
