"""The `w2v` command line: click commands over the library, data on stdout, talk on stderr.

Each command is its options, one library call and the formatting of its result; the
standard streams ('-', stdin queries, stdout rows, broken pipes) are w2vcli.console's.
Only `train` imports numba (through w2vcli.trainer), and only when it runs, so the query
commands start fast.
"""

import dataclasses
import errno
import os
import shlex
import signal
import sys
import warnings

import click

from ..config import TEACH, TOKEN_BYTES, TrainConfig
from ..errors import W2VError, W2VWarning
from ..io.streams import shown
from .console import (
    answer_queries,
    check_stdout,
    input_name,
    load_for_answers,
    load_unit,
    load_vectors,
    plan,
    refuse_binary_on_terminal,
    say,
    source,
    words_for,
    write_rows,
    write_stdout,
)


class Stopped(BaseException):
    """A signal that ends the process (SIGTERM, SIGHUP...: files.STOPPING_SIGNALS), turned
    into an exception so that temporary files are removed on the way out."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum, frame):
    from ..io.files import held

    if held(signum):  # outputs are being renamed into place: it comes again after
        return
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Stopped(signum)


def _stopped(what: str) -> str:
    """The last line of a run that was stopped: whether it wrote its outputs."""
    from ..io.files import written

    return f"w2v: {what}; " + (f"wrote {', '.join(written)}" if written else "no output written")


class W2VGroup(click.Group):
    """Turns the library's errors into one-line messages and signals into exit codes."""

    def parse_args(self, ctx, args):
        ctx.meta["w2v.argv"] = list(args)  # the command as given, for the provenance
        return super().parse_args(ctx, args)

    def invoke(self, ctx):
        from ..io.files import written

        written.clear()  # what this command writes (a process may run several: tests)
        try:
            with warnings.catch_warnings():  # the library's W2VWarnings: one line each
                warnings.simplefilter("always", W2VWarning)
                show = warnings.showwarning
                warnings.showwarning = lambda message, category, *args: (
                    say(f"w2v: {message}")
                    if issubclass(category, W2VWarning)
                    else show(message, category, *args)
                )
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


def training_settings(command):
    """TrainConfig's fields as options (--min-count for min_count), with its defaults and help."""
    for setting in reversed(dataclasses.fields(TrainConfig)):
        meta, default = setting.metadata, setting.default
        option = {"default": default, "help": meta["help"]}
        if "choices" in meta:
            option["type"] = click.Choice(meta["choices"])
        elif isinstance(default, bool):
            option["is_flag"] = True
        else:
            option["type"] = meta.get("type", type(default))
        option["show_default"] = default is not None and "[default:" not in meta["help"]
        if "metavar" in meta:
            option["metavar"] = meta["metavar"]
        declaration = meta.get("flag") or "--" + setting.name.replace("_", "-")
        if "flag" in meta:  # `--on/--off`: a flag of two names
            option.pop("is_flag", None)
            option["show_default"] = True
        command = click.option(declaration, setting.name, **option)(command)
    return command


@cli.command()
@click.argument("corpus", required=False)
@click.option(
    "-o",
    "--output",
    default="vectors.txt",
    show_default=True,
    help="Vectors file to write ('-' for stdout); its provenance goes beside it, in "
    "OUTPUT.w2v.json.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "binary"]),
    default="text",
    show_default=True,
    help="word2vec text or binary format.",
)
@click.option(
    "--output-vectors",
    type=click.Choice(["in", "out", "sum"]),
    default="in",
    show_default=True,
    help="Write the input vectors (rows of W, as every tool), the output vectors (columns of "
    "W'; --loss ns or softmax), or their sum.",
)
@click.option("--save-vocab", default=None, help="Also write `word count` lines to this file.")
@click.option(
    "--save-model",
    metavar="DIR",
    default=None,
    help="Also write the whole model to the directory DIR, to train on later (--from) or "
    "read from Python (w2vcli.load_model).",
)
@training_settings
@click.option(
    "--checkpoint",
    metavar="DIR",
    default=None,
    help="Save the model in DIR after every epoch (replacing the last), so that --resume DIR "
    "can finish the run if it stops.",
)
@click.option(
    "--checkpoint-every",
    metavar="DURATION",
    default=None,
    help="Also save a checkpoint this often within an epoch: 90s, 30m, 2h.",
)
@click.option(
    "--resume",
    metavar="DIR",
    default=None,
    help="Finish the run checkpointed in DIR, with its settings and outputs; CORPUS defaults "
    "to the file it read.",
)
@click.option(
    "--from",
    "from_model",
    metavar="DIR",
    default=None,
    help="Train the model saved in DIR on with CORPUS; its settings are the defaults.",
)
@click.option(
    "--update-vocab",
    is_flag=True,
    help="With --from: add CORPUS's words that reach --min-count (else only known words train).",
)
@click.option(
    "--init-vectors",
    metavar="FILE",
    default=None,
    help="Start the input vectors of the words FILE has from its vectors (any format the "
    "queries read); --dim defaults to theirs.",
)
@click.option(
    "--freeze-init", is_flag=True, help="Keep the vectors from --init-vectors as they are."
)
@click.option(
    "--watch",
    metavar="WORD,...",
    default=None,
    help="At the start and after each epoch, print these words' nearest neighbours (among the "
    "vectors --output-vectors writes) on stderr.",
)
@click.option(
    "--snapshots",
    metavar="DIR",
    default=None,
    help="Record the --watch words' and the --snapshot-top most frequent words' vectors as "
    "training goes, into DIR, for w2v plot --animate DIR.",
)
@click.option(
    "--snapshot-every",
    metavar="N|epoch",
    default=None,
    help="--snapshots: a frame every N words trained (500k, 2M), or after each epoch.  "
    "[default: 100 frames over the run]",
)
@click.option(
    "--snapshot-top",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    metavar="N",
    help="--snapshots: the most frequent words recorded (the --watch words' neighbours are "
    "chosen among them).",
)
@click.option(
    "--eval-analogies",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    metavar="FILE",
    help="At the start and after each epoch, print the analogy accuracy on FILE "
    "(questions-words.txt format) on stderr.",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="dask: a prepared CORPUS trained by the workers of a Dask cluster, which sync in "
    "rounds (pip install 'w2vcli[dask]').",
)
@click.option("--scheduler", metavar="ADDRESS", help="--engine dask: the scheduler's address.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    metavar="N",
    help="--engine dask without --scheduler: a local cluster of N processes.",
)
@click.option(
    "--sync",
    type=click.Choice(["schedule", "all", "epoch"]),
    default="schedule",
    show_default=True,
    help="--engine dask: the rows synced after each round: the top 1,024 x 2**k by frequency "
    "(pWord2Vec's schedule), all, or only at the end of each epoch (Spark MLlib's).",
)
@click.option(
    "--merge",
    type=click.Choice(["auto", "sum", "capped", "mean"]),
    default="auto",
    show_default=True,
    help="--engine dask: a synced row gets the sum of the workers' changes; the sum, "
    "shortened where they agree; or their mean over those that changed it. auto: the sum "
    "for 2 workers, capped for more.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress or summary on stderr.")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Read and count the corpus, say what the run would hold in memory, and stop.",
)
def train(
    corpus,
    output,
    fmt,
    output_vectors,
    save_vocab,
    save_model,
    checkpoint,
    checkpoint_every,
    resume,
    from_model,
    update_vocab,
    init_vectors,
    freeze_init,
    watch,
    snapshots,
    snapshot_every,
    snapshot_top,
    eval_analogies,
    engine,
    scheduler,
    workers,
    sync,
    merge,
    quiet,
    dry_run,
    **settings,
):
    """Train word vectors on CORPUS ('-' for stdin; .gz, .bz2, .xz are read directly).

    CORPUS is UTF-8 text, tokens separated by white space, one sentence or document per
    line; or a directory made by `w2v prepare`, whose ids are trained without reading
    the text again.
    """
    from ..io.files import write_outputs
    from ..text.vocab import Vocab, format_vocab
    from ..training import model_dir, provenance, vector_sets
    from ..training import pipeline as library
    from ..vectors.vectors import Vectors
    from .console import ProgressBar
    from .lifecycle import (
        Outputs,
        check_model_dirs,
        given_settings,
        parse_duration,
        run_config,
    )

    ctx = click.get_current_context()
    given = given_settings(ctx, settings)
    if corpus is not None and not resume and not from_model:  # a prepared directory's
        given = {**library.prepared_settings(corpus), **given}
    for option, value in [
        ("--update-vocab", update_vocab),
        ("--init-vectors", init_vectors),
        ("--freeze-init", freeze_init),
        ("--checkpoint", checkpoint),
        ("--dry-run", dry_run),
        ("--from", from_model),
    ]:
        if value and resume:
            raise click.UsageError(f"{option}: not with --resume, which finishes a run as it was")
    if dry_run and from_model:
        raise click.UsageError("--dry-run: not with --from")
    if snapshot_every and not snapshots:
        raise click.UsageError("--snapshot-every: give --snapshots DIR too")
    if snapshots and resume:
        raise click.UsageError("--snapshots: not with --resume (record a run from its start)")
    outputs = Outputs(output, fmt, output_vectors, save_vocab, save_model)
    saved = None  # the model.json of the run resumed or the model trained on
    if resume or from_model:
        saved = model_dir.describe(resume or from_model, "--resume" if resume else "--from")
    if resume:
        outputs = outputs.recorded(ctx, saved)
    every = parse_duration(checkpoint_every, "--checkpoint-every")
    if every and not (checkpoint or resume):
        raise click.UsageError("--checkpoint-every: give --checkpoint DIR too")
    if corpus is None and not resume:
        raise click.UsageError("Missing argument 'CORPUS'")
    vector_sets.check(outputs.vectors, run_config(settings, given, saved, bool(resume)).loss)
    files_planned = {"--output": outputs.output, "--save-vocab": outputs.save_vocab}
    inputs = [("CORPUS", corpus), ("--eval-analogies", eval_analogies)]
    inputs += [("--init-vectors", init_vectors), ("--read-vocab", settings["read_vocab"])]
    inputs.append(("--keep", settings["keep"]))
    planned = plan_with_provenance(files_planned, "--output", inputs, outputs.fmt == "binary")
    check_model_dirs(
        {"--save-model": outputs.save_model, "--checkpoint": checkpoint or resume},
        planned,
        from_model,
    )
    recorder = None
    if snapshots and not dry_run:
        from ..io.streams import split_words
        from ..training.snapshots import Recorder, parse_every

        watched = [w for part in (watch or "").split(",") for w in split_words(part)]
        recorder = Recorder(snapshots, parse_every(snapshot_every), snapshot_top, watched)
    init = load_vectors(init_vectors) if init_vectors else None
    if init is not None:
        init.path = init_vectors
        given.setdefault("dim", init.matrix.shape[1])
    config = run_config(settings, given, saved, bool(resume))
    quiet = quiet or sys.stderr is None or getattr(sys.stderr, "stream", True) is None
    if eval_analogies:  # its form checked now; its words once the vocabulary is known
        epoch_report([], None, eval_analogies)
    corpus_source = None
    if corpus is not None:
        corpus_source = source(
            corpus, "stdin is closed; pipe a corpus into 'w2v train -' or give a file"
        )
    if dry_run:  # read and count, say what the run would hold, allocate nothing
        found = library.survey(corpus_source, name=input_name(corpus), config=config)
        for line in [*corpus_notes(found.corpus, config.max_types), read_line(found)]:
            say(line)
        return say(memory_line(found) + "; not trained (--dry-run)")
    bar, report = ProgressBar(quiet), None

    def chosen(model):
        return vector_sets.select(model.vectors.matrix, model.output, outputs.vectors)

    def evaluated(model, label):
        lines = report.lines(chosen(model), label) if report else []
        if report and report.analogies is not None:
            run = model.provenance["runs"][-1]
            run.setdefault("evaluations", []).append(
                {"at": label.split(" (")[0], "analogies": eval_analogies, **report.scores[-1]}
            )
        return lines

    def on_start(model):
        nonlocal report
        bar.total = model.corpus.words * model.config.epochs
        if model.state is not None:
            bar.start = model.state.words
        for line in corpus_notes(model.corpus, model.config.max_types):
            say(line)
        say(read_line(model), quiet)
        say(memory_line(model), quiet)
        for line in start_lines(model):
            say(line, quiet)
        report = epoch_report(model.vocab.words, watch, eval_analogies)
        for line in evaluated(model, "start"):  # as initialised
            say(line)

    def on_epoch(epoch, model):
        label = f"epoch {epoch + 1}/{model.config.epochs} (loss {model.epoch_losses[-1]:.4f})"
        for line in evaluated(model, label):
            bar.write(line)

    callbacks = dict(
        name=input_name(corpus) if corpus is not None else None,
        record={"command": shlex.join(["w2v", *ctx.meta["w2v.argv"]]), "outputs": outputs.record()},
        on_start=on_start,
        on_build=lambda: say("building the training kernel for this CPU, once (about 30 s)", quiet),
        on_progress=bar.update,
        on_epoch=on_epoch if watch or eval_analogies else None,
    )
    try:
        if resume:
            model = library.resume(
                resume, corpus_source, checkpoint_every=every, **callbacks, **given
            )
        else:
            model = library.train(
                corpus_source,
                config=config if not from_model else None,
                from_model=from_model,
                update_vocab=update_vocab,
                init_vectors=init,
                freeze_init=freeze_init,
                checkpoint=checkpoint,
                checkpoint_every=every,
                engine=engine,
                scheduler=scheduler,
                workers=workers,
                sync=sync,
                merge=merge,
                snapshots=recorder,
                **callbacks,
                **(given if from_model else {}),
            )
    finally:
        bar.close()
    vocab = model.vocab
    if outputs.save_model:
        model_dir.save(model, outputs.save_model, "--save-model")
    files_out = [planned[k] for k in ("--output", "--save-vocab", "provenance") if k in planned]
    with write_outputs(files_out) as files:  # renamed into place together
        vectors_file = planned["--output"]
        written = Vectors(words_for(vectors_file, vocab.words), chosen(model))
        hashed = HashingWriter(files[0])
        written.save(hashed, outputs.fmt)
        if save_vocab := planned.get("--save-vocab"):
            vocab_words = words_for(save_vocab, vocab.words)
            files[1].write(format_vocab(Vocab(vocab_words, vocab.counts)).encode())
        if "provenance" in planned:
            model_path = outputs.save_model or checkpoint or resume  # the model it wrote last
            record = provenance.companion_record(
                model.provenance,
                {
                    "path": os.path.abspath(outputs.output),
                    "format": outputs.fmt,
                    "vectors": outputs.vectors,
                    "words": len(vocab),
                    "dim": model.config.dim,
                    "bytes": hashed.bytes,
                    "sha256": hashed.sha256.hexdigest(),
                },
                model_path and os.path.realpath(model_path),
            )
            files[-1].write(provenance.dumps(record))
    losses = " ".join(f"{x:.4f}" for x in model.epoch_losses)
    ran = model.provenance["runs"][-1].get("engine")
    who = f"{model.threads} Dask workers" if ran else f"{model.threads} threads"
    say(
        f"vocabulary {len(vocab):,} words, {model.words:,} words trained in "
        f"{model.seconds:.1f} s ({model.words_per_second:,.0f} words/s, {who}, "
        f"compile {model.compile_seconds:.1f} s); loss per epoch: {losses}",
        quiet,
    )


def plan_with_provenance(outputs: dict, key: str, inputs: list, binary: bool, wanted=True):
    """plan() the outputs, and with them (`wanted`) the provenance file beside the vectors
    file outputs[key] where it can go: planned together, so that no two are one file."""
    planned = plan(outputs, inputs, binary)
    companion = provenance_file(planned[key]) if wanted else None
    if companion:
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
    """A binary file's writer that also takes the sha256 of what goes through it."""

    def __init__(self, f):
        import hashlib

        self.f, self.sha256, self.bytes = f, hashlib.sha256(), 0

    def write(self, data) -> int:
        self.sha256.update(data)
        self.bytes += len(data)
        return self.f.write(data)

    def flush(self) -> None:
        self.f.flush()


def start_lines(model) -> list:
    """What the run starts from, if not from scratch: a checkpoint, a model, vectors."""
    run = model.provenance["runs"][-1] if model.provenance.get("runs") else {}
    lines = []
    state = model.state
    if state is not None and state.words:
        where = (
            f"in epoch {state.epochs_done + 1}"
            if state.lanes is not None
            else f"after epoch {state.epochs_done}"
        )
        lines.append(f"resuming {where} of {model.config.epochs} ({state.words:,} words trained)")
    if run.get("from"):
        start = run["from"]
        lines.append(
            f"training on a saved model of {start['vocabulary']:,} words; "
            f"{start['added_words']:,} words added"
        )
    if run.get("init_vectors"):
        init = run["init_vectors"]
        frozen = ", frozen" if init["frozen"] else ""
        lines.append(
            f"--init-vectors: {init['found']:,} of the {len(model.vocab):,} words start from "
            f"{init['path']}{frozen}"
        )
    return lines


def read_line(run) -> str:
    """What reading the corpus found (`run`: a Model or a Survey)."""
    read = run.corpus
    return (
        f"read {read.tokens:,} tokens, {read.distinct:,} distinct, in {read.seconds:.1f} s; "
        f"vocabulary: {len(run.vocab):,} words with count >= {run.config.min_count}"
    )


def memory_line(model) -> str:
    """What the run holds: the matrices, and the corpus's ids, in memory or on disk."""
    from ..training.trainer import matrices_bytes

    matrices = matrices_bytes(len(model.vocab), model.config.dim) / 2**20
    where = "in a temporary file" if model.corpus.ids_on_disk else "in memory"
    if model.corpus.path and os.path.isdir(model.corpus.path):
        where = f"in {model.corpus.path}'s shards (w2v prepare)"
    return (
        f"memory: {matrices:,.0f} MiB for the two matrices; the corpus's "
        f"{model.corpus.ids:,} ids {4 * model.corpus.ids / 2**20:,.0f} MiB {where}"
    )


def corpus_notes(read, max_types: int) -> list:
    """What reading the corpus repaired or dropped, one line each."""
    notes = []
    if read.bad_lines:
        notes.append(
            f"{read.name}: {read.bad_lines:,} lines had invalid UTF-8, replaced with U+FFFD"
        )
    if read.nul_bytes:
        notes.append(f"{read.name}: {read.nul_bytes:,} NUL bytes, read as white space")
    if read.prunings:
        notes.append(
            f"{read.name}: more than --max-types {max_types:,} distinct tokens (or their text "
            f"more than {max_types * TOKEN_BYTES:,} bytes); pruned the rarer half "
            f"{read.prunings:,} times, dropping {read.pruned_tokens:,} of their occurrences"
        )
    return notes


def epoch_report(vocab_words: list, watch: str | None, analogies: str | None):
    """The --watch / --eval-analogies reporter, its words and questions checked before
    training."""
    from ..io.streams import split_words
    from ..training.watch import EpochReport

    words = [w for part in (watch or "").split(",") for w in split_words(part)]
    if not analogies:
        return EpochReport(vocab_words, words)
    from ..io.files import text_file

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
limit_option = click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Read only the first N vectors of the file (the most frequent words).",
)
FROM_STDIN = [("stdin", "-")]  # an input of the query commands that read their queries


@cli.command(short_help="Nearest words by cosine similarity.")
@click.argument("words", nargs=-1)
@vectors_option
@limit_option
@k_option
@restrict_option
@click.option(
    "--vector",
    "by_vector",
    is_flag=True,
    help="Each query is a vector: a line of N numbers (space or tab separated).",
)
@json_option
def nearest(words, vectors, limit, k, restrict, by_vector, as_json):
    """The k nearest words to each WORD by cosine similarity, the query words excluded.

    A query of several words sums them, and a lone - before a word subtracts it:
    `w2v nearest king - man + woman` (gensim's most_similar(positive, negative); quote
    each query to give several: `w2v nearest "paris france" "king - man"`). Without
    WORDs, reads one query per line from stdin. Output: query, neighbour, similarity.
    """
    from ..io.streams import split_words
    from ..vectors.query import OPERATORS, expression

    vecs = load_for_answers(vectors, [] if words else FROM_STDIN, limit)
    if by_vector:
        return nearest_vectors(words, vecs, k, restrict, as_json)

    def answer(queries):
        single = [q for q in queries if len(q) == 1]  # many at once: one matrix product
        hits = vecs.nearest_each([q[0] for q in single], k, restrict)
        found = dict(zip(map(tuple, single), hits))
        for query in queries:
            if len(query) > 1:
                positive, negative = expression(query)
                found[tuple(query)] = vecs.nearest(positive, k, restrict, negative=negative)
        return [(" ".join(q), *n) for q in queries for n in found[tuple(q)]]

    def wrong(query):
        try:
            expression(query)
        except ValueError as e:
            return str(e)
        return ""

    if any(w in OPERATORS for w in words):  # `king - man + woman`: one query
        queries = [list(words)]
    else:
        queries = [split_words(w) for w in words]
    columns = ("query", "neighbour", "similarity")
    words_of = lambda q: [w for w in q if w not in OPERATORS]  # noqa: E731
    answer_queries(queries, wrong, vecs, answer, columns, as_json, k, words_of)


def nearest_vectors(words, vecs, k, restrict, as_json):
    """`nearest --vector`: each query a line of numbers (or an argument of them)."""
    import numpy as np

    from ..io.streams import split_words

    dim = vecs.matrix.shape[1]

    def numbers(query):
        try:
            vector = np.array([float(x) for x in query], dtype=np.float64)
        except ValueError:
            return None
        return vector if np.isfinite(vector).all() else None

    def wrong(query):
        if len(query) != dim:
            return f"expected a vector of {dim} numbers, got {len(query)}"
        return "" if numbers(query) is not None else "not a vector of finite numbers"

    def answer(queries):
        shown_query = lambda q: " ".join(q) if len(q) <= 4 else " ".join(q[:3]) + " ..."  # noqa: E731
        return [
            (shown_query(q), *n) for q in queries for n in vecs.nearest(numbers(q), k, restrict)
        ]

    columns = ("query", "neighbour", "similarity")
    queries = [split_words(w) for w in words]
    answer_queries(queries, wrong, vecs, answer, columns, as_json, k, words_of=lambda q: [])


@cli.command("doesnt-match", short_help="Which word does not go with the others?")
@click.argument("words", nargs=-1)
@vectors_option
@limit_option
@json_option
def doesnt_match(words, vectors, limit, as_json):
    """The word of WORDS least like the others: the lowest cosine with the mean of their
    unit vectors, as gensim's doesnt_match. Without WORDS, reads one set of words per
    line from stdin. Output: query, odd word, its cosine with the mean.
    """
    vecs = load_for_answers(vectors, [] if words else FROM_STDIN, limit)

    def answer(queries):
        return [(" ".join(q), *vecs.doesnt_match(q)) for q in queries]

    def wrong(query):
        return "" if len(query) >= 2 else f"expected two words or more, got: {' '.join(query)}"

    columns = ("query", "odd_one_out", "similarity")
    answer_queries([list(words)] if words else [], wrong, vecs, answer, columns, as_json)


@cli.command(short_help="A is to B as C is to ?")
@click.argument("words", nargs=-1)
@vectors_option
@limit_option
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
def analogy(words, vectors, limit, k, method, restrict, as_json):
    """A is to B as C is to ?: the words nearest B - A + C, the three inputs excluded.

    WORDS are A B C; without them, reads 'A B C' lines from stdin. Output: a, b, c, answer,
    similarity.
    """
    if words and len(words) != 3:
        raise click.UsageError("give three words A B C, or none to read 'A B C' lines from stdin")
    vecs = load_for_answers(vectors, [] if words else FROM_STDIN, limit)

    def answer(queries):
        found = vecs.analogy_each(queries, k, method, restrict)
        return [(*q, *n) for q, hits in zip(queries, found, strict=True) for n in hits]

    columns = ("a", "b", "c", "answer", "similarity")
    answer_queries([list(words)] if words else [], 3, vecs, answer, columns, as_json, k)


@cli.command(short_help="Cosine similarity of word pairs.")
@click.argument("words", nargs=-1)
@vectors_option
@limit_option
@json_option
def similarity(words, vectors, limit, as_json):
    """Cosine similarity of two words W1 W2; without them, of each 'W1 W2' line on stdin."""
    if words and len(words) != 2:
        raise click.UsageError("give two words W1 W2, or none to read 'W1 W2' lines from stdin")
    vecs = load_for_answers(vectors, [] if words else FROM_STDIN, limit)

    def answer(queries):
        return [(*q, s) for q, s in zip(queries, vecs.similarity_each(queries), strict=True)]

    columns = ("word1", "word2", "similarity")
    answer_queries([list(words)] if words else [], 2, vecs, answer, columns, as_json)


@cli.command(short_help="Analogy accuracy and word-pair correlation.")
@vectors_option
@limit_option
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
def evaluate(vectors, limit, analogies, pairs, restrict, as_json):
    """Analogy accuracy per section and word-pair correlation, as gensim computes them.

    Output, one row per result: file, section, metric, value, answered, total, coverage
    (answered / total, %). Accuracy is in %, correlations in [-1, 1].
    """
    from ..io.files import text_file

    if not analogies and not pairs:
        raise click.UsageError("give --analogies FILE and/or --pairs FILE")
    inputs = [("--analogies", p) for p in analogies] + [("--pairs", p) for p in pairs]
    vecs = load_for_answers(vectors, inputs, limit)
    columns = ("file", "section", "metric", "value", "answered", "total", "coverage")
    rows = []

    def row(path, section, metric, value, answered, total):
        coverage = 100 * answered / total if total else float("nan")  # an empty section
        rows.append((path, section, metric, value, answered, total, coverage))

    for path in analogies:
        with text_file(path, "--analogies") as lines:
            result = vecs.evaluate_analogies(lines, restrict, name=path)
        if result.invalid_lines:
            say(f"{path}: skipped {result.invalid_lines:,} lines that are not four words")
        for s in result.sections + result.totals:
            row(path, s.name, "accuracy", s.accuracy, s.answered, s.questions)
    for path in pairs:
        with text_file(path, "--pairs") as lines:
            result = vecs.evaluate_pairs(lines, name=path)
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
@click.argument("source_path", metavar="SOURCE")
@click.argument("target")
@click.option(
    "--to",
    type=click.Choice(["text", "binary"]),
    default=None,
    help="Output format.  [default: the other format than SOURCE's]",
)
@limit_option
def convert(source_path, target, to, limit):
    """Convert word2vec vectors SOURCE to TARGET ('-' for stdin / stdout). The provenance
    of SOURCE (SOURCE.w2v.json) goes beside TARGET, with the conversion added."""
    from ..io.files import write_outputs
    from ..training import provenance
    from ..vectors.vectors import Vectors

    inputs = [("SOURCE", source_path)]
    record = provenance.read(provenance.companion(source_path)) if source_path != "-" else None
    if record and not provenance.describes(record, source_path):
        record = None  # it describes a file replaced since
    planned = plan_with_provenance({"TARGET": target}, "TARGET", inputs, to == "binary", record)
    companion = "provenance" in planned
    out = planned["TARGET"]
    vecs = load_vectors(source_path, limit)
    binary = not vecs.binary if to is None else to == "binary"
    if binary:
        refuse_binary_on_terminal(out)
    with write_outputs(list(planned.values())) as files:
        hashed = HashingWriter(files[0])
        Vectors(words_for(out, vecs.words), vecs.matrix).save(
            hashed, "binary" if binary else "text"
        )
        if companion:
            converted = {
                "path": os.path.abspath(target),
                "format": "binary" if binary else "text",
                "words": len(vecs),
                "dim": vecs.matrix.shape[1],
                "bytes": hashed.bytes,
                "sha256": hashed.sha256.hexdigest(),
                "converted_from": provenance.described_file(record),
                "command": shlex.join(["w2v", *click.get_current_context().meta["w2v.argv"]]),
            }
            files[1].write(provenance.dumps({**record, "vectors": converted}))
    formats = ("binary" if vecs.binary else "text", "binary" if binary else "text")
    say(
        f"{len(vecs):,} words x {vecs.matrix.shape[1]}: {source_path} ({formats[0]}) -> "
        f"{target} ({formats[1]})"
    )


@cli.command("vectors", short_help="Print the vectors of words.")
@click.argument("words", nargs=-1)
@vectors_option
@limit_option
@json_option
def vectors_command(words, vectors, limit, as_json):
    """Each WORD's vector: word, then its values (9 significant digits: float32 exactly), as
    fastText's print-word-vectors. Without WORDs, reads one word per line from stdin.
    Output: word, v1 ... vN (TSV), or {"word", "vector"} with --json."""
    from ..io.streams import json_line
    from .console import write_stdout

    check_stdout([("--vectors", vectors), *([] if words else FROM_STDIN)])
    vecs = load_vectors(vectors, limit)

    def answer(queries):
        def values(word):  # the shortest decimals that read back as the same float32
            return [f"{x:.9g}" for x in vecs[word].tolist()]

        if as_json:
            records = ({"word": q[0], "vector": [float(x) for x in values(q[0])]} for q in queries)
            write_stdout("".join(json_line(r) + "\n" for r in records).encode())
        else:
            lines = (shown(q[0]) + "\t" + "\t".join(values(q[0])) + "\n" for q in queries)
            write_stdout("".join(lines).encode())
        return []  # written here: rows of N + 1 columns

    answer_queries([[w] for w in words], 1, vecs, answer, ("word",), as_json)


@cli.command(short_help="Write a subset of a vectors file.")
@vectors_option
@click.option("--top", type=click.IntRange(min=1), metavar="N", help="The first N words.")
@click.option(
    "--words",
    "words_path",
    metavar="FILE",
    help="The words of FILE (the first word of each line), in the vectors file's order.",
)
@click.option("-o", "--output", required=True, help="Vectors file to write; '-' for stdout.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "binary"]),
    default=None,
    help="word2vec text or binary.  [default: the vectors file's]",
)
def select(vectors, top, words_path, output, fmt):
    """Write the vectors of some words of a big file: its first N (--top) or those listed in
    a file (--words), as finalfusion's select."""
    from ..io.files import text_file
    from ..io.streams import split_words
    from ..vectors.export import select_rows
    from ..vectors.vectors import Vectors

    if (top is None) == (words_path is None):
        raise click.UsageError("give --top N or --words FILE")
    out = plan({"--output": output}, [("--vectors", vectors), ("--words", words_path)])
    out = out["--output"]
    wanted = None
    if words_path:
        with text_file(words_path, "--words") as lines:
            wanted = [split_words(line)[0] for line in lines if split_words(line)]
    vecs = load_vectors(vectors, top)
    rows, missing = select_rows(vecs.words, top, wanted)
    binary = (fmt or ("binary" if vecs.binary else "text")) == "binary"
    if binary:
        refuse_binary_on_terminal(out)
    with out.open() as f:
        chosen = Vectors(words_for(out, [vecs.words[r] for r in rows]), vecs.matrix[rows])
        chosen.save(f, "binary" if binary else "text")
    if missing:
        shown_missing = ", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")
        say(f"not in {vectors}: {shown_missing} ({len(missing):,} of the words of --words)")
    say(f"{len(rows):,} words x {vecs.matrix.shape[1]}: {vectors} -> {output}")


@cli.command(short_help="Vectors for other tools: TensorBoard's Projector, numpy.")
@vectors_option
@limit_option
@click.option(
    "--to",
    "kind",
    type=click.Choice(["projector", "npy"]),
    required=True,
    help="projector: vectors.tsv, metadata.tsv and projector_config.pbtxt (TensorBoard's "
    "Embedding Projector); npy: vectors.npy and words.txt.",
)
@click.argument("directory")
def export(vectors, limit, kind, directory):
    """Write the vectors of a file into DIRECTORY (made if missing) in another tool's
    format; files of those names there are replaced, atomically."""
    import io

    import numpy as np

    from ..io.files import write_outputs
    from ..vectors.export import NPY_FILES, PROJECTOR_FILES, projector_files, words_file

    if os.path.lexists(directory) and not os.path.isdir(directory):
        raise W2VError(f"DIRECTORY {directory}: exists and is not a directory")
    names = PROJECTOR_FILES if kind == "projector" else NPY_FILES
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as e:
        raise W2VError(f"DIRECTORY {directory}: cannot create it ({e.strerror})") from None
    outputs = {name: os.path.join(directory, name) for name in names}
    planned = plan(outputs, [("--vectors", vectors)])
    vecs = load_vectors(vectors, limit)
    if kind == "projector":
        contents = projector_files(vecs.words, vecs.matrix)
    else:
        matrix = io.BytesIO()
        np.save(matrix, np.ascontiguousarray(vecs.matrix, dtype=np.float32), allow_pickle=False)
        contents = {"vectors.npy": matrix.getvalue(), "words.txt": words_file(vecs.words)}
    with write_outputs([planned[name] for name in names]) as files:
        for name, f in zip(names, files, strict=True):
            f.write(contents[name])
    say(f"{len(vecs):,} words x {vecs.matrix.shape[1]}: {directory}/{{{','.join(names)}}}")


@cli.command(short_help="Make queries on a big vectors file start at once.")
@click.argument("path", default="vectors.txt", envvar="W2V_VECTORS")
def index(path):
    """Write PATH.index/, the unit vectors and words of the vectors file PATH in a form that
    nearest, analogy, similarity, evaluate and plot map into memory instead of reading
    PATH, for as long as PATH does not change (a changed PATH is read again, with a
    warning). Run it again after PATH changes."""
    from ..vectors.index import write_index

    if path == "-":
        raise click.UsageError("PATH must be a file: the index is written beside it")
    vecs = load_vectors(path)
    folder = write_index(vecs, path)
    say(f"{folder}: {len(vecs):,} words x {vecs.matrix.shape[1]}")


@cli.command(short_help="What a vectors file or a model directory holds, and how it was made.")
@click.argument("path", default="vectors.txt", envvar="W2V_VECTORS")
@limit_option
@json_option
def info(path, limit, as_json):
    """Vocabulary size, dimensions, format and vector norms of a vectors file, and how it
    was made (from PATH.w2v.json, which w2v train writes beside it); or the settings,
    training state, per-epoch loss and provenance of a model directory.

    PATH defaults to $W2V_VECTORS, else vectors.txt. Output: name, value lines.
    """
    import numpy as np

    from ..training import model_dir, provenance

    check_stdout([("PATH", path)])
    if path != "-" and os.path.isdir(path):
        return write_facts(model_facts(path), as_json)
    vecs = load_vectors(path, limit, quiet=True)  # what was repaired is among the facts
    norms = vecs.norms()
    facts = {
        "path": path,
        "format": "binary" if vecs.binary else "text",
        "words": len(vecs),
        "dimensions": vecs.matrix.shape[1],
        "norm_min": float(norms.min()),
        "norm_median": float(np.median(norms)),
        "norm_mean": float(norms.mean()),
        "norm_max": float(norms.max()),
        "zero_vectors": int((norms == 0).sum()),
        "invalid_utf8_words": vecs.invalid_utf8,
        "duplicate_words_dropped": vecs.duplicates,
        "blank_words_replaced": vecs.blank_words,
    }
    record = provenance.read(provenance.companion(path)) if path != "-" else None
    if record is not None:
        facts["provenance"] = provenance.companion(path)
        facts["provenance_current"] = provenance.describes(record, path)  # else: replaced since
        model = record.get("model")
        facts["model"] = model if isinstance(model, str) and model_dir.is_model_dir(model) else None
        facts.update(provenance.settings_facts(record))
        facts.update(provenance.facts(record))
    write_facts(facts, as_json)


def model_facts(path: str) -> dict:
    """What `w2v info DIR` says of a model directory."""
    import dataclasses

    from ..training import model_dir, provenance

    model = model_dir.load(path, in_memory=False)
    state = model.state
    facts = {
        "path": path,
        "format": "w2v model",
        "words": len(model.vocab),
        "dimensions": model.config.dim,
        "epochs_done": state.epochs_done if state else model.config.epochs,
        "finished": model.finished,
        "words_trained": state.words if state else None,
        "epoch_losses": list(model.epoch_losses),
        "frozen_vectors": int(model.frozen.sum()) if model.frozen is not None else 0,
    }
    facts.update({f"settings.{k}": v for k, v in dataclasses.asdict(model.config).items()})
    facts.update(provenance.facts(model.provenance))
    return facts


def write_facts(facts: dict, as_json: bool) -> None:
    if as_json:
        return write_rows([tuple(facts.values())], tuple(facts), True)

    def shown_value(v):  # every digit that matters: a norm of 1e-30 is not 0.000000
        if isinstance(v, float):
            return f"{v:.9g}"
        if isinstance(v, list):
            return "  ".join(shown_value(x) for x in v)
        return "" if v is None else v

    write_rows([(k, shown_value(v)) for k, v in facts.items()], ("name", "value"), False)


@cli.command(short_help="A 2-D picture of words and their neighbours.")
@click.argument("words", nargs=-1)
@vectors_option
@limit_option
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
@click.option(
    "--animate",
    metavar="DIR",
    default=None,
    help="Animate a replay recorded by w2v train --snapshots DIR: the WORDs (else its --watch "
    "words) and their --neighbours, or the --top most frequent, as training moved them; "
    "-o a .gif, .html or .mp4.",
)
@click.option(
    "--with-output",
    is_flag=True,
    help="--animate: draw each word's output vector too (hollow), joined to its input vector.",
)
@click.option(
    "--fps",
    type=click.IntRange(1, 60),
    default=8,
    show_default=True,
    help="--animate: frames per second.",
)
def plot(
    words, vectors, limit, neighbours, top, restrict, output, method, seed, font, animate,
    with_output, fps,
):  # fmt: skip
    """Draw WORDs and each one's nearest neighbours, or the most frequent words, projected to
    2-D from their unit vectors; each point labelled with its word. With --animate DIR,
    the same as a film of training, from a replay recorded by w2v train --snapshots DIR.

    Needs matplotlib: pip install 'w2vcli[plot]', which also installs Noto Sans SC so that
    Chinese labels are drawn as characters.
    """
    from ..explore.fonts import INSTALL_HINT
    from ..explore.plot import check, output_format, plot_words

    if animate is not None:
        return plot_animation(animate, words, neighbours, top, output, with_output, fps, font)
    if with_output:
        raise click.UsageError("--with-output: only with --animate")
    check(words, neighbours, top, method)
    fmt = output_format(output)
    picture = plan({"--output": output}, [("--vectors", vectors), ("--font", font)], True)
    vecs = load_unit(vectors, limit)
    with picture["--output"].open() as f:
        drawn = plot_words(
            vecs, f, fmt, words, neighbours, top, restrict, method, seed, font, vectors
        )
    if drawn.missing:
        missing = "".join(drawn.missing[:10]) + ("..." if len(drawn.missing) > 10 else "")
        say(f"no font found for {missing}; those labels show as boxes: {INSTALL_HINT}")
    families = ", ".join(drawn.families)
    say(f"{output}: {len(drawn.labels)} words, {drawn.method}; fonts {families}")


def plot_animation(replay_dir, words, neighbours, top, output, with_output, fps, font):
    from ..explore import animate
    from ..explore.fonts import INSTALL_HINT
    from ..explore.plot import require
    from ..training.snapshots import load_replay

    require()
    if output == "plot.png":  # the picture's default name
        output = "training.gif"
    fmt = animate.output_format(output)
    if words and top is not None:
        raise click.UsageError("give WORDs or --top N, not both")
    replay = load_replay(replay_dir)
    picture = plan({"--output": output}, [("--animate", replay_dir), ("--font", font)], True)
    with picture["--output"].open() as f:
        drawn = animate.animate(
            replay, f, fmt, words, neighbours if words or replay.watch else 0, top,
            with_output, fps, font, replay_dir,
        )  # fmt: skip
    if drawn.missing:
        say(f"no font found for {''.join(drawn.missing[:10])}; shown as boxes: {INSTALL_HINT}")
    say(f"{output}: {len(drawn.words)} words, {drawn.frames} frames")


host_option = click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; another than 127.0.0.1 lets other machines ask.",
)
port_option = click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
verbose_option = click.option("--verbose", is_flag=True, help="Log each request on stderr.")


@cli.command(short_help="A local web page to explore the vectors.")
@vectors_option
@limit_option
@host_option
@port_option
@verbose_option
def serve(vectors, limit, host, port, verbose):
    """Serve a page at http://HOST:PORT/ to explore the vectors in a browser: completion
    over the vocabulary, nearest neighbours, analogies, similarities and a 2-D map; and
    its JSON API under /api/ (see w2vcli/serve.py). Runs until Ctrl-C.
    """
    from ..explore.serve import make_server, serve_forever

    server = make_server(vectors, host, port, limit, verbose)
    words = len(server.app.vecs)
    say(f"serving {vectors} ({words:,} words) at {server.url} (Ctrl-C to stop)")
    try:
        serve_forever(server)
    except KeyboardInterrupt:  # how it is stopped: nothing to say
        sys.exit(130)


@cli.command(short_help="Learn the paper: a tiny model trained step by step, in the browser.")
@click.argument("corpus", required=False)
@click.option(
    "--preset",
    type=click.Choice(["fruit", "zh"]),
    default="fruit",
    show_default=True,
    help="Without CORPUS: fruit and drinks (after wevi), or Chinese (猫咪 狗狗, 中国 北京).",
)
@click.option(
    "--arch", type=click.Choice(["cbow", "skipgram"]), default=TEACH["arch"], show_default=True
)
@click.option(
    "--loss",
    type=click.Choice(["softmax", "hs", "ns"]),
    default=TEACH["loss"],
    show_default=True,
    help="softmax: the paper's exact model; hs, ns: its two approximations.",
)
@click.option("--dim", type=int, default=TEACH["dim"], show_default=True, help="N: 2 to 20.")
@click.option(
    "--window",
    type=int,
    default=TEACH["window"],
    show_default=True,
    help="Context words each side (1: the one-word-context model at sentence ends).",
)
@click.option(
    "--alpha", type=float, default=TEACH["alpha"], show_default=True, help="Learning rate eta."
)
@click.option(
    "--negative",
    type=int,
    default=TEACH["negative"],
    show_default=True,
    help="--loss ns: noise words.",
)
@click.option("--seed", type=int, default=TEACH["seed"], show_default=True)
@host_option
@port_option
@verbose_option
def teach(corpus, preset, arch, loss, dim, window, alpha, negative, seed, host, port, verbose):
    """Serve a page at http://HOST:PORT/ that trains a tiny word2vec on a few sentences
    (CORPUS, at most 60 different words, or a --preset) one example at a time, with w2v's
    own kernels, and shows what Rong's "word2vec Parameter Learning Explained" describes:
    h, the scores and errors e_j, EH, W and W' and how each update moves them. Its JSON
    API: /api/state, /api/step?n=N, /api/restart (see w2vcli/teach.py). Runs until
    Ctrl-C.
    """
    from ..explore import teach as lessons
    from ..explore.serve import serve_forever
    from ..io.files import text_file

    text = None
    if corpus is not None:  # a few sentences: more than 1,000 lines is not a lesson
        with text_file(corpus, "CORPUS") as lines:
            text = "".join(line for _, line in zip(range(1000), lines))
    settings = dict(
        arch=arch, loss=loss, dim=dim, window=window, alpha=alpha, negative=negative, seed=seed
    )
    lesson = lessons.lesson_from(preset, text, os.path.basename(corpus or ""), **settings)
    lessons.Lesson(lesson.text, **settings).step(1)  # the kernels compiled now, not at the
    # first click (numba caches them: seconds the first time on a machine)
    server = lessons.make_server(lesson, text, host, port, verbose)
    say(f"teaching {lesson.name}: {len(lesson.words)} words, {len(lesson.examples)} examples")
    say(f"at {server.url} (Ctrl-C to stop)")
    try:
        serve_forever(server)
    except KeyboardInterrupt:
        sys.exit(130)


@cli.command(short_help="Count and encode many input files once, here or on Dask.")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUTS...")
@click.option("-o", "--output", required=True, metavar="DIR", help="The prepared directory.")
@click.option(
    "--column",
    metavar="NAME",
    help="Parquet inputs: the column of text (a line per row) or of token lists.",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="local: this process; dask: the workers of a Dask cluster (pip install 'w2vcli[dask]').",
)
@click.option("--scheduler", metavar="ADDRESS", help="The Dask scheduler (tcp://host:8786).")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    metavar="N",
    help="Without --scheduler: a local Dask cluster of N processes.  [default: the cores]",
)
@click.option(
    "--min-count",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Drop words rarer than this.",
)
@click.option(
    "--max-vocab",
    type=click.IntRange(min=1),
    metavar="N",
    help="Keep only the N most frequent words.",
)
@click.option("--keep", metavar="FILE", help="Words kept whatever their count (one a line).")
@click.option(
    "--max-types",
    type=click.IntRange(2, None),
    default=TrainConfig.max_types,
    show_default=True,
    help="Distinct tokens held while counting one input; past it the rarer half is pruned.",
)
@click.option("--tmp-dir", metavar="DIR", help="Directory of the temporary id files.")
def prepare(
    inputs,
    output,
    column,
    engine,
    scheduler,
    workers,
    min_count,
    max_vocab,
    keep,
    max_types,
    tmp_dir,
):
    """Count the vocabulary of INPUTS (files, compressed files, Parquet with --column,
    directories, glob patterns, fsspec URLs) and write them as int32 id shards in DIR, which
    `w2v train DIR` trains on. With --engine dask, each input is counted and encoded on a
    worker of a Dask cluster; the directory is the same as --engine local writes.

    Example: w2v prepare 'crawl/*.txt.gz' -o prepared --engine dask --workers 8
    """
    from ..text.prepared import prepare as run
    from ..text.vocab import keep_words

    kept = {w.decode("utf-8", "surrogateescape") for w in keep_words(keep)} if keep else None
    done = run(
        inputs,
        output,
        column=column,
        min_count=min_count,
        max_vocab=max_vocab,
        keep=kept,
        max_types=max_types,
        tmp_dir=tmp_dir,
        engine=engine,
        scheduler=scheduler,
        workers=workers,
        on_progress=say,
    )
    d = done.described
    say(
        f"{output}: {len(d['shards']):,} shards, {sum(s['ids'] for s in d['shards']):,} ids; "
        f"{d['words']:,} words of {d['distinct']:,} distinct tokens; {d['seconds']:.1f} s"
    )


@cli.command(short_help="Join frequent word pairs into one token (new_york), as word2phrase.")
@click.argument("source_path", metavar="CORPUS", default="-")
@click.option("-o", "--output", default="-", show_default=True, help="Where the text goes.")
@click.option(
    "--scoring",
    type=click.Choice(["word2phrase", "npmi"]),
    default="word2phrase",
    show_default=True,
    help="word2phrase: word2vec C's (count(ab) - min_count) / count(a) / count(b) * words; "
    "npmi: gensim's normalised pointwise mutual information, in [-1, 1].",
)
@click.option(
    "--threshold",
    type=float,
    help="Join a pair that scores above this.  [default: 100 for word2phrase, 0.5 for npmi]",
)
@click.option(
    "--min-count",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Join only pairs (and, for word2phrase, words) seen this many times.",
)
@click.option(
    "--passes",
    type=click.IntRange(1, 10),
    default=1,
    show_default=True,
    help="Passes, for phrases of up to 2**N words; word2phrase's threshold falls to "
    "--threshold in the last (2 passes: 200, then 100, as word2vec C's demo runs them).",
)
@click.option(
    "--connectors",
    metavar="FILE|english",
    help="Words that may stand inside a phrase but never start or end one "
    "(bank_of_america): those of FILE, or 'english' for gensim's list.",
)
@click.option(
    "--max-types",
    type=click.IntRange(2, None),
    default=TrainConfig.max_types,
    show_default=True,
    help="Words, and pairs, held while counting; past it the rarer half is dropped.",
)
@click.option(
    "--tmp-dir",
    metavar="DIR",
    help="Directory of the temporary files (stdin, "
    "passes but the last), which have no name.  [default: $TMPDIR, else /tmp]",
)
def phrases(
    source_path, output, scoring, threshold, min_count, passes, connectors, max_types, tmp_dir
):
    """Write CORPUS ('-' or none for stdin; .gz, .bz2, .xz read directly) with its frequent
    word pairs joined by '_', line for line, as word2vec C's word2phrase does (the same
    output with its defaults) or gensim's Phrases with --scoring npmi.

    Example: w2v phrases raw.txt --passes 2 | w2v train - -o vectors.txt
    """
    from ..text.phrases import ENGLISH_CONNECTORS, run_passes

    out = plan({"--output": output}, [("CORPUS", source_path), ("--connectors", connectors)])
    out = out["--output"]
    words = []
    if connectors == "english":
        words = ENGLISH_CONNECTORS
    elif connectors:
        from ..io.files import text_file
        from ..io.streams import split_words

        with text_file(connectors, "--connectors") as lines:
            words = [w for line in lines for w in split_words(line)]
    text = source(source_path, "stdin is closed; pipe text into 'w2v phrases -' or give a file")
    name = input_name(source_path)
    settings = dict(scoring=scoring, threshold=threshold, min_count=min_count, passes=passes)
    with out.open() as f:
        write = f.write
        if out.terminal:

            def write(data):  # noqa: E306 (words are shown escaped on a terminal)
                lines = data.decode("utf-8", "replace").split("\n")
                f.write("\n".join(map(shown, lines)).encode())

        reports = run_passes(
            text, write, name, connectors=words, max_types=max_types, tmp_dir=tmp_dir, **settings
        )
    for number, report in enumerate(reports, start=1):
        pruned = f"; counts pruned {report.prunings} times (--max-types)" if report.prunings else ""
        say(
            f"pass {number} (threshold {report.threshold:g}): {report.joined:,} phrases joined "
            f"in {report.words:,} words; {report.pairs:,} pairs seen {min_count}+ times{pruned}"
        )


@cli.command(short_help="Segment raw Chinese text into words.")
@click.argument("source_path", metavar="SOURCE", default="-")
@click.option(
    "--lang",
    type=click.Choice(["zh"]),
    default="zh",
    show_default=True,
    help="Language of the text (Chinese, with jieba).",
)
def tokenize(source_path, lang):
    """Cut the raw text in SOURCE ('-' or none for stdin; .gz, .bz2, .xz are read directly)
    into words separated by spaces, line by line, to stdout: the input `w2v train` reads.

    Needs jieba: pip install 'w2vcli[zh]'. Example: w2v tokenize raw.txt | w2v train -
    """
    from ..text.segment import raw_lines, segment_lines

    check_stdout([("SOURCE", source_path)])  # `w2v tokenize raw.txt >> raw.txt` never ends
    text = source(source_path, "stdin is closed; pipe text into 'w2v tokenize -' or give a file")
    terminal = sys.stdout.isatty()
    for line in segment_lines(raw_lines(text, input_name(source_path)), lang):  # as cut
        write_stdout((shown(line[:-1]) + "\n" if terminal else line).encode())


def main():
    from ..io.files import STOPPING_SIGNALS
    from ..io.streams import protect_std_descriptors, talk_to_stderr

    protect_std_descriptors()
    talk_to_stderr()
    for signum in STOPPING_SIGNALS:
        signal.signal(signum, _on_signal)
    cli()
