"""The command line's standard streams, in one place for every command: '-' for stdin and
stdout, query lines read from stdin as they come, rows written to stdout at once, a reader
that has gone (`| head`), streams closed at start (`<&-`, `>&-`), and talk on stderr.

The library (w2vcli.training.model, vectors...) takes paths and file objects and never touches the
standard streams; only the CLI comes through here.
"""

import os
import sys
import time

import click

from ..errors import W2VError
from ..io.streams import quantity, shown


def say(message: str, quiet: bool = False) -> None:
    """A line of talk on stderr, its words escaped (see w2vcli.io.streams)."""
    if not quiet:
        click.echo(shown(message), err=True)


def stdin(closed: str):
    """stdin's binary stream; `closed` is the message if the process started without it."""
    if sys.stdin is None:  # started with stdin closed (`<&-`)
        raise W2VError(closed)
    return sys.stdin.buffer


def source(path: str, closed: str):
    """What the library reads for an input argument: the path, or stdin's stream for '-'."""
    return stdin(closed) if path == "-" else path


def input_name(path: str) -> str:
    """An input as messages name it."""
    return "stdin" if path == "-" else path


def load_vectors(path: str, limit: int | None = None, quiet: bool = False):
    """The vectors at `path` ('-' for stdin; the first `limit`), saying on stderr what was
    repaired unless `quiet`."""
    from ..vectors.vectors import load_vectors

    closed = "stdin is closed; give a vectors file with -v PATH"
    vecs = load_vectors(source(path, closed), input_name(path), limit)
    if quiet:
        return vecs
    if vecs.invalid_utf8:
        say(
            f"{path}: {quantity(vecs.invalid_utf8, 'word')} had invalid UTF-8, replaced with U+FFFD"
        )
    if vecs.blank_words:
        blank = quantity(vecs.blank_words, "word")
        say(f"{path}: {blank} held white space or NUL, replaced with U+FFFD")
    if vecs.duplicates:
        say(f"{path}: {quantity(vecs.duplicates, 'duplicate word')}; the first row of each is used")
    return vecs


def load_for_answers(path: str, inputs: list = (), limit: int | None = None):
    """The vectors at `path`, once stdout is known to be open and none of the inputs
    (`w2v nearest -v v.txt >> v.txt` would read what it writes)."""
    check_stdout([("--vectors", path), *inputs])
    return load_unit(path, limit)


def load_unit(path: str, limit: int | None = None):
    """The unit vectors of `path` ('-' for stdin): from its index (`w2v index`) while it
    is current, else read (what was repaired said) and normalised in place."""
    from ..vectors.index import load_unit

    if path == "-":
        return load_vectors(path, limit).normalize()
    return load_unit(path, limit, lambda: load_vectors(path, limit))


def plan(outputs: dict, inputs: list, binary: bool = False) -> dict:
    """files.plan_outputs, and what follows from it here: no binary vectors onto a terminal
    (they would be noise, and could be escape sequences), and no talk on a stderr that is
    the same file as an output (`w2v train c.txt -o - > v.txt 2>&1`)."""
    from ..io.files import plan_outputs
    from ..io.streams import silence_talk

    planned = plan_outputs(outputs, inputs)
    for output in planned.values():
        if binary and output.option in ("--output", "TARGET"):
            refuse_binary_on_terminal(output)
        if output.shares_stderr:
            silence_talk()
    return planned


def plan_with_provenance(outputs: dict, key: str, inputs: list, binary: bool, wanted=True):
    """plan() the outputs, and with them (`wanted`) the provenance file beside the vectors
    file outputs[key] where it can go: planned together, so that no two are one file."""
    planned = plan(outputs, inputs, binary)
    companion = provenance_file(planned[key]) if wanted else None
    if companion:  # (a file: planning it again opens nothing)
        planned = plan({**outputs, "provenance": companion}, inputs, binary)
    return planned


def provenance_file(output) -> str | None:
    """Where the provenance of the vectors file `output` goes: beside it, if it is a file
    and that name is free or holds w2v's provenance already."""
    from ..training import provenance

    if output.kind != "file":
        return None
    path = provenance.companion(output.path)
    if len(os.fsencode(os.path.basename(path))) > provenance.name_max(output.target):
        say(f"w2v: not writing the provenance beside {output.path}: the name is too long")
        return None
    if not provenance.is_ours(path):
        say(f"w2v: not writing the provenance to {path}: a file w2v did not write is there")
        return None
    return path


class HashingWriter:
    """A binary file's writer that also takes the sha256 of what goes through it: of the
    bytes on disk, compressed or not, as `sha256sum` and provenance.describes see them."""

    def __init__(self, f):
        import hashlib

        self.f, self.sha256, self.bytes = f, hashlib.sha256(), 0

    def write(self, data) -> int:
        self.sha256.update(data)
        self.bytes += len(data)
        return self.f.write(data)

    def flush(self) -> None:
        self.f.flush()

    def described(
        self, path: str, fmt: str, compression, words: int, dim: int, vectors=None
    ) -> dict:
        """What a provenance record says of the vectors file written through it."""
        vectors = {"vectors": vectors} if vectors else {}
        return {
            "path": os.path.abspath(path),
            "format": fmt,
            "compression": compression,
            **vectors,
            "words": words,
            "dim": dim,
            "bytes": self.bytes,
            "sha256": self.sha256.hexdigest(),
        }


def refuse_binary_on_terminal(output) -> None:
    if output.terminal:
        raise output.fail("is a terminal; binary data goes to a file or a pipe")


def words_for(output, words: list) -> list:
    """The words as written to `output`: escaped on a terminal, where they are shown, not
    stored (see w2vcli.io.streams); as they are everywhere else."""
    return [shown(w) for w in words] if output.terminal else words


def check_stdout(inputs: list) -> None:
    from ..io.files import plan_outputs

    if sys.stdout is None:  # started with stdout closed (`>&-`)
        raise W2VError("stdout is closed; the answers have nowhere to go")
    plan_outputs({"stdout": "-"}, inputs)


def write_rows(rows: list, columns: tuple, as_json: bool) -> None:
    """Write rows to stdout and flush, so each batch's answers appear at once. Words are
    escaped (w2vcli.io.streams.shown) in TSV; JSON gives them exactly."""
    from ..io.streams import json_line

    if as_json:
        lines = (json_line(dict(zip(columns, row, strict=True))) for row in rows)
    else:
        lines = (
            "\t".join(f"{v:.6f}" if isinstance(v, float) else shown(str(v)) for v in row)
            for row in rows
        )
    text = "".join(line + "\n" for line in lines)
    if sys.stdout is None:
        raise W2VError("stdout is closed; the answers have nowhere to go")
    write_stdout(text.encode())


def write_stdout(data: bytes) -> None:
    """Write to stdout and flush; if its reader has stopped (| head), stop quietly, as a C
    tool does (exit 141)."""
    from ..io.files import stdout_writer

    out = stdout_writer()
    try:
        out.write(data)
        out.flush()
    except BrokenPipeError:
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())  # what it holds: nowhere
        sys.exit(141)


QUERY_SHAPES = {1: "one word", 2: "two words W1 W2", 3: "three words A B C"}
ROWS_PER_ANSWER = 100_000  # answer rows held at once: queries x k, whatever k is


def answer_queries(
    queries: list, arity, vecs, answer, columns: tuple, as_json, k=1, words_of=None, whole=False
):
    """Answer `queries` (lists of `arity` words), or if there are none, stdin's lines.

    `answer(queries)` takes the known queries of a batch and returns output rows, k per
    query. An unknown word or malformed line is reported on stderr and the rest still
    answered; the exit status is then 1. `arity` may instead be a function that says
    what is wrong with a query (or ""), and `words_of(query)` its words (an expression's
    operators are not words). `whole`: one batch of all the known queries, answered after
    stdin's last line, for answers that depend on each other (axis sorts its words).
    """
    check = arity if callable(arity) else lambda query: _shape(query, arity)
    failed = False
    per_part = max(1, ROWS_PER_ANSWER // max(1, min(k, len(vecs))))
    number = 0  # of the stdin line
    held = []  # whole: the known queries, answered at the end
    try:
        for batch in [queries] if queries else _stdin_queries():
            known = []
            for query in batch:
                number += 1
                if query is None:
                    say(f"stdin line {number:,}: longer than 1 MiB, not a query; skipped")
                    failed = True
                    continue
                if not query:
                    continue
                wrong = check(query)
                unknown = [] if wrong else [w for w in (words_of or list)(query) if w not in vecs]
                if wrong:
                    say(wrong)
                elif unknown:
                    say(f"unknown word: {', '.join(unknown)}")
                else:
                    known.append(query)
                    continue
                failed = True
            if whole:
                held += known
                continue
            for start in range(0, len(known), per_part):
                write_rows(answer(known[start : start + per_part]), columns, as_json)
        if whole:
            write_rows(answer(held), columns, as_json)
    except KeyboardInterrupt:  # how an interactive session ends; the answers are out
        sys.exit(130)
    if failed:
        sys.exit(1)


def _shape(query: list, arity: int) -> str:
    """What is wrong with a query of the wrong number of words, or ""."""
    if len(query) == arity:
        return ""
    return f"expected {QUERY_SHAPES[arity]} per line, got: {' '.join(query)}"


def _stdin_queries():
    """Lists of query lines (each a list of words, or None for a line too long to be a
    query), each list as soon as stdin has it.

    One read1() returns whatever is available: a pipe or file gives thousands of lines at a
    time, answered with one matrix product; a terminal gives one line, answered at once.
    """
    from ..io.streams import read_lines, split_words

    stream = stdin("no words given and stdin is closed; give the words as arguments")
    if stream.isatty():
        say("reading queries from stdin, one per line; Ctrl-D to end")
    for lines in read_lines(lambda: stream.read1(1 << 16)):
        yield [
            None if line is None else split_words(line.decode(errors="replace")) for line in lines
        ]


# Progress on stderr. On a terminal it is redrawn in place; anywhere else (a log file, a
# pipe) it is a plain line at most every LOG_SECONDS, never a carriage return, so that a
# log of a long run stays readable.
FIRST_SECONDS = 1.0  # a wait shorter than this shows no progress: its summary says it all
REDRAW_SECONDS = 0.25  # on a terminal
LOG_SECONDS = 5.0  # elsewhere
MIB = 1 << 20
LOG_FORMAT = (  # tqdm's line without the bar
    "{desc}: {percentage:3.0f}% {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}{postfix}]"
)


def on_terminal() -> bool:
    """Whether stderr is a terminal, where progress is redrawn in place."""
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (AttributeError, OSError, ValueError):
        return False


def _draw(text: str) -> None:
    click.echo(text, err=True, nl=False)


class Status:
    """The progress of a wait other than training (reading a corpus, building the kernel),
    on stderr, once the wait has lasted FIRST_SECONDS: on a terminal, one line redrawn in
    place every REDRAW_SECONDS and cleared at the end (the line after it says how it went);
    elsewhere, a plain line every LOG_SECONDS."""

    def __init__(self, quiet: bool = False, clock=time.monotonic):
        self.quiet, self.clock, self.terminal = quiet, clock, on_terminal()
        self.drawn = None  # when it was last drawn or written (clock)
        self.in_place = False  # a line is drawn in place (a terminal's), to clear at the end

    def show(self, text: str, waited: float) -> None:
        """The state of the wait, `waited` seconds long."""
        if self.quiet or waited < FIRST_SECONDS:
            return
        now = self.clock()
        every = REDRAW_SECONDS if self.terminal else LOG_SECONDS
        if self.drawn is not None and now - self.drawn < every:
            return
        self.drawn = now
        if self.terminal:  # from the line's start, and what is left of a longer one erased
            _draw(f"\r{shown(text)}\x1b[K")
            self.in_place = True
        else:
            _draw(f"{shown(text)}\n")

    def end(self) -> None:
        """The wait is over."""
        if self.in_place:
            _draw("\r\x1b[K")
        self.drawn, self.in_place = None, False

    def reading(self, reading) -> None:
        """How far reading a corpus has come (an `on_read` of the library's)."""
        if reading.done:
            self.end()
        else:
            self.show(reading_line(reading), reading.seconds)


def reading_line(reading) -> str:
    """What a w2vcli.text.corpus.Reading says: its tokens, bytes and rate, and with the
    file's size where it has one, the share read and the time left."""
    seconds = max(reading.seconds, 1e-9)
    line = f"reading {reading.name}: {quantity(reading.tokens, 'token')}, "
    at, size = reading.at, reading.size  # of the file itself (a compressed one's)
    if not (size and at):
        return line + f"{reading.bytes / MIB:,.1f} MiB, {reading.bytes / seconds / MIB:,.1f} MiB/s"
    rate = at / seconds
    return line + (
        f"{at / MIB:,.1f} of {size / MIB:,.1f} MiB ({100 * at / size:.0f}%), "
        f"{rate / MIB:,.1f} MiB/s, about {(size - at) / rate:,.0f} s left"
    )


class ProgressBar:
    """Training's progress on stderr: on a terminal, tqdm's bar, made at the first report
    (so that it comes after the kernel build's message), lines written meanwhile going
    above it; elsewhere, the same figures as a plain line every LOG_SECONDS, and a last
    one at the end."""

    def __init__(self, quiet: bool, clock=time.monotonic):
        self.quiet, self.total, self.bar, self.loss = quiet, 0, None, "-"
        self.start = 0  # words done before: a resumed run's bar starts there
        self.clock, self.terminal = clock, on_terminal()
        self.began = self.logged = None  # off a terminal: the first report, the last line
        self.words, self.postfix = None, ""  # the last report

    def update(self, words: int, alpha: float, interval_loss: float | None) -> None:
        if interval_loss is not None:  # else no loss was sampled since the last call
            self.loss = f"{interval_loss:.4f}"
        self.words, self.postfix = words, f"alpha={alpha:.5f} loss={self.loss}"
        if not self.terminal:
            return self._log()
        from tqdm import tqdm

        if self.bar is None:
            self.bar = tqdm(
                total=self.total,
                unit="word",
                unit_scale=True,
                file=sys.stderr,
                disable=self.quiet,
                desc="train",
                smoothing=0.1,
                initial=self.start,
            )
        self.bar.update(words - self.bar.n)
        self.bar.set_postfix_str(self.postfix, refresh=False)

    def _log(self, last: bool = False) -> None:
        """A line of the last report: FIRST_SECONDS after the first report, then every
        LOG_SECONDS, and the `last` one (unless that line is written already)."""
        if self.quiet or self.words is None:
            return
        now = self.clock()
        self.began = now if self.began is None else self.began
        since, words = self.logged or (self.began - LOG_SECONDS + FIRST_SECONDS, None)
        if now - since < LOG_SECONDS and not (last and words != self.words):
            return
        self.logged = now, self.words
        from tqdm import tqdm

        line = tqdm.format_meter(
            self.words,
            self.total,
            now - self.began,
            prefix="train",
            unit="word",
            unit_scale=True,
            postfix=self.postfix,
            initial=self.start,
            bar_format=LOG_FORMAT,
        )
        say(line)

    def write(self, line: str) -> None:
        """A line above the bar (said as is where there is none)."""
        if self.bar is None:
            return say(line)
        from tqdm import tqdm

        tqdm.write(shown(line), file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif not self.terminal:
            self._log(last=True)
