"""Read a corpus once, from a file, stdin or a compressed file, into integer ids.

Tokens are split on ASCII white space only (space, tab, CR, LF, VT, FF), as word2vec C
does: U+3000 and other Unicode spaces stay inside tokens, and since those bytes never
occur inside a multi-byte UTF-8 sequence, no character is ever cut in half.

Reading gives every distinct token a provisional id in order of first appearance and
writes the corpus as a flat int32 stream of those ids with LINE_END after each line.
`vocab.build_vocab` then decides the final ids and `encode` maps the stream once. Lines
of any length are kept whole in this stream; nothing holds the corpus as Python strings.
"""

import bz2
import gzip
import lzma
import sys
import zlib
from dataclasses import dataclass

import numpy as np

from .errors import CorpusError

LINE_END = -1
CHUNK_BYTES = 1 << 22  # read 4 MiB at a time
WHITESPACE = b" \t\r\n\x0b\x0c"
BOM = b"\xef\xbb\xbf"


@dataclass
class RawCorpus:
    """What one pass over the text gives: provisional ids and their tokens and counts."""

    ids: np.ndarray  # int32, provisional ids with LINE_END after each line
    tokens: list  # bytes of each provisional id, in order of first appearance
    counts: np.ndarray  # int64 count of each provisional id
    lines: int
    bad_lines: int  # lines with invalid UTF-8, decoded with U+FFFD replacements


def open_corpus(path: str):
    """A binary file object for `path`: '-' is stdin, .gz/.bz2/.xz are decompressed."""
    if path == "-":
        return sys.stdin.buffer
    openers = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
    opener = next((f for ext, f in openers.items() if path.endswith(ext)), open)
    try:
        return opener(path, "rb")
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


def read_chunks(f, path: str):
    """Yield pieces of the input that each end at a white-space byte (or at the end)."""
    carry = b""
    first = True
    while True:
        try:
            block = f.read(CHUNK_BYTES)
        except (EOFError, OSError, lzma.LZMAError, zlib.error) as e:
            raise CorpusError(
                f"{path}: cannot read ({e}); is the file complete and of its type?"
            ) from None
        if first:
            block = block.removeprefix(BOM)
            first = False
        if not block:
            if carry:
                yield carry
            return
        data = carry + block
        cut = data.rfind(b"\n")
        if cut < 0:  # a long line: cut at any white space instead
            cut = max(data.rfind(c) for c in (b" ", b"\t", b"\r", b"\x0b", b"\x0c"))
        if cut < 0:  # one long token: keep reading
            carry = data
            continue
        yield data[: cut + 1]
        carry = data[cut + 1 :]


def _repair_utf8(chunk: bytes) -> tuple[bytes, int]:
    """Replace invalid UTF-8 with U+FFFD, counting the lines that needed it."""
    try:
        chunk.decode("utf-8")
        return chunk, 0
    except UnicodeDecodeError:
        pass
    lines, bad = [], 0
    for line in chunk.split(b"\n"):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            bad += 1
            line = line.decode("utf-8", "replace").encode("utf-8")
        lines.append(line)
    return b"\n".join(lines), bad


def read_corpus(path: str) -> RawCorpus:
    """Read `path` once and return its provisional-id stream and token counts."""
    f = open_corpus(path)
    index: dict[bytes, int] = {}
    new_id = index.setdefault
    pieces: list[np.ndarray] = []
    lines = bad_lines = 0
    try:
        for chunk in read_chunks(f, path):
            chunk, bad = _repair_utf8(chunk)
            bad_lines += bad
            parts = chunk.split(b"\n")
            ids: list[int] = []
            # Every part but the last ends a line; the last runs on into the next chunk.
            for i, part in enumerate(parts):
                ids.extend([new_id(t, len(index)) for t in part.split()])
                if i < len(parts) - 1:
                    ids.append(LINE_END)
            lines += len(parts) - 1
            pieces.append(np.array(ids, dtype=np.int32))
    finally:
        if f is not sys.stdin.buffer:
            f.close()
    pieces.append(np.array([LINE_END], dtype=np.int32))
    stream = np.concatenate(pieces)
    counts = np.bincount(stream[stream >= 0], minlength=len(index)).astype(np.int64)
    return RawCorpus(stream, list(index), counts, lines, bad_lines)


def encode(raw: RawCorpus, new_ids: np.ndarray) -> np.ndarray:
    """Map provisional ids to final ones, dropping words not in the vocabulary.

    `new_ids[p]` is the final id of provisional id p, or -2 for a dropped word.
    Returns int32 final ids with LINE_END after each line.
    """
    out = np.full(len(raw.ids), LINE_END, dtype=np.int32)
    words = raw.ids >= 0
    out[words] = new_ids[raw.ids[words]]
    return out[out != -2]
