"""The `w2v` command line: click commands over the library, data on stdout, talk on stderr.

Only `train` imports numba (through w2vcli.trainer), and only when it runs, so the query
commands start fast.
"""

import errno
import signal
import sys

import click

from .config import (
    MAX_THREADS,
    SOFTMAX_MAX_VOCAB,
    TOKEN_BYTES,
    TrainConfig,
    available_cores,
)
from .errors import W2VError
from .streams import shown

DEFAULTS = TrainConfig()  # the training options' defaults are TrainConfig's, in one place


class Stopped(BaseException):
    """A signal that ends the process (SIGTERM, SIGHUP...: files.STOPPING_SIGNALS), turned
    into an exception so that temporary files are removed on the way out."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum, frame):
    from .files import held

    if held(signum):  # outputs are being renamed into place: it comes again after
        return
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Stopped(signum)


def _stopped(what: str) -> str:
    """The last line of a run that was stopped: whether it wrote its outputs."""
    from .files import written

    return f"w2v: {what}; " + (f"wrote {', '.join(written)}" if written else "no output written")


class W2VGroup(click.Group):
    """Turns the library's errors into one-line messages and signals into exit codes."""

    def invoke(self, ctx):
        from .files import written

        written.clear()  # what this command writes (a process may run several: tests)
        try:
            return super().invoke(ctx)
        except W2VError as e:
            raise click.ClickException(shown(str(e))) from None
        except click.UsageError as e:  # one line, not click's usage block
            command = (
                f"{ctx.info_name} {e.ctx.info_name}"
                if e.ctx and e.ctx is not ctx
                else ctx.info_name
            )
            error = click.ClickException(f"{shown(e.format_message())} (see '{command} --help')")
            error.exit_code = e.exit_code
            raise error from None
        except MemoryError:
            raise click.ClickException(
                "out of memory; use smaller settings (train: --dim, --max-vocab, --max-types) "
                "or a smaller input"
            ) from None
        except OSError as e:  # not foreseen by the library: still one line
            if e.errno == errno.EPIPE:
                raise  # click exits quietly when the reader of stdout has gone (| head)
            where = f"{e.filename}: " if e.filename else ""
            raise click.ClickException(shown(f"{where}{e.strerror or e}")) from None
        except KeyboardInterrupt:
            click.echo(_stopped("interrupted"), err=True)
            ctx.exit(130)
        except Stopped as e:
            try:
                name = signal.Signals(e.signum).name
            except ValueError:  # a real-time signal
                name = f"signal {e.signum}"
            what = "terminated" if e.signum == signal.SIGTERM else f"stopped by {name}"
            click.echo(_stopped(what), err=True)
            ctx.exit(128 + e.signum)


@click.group(cls=W2VGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="w2vcli")
def cli():
    """Train word2vec embeddings on a tokenized corpus and query them."""


def say(message: str, quiet: bool = False) -> None:
    """A line of talk on stderr, its words escaped (see w2vcli.streams)."""
    if not quiet:
        click.echo(shown(message), err=True)


@cli.command()
@click.argument("corpus")
@click.option(
    "-o",
    "--output",
    default="vectors.txt",
    show_default=True,
    help="Vectors file to write; '-' for stdout.",
)
@click.option(
    "--arch",
    type=click.Choice(["cbow", "skipgram"]),
    default=DEFAULTS.arch,
    show_default=True,
    help="Predict the centre word from its context, or the reverse.",
)
@click.option(
    "--loss",
    type=click.Choice(["ns", "hs", "softmax"]),
    default=DEFAULTS.loss,
    show_default=True,
    help=f"Negative sampling, hierarchical softmax, or the exact full softmax "
    f"(for vocabularies up to {SOFTMAX_MAX_VOCAB:,} words).",
)
@click.option("--dim", type=int, default=DEFAULTS.dim, show_default=True, help="Vector dimensions.")
@click.option(
    "--window",
    type=int,
    default=DEFAULTS.window,
    show_default=True,
    help="Largest distance between a word and its context words.",
)
@click.option(
    "--negative",
    type=int,
    default=DEFAULTS.negative,
    show_default=True,
    help="Noise words per pair, with --loss ns.",
)
@click.option(
    "--min-count",
    type=int,
    default=DEFAULTS.min_count,
    show_default=True,
    help="Drop words rarer than this.",
)
@click.option("--max-vocab", type=int, default=None, help="Keep only the N most frequent words.")
@click.option(
    "--max-types",
    type=int,
    default=DEFAULTS.max_types,
    show_default=True,
    help=f"Distinct tokens held while counting (about 170 bytes each, {TOKEN_BYTES} of them "
    "token text); past it the rarer half is pruned, as word2vec C does.",
)
@click.option(
    "--sample",
    type=float,
    default=DEFAULTS.sample,
    show_default=True,
    help="Sub-sampling threshold for frequent words; 0 turns it off.",
)
@click.option("--epochs", type=int, default=DEFAULTS.epochs, show_default=True)
@click.option(
    "--alpha",
    type=float,
    default=None,
    help="Starting learning rate.  [default: 0.05 for cbow, 0.025 for skipgram]",
)
@click.option(
    "--min-alpha", type=float, default=None, help="Final learning rate.  [default: alpha * 1e-4]"
)
@click.option(
    "--threads",
    type=int,
    default=DEFAULTS.threads,
    help=f"Worker threads, up to {MAX_THREADS}; more than the cores is allowed.  "
    f"[default: all cores, here {available_cores()}]",
)
@click.option(
    "--seed",
    type=int,
    default=DEFAULTS.seed,
    show_default=True,
    help="Random seed; with --threads 1 the output is reproducible.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "binary"]),
    default="text",
    show_default=True,
    help="word2vec text or binary format.",
)
@click.option("--save-vocab", default=None, help="Also write `word count` lines to this file.")
@click.option(
    "--force-softmax", is_flag=True, help=f"Allow --loss softmax above {SOFTMAX_MAX_VOCAB:,} words."
)
@click.option(
    "--output-vectors",
    type=click.Choice(["in", "out", "sum"]),
    default="in",
    show_default=True,
    help="Write the input vectors (rows of W, as every tool), the output vectors (columns of "
    "W'; --loss ns or softmax), or their sum.",
)
@click.option(
    "--watch",
    metavar="WORD,...",
    default=None,
    help="At the start and after each epoch, print these words' nearest neighbours (among the "
    "vectors --output-vectors writes) on stderr.",
)
@click.option(
    "--eval-analogies",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    metavar="FILE",
    help="At the start and after each epoch, print the analogy accuracy on FILE "
    "(questions-words.txt format) on stderr.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress or summary on stderr.")
def train(
    corpus,
    output,
    arch,
    loss,
    dim,
    window,
    negative,
    min_count,
    max_vocab,
    max_types,
    sample,
    epochs,
    alpha,
    min_alpha,
    threads,
    seed,
    fmt,
    save_vocab,
    force_softmax,
    output_vectors,
    watch,
    eval_analogies,
    quiet,
):
    """Train word vectors on CORPUS ('-' for stdin; .gz, .bz2, .xz are read directly).

    CORPUS is UTF-8 text, tokens separated by white space, one sentence or document per
    line.
    """
    from . import model as library
    from . import vector_sets
    from .files import write_outputs
    from .vectors import write_vectors
    from .vocab import Vocab, format_vocab

    config = TrainConfig(
        arch=arch,
        loss=loss,
        dim=dim,
        window=window,
        negative=negative,
        min_count=min_count,
        max_vocab=max_vocab,
        max_types=max_types,
        sample=sample,
        epochs=epochs,
        alpha=alpha,
        min_alpha=min_alpha,
        threads=threads,
        seed=seed,
        force_softmax=force_softmax,
    ).validate()
    vector_sets.check(output_vectors, loss)
    outputs = plan(
        {"--output": output, "--save-vocab": save_vocab},
        [("CORPUS", corpus), ("--eval-analogies", eval_analogies)],
        fmt == "binary",
    )
    quiet = quiet or sys.stderr is None or getattr(sys.stderr, "stream", True) is None
    if eval_analogies:  # its form checked now; its words once the vocabulary is known
        epoch_report([], None, eval_analogies)
    from tqdm import tqdm

    report = None

    def on_start(model):
        nonlocal report, total_words
        total_words = int(model.vocab.counts.sum()) * config.epochs
        read = model.corpus
        if read.bad_lines:
            say(f"{read.name}: {read.bad_lines:,} lines had invalid UTF-8, replaced with U+FFFD")
        if read.nul_bytes:
            say(f"{read.name}: {read.nul_bytes:,} NUL bytes, read as white space")
        if read.prunings:
            say(
                f"{read.name}: more than --max-types {max_types:,} distinct tokens (or their text "
                f"more than {max_types * TOKEN_BYTES:,} bytes); pruned the rarer half "
                f"{read.prunings:,} times, dropping {read.pruned_tokens:,} of their occurrences"
            )
        say(
            f"read {read.tokens:,} tokens, {read.distinct:,} distinct, in {read.seconds:.1f} s; "
            f"vocabulary: {len(model.vocab):,} words with count >= {min_count}",
            quiet,
        )
        report = epoch_report(model.vocab.words, watch, eval_analogies)
        if report:  # the vectors as initialised
            for line in report.lines(chosen(model), "start"):
                say(line)

    def chosen(model):
        return vector_sets.select(model.vectors.matrix, model.output, output_vectors)

    def on_build():
        say("building the training kernel for this CPU, once (about 30 s)", quiet)

    def on_progress(words, alpha, interval_loss):
        nonlocal shown_loss, bar
        if bar is None:  # made now, not before a kernel build's message
            bar = tqdm(
                total=total_words,
                unit="word",
                unit_scale=True,
                file=sys.stderr,
                disable=quiet,
                desc="train",
                smoothing=0.1,
            )
        bar.update(words - bar.n)
        if interval_loss is not None:  # else no loss was sampled since the last call
            shown_loss = f"{interval_loss:.4f}"
        bar.set_postfix_str(f"alpha={alpha:.5f} loss={shown_loss}", refresh=False)

    def on_epoch(epoch, model):
        label = f"epoch {epoch + 1}/{epochs} (loss {model.epoch_losses[-1]:.4f})"
        for line in report.lines(chosen(model), label):
            tqdm.write(shown(line), file=sys.stderr)

    bar, shown_loss, total_words = None, "-", 0
    try:
        model = library.train(
            corpus_source(corpus),
            name="stdin" if corpus == "-" else corpus,
            config=config,
            on_start=on_start,
            on_build=on_build,
            on_progress=on_progress,
            on_epoch=on_epoch if watch or eval_analogies else None,
        )
    finally:
        if bar is not None:
            bar.close()
    vocab = model.vocab
    with write_outputs(list(outputs.values())) as files:  # renamed into place together
        write_vectors(
            files[0], words_for(outputs["--output"], vocab.words), chosen(model), fmt == "binary"
        )
        if save_vocab:
            vocab_words = words_for(outputs["--save-vocab"], vocab.words)
            files[1].write(format_vocab(Vocab(vocab_words, vocab.counts)).encode())
    losses = " ".join(f"{x:.4f}" for x in model.epoch_losses)
    say(
        f"vocabulary {len(vocab):,} words, {model.words:,} words trained in "
        f"{model.seconds:.1f} s ({model.words_per_second:,.0f} words/s, {model.threads} "
        f"threads, compile {model.compile_seconds:.1f} s); loss per epoch: {losses}",
        quiet,
    )


def corpus_source(corpus: str):
    """The corpus for the library: a path, or stdin's binary stream for '-'."""
    from .corpus import open_corpus

    return open_corpus(corpus) if corpus == "-" else corpus


def plan(outputs: dict, inputs: list, binary: bool = False) -> dict:
    """files.plan_outputs, and what follows from it here: no binary vectors onto a terminal
    (they would be noise, and could be escape sequences), and no talk on a stderr that is
    the same file as an output (`w2v train c.txt -o - > v.txt 2>&1`)."""
    from .files import plan_outputs
    from .streams import silence_talk

    planned = plan_outputs(outputs, inputs)
    for output in planned.values():
        if binary and output.option in ("--output", "TARGET"):
            refuse_binary_on_terminal(output)
        if output.shares_stderr:
            silence_talk()
    return planned


def refuse_binary_on_terminal(output) -> None:
    if output.terminal:
        raise output.fail("is a terminal; binary data goes to a file or a pipe")


def words_for(output, words: list) -> list:
    """The words as written to `output`: escaped on a terminal, where they are shown, not
    stored (see w2vcli.streams); as they are everywhere else."""
    return [shown(w) for w in words] if output.terminal else words


def epoch_report(vocab_words: list, watch: str | None, analogies: str | None):
    """The --watch / --eval-analogies reporter, its words and questions checked before
    training."""
    from .streams import split_words
    from .watch import EpochReport

    words = [w for part in (watch or "").split(",") for w in split_words(part)]
    if not analogies:
        return EpochReport(vocab_words, words)
    from .files import text_file

    with text_file(analogies, "--eval-analogies") as lines:
        return EpochReport(vocab_words, words, lines, f"--eval-analogies {analogies}")


# Query commands: numpy only (w2vcli.vectors, query, evaluate), imported when they run, so a
# query never imports numba. Answers go to stdout as TSV or JSON lines, talk to stderr.

vectors_option = click.option(
    "-v",
    "--vectors",
    default="vectors.txt",
    envvar="W2V_VECTORS",
    show_default=True,
    show_envvar=True,
    metavar="PATH",
    help="word2vec text or binary file (the format is detected).",
)
json_option = click.option(
    "--json", "as_json", is_flag=True, help="One JSON object per line instead of TSV."
)
k_option = click.option(
    "-k", type=click.IntRange(min=1), default=10, show_default=True, help="Answers per query."
)
restrict_option = click.option(
    "--restrict",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Answer only with the N most frequent words.",
)


def load_vectors_reported(path: str):
    """load_vectors, saying on stderr what was repaired."""
    from .vectors import load_vectors

    loaded = load_vectors(path)
    if loaded.invalid_utf8:
        say(f"{path}: {loaded.invalid_utf8:,} words had invalid UTF-8, replaced with U+FFFD")
    if loaded.blank_words:
        say(f"{path}: {loaded.blank_words:,} words held white space or NUL, replaced with U+FFFD")
    if loaded.duplicates:
        say(f"{path}: {loaded.duplicates:,} duplicate words; the first row of each is used")
    return loaded


def load_index(path: str, inputs: tuple = (), answers: bool = True):
    """The vectors at `path` as a query.Index; first, if the `answers` go to stdout, check
    that it is open and none of the inputs (`w2v nearest -v v.txt >> v.txt`)."""
    from .query import Index

    if answers:
        check_stdout([("--vectors", path), *inputs])
    loaded = load_vectors_reported(path)
    return Index(loaded.words, loaded.vectors)


def check_stdout(inputs: list) -> None:
    from .files import plan_outputs

    if sys.stdout is None:  # started with stdout closed (`>&-`)
        raise W2VError("stdout is closed; the answers have nowhere to go")
    plan_outputs({"stdout": "-"}, inputs)


def stdin_batches():
    """Lists of query lines (each a list of words, or None for a line too long to be a
    query), each list as soon as stdin has it.

    One read1() returns whatever is available: a pipe or file gives thousands of lines at a
    time, answered with one matrix product; a terminal gives one line, answered at once.
    """
    from .streams import read_lines, split_words

    if sys.stdin is None:  # started with stdin closed (`<&-`)
        raise W2VError("no words given and stdin is closed; give the words as arguments")
    stream = sys.stdin.buffer
    if stream.isatty():
        say("reading queries from stdin, one per line; Ctrl-D to end")
    for lines in read_lines(lambda: stream.read1(1 << 16)):
        yield [
            None if line is None else split_words(line.decode(errors="replace")) for line in lines
        ]


def write_rows(rows: list, columns: tuple, as_json: bool) -> None:
    """Write rows to stdout and flush, so each batch's answers appear at once. Words are
    escaped (w2vcli.streams.shown) in TSV; JSON gives them exactly."""
    from .streams import json_line

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
    from .files import stdout_writer

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


def answer_queries(queries: list, arity: int, index, answer, columns: tuple, as_json: bool, k=1):
    """Answer `queries` (lists of `arity` words), or if there are none, stdin's lines.

    `answer(queries, rows)` takes the known queries of a batch (as words and as rows) and
    returns output rows, k per query. An unknown word or malformed line is reported on
    stderr and the rest still answered; the exit status is then 1.
    """
    failed = False
    per_part = max(1, ROWS_PER_ANSWER // max(1, min(k, len(index))))
    number = 0  # of the stdin line
    try:
        for batch in [queries] if queries else stdin_batches():
            known = []
            for query in batch:
                number += 1
                if query is None:
                    say(f"stdin line {number:,}: longer than 1 MiB, not a query; skipped")
                    failed = True
                    continue
                if not query:
                    continue
                unknown = [w for w in query if w not in index.rows]
                if len(query) != arity:
                    say(f"expected {QUERY_SHAPES[arity]} per line, got: {' '.join(query)}")
                elif unknown:
                    say(f"unknown word: {', '.join(unknown)}")
                else:
                    known.append(query)
                    continue
                failed = True
            for start in range(0, len(known), per_part):
                part = known[start : start + per_part]
                rows = [[index.rows[w] for w in query] for query in part]
                write_rows(answer(part, rows), columns, as_json)
    except KeyboardInterrupt:  # how an interactive session ends; the answers are out
        sys.exit(130)
    if failed:
        sys.exit(1)


@cli.command(short_help="Nearest words by cosine similarity.")
@click.argument("words", nargs=-1)
@vectors_option
@k_option
@restrict_option
@json_option
def nearest(words, vectors, k, restrict, as_json):
    """The k nearest words to each WORD by cosine similarity, the word itself excluded.

    Without WORDs, reads one word per line from stdin. Output: query, neighbour, similarity.
    """
    from .query import nearest as find_nearest

    index = load_index(vectors, [] if words else [("stdin", "-")])  # queries from stdin

    def answer(queries, rows):
        found = find_nearest(index, [row[0] for row in rows], k, restrict)
        hits = zip(queries, found, strict=True)
        return [(q[0], index.words[r], s) for q, found_q in hits for r, s in found_q]

    queries = [[word] for word in words]
    columns = ("query", "neighbour", "similarity")
    answer_queries(queries, 1, index, answer, columns, as_json, k)


@cli.command(short_help="A is to B as C is to ?")
@click.argument("words", nargs=-1)
@vectors_option
@k_option
@click.option(
    "--method",
    type=click.Choice(["add", "mul"]),
    default="add",
    show_default=True,
    help="3CosAdd (word2vec C, gensim) or 3CosMul (Levy and Goldberg).",
)
@restrict_option
@json_option
def analogy(words, vectors, k, method, restrict, as_json):
    """A is to B as C is to ?: the words nearest B - A + C, the three inputs excluded.

    WORDS are A B C; without them, reads 'A B C' lines from stdin. Output: a, b, c, answer,
    similarity.
    """
    from .query import analogy as solve

    if words and len(words) != 3:
        raise click.UsageError("give three words A B C, or none to read 'A B C' lines from stdin")
    index = load_index(vectors, [] if words else [("stdin", "-")])  # queries from stdin

    def answer(queries, rows):
        found = solve(index, rows, k, method, restrict)
        hits = zip(queries, found, strict=True)
        return [(*q, index.words[r], s) for q, found_q in hits for r, s in found_q]

    columns = ("a", "b", "c", "answer", "similarity")
    answer_queries([list(words)] if words else [], 3, index, answer, columns, as_json, k)


@cli.command(short_help="Cosine similarity of word pairs.")
@click.argument("words", nargs=-1)
@vectors_option
@json_option
def similarity(words, vectors, as_json):
    """Cosine similarity of two words W1 W2; without them, of each 'W1 W2' line on stdin."""
    from .query import similarity as cosine

    if words and len(words) != 2:
        raise click.UsageError("give two words W1 W2, or none to read 'W1 W2' lines from stdin")
    index = load_index(vectors, [] if words else [("stdin", "-")])  # queries from stdin

    def answer(queries, rows):
        return [(*q, float(s)) for q, s in zip(queries, cosine(index, rows), strict=True)]

    columns = ("word1", "word2", "similarity")
    answer_queries([list(words)] if words else [], 2, index, answer, columns, as_json)


@cli.command(short_help="Analogy accuracy and word-pair correlation.")
@vectors_option
@click.option(
    "--analogies",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Analogy questions: ': section' lines, then 'a b c d' lines (questions-words.txt). "
    "Repeatable.",
)
@click.option(
    "--pairs",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Word pairs and a score, tab or space separated (WordSim-353, SimLex-999). Repeatable.",
)
@click.option(
    "--restrict",
    type=click.IntRange(min=1),
    default=30_000,
    show_default=True,
    metavar="N",
    help="Analogy questions and answers within the N most frequent words (pairs use all).",
)
@json_option
def evaluate(vectors, analogies, pairs, restrict, as_json):
    """Analogy accuracy per section and word-pair correlation, as gensim computes them.

    Output, one row per result: file, section, metric, value, answered, total, coverage
    (answered / total, %). Accuracy is in %, correlations in [-1, 1].
    """
    from .evaluate import evaluate_analogies, evaluate_pairs
    from .files import text_file

    if not analogies and not pairs:
        raise click.UsageError("give --analogies FILE and/or --pairs FILE")
    inputs = [("--analogies", p) for p in analogies] + [("--pairs", p) for p in pairs]
    index = load_index(vectors, inputs)
    columns = ("file", "section", "metric", "value", "answered", "total", "coverage")
    rows = []

    def row(path, section, metric, value, answered, total):
        coverage = 100 * answered / total if total else float("nan")  # an empty section
        rows.append((path, section, metric, value, answered, total, coverage))

    for path in analogies:
        with text_file(path, "--analogies") as lines:
            result = evaluate_analogies(index, lines, restrict, path)
        if result.invalid_lines:
            say(f"{path}: skipped {result.invalid_lines:,} lines that are not four words")
        for s in result.sections + result.totals:
            row(path, s.name, "accuracy", s.accuracy, s.answered, s.questions)
    for path in pairs:
        with text_file(path, "--pairs") as lines:
            result = evaluate_pairs(index, lines, path)
        if result.invalid_lines:
            say(f"{path}: skipped {result.invalid_lines:,} lines without two words and a score")
        if result.spearman != result.spearman or result.pearson != result.pearson:
            say(
                f"{path}: no correlation: fewer than two pairs, or the gold scores or the "
                "similarities are all equal"
            )
        row(path, "pairs", "spearman", result.spearman, result.answered, result.pairs)
        row(path, "pairs", "pearson", result.pearson, result.answered, result.pairs)
    if not as_json:
        write_rows([columns], columns, False)
    write_rows(rows, columns, as_json)


@cli.command(short_help="Convert between word2vec text and binary.")
@click.argument("source")
@click.argument("target")
@click.option(
    "--to",
    type=click.Choice(["text", "binary"]),
    default=None,
    help="Output format.  [default: the other format than SOURCE's]",
)
def convert(source, target, to):
    """Convert word2vec vectors SOURCE to TARGET ('-' for stdin / stdout)."""
    from .vectors import write_vectors

    out = plan({"TARGET": target}, [("SOURCE", source)], to == "binary")["TARGET"]
    loaded = load_vectors_reported(source)
    binary = not loaded.binary if to is None else to == "binary"
    if binary:
        refuse_binary_on_terminal(out)
    with out.open() as f:
        write_vectors(f, words_for(out, loaded.words), loaded.vectors, binary=binary)
    formats = ("binary" if loaded.binary else "text", "binary" if binary else "text")
    say(
        f"{len(loaded.words):,} words x {loaded.vectors.shape[1]}: {source} ({formats[0]}) -> "
        f"{target} ({formats[1]})"
    )


@cli.command(short_help="Words, dimensions, format and norms of a file.")
@click.argument("path", default="vectors.txt", envvar="W2V_VECTORS")
@json_option
def info(path, as_json):
    """Vocabulary size, dimensions, format and vector norms of a vectors file.

    PATH defaults to $W2V_VECTORS, else vectors.txt. Output: name, value lines.
    """
    import numpy as np

    from .query import row_norms
    from .vectors import load_vectors

    check_stdout([("PATH", path)])
    loaded = load_vectors(path)
    norms = row_norms(loaded.vectors)
    facts = {
        "path": path,
        "format": "binary" if loaded.binary else "text",
        "words": len(loaded.words),
        "dimensions": loaded.vectors.shape[1],
        "norm_min": float(norms.min()),
        "norm_median": float(np.median(norms)),
        "norm_mean": float(norms.mean()),
        "norm_max": float(norms.max()),
        "zero_vectors": int((norms == 0).sum()),
        "invalid_utf8_words": loaded.invalid_utf8,
        "duplicate_words_dropped": loaded.duplicates,
        "blank_words_replaced": loaded.blank_words,
    }
    if as_json:
        write_rows([tuple(facts.values())], tuple(facts), True)
    else:  # every digit that matters: a norm of 1e-30 is not 0.000000
        rows = [(k, f"{v:.9g}" if isinstance(v, float) else v) for k, v in facts.items()]
        write_rows(rows, ("name", "value"), False)


@cli.command(short_help="A 2-D picture of words and their neighbours.")
@click.argument("words", nargs=-1)
@vectors_option
@click.option(
    "--neighbours",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    metavar="K",
    help="Nearest neighbours drawn with each WORD.",
)
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Without WORDs: draw the N most frequent words.  [default: 100]",
)
@restrict_option
@click.option(
    "-o",
    "--output",
    default="plot.png",
    show_default=True,
    help="Picture to write: .png, .svg or .pdf.",
)
@click.option(
    "--method",
    type=click.Choice(["pca", "tsne"]),
    default="pca",
    show_default=True,
    help="PCA (numpy) or t-SNE (scikit-learn: pip install 'w2vcli[tsne]').",
)
@click.option(
    "--seed",
    type=click.IntRange(0, 2**32 - 1),
    default=1,
    show_default=True,
    help="Random seed for t-SNE.",
)
@click.option(
    "--font",
    default=None,
    metavar="FILE|FAMILY",
    help="Font for the labels.  [default: DejaVu Sans, and a CJK font found for other scripts]",
)
def plot(words, vectors, neighbours, top, restrict, output, method, seed, font):
    """Draw WORDs and each one's nearest neighbours, or the most frequent words, projected to
    2-D from their unit vectors; each point labelled with its word.

    Needs matplotlib: pip install 'w2vcli[plot]', which also installs Noto Sans SC so that
    Chinese labels are drawn as characters.
    """
    from .plot import (
        MAX_WORDS,
        MIN_WORDS,
        draw,
        label,
        output_format,
        project,
        require,
        select_words,
    )

    if words and top is not None:
        raise click.UsageError("give WORDs or --top N, not both")
    most = len(set(words)) * (neighbours + 1) if words else top or 100
    if not words and most < MIN_WORDS:
        raise W2VError(f"--top {most}: a projection needs at least {MIN_WORDS} words")
    if most > MAX_WORDS:
        asked = f"{len(set(words))} words and {neighbours} neighbours each" if words else "--top"
        raise W2VError(f"{asked}: at most {MAX_WORDS:,} words fit in a legible picture")
    fmt = output_format(output)
    require(method)
    from .fonts import INSTALL_HINT, choose_fonts

    picture = plan({"--output": output}, [("--vectors", vectors), ("--font", font)], True)
    index = load_index(vectors, answers=False)
    chosen = select_words(index, list(words), neighbours, top or 100, restrict, vectors)
    labels = [label(index.words[r]) for r in chosen.rows]
    projection = project(index.unit[chosen.rows], method, seed)
    title = f"{projection.method} of {len(labels)} words from {shown(vectors)}"
    fonts = choose_fonts([*labels, title], font)
    if fonts.missing:
        missing = "".join(fonts.missing[:10]) + ("..." if len(fonts.missing) > 10 else "")
        say(f"no font found for {missing}; those labels show as boxes: {INSTALL_HINT}")
    with picture["--output"].open() as f:
        draw(f, fmt, projection, labels, chosen, title, fonts.families)
    say(f"{output}: {len(labels)} words, {projection.method}; fonts {', '.join(fonts.families)}")


@cli.command(short_help="Segment raw Chinese text into words.")
@click.argument("source", default="-")
@click.option(
    "--lang",
    type=click.Choice(["zh"]),
    default="zh",
    show_default=True,
    help="Language of the text (Chinese, with jieba).",
)
def tokenize(source, lang):
    """Cut the raw text in SOURCE ('-' or none for stdin; .gz, .bz2, .xz are read directly)
    into words separated by spaces, line by line, to stdout: the input `w2v train` reads.

    Needs jieba: pip install 'w2vcli[zh]'. Example: w2v tokenize raw.txt | w2v train -
    """
    from .segment import raw_lines, segment_lines

    check_stdout([("SOURCE", source)])  # `w2v tokenize raw.txt >> raw.txt` would never end
    terminal = sys.stdout.isatty()
    for line in segment_lines(raw_lines(source), lang):  # each line as soon as it is cut
        write_stdout((shown(line[:-1]) + "\n" if terminal else line).encode())


def main():
    from .files import STOPPING_SIGNALS
    from .streams import protect_std_descriptors, talk_to_stderr

    protect_std_descriptors()
    talk_to_stderr()
    for signum in STOPPING_SIGNALS:
        signal.signal(signum, _on_signal)
    cli()
