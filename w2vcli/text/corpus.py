"""Read a corpus once, from a file, stdin or a compressed file, into integer ids.

Tokens are split on ASCII white space only (space, tab, CR, LF, VT, FF), as word2vec C
does: U+3000 and other Unicode spaces stay inside tokens, and since those bytes never
occur inside a multi-byte UTF-8 sequence, no character is ever cut in half. A NUL byte
separates tokens like white space (word2vec C would silently cut the word there).

Reading gives every distinct token a provisional id in order of first appearance and
writes the corpus as a flat int32 stream of those ids with LINE_END after each line.
`vocab.build_vocab` then decides the final ids and `encode` maps the stream once. Lines
of any length are kept whole in this stream; nothing holds the corpus as Python strings.
The table of distinct tokens is a dict (Provisional) or, once the native library is
built, a TokenTable that compiled code fills (w2vcli.kernel.table): the same ids either
way, the second about 5 times faster at a million types.

Memory: the stream takes 4 bytes a token; the table of distinct tokens about 130 bytes
(a dict) or 50-100 (a TokenTable) plus the token's length per type. When it grows past
`max_types` types, or past `max_types * TOKEN_BYTES` bytes of token text (so that long
tokens cannot take more memory than the budget), it is pruned as word2vec C's ReduceVocab
does: only the most frequent half is kept (and no more than half the bytes), the
occurrences read so far of the types dropped are removed from the stream, and a dropped
type seen again is counted afresh from there (so rare types can be undercounted, never
overcounted).
"""

import contextlib
import hashlib
import itertools
import math
import os
import re
import stat
import tempfile
import time
from dataclasses import dataclass

import numpy as np

from ..config import MAX_TYPES, SPILL_BYTES, TOKEN_BYTES
from ..errors import CorpusError
from ..io.files import check_input
from ..io.streams import DECOMPRESSION_ERRORS, decompressed, open_decompressed

# Ids in the corpus stream that are not words:
LINE_END = -1  # after each line; no window crosses it
DROPPED = -2  # a token left out: pruned while counting, or rarer than --min-count

CHUNK_BYTES = 1 << 20  # read 1 MiB at a time: the lists of ids made per chunk stay small
MAX_TOKEN_BYTES = 1 << 26  # 64 MiB without a separator: not tokenized text
JUNK_SHARE = 0.1  # more invalid UTF-8 or NUL bytes than this: binary or another encoding
BLANK_LINES = re.compile(rb"\n(?:[ \t\r\x0b\x0c]*\n)+")  # runs of lines without tokens
SEPARATORS = (b"\n", b" ", b"\t", b"\r", b"\x0b", b"\x0c", b"\0")  # newline preferred
NEWLINE = b"\0"  # a line end among a chunk's tokens (no token holds a NUL)
BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass
class CorpusStats:
    """What reading a corpus found (a model's model.json keeps it: its corpus)."""

    name: str  # as messages name it: the path, "stdin", "sentences"
    tokens: int  # all tokens read, pruned ones included
    distinct: int  # distinct tokens kept by counting (see --max-types)
    lines: int
    bad_lines: int  # lines whose invalid UTF-8 was replaced with U+FFFD
    nul_bytes: int  # NUL bytes, read as white space
    prunings: int  # times the counting table was pruned
    pruned_tokens: int  # occurrences dropped by pruning
    seconds: float  # reading and counting
    ids: int = 0  # the encoded stream's length: the kept tokens and a LINE_END per line
    ids_on_disk: bool = False  # in a temporary file (corpus_in "disk", or "auto" spilled)
    bytes: int = 0  # of text read (decompressed, a byte-order mark left out)
    sha256: str = ""  # of that text: the corpus's fingerprint (resuming checks it)
    path: str | None = None  # the file's absolute path, if it was read from one
    words: int = 0  # in the vocabulary: what an epoch trains on (before sub-sampling)


@dataclass
class Reading:
    """How far reading a corpus has come: what `on_read` is told after each chunk (about
    1 MiB of text, a few hundredths of a second), and once more when it is done."""

    name: str  # as messages name the corpus
    tokens: int  # read so far
    bytes: int  # of text read so far (decompressed)
    seconds: float  # since reading began
    at: int | None = None  # bytes of the file itself read (a compressed file's: compressed)
    size: int | None = None  # the file's size, where it has one (a regular file)
    done: bool = False  # the last report: the corpus is read


class Gauge:
    """Where in its file a corpus is being read: the file's size and the bytes consumed
    (of a compressed file, the compressed ones), told by the file's descriptor, so that
    it costs a system call a chunk. Only a regular file (one opened, or stdin redirected
    from one) has them; a pipe, a URL or an object in memory has neither."""

    def __init__(self):
        self.file = self.at = self.size = None

    def watch(self, f) -> None:
        """Gauge the file object `f` (a decompressor's fileno() is its file's)."""
        try:
            st = os.fstat(f.fileno())
        except (AttributeError, OSError, ValueError):  # no descriptor (io.UnsupportedOperation)
            return
        if stat.S_ISREG(st.st_mode):
            self.file, self.at, self.size = f, 0, st.st_size

    def where(self) -> tuple:
        """(bytes of the file consumed, its size), or (None, None); once the file is closed,
        where it was last seen."""
        if self.file is not None and not self.file.closed:
            try:
                self.at = os.lseek(self.file.fileno(), 0, os.SEEK_CUR)
            except (OSError, ValueError):
                pass
        return self.at, self.size


@dataclass
class RawCorpus:
    """What one pass over the text gives: provisional ids and their tokens and counts, and
    what reading found."""

    ids: np.ndarray  # int32, provisional ids with LINE_END after each line (or a DiskIds)
    tokens: list  # bytes of each provisional id, in order of first appearance (or a Tokens)
    counts: np.ndarray  # int64 count of each provisional id
    stats: CorpusStats


def open_corpus(path: str):
    """A binary file object for the file `path`; gzip, bzip2 and xz files (told by their
    first bytes) are decompressed."""
    check_input(path, "a corpus file")
    try:
        return open_decompressed(path)
    except FileNotFoundError:
        raise CorpusError(
            f"{path}: no such file; give the path of a tokenized text corpus"
        ) from None
    except IsADirectoryError:
        raise CorpusError(f"{path}: is a directory, not a corpus file") from None
    except PermissionError:
        raise CorpusError(f"{path}: permission denied; check the file's permissions") from None
    except OSError as e:
        raise CorpusError(f"{path}: cannot open: {e.strerror or e}") from None


def read_block(f, path: str, waiting: bool = True) -> bytes:
    """Up to CHUNK_BYTES of `f`: all of them, or (`waiting` False) what is there now, so
    that a line typed or piped in is answered at once."""
    try:
        return f.read(CHUNK_BYTES) if waiting else f.read1(CHUNK_BYTES)
    except DECOMPRESSION_ERRORS as e:
        raise CorpusError(
            f"{path}: cannot read ({e}); is the file complete and of its type?"
        ) from None


def read_chunks(f, path: str):
    """Yield pieces of the input that each end at a separator byte (or at the end)."""
    pending: list[bytes] = []  # read since the last cut; more than one block for a long token
    pending_bytes = 0
    block = read_block(f, path)
    if block.startswith(UTF16_BOMS):
        raise CorpusError(
            f"{path}: starts with a UTF-16 byte-order mark; convert it to UTF-8 first "
            "(iconv -f UTF-16 -t UTF-8)"
        )
    if block.startswith(BOM):
        block = block[len(BOM) :] or read_block(f, path)
    while block:
        cut = block.rfind(b"\n")
        if cut < 0:  # a long line: cut at any separator instead
            cut = max(block.rfind(c) for c in SEPARATORS[1:])
        if cut < 0:  # one long token: keep reading
            pending.append(block)
            pending_bytes += len(block)
            if pending_bytes > MAX_TOKEN_BYTES:
                raise CorpusError(
                    f"{path}: {MAX_TOKEN_BYTES >> 20} MiB without white space; give tokenized "
                    "text, words separated by spaces"
                )
        else:
            yield b"".join([*pending, block[: cut + 1]])
            pending, pending_bytes = [block[cut + 1 :]], len(block) - cut - 1
        block = read_block(f, path)
    if pending_bytes:
        yield b"".join(pending)


def repair_utf8(chunk: bytes) -> tuple[bytes, int, int]:
    """Replace invalid UTF-8 with U+FFFD; returns the chunk, bad lines and invalid bytes."""
    try:
        chunk.decode("utf-8")
        return chunk, 0, 0
    except UnicodeDecodeError:
        pass
    lines, bad, invalid = [], 0, 0
    for line in chunk.split(b"\n"):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            bad += 1
            invalid += len(line) - len(line.decode("utf-8", "ignore").encode("utf-8"))
            line = line.decode("utf-8", "replace").encode("utf-8")
        lines.append(line)
    return b"\n".join(lines), bad, invalid


def check_text(path: str, junk: int, seen: int) -> None:
    """Refuse input whose bytes read so far (`seen`) are more than JUNK_SHARE invalid
    UTF-8 or NUL (`junk`): binary, or another encoding."""
    if junk > JUNK_SHARE * seen:
        raise CorpusError(
            f"{path}: not UTF-8 text ({junk:,} of the first {seen:,} bytes are invalid UTF-8 "
            "or NUL); convert it first, e.g. with iconv -f GB18030 -t UTF-8 (or -f UTF-16)"
        )


def temporary_file(tmp_dir=None, prefix: str = "w2v-"):
    """A temporary file without a name (gone when w2v ends, however it ends), in `tmp_dir`
    or $TMPDIR."""
    try:
        return tempfile.TemporaryFile(dir=tmp_dir, prefix=prefix)
    except OSError as e:
        where = tmp_dir or tempfile.gettempdir()
        raise CorpusError(
            f"--tmp-dir {where}: cannot make a temporary file there ({e.strerror or e}); "
            "give a writable directory with --tmp-dir"
        ) from None


def _encode_chunk(chunk: bytes, index: dict) -> np.ndarray:
    """Provisional ids of a chunk's tokens, with LINE_END for each newline, new tokens
    added to `index` (a dict); the chunk holds no NUL (count_chunks made them spaces)."""
    # One split of the whole chunk, each newline a token of its own (a NUL), and one lookup
    # a token, all in C: no Python code runs but for a type's first token.
    tokens = chunk.replace(b"\n", b" \0 ").split()
    index[NEWLINE] = LINE_END  # only while the chunk is looked up
    try:
        return np.fromiter(map(index.__getitem__, tokens), np.int32, len(tokens))
    finally:
        del index[NEWLINE]


class DictIndex(dict):
    """{token: id} that count_chunks reads a text in, in Python: Provisional or KnownWords."""

    text_bytes = 0  # of the tokens in it

    def encode(self, chunk: bytes) -> np.ndarray:
        known = len(self)
        ids = _encode_chunk(chunk, self)
        self.text_bytes += sum(map(len, itertools.islice(reversed(self), len(self) - known)))
        return ids

    def token_lengths(self) -> np.ndarray:
        return np.fromiter(map(len, self), np.int64, len(self))

    def keep_only(self, survivors: np.ndarray) -> None:
        """Keep the types `survivors` (ids, ascending), renumbered in that order."""
        tokens = list(self)
        self.clear()
        self.update((tokens[i], n) for n, i in enumerate(survivors.tolist()))
        self.text_bytes = sum(map(len, self))

    def tokens(self) -> list:
        return list(self)


class Provisional(DictIndex):
    """{token: provisional id} of the types read so far: a token looked up the first time
    takes the next id."""

    def __missing__(self, token):
        self[token] = n = len(self) - 1  # NEWLINE is in it while a chunk is looked up
        return n


def _prune(index, stream: np.ndarray, keep: int, keep_bytes: int) -> int:
    """Keep in `index` the most frequent types (ties: the first seen), at most `keep` of them
    and `keep_bytes` bytes of token text (at least one), renumbered in order of first
    appearance; remove the others' occurrences from `stream`, in place, and return the
    length left."""
    counts = np.zeros(len(index), dtype=np.int64)
    for part in parts(stream):
        counts += np.bincount(part[part >= 0], minlength=len(index))
    by_count = np.argsort(-counts, kind="stable")[:keep]
    sizes = np.cumsum(index.token_lengths()[by_count])
    survivors = np.sort(by_count[: max(1, int(np.searchsorted(sizes, keep_bytes, "right")))])
    remap = np.full(len(index), DROPPED, dtype=np.int32)
    remap[survivors] = np.arange(len(survivors), dtype=np.int32)
    index.keep_only(survivors)
    return _remap(stream, remap)


def read_text(source, name: str | None, config, on_read=None, table=None) -> RawCorpus:
    """The stage read, for a corpus of text: `source` counted, a file (even one named '-',
    never stdin), a file object read as bytes (or a text one, as UTF-8), or sentences (lists
    of str tokens); `config` (a TrainConfig) says where its ids go; `on_read(Reading)` is
    told how far it has come after each chunk. `table`: a TokenTable to count in (compiled
    code, w2vcli.kernel.table), else Python's dict counts: the same result either way."""
    path = os.fspath(source) if isinstance(source, str | os.PathLike) else None
    gauge = Gauge()
    if path is not None or hasattr(source, "read"):
        name = name or path or str(getattr(source, "name", "corpus"))
        with _binary(source) as f:
            gauge.watch(f)
            chunks = read_chunks(f, name)
            raw = count_chunks(chunks, name, *_ids_in(config), table, on_read, gauge)
        raw.stats.path = path and os.path.abspath(path)
    else:
        name = name or "sentences"
        chunks = sentence_chunks(source, name)
        raw = count_chunks(chunks, name, *_ids_in(config), table, on_read)
    return raw


def _ids_in(config) -> tuple:
    return config.max_types, config.corpus_in, config.tmp_dir


def _binary(source):
    """A context of the binary stream of `source`: a file opened (open_corpus), a binary
    file object decompressed if it is compressed, a text one read as UTF-8 bytes; a file
    object stays open (it is the caller's)."""
    if isinstance(source, str | os.PathLike):
        return open_corpus(os.fspath(source))
    text = isinstance(source.read(0), str)
    return contextlib.nullcontext(_Encoded(source) if text else decompressed(source))


class _Encoded:
    """A text file object read as UTF-8 bytes, as the corpus reader reads."""

    def __init__(self, text):
        self.text = text

    def read(self, size: int = -1) -> bytes:
        return self.text.read(size).encode("utf-8", "surrogateescape")


def read_corpus(path: str, max_types: int = MAX_TYPES) -> RawCorpus:
    """Read the file `path` once and return its provisional-id stream and token counts."""
    with open_corpus(path) as f:
        return count_chunks(read_chunks(f, path), path, max_types)


def sentence_chunks(sentences, name: str = "sentences"):
    """Chunks of text from an iterable of sentences (each a list of str tokens), as a file
    with one sentence a line would give them: the same vectors either way."""

    def lines():
        for number, sentence in enumerate(sentences, start=1):
            if isinstance(sentence, (str, bytes)):
                raise CorpusError(
                    f"{name}, sentence {number:,}: a string, not a list of tokens; split it "
                    "first (e.g. line.split())"
                )
            try:
                tokens = [token.encode() for token in sentence]
            except (AttributeError, UnicodeEncodeError):
                raise CorpusError(f"{name}, sentence {number:,}: tokens must be str") from None
            if any(len(token.split()) != 1 for token in tokens):  # as a file's line is split
                raise CorpusError(
                    f"{name}, sentence {number:,}: a token that is empty or holds white space"
                )
            yield b" ".join(tokens) + b"\n"

    return line_chunks(lines())


def line_chunks(lines):
    """Lines (bytes, each ending in a newline) gathered into chunks of about CHUNK_BYTES."""
    pending, size = [], 0
    for line in lines:
        pending.append(line)
        size += len(line)
        if size >= CHUNK_BYTES:
            yield b"".join(pending)
            pending, size = [], 0
    if pending:
        yield b"".join(pending)


def count_chunks(
    chunks,
    path: str,
    max_types: int = MAX_TYPES,
    ids_in: str = "memory",
    tmp_dir=None,
    index=None,
    on_read=None,
    gauge: Gauge | None = None,
) -> RawCorpus:
    """The provisional-id stream and token counts of text arriving in `chunks`, each ending
    at a separator byte. `ids_in`: where the stream is kept, "memory", "disk" (a temporary
    file in `tmp_dir`, else $TMPDIR) or "auto" (memory, moved to disk once it passes
    config.SPILL_BYTES). `index`: a KnownWords, to read the text in a vocabulary's ids
    instead (its other tokens DROPPED), or a TokenTable
    (w2vcli.kernel.table), to count in compiled code; else a Provisional counts.
    `on_read(Reading)`: told how far reading has come after each chunk and at the end;
    `gauge`: where in its file the text is (a Gauge), for those reports.

    Refuses input that is not UTF-8 text: more than JUNK_SHARE of the bytes read so far
    invalid UTF-8 or NUL (checked after each chunk, so a binary file fails early).
    """
    t0 = time.perf_counter()
    index = Provisional() if index is None else index
    if isinstance(index, KnownWords):  # a copy: _encode_chunk adds NEWLINE for a while
        index = KnownWords(index)
        if NEWLINE in index:  # a word no token is (NULs are spaces): its key made another
            index = KnownWords((_NOT_A_TOKEN if t == NEWLINE else t, i) for t, i in index.items())
    ids = DiskIds(tmp_dir) if ids_in == "disk" else MemoryIds()
    spill = SPILL_BYTES if ids_in == "auto" else math.inf
    raw = RawCorpus(None, [], None, CorpusStats(path, 0, 0, 0, 0, 0, 0, 0, 0.0))
    read = raw.stats
    seen = invalid = 0  # bytes read, invalid UTF-8 bytes
    tokens = 0  # read so far (for on_read; the counts say it at the end, pruning and all)
    fingerprint = hashlib.sha256()  # ~2 GB/s, against counting's ~0.1: free
    budget = max_types * TOKEN_BYTES  # of the token text in `index`
    for chunk in chunks:
        seen += len(chunk)
        fingerprint.update(chunk)
        nul = chunk.count(b"\0")
        if nul:
            read.nul_bytes += nul
            chunk = chunk.replace(b"\0", b" ")
        chunk, bad, bad_bytes = repair_utf8(chunk)
        read.bad_lines += bad
        invalid += bad_bytes
        check_text(path, invalid + read.nul_bytes, seen)
        read.lines += chunk.count(b"\n")
        chunk = BLANK_LINES.sub(b"\n", chunk)  # no line end for a line without tokens
        encoded = index.encode(chunk)
        ids.append(encoded)
        if on_read:  # each id a token but the LINE_END after each line
            tokens += len(encoded) - int(np.count_nonzero(encoded == LINE_END))
            on_read(Reading(path, tokens, seen, time.perf_counter() - t0, *_where(gauge)))
        if 4 * len(ids) > spill:
            ids = ids.to_disk(tmp_dir)
        if len(index) > max_types or index.text_bytes > budget:
            length = len(ids)
            kept = _prune(index, ids.stream(), max(1, max_types // 2), budget // 2)
            read.pruned_tokens += length - kept
            read.prunings += 1
            ids.truncate(kept)
    ids.append(np.array([LINE_END], dtype=np.int32))
    read.bytes, read.sha256 = seen, fingerprint.hexdigest()
    raw.ids = ids.stream()
    raw.tokens = index.tokens()
    raw.counts = np.zeros(len(index), dtype=np.int64)
    for part in parts(raw.ids):
        raw.counts += np.bincount(part[part >= 0], minlength=len(index))
    read.tokens = int(raw.counts.sum()) + read.pruned_tokens
    read.distinct = len(raw.counts)
    read.seconds = time.perf_counter() - t0
    if on_read:
        on_read(Reading(path, read.tokens, seen, read.seconds, *_where(gauge), done=True))
    return raw


def _where(gauge: Gauge | None) -> tuple:
    return gauge.where() if gauge else (None, None)


class KnownWords(DictIndex):
    """{token: id} of a vocabulary, which count_chunks reads a text in: a token it lacks
    is DROPPED, never added."""

    def __missing__(self, token):
        return DROPPED


_NOT_A_TOKEN = b"\n"  # for a vocabulary's word b"\0": no token holds either


# The id stream is the one thing that grows with the corpus, so it is held once, and the
# passes over it work on PART_SIZE slices, so that no temporary is as large as the stream.
PART_SIZE = 1 << 20
GROWTH = 1.25  # in memory, the stream grows by a quarter at a time: at most 1.25 x its size
BUFFER_IDS = 1 << 22  # on disk: ids gathered in memory before each write (16 MiB)


class MemoryIds:
    """The stream in one array that grows in place (realloc moves large blocks by
    remapping pages, not by copying them)."""

    def __init__(self):
        self.array, self.length = np.empty(PART_SIZE, dtype=np.int32), 0

    def __len__(self) -> int:
        return self.length

    def append(self, piece: np.ndarray) -> None:
        if self.length + len(piece) > len(self.array):
            grown = max(int(GROWTH * len(self.array)), self.length + len(piece))
            self.array.resize(grown, refcheck=False)
        self.array[self.length : self.length + len(piece)] = piece
        self.length += len(piece)

    def truncate(self, length: int) -> None:
        self.length = length

    def stream(self) -> np.ndarray:
        self.array.resize(max(self.length, 1), refcheck=False)  # give back the slack
        return self.array[: self.length]

    def to_disk(self, tmp_dir=None) -> "DiskIds":
        ids = DiskIds(tmp_dir)
        for part in parts(self.array[: self.length]):
            ids.append(part)
        return ids


class DiskIds:
    """The stream in a temporary file (--corpus-in disk), read and written in slices with
    pread and pwrite, so that only the slices in use are in memory (a memory map would count
    the whole file in the process's memory as it is read). The file has no name from the
    start (unlinked at once), so it is gone when the process ends, however it ends."""

    def __init__(self, tmp_dir=None):
        self.file = temporary_file(tmp_dir, "w2v-ids-")
        self.fd, self.length = self.file.fileno(), 0
        self.buffer, self.buffered = np.empty(BUFFER_IDS, dtype=np.int32), 0

    def __len__(self) -> int:
        return self.length + self.buffered

    def append(self, piece: np.ndarray) -> None:
        if self.buffered + len(piece) > len(self.buffer):
            self._flush()
        if len(piece) > len(self.buffer):
            self[self.length : self.length + len(piece)] = piece
            self.length += len(piece)
        else:
            self.buffer[self.buffered : self.buffered + len(piece)] = piece
            self.buffered += len(piece)

    def _flush(self) -> None:
        n = self.buffered
        self.buffered = 0
        self[self.length : self.length + n] = self.buffer[:n]
        self.length += n

    def truncate(self, length: int) -> None:
        self._flush()
        self.length = length
        self.file.truncate(4 * length)

    def stream(self) -> "DiskIds":
        self._flush()
        return self

    def to_disk(self, tmp_dir=None) -> "DiskIds":
        return self

    def __getitem__(self, where: slice) -> np.ndarray:
        """ids[start:stop], read from the file into a new array."""
        start, stop, _ = where.indices(self.length)
        ids = np.empty(max(0, stop - start), dtype=np.int32)
        view, offset = memoryview(ids).cast("B"), 4 * start
        while view:
            read = os.preadv(self.fd, [view], offset)
            if not read:
                raise CorpusError("the corpus's temporary file is shorter than was written")
            view, offset = view[read:], offset + read
        return ids

    def __setitem__(self, where: slice, values: np.ndarray) -> None:
        """ids[start:start + len(values)] = values, written to the file."""
        data = memoryview(np.ascontiguousarray(values, dtype=np.int32)).cast("B")
        offset = 4 * (where.start or 0)
        try:
            while data:
                written = os.pwrite(self.fd, data, offset)
                data, offset = data[written:], offset + written
        except OSError as e:
            raise CorpusError(
                f"cannot write the corpus's temporary file ({e.strerror or e}); free space "
                "in --tmp-dir (or $TMPDIR), or use --corpus-in memory"
            ) from None


def parts(array):
    """Slices of PART_SIZE ids of an array or a DiskIds."""
    for start in range(0, len(array), PART_SIZE):
        yield array[start : start + PART_SIZE]


def encode(raw: RawCorpus, new_ids: np.ndarray):
    """Map provisional ids to final ones, dropping words not in the vocabulary.

    `new_ids[p]` is the final id of provisional id p, or -2 for a dropped word.
    Returns int32 final ids with LINE_END after each line, written over raw.ids (a view of
    its memory, or the same DiskIds), so that the corpus is never held twice.
    """
    length = _remap(raw.ids, new_ids)
    if isinstance(raw.ids, DiskIds):
        raw.ids.truncate(length)
        return raw.ids
    return raw.ids[:length]


def _remap(stream: np.ndarray, new_ids: np.ndarray) -> int:
    """Map `stream` in place through `new_ids` (DROPPED: dropped), part by part, so that no
    temporary is as large as the stream; returns the length kept."""
    table = np.concatenate([new_ids, [LINE_END]]).astype(np.int32)  # LINE_END indexes itself
    length = 0
    for part in parts(stream):  # the kept ids of each part move down to stream[length:]
        kept = table[part]
        kept = kept[kept != DROPPED]
        stream[length : length + len(kept)] = kept
        length += len(kept)
    return length
