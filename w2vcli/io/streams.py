"""Standard streams and lines of text: rows out, talk on stderr, query lines in.

- Words are data. A word may hold any character but ASCII white space (the readers split
  on it), so a row of output is never cut or forged by a word: in TSV and in every message,
  control characters, the bidirectional overrides that reorder what a terminal shows, and
  the Unicode line separators are written as escapes (`\\x1b`, `\\u202e`); JSON escapes
  them as JSON does (`\\u001b`) and gives every word exactly.
- Talk on stderr is best effort: a closed stderr, or one whose reader has gone
  (`w2v train ... 2>&1 | head -1`), never stops a run.
- Lines are read in bounded memory: a line longer than MAX_LINE_BYTES is refused (files)
  or skipped (stdin queries), however the input was made (/dev/zero, a newline-less pipe).
"""

import bz2
import contextlib
import gzip
import io
import json
import lzma
import os
import re
import sys
import zlib

MAX_LINE_BYTES = 1 << 20  # a query, a question or a pair: 1 MiB is a thousand times too many
READ_BYTES = 1 << 16

# Words are split on ASCII white space only, as the corpus reader does (U+3000 and U+00A0
# stay inside words). NUL is not a separator here: query words are matched as given.
WORD = re.compile(r"[^ \t\n\r\x0b\x0c]+")
# What a terminal or a TSV reader would act on: C0 and C1 controls, DEL, the bidirectional
# embeddings, overrides and isolates ("Trojan Source"), and U+2028 / U+2029; and the lone
# surrogates that stand for the undecodable bytes of a file name (surrogateescape), which
# cannot be encoded at all.
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]")
NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


# Compressed input is told by its first bytes, never by its name: the one opener of
# corpora, vectors files and stdin.
MAGIC = {  # the first bytes of each compression format, and its reader
    b"\x1f\x8b": gzip.GzipFile,
    b"BZh": bz2.BZ2File,
    b"\xfd7zXZ\x00": lzma.LZMAFile,
}
DECOMPRESSION_ERRORS = (EOFError, OSError, lzma.LZMAError, zlib.error)
COMPRESSED = (gzip.GzipFile, bz2.BZ2File, lzma.LZMAFile)
OPENERS = {gzip.GzipFile: gzip.open, bz2.BZ2File: bz2.open, lzma.LZMAFile: lzma.open}


def open_decompressed(path: str):
    """The file `path` opened to read bytes, decompressed if its first bytes are those of
    gzip, bzip2 or xz (then opened by the decompressor, which closes it when closed)."""
    f = open(path, "rb")
    try:
        start = f.peek(8)[:8]
    except BaseException:
        f.close()
        raise
    reader = next((r for magic, r in MAGIC.items() if start.startswith(magic)), None)
    if reader is None:
        return f
    f.close()
    return OPENERS[reader](path, "rb")


def decompressed(f):
    """`f` (a binary file object), decompressed if its first bytes are those of gzip,
    bzip2 or xz; else `f` itself. It must be able to peek (a buffered file, stdin) or
    seek; one that can neither is taken as it is."""
    if hasattr(f, "peek"):
        start = f.peek(8)[:8]
    elif _can_seek(f):
        start = f.read(8)
        f.seek(0)
    else:
        return f
    for magic, reader in MAGIC.items():
        if start.startswith(magic):
            return reader(fileobj=f, mode="rb") if reader is gzip.GzipFile else reader(f)
    return f


def _can_seek(f) -> bool:
    try:
        return f.seekable()
    except (AttributeError, ValueError, OSError):
        return False


# Compressed output is told by its name (v.txt.gz), as gensim, fastText and smart_open
# tell it, and written so that the same data gives the same bytes.
COMPRESSION_SUFFIXES = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz"}
COMPRESSION_NAMES = {gzip.GzipFile: "gzip", bz2.BZ2File: "bzip2", lzma.LZMAFile: "xz"}


def compression_of_name(path: str) -> str | None:
    """'gzip', 'bzip2' or 'xz' if the name `path` ends .gz, .bz2 or .xz (in any case, as
    smart_open reads it), else None."""
    return COMPRESSION_SUFFIXES.get(os.path.splitext(path)[1].lower())


def compression_of(f) -> str | None:
    """The compression that `f`, a file object `decompressed` gave, reads; None if none."""
    return COMPRESSION_NAMES.get(type(f))


COMPRESSORS = {  # gzip's as gzip -n -6 writes it: no file name, no time (zlib's header)
    "gzip": lambda: zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS),
    "bzip2": bz2.BZ2Compressor,  # level 9, bzip2's own default
    "xz": lzma.LZMACompressor,  # preset 6, xz's own default
}


class _Compressing:
    """A binary file object's writer that compresses what it is given into it."""

    def __init__(self, f, compressor):
        self.f, self.compressor = f, compressor

    def write(self, data) -> int:
        if compressed := self.compressor.compress(data):  # often nothing yet
            self.f.write(compressed)
        return len(data)


@contextlib.contextmanager
def compressing(f, compression: str | None):
    """A writer into `f` (a binary file object) through `compression` ('gzip', 'bzip2',
    'xz'), or `f` itself for None. The compressed stream is ended when the block completes
    (a failed output is discarded, not ended); `f` stays open. The same data gives the
    same bytes: gzip's header holds no time and no file name."""
    if compression is None:
        yield f
        return
    writer = _Compressing(f, COMPRESSORS[compression]())
    yield writer
    f.write(writer.compressor.flush())


def split_words(line: str) -> list:
    """The words of a line, split on ASCII white space only."""
    return WORD.findall(line)


def shown(text: str) -> str:
    """`text` with every character a terminal or a TSV reader would act on escaped."""
    return UNSAFE.sub(_escape, text)


def _escape(match) -> str:
    char = match.group()
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # the byte a file name had (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def json_line(record: dict) -> str:
    """One JSON object, UTF-8 as it is, with the characters `shown` escapes as JSON escapes
    (json.dumps already escapes C0 controls; these can only occur inside strings). Only
    finite numbers: NaN and infinities are null."""
    record = {k: _finite_or_none(v) for k, v in record.items()}
    text = json.dumps(record, ensure_ascii=False, allow_nan=False)
    return UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _finite_or_none(value):
    if isinstance(value, float) and not (value - value == 0):  # NaN or infinite
        return None
    if isinstance(value, list):  # (a fact read from a record anyone may edit: at any depth)
        return [_finite_or_none(v) for v in value]
    if isinstance(value, dict):
        return {k: _finite_or_none(v) for k, v in value.items()}
    return value


# Lines in bounded memory.


def read_lines(read, limit: int = MAX_LINE_BYTES):
    """Lists of lines (bytes, without the newline), one list per `read()` that completed
    any. A line longer than `limit` bytes comes as None as soon as it is that long, and the
    rest of it is dropped as it arrives (/dev/zero has no newline), so memory stays within
    `limit` plus one read; pieces are joined once per line, so a long line read in small
    pieces costs linear time, not quadratic."""
    pending, size, too_long = [], 0, False  # the current line so far
    while chunk := read():
        *ended, rest = chunk.split(b"\n")
        lines = []
        for piece in ended:
            if not too_long:  # else it was reported when it became too long
                lines.append(None if size + len(piece) > limit else b"".join([*pending, piece]))
            pending, size, too_long = [], 0, False
        if not too_long:
            if size + len(rest) > limit:
                lines.append(None)
                pending, size, too_long = [], 0, True
            elif rest:
                pending.append(rest)
                size += len(rest)
        if lines:
            yield lines
    if pending:
        yield [b"".join(pending)]


def text_lines(read, name: str, limit: int = MAX_LINE_BYTES, max_bytes: int | None = None):
    """The lines of the bytes that `read()` returns until it returns none, as str (invalid
    UTF-8 replaced, a byte-order mark skipped), each with its newline; a line longer than
    `limit` bytes, or more than `max_bytes` in all, raises W2VError naming `name` and the
    line."""
    from ..errors import W2VError

    number = size = 0
    for lines in read_lines(read, limit):
        for line in lines:
            number += 1
            if line is None:
                raise W2VError(
                    f"{name}, line {number:,}: longer than {_size(limit)}; give a text file "
                    "of short lines"
                )
            size += len(line) + 1
            if max_bytes is not None and size > max_bytes:
                raise W2VError(f"{name}: more than {_size(max_bytes)}; give a smaller file")
            if number == 1:
                line = line.removeprefix(b"\xef\xbb\xbf")
            yield line.decode("utf-8", "replace") + "\n"


def quantity(n: int, noun: str, plural: str | None = None) -> str:
    """`n` and the noun in its number: "1 thread", "2 threads", "1,024 words"; `plural`
    where it is not the noun and an s ("1 matrix", "2 matrices")."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def _size(n: int) -> str:
    return f"{n >> 20} MiB" if n % (1 << 20) == 0 else f"{n:,} bytes"


# Standard streams.


closed_at_start = set()  # standard descriptors the process started without


def protect_std_descriptors() -> None:
    """Put /dev/null on any of descriptors 0, 1, 2 that the process started without
    (`w2v ... 2>&-`), so that no file w2v opens later gets one of those numbers and
    receives what is meant for a standard stream. They are remembered as closed, so that
    `-o /dev/stderr` with stderr closed is refused rather than written to /dev/null."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            closed_at_start.add(fd)
            os.open(os.devnull, os.O_RDWR)  # the lowest free number: this one


class Talk(io.TextIOBase):
    """stderr for messages and the progress bar: a write that fails (the reader has gone,
    the terminal was closed, the disk is full) is dropped, and talk stops there."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> int:
        if self.stream is not None:
            try:
                self.stream.write(text)
                self.stream.flush()
            except OSError:  # the reader has gone, the disk is full...
                self.stream = None
            except ValueError:  # closed by someone, or text its encoding cannot hold
                if getattr(self.stream, "closed", True):
                    self.stream = None
                else:
                    self.write(text.encode("ascii", "backslashreplace").decode())
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        try:
            return self.stream is not None and self.stream.isatty()
        except (OSError, ValueError):
            return False

    def fileno(self) -> int:  # some libraries ask; there is none once talk has stopped
        if self.stream is None:
            raise OSError("stderr is closed")
        return self.stream.fileno()

    @property
    def encoding(self):
        return getattr(self.stream, "encoding", "utf-8")


def talk_to_stderr() -> None:
    """Make sys.stderr a Talk, so that nothing written to it can end a run."""
    if not isinstance(sys.stderr, Talk):
        sys.stderr = Talk(sys.stderr)


def silence_talk() -> None:
    """No more talk on stderr: it is the same file as an output (`-o - > v.txt 2>&1`)."""
    talk_to_stderr()
    sys.stderr.stream = None
