"""w2v train and w2v prepare: flags -> the library's pipeline -> outputs and a summary.

What `w2v train` decides itself, before any work: the flags that cannot go together, which
settings the user gave (a resumed or continued run takes the others from its model, in
w2vcli.training.settings), the outputs a resumed run writes (those of the run it
finishes, unless given), durations (--checkpoint-every), and what it says on stderr as
the run goes (`Talk`, an observer of the fit).
"""

import dataclasses
import os
import re
import shlex
import sys
from dataclasses import dataclass

import click
from click.core import ParameterSource

from ..config import TOKEN_BYTES, VECTORS_FILE, TrainConfig
from ..errors import ConfigError
from ..io.streams import quantity
from ..training.observers import Observer
from .console import (
    HashingWriter,
    ProgressBar,
    Status,
    input_name,
    load_vectors,
    plan_with_provenance,
    say,
    source,
    words_for,
)
from .options import Command, training_settings

DURATION = re.compile(r"([0-9]+(?:\.[0-9]*)?)\s*(s|m|min|h|d)?")
SECONDS = {None: 1, "s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def parse_duration(text: str | None, option: str) -> float | None:
    """Seconds in '90', '90s', '30m', '2h', '1d'."""
    if text is None:
        return None
    match = DURATION.fullmatch(text.strip().lower())
    if not match or float(match[1]) <= 0:
        raise ConfigError(f"{option} {text}: give a duration such as 90s, 30m or 2h")
    return float(match[1]) * SECONDS[match[2]]


@dataclass
class Outputs:
    """What `w2v train` writes."""

    output: str
    fmt: str | None  # text, binary; None until decided (resolved)
    vectors: str  # --output-vectors: in, out, sum
    save_vocab: str | None
    save_model: str | None
    compression: str | None = None  # as --output's name says: gzip, bzip2, xz

    OPTIONS = {  # field: the command's parameter
        "output": "output",
        "fmt": "fmt",
        "vectors": "output_vectors",
        "save_vocab": "save_vocab",
        "save_model": "save_model",
    }

    def record(self) -> dict:
        """For the run's provenance (--resume says them again when asking for its outputs);
        paths made absolute, as --resume may run elsewhere."""
        paths = ("output", "save_vocab", "save_model")
        return {
            name: os.path.abspath(value) if name in paths and value not in (None, "-") else value
            for name, value in dataclasses.asdict(self).items()
        }

    def recorded(self, ctx, resume: str, provenance: dict) -> "Outputs":
        """A resumed run's outputs: its format and vector set, if not given, as its record
        says (choices, checked); but where they go only as given on the command line: a
        checkpoint's model.json is a file anyone may have edited, so it never decides which
        paths are replaced."""
        runs = provenance.get("runs") or [{}]
        recorded = runs[-1].get("outputs") if isinstance(runs[-1].get("outputs"), dict) else {}
        if ctx.get_parameter_source("output") == ParameterSource.DEFAULT:
            was = recorded.get("output")
            hint = f" (its run was to write -o {was})" if isinstance(was, str) else ""
            raise click.UsageError(f"--resume {resume}: give -o FILE, where its vectors go{hint}")
        chosen = dataclasses.asdict(self)
        for name, choices in (("fmt", ("text", "binary")), ("vectors", ("in", "out", "sum"))):
            parameter = self.OPTIONS[name]
            if ctx.get_parameter_source(parameter) == ParameterSource.DEFAULT:
                if recorded.get(name) in choices:
                    chosen[name] = recorded[name]
        return Outputs(**chosen)

    def resolved(self, asked: str | None) -> "Outputs":
        """The format: --format (`asked`), else as --output's name says, else a resumed
        run's, else text; and the compression its name says."""
        from ..vectors.formats import output_format

        fmt, compression = output_format(
            self.output, asked, self.fmt or "text", f"--output {self.output}", "--format"
        )
        return dataclasses.replace(self, fmt=fmt, compression=compression)


def check_model_dirs(directories: dict, planned: dict, from_model, resumed=None) -> None:
    """Before any work: each model directory the run writes ({option: path}) can be
    written, is not one of its output files, is not the model --from reads, and a
    --save-model holds no run that is not finished but the one resumed (`resumed`, its
    real path; a new run's --checkpoint is checked with its settings)."""
    from ..training.model import check_target, check_unfinished

    files = {o.target: o.label for o in planned.values() if o.kind == "file"}
    source = os.path.realpath(from_model) if from_model else None
    for option, path in directories.items():
        if not path:
            continue
        target = check_target(path, option)
        if option == "--save-model" and target != resumed:
            check_unfinished(target, f"{option} {path}")
        if target in files:
            raise ConfigError(f"{option} {path}: is the same path as {files[target]}")
        if target == source:
            raise ConfigError(
                f"{option} {path}: is the model --from reads, which it would replace; give "
                "another directory"
            )


@click.command(cls=Command)
@click.argument("corpus", required=False)
@click.option(
    "-o",
    "--output",
    default=VECTORS_FILE,
    help="Vectors file to write ('-' for stdout); its name says the format (.bin binary, "
    ".txt or .vec text) and a last .gz, .bz2 or .xz compresses it; its provenance goes "
    f"beside it, in OUTPUT.w2v.json.  [default: {VECTORS_FILE}, if there is no such file]",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "binary"]),
    default=None,
    help="word2vec text or binary format.  [default: as -o's name says, else text]",
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

    word2vec C's options (-train, -size, -cbow...) and gensim's names (--vector_size,
    --sg, --iter...) are read as these: see docs/from-gensim-and-word2vec.md.
    """
    from ..training import pipeline
    from ..training.settings import checkpoint_start, settle, start_of
    from ..training.watch import Watch

    ctx = click.get_current_context()
    given_with_resume = {
        "--update-vocab": update_vocab,
        "--init-vectors": init_vectors,
        "--freeze-init": freeze_init,
        "--checkpoint": checkpoint,
        "--dry-run": dry_run,
        "--from": from_model,
    }
    _refuse_together(resume, from_model, dry_run, snapshots, snapshot_every, given_with_resume)
    start = checkpoint_start(resume) if resume else None
    outputs = Outputs(output, fmt, output_vectors, save_vocab, save_model)
    if resume:
        outputs = outputs.recorded(ctx, resume, start.model.provenance)
    outputs = outputs.resolved(fmt)
    every = parse_duration(checkpoint_every, "--checkpoint-every")
    if every and not (checkpoint or resume):
        raise click.UsageError("--checkpoint-every: give --checkpoint DIR too")
    if corpus is None and not resume:
        raise click.UsageError("Missing argument 'CORPUS'")
    inputs = {
        "CORPUS": corpus,
        "--eval-analogies": eval_analogies,
        "--init-vectors": init_vectors,
        "--read-vocab": settings["read_vocab"],
        "--keep": settings["keep"],
    }
    _apart(outputs.save_model, checkpoint or resume, snapshots)
    resumed = start.directory if resume else None
    planned = _plan(outputs, inputs, checkpoint or resume, from_model, resumed)
    if "--output" in planned and ctx.get_parameter_source("output") == ParameterSource.DEFAULT:
        planned["--output"].only_new = True  # checked again when it is put in place
    if resume and start.model.finished:  # killed after its last epoch: its vectors, written
        return _write_complete(start, planned, outputs)
    recorder = None
    if snapshots and not dry_run:
        from ..training.snapshots import Recorder, parse_every

        recorder = Recorder(snapshots, parse_every(snapshot_every), snapshot_top, _words(watch))
    start = start or start_of(from_model, update_vocab, _init(init_vectors), freeze_init)
    talk = Talk(quiet or sys.stderr is None or getattr(sys.stderr, "stream", True) is None)
    watching = Watch(_words(watch), eval_analogies, outputs.vectors, talk.write)
    dask = dict(engine=engine, scheduler=scheduler, workers=workers, sync=sync, merge=merge)
    command = shlex.join(["w2v", *ctx.meta["w2v.argv"]])
    run = settle(
        source(corpus, "stdin is closed; pipe a corpus into 'w2v train -' or give a file"),
        name=input_name(corpus) if corpus is not None else None,
        start=start,
        checkpoint=checkpoint,
        checkpoint_every=every,
        snapshots=recorder,
        observers=[talk, *([watching] if watching.wanted else [])],
        record={"command": command, "outputs": outputs.record()},
        output_vectors=outputs.vectors,
        caller="resume" if resume else "train",
        **dask,
        **_given(ctx, settings),
    )
    if not dry_run and ctx.get_parameter_source("output") == ParameterSource.DEFAULT:
        try:  # (after the settings, which are said first)
            _refuse_replacing_default(output)
        except ConfigError:
            if run.checkpointer is not None:
                run.checkpointer.release()
            raise
    try:
        if dry_run:  # read and count, say what the run would hold, allocate nothing
            return talk.survey(pipeline.survey_run(run))
        model = pipeline.train_run(run)
    finally:
        talk.close()
    # The vectors first: whatever happens to the model directory then, they are not lost.
    _write_vectors(model, planned, outputs, outputs.save_model or checkpoint or resume)
    if outputs.save_model:
        from ..training.model import save

        save(model, outputs.save_model, "--save-model")
    talk.summary(model, bool(run.engine))


def _refuse_together(resume, from_model, dry_run, snapshots, snapshot_every, flags: dict):
    """The flags that cannot go together, refused as usage errors before anything else
    (`flags`: {option: value} of those that cannot go with --resume)."""
    for option, value in flags.items():
        if value and resume:
            raise click.UsageError(f"{option}: not with --resume, which finishes a run as it was")
    if dry_run and from_model:
        raise click.UsageError("--dry-run: not with --from")
    if snapshot_every and not snapshots:
        raise click.UsageError("--snapshot-every: give --snapshots DIR too")
    if snapshots and resume:
        raise click.UsageError("--snapshots: not with --resume (record a run from its start)")


def _refuse_replacing_default(output: str) -> None:
    """Without -o, the vectors go to vectors.txt only if nothing is there: a file of that
    name may be anything (a user's notes), and an earlier run's vectors are worth keeping
    too; replacing it is asked for by naming it."""
    if os.path.lexists(output):
        raise ConfigError(f"{output} exists; give -o {output} to replace it, or another -o")


def _plan(outputs: Outputs, inputs: dict, checkpoint, from_model, resumed) -> dict:
    """The files the run writes, checked before any work against its `inputs` ({option:
    path}) and each other; and the model directories it writes."""
    files = {"--output": outputs.output, "--save-vocab": outputs.save_vocab}
    binary = outputs.fmt == "binary" or outputs.compression is not None
    planned = plan_with_provenance(files, "--output", list(inputs.items()), binary)
    directories = {"--save-model": outputs.save_model, "--checkpoint": checkpoint}
    check_model_dirs(directories, planned, from_model, resumed)
    return planned


def _apart(save_model, checkpoint, snapshots) -> None:
    """The directories a run writes are apart: the replay is not the model, nor inside it,
    nor around it (--save-model and --checkpoint may be one: both hold the model; a
    directory inside another of w2v's, or its --from, is refused with its own words)."""
    from ..io.dirs import check_apart

    for option, model in (("--save-model", save_model), ("--checkpoint", checkpoint)):
        check_apart({option: model, "--snapshots": snapshots})


def _write_complete(start, planned: dict, outputs: Outputs) -> None:
    """--resume of a run that trained all its epochs (stopped before it wrote them): its
    vectors, its vocabulary and its model, written as the run would have."""
    model = start.model
    _write_vectors(model, planned, outputs, start.directory)
    if outputs.save_model:
        from ..training.model import save

        save(model, outputs.save_model, "--save-model")
    n = model.config.epochs
    epochs = "its one epoch" if n == 1 else f"all {n} epochs"
    say(f"--resume {start.named}: its run had trained {epochs}; wrote its vectors")


def _init(path: str | None):
    """--init-vectors' Vectors, what was repaired in them said, named as given."""
    if not path:
        return None
    init = load_vectors(path)
    init.path = path
    return init


def _given(ctx, settings: dict) -> dict:
    """The training settings given on the command line (or by environment), not defaulted:
    the library layers them over the saved model's, a prepared directory's, the defaults."""
    return {
        name: value
        for name, value in settings.items()
        if ctx.get_parameter_source(name) not in (ParameterSource.DEFAULT, None)
    }


def _words(watch: str | None) -> list:
    from ..io.streams import split_words

    return [w for part in (watch or "").split(",") for w in split_words(part)]


def _write_vectors(model, planned: dict, outputs: Outputs, model_path) -> None:
    """The vectors file, the vocabulary and the provenance beside them, renamed into place
    together."""
    from ..io.files import write_outputs
    from ..io.streams import compressing
    from ..kernel import native
    from ..text.vocab import Vocab, format_vocab
    from ..training import provenance
    from ..vectors.formats import write_vectors
    from ..vectors.vectors import Vectors

    vocab = model.vocab
    keys = ("--output", "--save-vocab", "provenance")
    with write_outputs([planned[k] for k in keys if k in planned]) as files:
        chosen = model.vectors_of(outputs.vectors)
        written = Vectors(words_for(planned["--output"], vocab.words), chosen)
        hashed = HashingWriter(files[0])  # under the compressor: the bytes on disk
        with compressing(hashed, outputs.compression) as f:
            binary = outputs.fmt == "binary"
            # In compiled code where the training kernel is loaded: the same bytes, faster.
            write_vectors(f, written.words, written.vectors, binary, native.format_rows())
        if save_vocab := planned.get("--save-vocab"):
            vocab_words = words_for(save_vocab, vocab.words)
            files[1].write(format_vocab(Vocab(vocab_words, vocab.counts)).encode())
        if "provenance" in planned:
            dim = model.config.dim
            described = hashed.described(
                outputs.output, outputs.fmt, outputs.compression, len(vocab), dim, outputs.vectors
            )
            record = provenance.companion_record(
                model.provenance,
                described,
                model_path and os.path.realpath(model_path),
            )
            files[-1].write(provenance.dumps(record))


class Talk(Observer):
    """What w2v train says on stderr as the run goes (an observer of the run): how far
    reading has come, what it found, the memory the run holds, where it starts, the
    kernel's build, the progress bar (tqdm), and lines from others (--watch) above the
    bar (console.Status and console.ProgressBar: in place on a terminal, else a line every
    few seconds)."""

    def __init__(self, quiet: bool):
        self.quiet, self.bar, self.status = quiet, ProgressBar(quiet), Status(quiet)

    def reading(self, reading) -> None:
        self.status.reading(reading)

    def start(self, model) -> None:
        self.bar.total = model.corpus.words * model.config.epochs
        if model.state is not None:
            self.bar.start = model.state.words
        for line in corpus_notes(model.corpus, model.config.max_types):
            say(line)
        say(read_line(model), self.quiet)
        say(memory_line(model), self.quiet)
        for line in start_lines(model):
            say(line, self.quiet)

    def build(self, seconds: float, done: bool) -> None:
        from ..kernel.native import BUILD_TIME

        if done:
            self.status.end()
        elif not seconds:
            say(
                f"building the training kernel for this CPU, once: {BUILD_TIME} (later runs "
                "load it)",
                self.quiet,
            )
        else:
            self.status.show(f"building the training kernel: {seconds:.0f} s", seconds)

    def progress(self, words: int, alpha: float, loss) -> None:
        self.bar.update(words, alpha, loss)

    def write(self, line: str) -> None:
        """A line above the bar (said as is where there is none)."""
        self.bar.write(line)

    def close(self) -> None:
        self.status.end()
        self.bar.close()

    def survey(self, found) -> None:
        """What --dry-run says: what reading found, and what the run would hold."""
        notes = corpus_notes(found.corpus, found.config.max_types)
        for line in [*notes, read_line(found), memory_line(found) + "; not trained (--dry-run)"]:
            say(line)

    def summary(self, model, on_dask: bool) -> None:
        losses = " ".join(f"{x:.4f}" for x in model.epoch_losses)
        who = quantity(model.threads, "Dask worker" if on_dask else "thread")
        say(
            f"vocabulary {quantity(len(model.vocab), 'word')}, {quantity(model.words, 'word')} "
            f"trained in {model.seconds:.1f} s ({model.words_per_second:,.0f} words/s, {who}, "
            f"compile {model.compile_seconds:.1f} s); loss per epoch: {losses}",
            self.quiet,
        )


def start_lines(model) -> list:
    """What the run starts from, if not from scratch: a checkpoint, a model, vectors (as
    its record says: a resumed run's, what the run it finishes started from)."""
    lines = []
    state = model.state
    if state is not None and state.words:
        where = (
            f"in epoch {state.epochs_done + 1}"
            if state.lanes is not None
            else f"after epoch {state.epochs_done}"
        )
        lines.append(
            f"resuming {where} of {model.config.epochs} ({quantity(state.words, 'word')} trained)"
        )
    record = model.provenance["runs"][-1] if model.provenance.get("runs") else {}
    try:  # a resumed run's record comes from its model.json, which anyone may have edited
        if start := record.get("from"):
            lines.append(
                f"training on a saved model of {quantity(start['vocabulary'], 'word')}; "
                f"{quantity(start['added_words'], 'word')} added"
            )
        if init := record.get("init_vectors"):
            frozen = ", frozen" if init["frozen"] else ""
            lines.append(
                f"--init-vectors: {init['found']:,} of the {len(model.vocab):,} words start "
                f"from {init['path']}{frozen}"
            )
    except (KeyError, TypeError, ValueError):
        pass
    return lines


def read_line(run) -> str:
    """What reading the corpus found (`run`: a Model or a Survey)."""
    read = run.corpus
    return (
        f"read {quantity(read.tokens, 'token')}, {read.distinct:,} distinct, in "
        f"{read.seconds:.1f} s; vocabulary: {vocabulary_line(run)}"
    )


def vocabulary_line(run) -> str:
    """The vocabulary's words, and why those under --min-count are there: kept (--keep,
    here or by w2v prepare) or the model's trained on (--from)."""
    vocab, min_count = run.vocab, run.config.min_count
    rarer = int((vocab.counts < min_count).sum())
    if not rarer:
        return f"{quantity(len(vocab), 'word')} with count >= {min_count}"
    runs = getattr(run, "provenance", {}).get("runs") or [{}]
    why = "of the model trained on (--from)" if runs[-1].get("from") else "kept by --keep"
    return (
        f"{quantity(len(vocab), 'word')}: {len(vocab) - rarer:,} with count >= {min_count} and "
        f"{rarer:,} rarer {why}"
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
            f"{read.name}: {quantity(read.bad_lines, 'line')} had invalid UTF-8, replaced with "
            "U+FFFD"
        )
    if read.nul_bytes:
        notes.append(f"{read.name}: {quantity(read.nul_bytes, 'NUL byte')}, read as white space")
    if read.prunings:
        notes.append(
            f"{read.name}: more than --max-types {max_types:,} distinct tokens (or their text "
            f"more than {max_types * TOKEN_BYTES:,} bytes); pruned the rarer half "
            f"{quantity(read.prunings, 'time')}, dropping {read.pruned_tokens:,} of their "
            "occurrences"
        )
    return notes


@click.command(cls=Command, short_help="Count and encode many input files once, here or on Dask.")
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
@click.option("-q", "--quiet", is_flag=True, help="No progress or summary.")
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
    quiet,
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
    status = Status(quiet)
    try:
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
            on_progress=lambda line: say(line, quiet),
            on_read=status.reading,
        )
    finally:
        status.end()
    d = done.described
    say(
        f"{output}: {quantity(len(d['shards']), 'shard')}, "
        f"{quantity(sum(s['ids'] for s in d['shards']), 'id')}; {quantity(d['words'], 'word')} "
        f"of {d['distinct']:,} distinct tokens; {d['seconds']:.1f} s",
        quiet,
    )
