"""The commands over vectors files: convert, select, export, index, info."""

import os
import shlex

import click

from ..config import VECTORS_FILE
from ..errors import W2VError
from ..io.streams import quantity
from .console import (
    HashingWriter,
    check_stdout,
    load_vectors,
    plan,
    plan_with_provenance,
    refuse_binary_on_terminal,
    say,
    words_for,
    write_rows,
)
from .options import Command, json_option, limit_option, vectors_option


@click.command(cls=Command, short_help="Convert between word2vec text and binary.")
@click.argument("source_path", metavar="SOURCE")
@click.argument("target")
@click.option(
    "--to",
    type=click.Choice(["text", "binary"]),
    default=None,
    help="Output format.  [default: as TARGET's name says, else the other format than "
    "SOURCE's; text for a model]",
)
@limit_option
def convert(source_path, target, to, limit):
    """Convert word2vec vectors SOURCE to TARGET ('-' for stdin / stdout). TARGET's name
    says the format (.bin binary, .txt or .vec text), and a last .gz, .bz2 or .xz
    compresses it. The provenance of SOURCE (SOURCE.w2v.json) goes beside TARGET, with the
    conversion added. SOURCE may be a model directory (--save-model, --checkpoint,
    w2vcli's Model.save): its input vectors are written, whatever state its run is in."""
    from ..training import provenance
    from ..training.model import is_model_dir
    from ..vectors.formats import output_format

    if source_path != "-" and os.path.isdir(source_path) and is_model_dir(source_path):
        return _export_model(source_path, target, to, limit)
    inputs = [("SOURCE", source_path)]
    record = provenance.read(provenance.companion(source_path)) if source_path != "-" else None
    if record and not provenance.describes(record, source_path):
        record = None  # it describes a file replaced since
    fmt, compression = output_format(target, to, None, f"TARGET {target}", "--to")
    binary = fmt == "binary" or compression is not None
    planned = plan_with_provenance({"TARGET": target}, "TARGET", inputs, binary, record)
    vecs = load_vectors(source_path, limit)
    fmt = fmt or ("text" if vecs.binary else "binary")  # the name said nothing: the other

    def converted(described: dict) -> dict:
        command = shlex.join(["w2v", *click.get_current_context().meta["w2v.argv"]])
        return {
            **record,
            "vectors": {
                **described,
                "converted_from": provenance.described_file(record),
                "command": command,
            },
        }

    _write_vectors(planned, target, vecs.words, vecs.matrix, fmt, compression, converted)
    read = "binary" if vecs.binary else "text"
    say(
        f"{quantity(len(vecs), 'word')} x {vecs.matrix.shape[1]}: {source_path} "
        f"({_format(read, vecs.compression)}) -> {target} ({_format(fmt, compression)})"
    )


def _export_model(directory: str, target: str, to, limit) -> None:
    """The input vectors of a model directory, with its provenance beside them."""
    from ..training import provenance
    from ..training.model import load
    from ..vectors.formats import output_format

    fmt, compression = output_format(target, to, "text", f"TARGET {target}", "--to")
    binary = fmt == "binary" or compression is not None
    planned = plan_with_provenance({"TARGET": target}, "TARGET", [], binary)
    model = load(directory, in_memory=False)
    words, matrix = model.vocab.words[:limit], model.vectors.matrix[:limit]
    model_path = os.path.realpath(directory)

    def recorded(described: dict) -> dict:
        return provenance.companion_record(model.provenance, described, model_path)

    _write_vectors(planned, target, words, matrix, fmt, compression, recorded, "in")
    epochs = model.state.epochs_done if model.state else model.config.epochs
    say(
        f"{quantity(len(words), 'word')} x {model.config.dim}: {directory} (a model, {epochs} of "
        f"{quantity(model.config.epochs, 'epoch')} trained) -> {target} "
        f"({_format(fmt, compression)})"
    )


def _write_vectors(planned: dict, target, words, matrix, fmt, compression, record, vectors=None):
    """The vectors file TARGET, compressed as its name says, and beside it (where planned)
    the provenance that `record(what the vectors file is)` makes; `vectors`: which of a
    model's."""
    from ..io.files import write_outputs
    from ..io.streams import compressing
    from ..training import provenance
    from ..vectors.vectors import Vectors

    out = planned["TARGET"]
    if fmt == "binary" or compression:
        refuse_binary_on_terminal(out)
    with write_outputs(list(planned.values())) as files:
        hashed = HashingWriter(files[0])  # under the compressor: the bytes on disk
        with compressing(hashed, compression) as f:
            Vectors(words_for(out, words), matrix).save(f, fmt)
        if "provenance" in planned:
            dim = matrix.shape[1]
            described = hashed.described(target, fmt, compression, len(words), dim, vectors)
            files[1].write(provenance.dumps(record(described)))


def _format(fmt: str, compression) -> str:
    """A format as messages say it: 'binary', 'text, gzip'."""
    return f"{fmt}, {compression}" if compression else fmt


@click.command(cls=Command, short_help="Write a subset of a vectors file.")
@vectors_option
@click.option("--top", type=click.IntRange(min=1), metavar="N", help="The first N words.")
@click.option(
    "--words",
    "words_path",
    metavar="FILE",
    help="The words of FILE (the first word of each line), in the vectors file's order.",
)
@click.option(
    "-o",
    "--output",
    required=True,
    help="Vectors file to write ('-' for stdout); its name says the format (.bin binary, "
    ".txt or .vec text) and a last .gz, .bz2 or .xz compresses it.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "binary"]),
    default=None,
    help="word2vec text or binary.  [default: as -o's name says, else the vectors file's]",
)
def select(vectors, top, words_path, output, fmt):
    """Write the vectors of some words of a big file: its first N (--top) or those listed in
    a file (--words), as finalfusion's select."""
    from ..io.files import text_file
    from ..io.streams import compressing, split_words
    from ..vectors.export import select_rows
    from ..vectors.formats import output_format
    from ..vectors.vectors import Vectors

    if (top is None) == (words_path is None):
        raise click.UsageError("give --top N or --words FILE")
    fmt, compression = output_format(output, fmt, None, f"--output {output}", "--format")
    out = plan({"--output": output}, [("--vectors", vectors), ("--words", words_path)])
    out = out["--output"]
    wanted = None
    if words_path:
        with text_file(words_path, "--words") as lines:
            wanted = [split_words(line)[0] for line in lines if split_words(line)]
    vecs = load_vectors(vectors, top)
    rows, missing = select_rows(vecs.words, top, wanted)
    fmt = fmt or ("binary" if vecs.binary else "text")  # the name said nothing: the file's
    if fmt == "binary" or compression:
        refuse_binary_on_terminal(out)
    with out.open() as f, compressing(f, compression) as written:
        chosen = Vectors(words_for(out, [vecs.words[r] for r in rows]), vecs.matrix[rows])
        chosen.save(written, fmt)
    if missing:
        shown_missing = ", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")
        say(f"not in {vectors}: {shown_missing} ({len(missing):,} of the words of --words)")
    say(f"{quantity(len(rows), 'word')} x {vecs.matrix.shape[1]}: {vectors} -> {output}")


@click.command(cls=Command, short_help="Vectors for other tools: TensorBoard's Projector, numpy.")
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
    from ..io.files import write_outputs
    from ..vectors.export import NPY_FILES, PROJECTOR_FILES, write_npy, write_projector

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
    write = write_projector if kind == "projector" else write_npy
    with write_outputs([planned[name] for name in names]) as files:  # streamed into them
        write(dict(zip(names, files, strict=True)), vecs.words, vecs.matrix)
    say(
        f"{quantity(len(vecs), 'word')} x {vecs.matrix.shape[1]}: {directory}/{{{','.join(names)}}}"
    )


@click.command(cls=Command, short_help="Make queries on a big vectors file start at once.")
@click.argument("path", default=VECTORS_FILE, envvar="W2V_VECTORS")
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
    say(f"{folder}: {quantity(len(vecs), 'word')} x {vecs.matrix.shape[1]}")


@click.command(
    cls=Command, short_help="What a vectors file or a model directory holds, and how it was made."
)
@click.argument("path", default=VECTORS_FILE, envvar="W2V_VECTORS")
@limit_option
@json_option
def info(path, limit, as_json):
    """Vocabulary size, dimensions, format (word2vec text or binary, GloVe's text),
    compression and vector norms of a vectors file, and how it was made (from
    PATH.w2v.json, which w2v train writes beside it); or the settings, training state,
    per-epoch loss and provenance of a model directory.

    PATH defaults to $W2V_VECTORS, else vectors.txt. Output: name, value lines.
    """
    import numpy as np

    from ..training import model as saved_models
    from ..training import provenance

    check_stdout([("PATH", path)])
    if path != "-" and os.path.isdir(path):
        return write_facts(model_facts(path), as_json)
    vecs = load_vectors(path, limit, quiet=True)  # what was repaired is among the facts
    norms = vecs.norms()
    facts = {
        "path": path,
        "format": _file_format(vecs),
        "compression": vecs.compression or "none",
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
        facts["model"] = (
            model if isinstance(model, str) and saved_models.is_model_dir(model) else None
        )
        facts.update(provenance.settings_facts(record))
        facts.update(provenance.facts(record))
    write_facts(facts, as_json)


def _file_format(vecs) -> str:
    """The format of the file `vecs` were read from, as `info` says it."""
    if vecs.glove:
        return "GloVe text (no header)"
    return "word2vec binary" if vecs.binary else "word2vec text"


def model_facts(path: str) -> dict:
    """What `w2v info DIR` says of a model directory."""
    from ..training import model as saved_models
    from ..training import provenance

    model = saved_models.load(path, in_memory=False)
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
    settings = provenance.settings_record(model.config)  # the learning rates used
    facts.update({f"settings.{k}": v for k, v in settings.items()})
    facts.update(provenance.facts(model.provenance))
    return facts


def write_facts(facts: dict, as_json: bool) -> None:
    if as_json:
        return write_rows([tuple(facts.values())], tuple(facts), True)

    def shown_value(v):  # every digit that matters: a norm of 1e-30 is not 0.000000
        if isinstance(v, float):
            return f"{v:.9g}"
        if isinstance(v, list):  # of any facts: a record is a file anyone may edit
            return "  ".join(str(shown_value(x)) for x in v)
        return "" if v is None else v

    write_rows([(k, shown_value(v)) for k, v in facts.items()], ("name", "value"), False)
