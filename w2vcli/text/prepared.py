"""A corpus prepared once: the vocabulary of many inputs counted and built as training
builds it, and the text written as int32 id shards that `w2v train DIR` trains on without
reading the text again; on this machine or on a Dask cluster (w2vcli.engines).

    DIR/prepared.json   format, the inputs (name, bytes, sha256, tokens, lines), the
                        vocabulary's settings, the shards (ids, words, sha256)
    DIR/vocab.txt       `word count` lines, most frequent first (word2vec C's -save-vocab)
    DIR/ids-00000.npy   int32 ids of input 0: -1 after each line, words outside the
                        vocabulary left out; one shard per input, in the inputs' order

Inputs are files (text, .gz/.bz2/.xz; Parquet with `column`: a string per line, or a list
of tokens per line), directories (their files, sorted), glob patterns, and URLs that fsspec
opens (s3://, gs://, hdfs://, http://...). Each input ends its last line.

Two passes over every input, each input in one task: `count_input` gives its tokens in
order of first appearance and their counts; the counts are merged in the inputs' order,
so the vocabulary (ties: first seen first) is the one training builds from the inputs
concatenated; `encode_input` reads the input again in the vocabulary's ids and writes its
shard. The tasks keep nothing between them, so a task can run, or run again, on any
worker. Counting an input alone prunes past `max_types` as training's counting does.
"""

import dataclasses
import glob
import hashlib
import json
import os
import time

import numpy as np

from ..config import MAX_TYPES
from ..errors import CorpusError, W2VError
from ..io import dirs
from ..io.files import check_input
from ..io.streams import decompressed, quantity
from .corpus import (
    DROPPED,
    LINE_END,
    CorpusStats,
    Gauge,
    KnownWords,
    RawCorpus,
    count_chunks,
    encode,
    line_chunks,
    open_corpus,
    parts,
    read_chunks,
)
from .vocab import Vocab, build_vocab, format_vocab, read_saved_vocab

FORMAT, VERSION = "w2v prepared", 1
PREPARED_JSON = "prepared.json"
PARQUET = (".parquet", ".pq")


class PreparedError(W2VError):
    """A prepared directory that cannot be read or written."""


def expand(inputs: list) -> list:
    """Every input named: directories' files (sorted, hidden ones left out), glob matches
    (sorted), URLs (fsspec expands their globs); each once, in the order given."""
    found = []
    for given in map(os.fspath, inputs):
        if "://" in given:
            found += _urls(given)
        elif os.path.isdir(given):
            for root, dirs, files in os.walk(given):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found += [os.path.join(root, f) for f in sorted(files) if not f.startswith(".")]
        elif glob.has_magic(given):
            matches = sorted(p for p in glob.glob(given) if os.path.isfile(p))
            if not matches:
                raise CorpusError(f"{given}: matches no file")
            found += matches
        elif given == "-":
            raise CorpusError(
                "-: w2v prepare reads each input twice, so not stdin; give files (w2v train - "
                "reads stdin)"
            )
        else:
            if not os.path.exists(given):
                raise CorpusError(f"{given}: no such file; give files, directories or patterns")
            check_input(given, "an input file")
            found.append(given)
    if not found:
        raise CorpusError("no input files: give files, directories or patterns")
    return list(dict.fromkeys(found))


def _urls(url: str) -> list:
    try:
        import fsspec
    except ImportError:
        raise W2VError(f"{url}: reading URLs needs fsspec: pip install 'w2vcli[dask]'") from None
    try:
        files = fsspec.open_files(url, "rb")
    except (OSError, ValueError, ImportError) as e:
        raise CorpusError(f"{url}: cannot open ({e})") from None
    if not files:
        raise CorpusError(f"{url}: matches no file")
    return [
        f.full_name if "://" in f.full_name else f"{url.split('://')[0]}://{f.path}" for f in files
    ]


def input_chunks(source: str, column: str | None = None, gauge: Gauge | None = None):
    """The text of an input as count_chunks reads it: chunks that end at a separator;
    `gauge` is told of the file read (not of a Parquet file's rows)."""
    gauge = gauge or Gauge()
    if source.endswith(PARQUET):
        yield from _parquet_chunks(source, column)
        return
    if column is not None:
        raise CorpusError(f"{source}: --column is for Parquet files (.parquet, .pq)")
    if "://" in source:
        import fsspec

        try:
            with fsspec.open(source, "rb") as f:  # compressed: told by content, not name
                gauge.watch(f)
                yield from read_chunks(decompressed(f), source)
        except (OSError, ValueError) as e:
            raise CorpusError(f"{source}: cannot read ({e})") from None
        return
    with open_corpus(source) as f:
        gauge.watch(f)
        yield from read_chunks(f, source)


def _parquet_chunks(source: str, column: str | None):
    """One line per row of `column`: its string, or its list of tokens joined by spaces."""
    if column is None:
        raise CorpusError(f"{source}: a Parquet file; name its text with --column")
    try:
        import fsspec
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise W2VError("Parquet input needs pyarrow: pip install 'w2vcli[dask]'") from None
    if "://" not in source:
        check_input(source, "a Parquet file")
    try:
        with fsspec.open(source, "rb") as f:
            table = pq.ParquetFile(f)
            if column not in table.schema_arrow.names:
                names = ", ".join(table.schema_arrow.names)
                raise CorpusError(f"{source}: no column {column!r} (it has {names})")
            kind = table.schema_arrow.field(column).type
            lists = pa.types.is_list(kind) or pa.types.is_large_list(kind)
            if not (lists or pa.types.is_string(kind) or pa.types.is_large_string(kind)):
                raise CorpusError(
                    f"{source}: column {column!r} is {kind}, not text or a list of tokens"
                )
            yield from line_chunks(
                (" ".join(row or ()) if lists else (row or ""))
                .encode("utf-8", "surrogateescape")
                .replace(b"\n", b" ")
                + b"\n"
                for batch in table.iter_batches(columns=[column], batch_size=8192)
                for row in batch.column(0).to_pylist()
            )
    except (OSError, pa.ArrowException) as e:
        raise CorpusError(f"{source}: cannot read as Parquet ({e})") from None


def count_input(
    source: str, column=None, max_types: int = MAX_TYPES, tmp_dir=None, on_read=None
) -> RawCorpus:
    """Count the tokens of one input (a task: it keeps nothing; its ids are not kept);
    `on_read(Reading)` is told how far it has come."""
    gauge = Gauge()
    chunks = input_chunks(source, column, gauge)
    raw = count_chunks(chunks, source, max_types, "disk", tmp_dir, on_read=on_read, gauge=gauge)
    raw.ids = None
    return raw


def merge_counts(counted: list) -> tuple:
    """(tokens, counts) of all inputs, tokens in order of first appearance across them."""
    index: dict = {}
    for c in counted:
        for token in c.tokens:
            index.setdefault(token, len(index))
    counts = np.zeros(len(index), dtype=np.int64)
    for c in counted:
        where = np.fromiter(map(index.__getitem__, c.tokens), np.int64, len(c.tokens))
        np.add.at(counts, where, c.counts)
    return list(index), counts


def encode_input(
    source: str, words: KnownWords, path: str, column=None, tmp_dir=None, on_read=None
) -> dict:
    """Write the shard of one input, read again in the vocabulary's ids (a task: it keeps
    nothing); returns its ids, words and sha256. `on_read(Reading)`: as count_input's."""
    gauge = Gauge()
    chunks = input_chunks(source, column, gauge)
    raw = count_chunks(
        chunks, source, len(words) + 1, "disk", tmp_dir, words, on_read=on_read, gauge=gauge
    )
    same = np.concatenate([np.arange(len(words), dtype=np.int32), [DROPPED]])
    ids = encode(raw, same)  # words outside the vocabulary left out
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        np.lib.format.write_array_header_1_0(
            f, {"descr": "<i4", "fortran_order": False, "shape": (len(ids),)}
        )
        for part in parts(ids):
            data = np.ascontiguousarray(part, dtype="<i4").tobytes()
            digest.update(data)
            f.write(data)
        f.flush()
        os.fsync(f.fileno())
    return {
        "file": os.path.basename(path),
        "ids": len(ids),
        "words": int(raw.counts.sum()),
        "sha256": digest.hexdigest(),
    }


def known_words(vocab: Vocab) -> KnownWords:
    return KnownWords((w.encode("utf-8", "surrogateescape"), i) for i, w in enumerate(vocab.words))


@dataclasses.dataclass
class Prepared:
    """A prepared directory, read: its vocabulary, its ids (a ShardIds) and what
    prepared.json says (`described`, parsed from its bytes, `json`)."""

    path: str
    vocab: Vocab
    ids: "ShardIds"
    described: dict
    json: bytes
    seconds: float = 0.0  # reading it

    def stats(self, name: str | None = None) -> CorpusStats:
        """What reading it found: the sums of its inputs'; its fingerprint is its
        prepared.json's (which holds each shard's sha256)."""
        inputs = self.described["inputs"]

        def total(key):  # each a count (load_prepared checked them)
            return sum(i[key] for i in inputs)

        return CorpusStats(
            name or self.path,
            total("tokens"),
            self.described["distinct"],
            total("lines"),
            total("bad_lines"),
            total("nul_bytes"),
            total("prunings"),
            total("pruned_tokens"),
            self.seconds,
            bytes=len(self.json),
            sha256=hashlib.sha256(self.json).hexdigest(),
            path=os.path.abspath(self.path),
        )


def prepare(
    inputs,
    directory,
    *,
    column: str | None = None,
    min_count: int = 5,
    max_vocab: int | None = None,
    keep=None,
    max_types: int = MAX_TYPES,
    tmp_dir=None,
    engine: str = "local",
    scheduler: str | None = None,
    workers: int | None = None,
    on_progress=None,
    on_read=None,
) -> Prepared:
    """Count and encode `inputs` (paths, directories, patterns, URLs) into the prepared
    directory `directory`, here (engine "local") or on Dask ("dask": the cluster at
    `scheduler`, else a local cluster of `workers` processes). `keep`: words kept
    whatever their count (a set of str). `on_progress(message)` is told each stage;
    `on_read(Reading)` how far reading each input has come, as it is counted and as it is
    encoded (engine "local" only: a Dask worker's progress stays there)."""
    from ..engines import engine as engine_of

    run = engine_of(engine, scheduler, workers)
    say = on_progress or (lambda message: None)
    target = check_target(os.fspath(directory))
    sources = expand(inputs)
    for source in sources:  # the directory is replaced whole: its files are not inputs
        if "://" not in source and os.path.realpath(source).startswith(target + os.sep):
            raise PreparedError(f"{source}: is inside --output {directory}, which w2v replaces")
    t0 = time.perf_counter()
    keep = {w.encode() if isinstance(w, str) else w for w in keep} if keep else None
    located = sources  # as given here (messages name them so); by absolute paths on Dask,
    if engine == "dask":  # whose local cluster's workers run in a directory of their own
        located = [s if "://" in s else os.path.abspath(s) for s in sources]
        tmp_dir = os.path.abspath(tmp_dir) if tmp_dir else tmp_dir
    reports = {"on_read": on_read} if on_read and engine == "local" else {}
    with dirs.staged(target, ours=_ours) as staging:
        with run:
            say(f"counting {quantity(len(sources), 'input')} on {run.describe()}")
            counted = run.map(
                count_input,
                located,
                column=column,
                max_types=max_types,
                tmp_dir=tmp_dir,
                **reports,
            )
            for raw, given in zip(counted, sources, strict=True):
                raw.stats.name = given  # prepared.json names an input as it was given
            tokens, counts = merge_counts(counted)
            distinct = len(tokens)
            if not counts.sum():
                raise CorpusError("the inputs hold no tokens; give non-empty text")
            vocab, _ = build_vocab(tokens, counts, min_count, max_vocab, keep)
            del tokens, counts
            shards = quantity(len(sources), "shard")
            say(f"vocabulary: {quantity(len(vocab), 'word')}; writing {shards}")
            paths = [os.path.join(staging, f"ids-{i:05d}.npy") for i in range(len(sources))]
            shards = run.map_with(
                encode_input,
                located,
                paths,
                known_words(vocab),
                column=column,
                tmp_dir=tmp_dir,
                **reports,
            )
        described = {
            "format": FORMAT,
            "version": VERSION,
            "words": len(vocab),
            "tokens": int(vocab.counts.sum()),
            "distinct": distinct,
            "vocabulary": {
                "min_count": min_count,
                "max_vocab": max_vocab,
                "keep": sorted(w.decode("utf-8", "surrogateescape") for w in keep)
                if keep
                else None,
                "max_types": max_types,
            },
            "column": column,
            "engine": engine,
            "seconds": round(time.perf_counter() - t0, 3),
            "inputs": [_input_record(c) for c in counted],
            "shards": shards,
        }
        dirs.write_file(
            staging, "vocab.txt", format_vocab(vocab).encode("utf-8", "surrogateescape")
        )
        dirs.write_file(
            staging,
            PREPARED_JSON,
            dirs.json_bytes(described),
        )
    return load_prepared(target)


def _input_record(raw: RawCorpus) -> dict:
    """What prepared.json says of an input."""
    c = raw.stats
    return {
        "name": c.name,
        "lines": c.lines,
        "bytes": c.bytes,
        "sha256": c.sha256,
        "bad_lines": c.bad_lines,
        "nul_bytes": c.nul_bytes,
        "prunings": c.prunings,
        "pruned_tokens": c.pruned_tokens,
        "tokens": c.tokens,
    }


def find_prepared(corpus) -> "Prepared | None":
    """`corpus` read as a prepared directory, if it is one (else None)."""
    if not is_prepared(corpus):
        return None
    return load_prepared(corpus)


def is_prepared(corpus) -> bool:
    """Whether `corpus` (a path, a file object, sentences) is a prepared directory."""
    return isinstance(corpus, str | os.PathLike) and os.path.isfile(
        os.path.join(corpus, PREPARED_JSON)
    )


def check_target(path: str) -> str:
    """A new name in a folder we can write, or a prepared directory w2v wrote (replaced
    whole); returns the real path."""

    return dirs.check_target(path, "--output", _ours, "a prepared directory", PreparedError)


def _ours(target: str) -> bool:
    """A prepared directory w2v wrote: its marker, and only its files."""
    return is_prepared(target) and dirs.only_files(
        target,
        lambda n: (
            n in ("vocab.txt", PREPARED_JSON) or (n.startswith("ids-") and n.endswith(".npy"))
        ),
    )


def load_prepared(path) -> Prepared:
    """Read a prepared directory: its vocabulary and its shards, checked against
    prepared.json (sizes; `w2v train` reads the ids as it trains)."""
    t0 = time.perf_counter()
    path = os.fspath(path)
    try:
        data = dirs.read_regular(os.path.join(path, PREPARED_JSON), dirs.MAX_JSON_BYTES)
        described = json.loads(data)
    except (OSError, ValueError, W2VError) as e:
        raise PreparedError(f"{path}: cannot read {PREPARED_JSON} ({e})") from None
    if not isinstance(described, dict) or described.get("format") != FORMAT:
        raise PreparedError(f"{path}: not a w2v prepared directory")
    if described.get("version") != VERSION:
        raise PreparedError(f"{path}: prepared by another version of w2v; prepare it again")
    try:
        _check_described(described)
    except (KeyError, TypeError, ValueError) as e:
        raise PreparedError(f"{path}: {PREPARED_JSON} is damaged ({e}); prepare it again") from None
    shards = [(os.path.join(path, s["file"]), s["ids"]) for s in described["shards"]]
    words = described["words"]
    if any(os.path.basename(p) != p[len(path) + 1 :] for p, _ in shards):
        raise PreparedError(f"{path}: {PREPARED_JSON} names a shard outside the directory")
    vocab = read_saved_vocab(os.path.join(path, "vocab.txt"), words, PREPARED_JSON, PreparedError)
    ids = ShardIds(shards, words)
    return Prepared(path, vocab, ids, described, data, time.perf_counter() - t0)


INPUT_COUNTS = ("lines", "bytes", "bad_lines", "nul_bytes", "prunings", "pruned_tokens", "tokens")


def _check_described(described: dict) -> None:
    """Every field of prepared.json that w2v reads, of its type (ValueError, TypeError or
    KeyError if not): the file is data anyone may have edited."""
    count = dirs.is_count
    vocabulary, inputs, shards = (described[k] for k in ("vocabulary", "inputs", "shards"))
    if not (count(described["words"], 2**31) and count(described["distinct"])):
        raise ValueError("words and distinct are not counts")
    if not (
        isinstance(vocabulary, dict)
        and count(vocabulary["min_count"])
        and (vocabulary["max_vocab"] is None or count(vocabulary["max_vocab"]))
    ):
        raise ValueError("vocabulary: not its min_count and max_vocab")
    if not (isinstance(inputs, list) and isinstance(shards, list) and inputs and shards):
        raise ValueError("inputs and shards are not lists of them")
    for i in inputs:
        if not (isinstance(i["name"], str) and all(count(i[k]) for k in INPUT_COUNTS)):
            raise ValueError(f"an input's name or counts: {i!r:.60}")
    for s in shards:
        if not (
            isinstance(s["file"], str)
            and isinstance(s["sha256"], str)
            and count(s["ids"])
            and count(s["words"])
        ):
            raise ValueError(f"a shard's file, sha256 or counts: {s!r:.60}")


class ShardIds:
    """The shards as one id stream, read in slices with pread (as corpus.DiskIds): only
    the slices in use are in memory, and only a few shards are open at a time (a corpus of
    thousands of inputs would pass the limit of open files). Every slice read is checked
    to hold only ids of the vocabulary (`words` of them) and LINE_END: a shard is a file
    anyone may edit, and an id outside would send the kernel outside its matrices."""

    OPEN = 32  # shards kept open at once

    def __init__(self, shards: list, words: int):
        self.paths, self.offsets, self.words, starts = [], [], words, [0]
        self.open = {}  # shard -> descriptor, least recently used first
        for path, n in shards:
            fd = _open_shard(path)
            try:
                self.offsets.append(_data_offset(fd, path, n))
            finally:
                os.close(fd)
            self.paths.append(path)
            starts.append(starts[-1] + n)
        self.starts = np.array(starts, dtype=np.int64)

    def __len__(self) -> int:
        return int(self.starts[-1])

    def _fd(self, shard: int) -> int:
        fd = self.open.pop(shard, None)
        if fd is None:
            if len(self.open) >= self.OPEN:
                os.close(self.open.pop(next(iter(self.open))))
            fd = _open_shard(self.paths[shard])
        self.open[shard] = fd
        return fd

    def __getitem__(self, where: slice) -> np.ndarray:
        start, stop, _ = where.indices(len(self))
        out = np.empty(max(0, stop - start), dtype=np.int32)
        at = start
        while at < stop:
            shard = int(np.searchsorted(self.starts, at, "right")) - 1
            fd, offset = self._fd(shard), self.offsets[shard]
            end = min(stop, int(self.starts[shard + 1]))
            view = memoryview(out[at - start : end - start]).cast("B")
            position = offset + 4 * (at - int(self.starts[shard]))
            while view:
                read = os.preadv(fd, [view], position)
                if not read:
                    raise CorpusError("a prepared shard is shorter than prepared.json says")
                view, position = view[read:], position + read
            at = end
        if len(out) and (out.min() < LINE_END or out.max() >= self.words):
            raise CorpusError(
                "a prepared shard holds ids outside its vocabulary (it was changed since it "
                "was prepared); prepare it again"
            )
        return out

    def close(self) -> None:
        for fd in self.open.values():
            os.close(fd)
        self.open.clear()

    def __del__(self):
        self.close()


def verify(prepared: Prepared) -> None:
    """Read every shard once and check it against the sha256 prepared.json recorded for it
    (a shard is a file anyone may edit; its ids are checked as training reads them too)."""
    for number, shard in enumerate(prepared.described["shards"]):
        path = prepared.ids.paths[number]
        digest = hashlib.sha256()
        fd = _open_shard(path)
        with open(fd, "rb") as f:
            f.seek(prepared.ids.offsets[number])
            while block := f.read(1 << 22):
                digest.update(block)
        if digest.hexdigest() != shard.get("sha256"):
            raise PreparedError(
                f"{path}: not the shard that was prepared (its sha256 differs); prepare it again"
            )


def _open_shard(path: str) -> int:
    try:
        return dirs.open_regular(path)
    except OSError as e:
        raise PreparedError(f"{path}: cannot open ({e.strerror or e}); prepare it again") from None


def _data_offset(fd: int, path: str, n: int) -> int:
    with os.fdopen(os.dup(fd), "rb") as f:
        try:
            shape, dtype = dirs.npy_header(f, os.fstat(fd).st_size)
        except ValueError as e:
            raise PreparedError(f"{path}: not a .npy shard: {e}; prepare it again") from None
        if shape != (n,) or dtype != np.dtype("<i4"):
            raise PreparedError(f"{path}: not the shard prepared.json describes; prepare it again")
        return f.tell()
