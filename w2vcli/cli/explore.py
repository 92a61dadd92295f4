"""The commands that show the space: plot, serve, teach."""

import os

import click

from ..config import TEACH
from ..io.streams import quantity
from .console import load_unit, plan, say
from .options import (
    Command,
    Server,
    axis_ends,
    host_option,
    limit_option,
    port_option,
    restrict_option,
    vectors_option,
    verbose_option,
)


@click.command(cls=Command, short_help="A 2-D picture of words and their neighbours.")
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
    default=None,
    help="PCA (numpy) or t-SNE (scikit-learn: pip install 'w2vcli[tsne]').  [default: pca]",
)
@click.option(
    "--x",
    "x_axis",
    callback=axis_ends,
    metavar="A:B",
    help="Instead of --method, place the words on semantic axes: across, their cosine with "
    "the axis from A to B (each a word or words separated by commas: he,him:she,her). "
    "With --y.",
)
@click.option("--y", "y_axis", callback=axis_ends, metavar="A:B", help="Up: as --x. With --x.")
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
    words, vectors, limit, neighbours, top, restrict, output, method, x_axis, y_axis, seed,
    font, animate, with_output, fps,
):  # fmt: skip
    """Draw WORDs and each one's nearest neighbours, or the most frequent words, projected to
    2-D from their unit vectors; each point labelled with its word. With --x and --y, placed
    on two semantic axes instead (w2v axis's scores: --x man:woman --y young:old), the
    words chosen as without them (--neighbours 0: the WORDs alone). With --animate DIR,
    the same as a film of training, from a replay recorded by w2v train --snapshots DIR.

    Needs matplotlib: pip install 'w2vcli[plot]', which also installs Noto Sans SC so that
    Chinese labels are drawn as characters.
    """
    from ..explore.fonts import INSTALL_HINT
    from ..explore.plot import check, output_format, plot_words

    if (x_axis is None) != (y_axis is None):
        raise click.UsageError("give --x and --y together")
    axes = (x_axis, y_axis) if x_axis else None
    if axes and (method or animate is not None):
        raise click.UsageError("--x and --y place the words: not with --method or --animate")
    method = method or "pca"
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
            vecs, f, fmt, words, neighbours, top, restrict, method, seed, font, vectors, axes
        )
    if drawn.missing:
        missing = "".join(drawn.missing[:10]) + ("..." if len(drawn.missing) > 10 else "")
        say(f"no font found for {missing}; those labels show as boxes: {INSTALL_HINT}")
    families = ", ".join(drawn.families)
    say(f"{output}: {quantity(len(drawn.labels), 'word')}, {drawn.method}; fonts {families}")


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
    say(f"{output}: {quantity(len(drawn.words), 'word')}, {quantity(drawn.frames, 'frame')}")


@click.command(cls=Server, short_help="A local web page to explore the vectors.")
@vectors_option
@limit_option
@host_option
@port_option
@verbose_option
def serve(vectors, limit, host, port, verbose):
    """Serve a page at http://HOST:PORT/ to explore the vectors in a browser: completion
    over the vocabulary, nearest neighbours, analogies, similarities and a 2-D map; and
    its JSON API under /api/ (see w2vcli/explore/serve.py). Runs until Ctrl-C.
    """
    from ..explore.serve import make_server, serve_forever

    def load():  # once the port is taken
        if vectors == "-" or os.path.exists(vectors):  # (else its error is the one line)
            say(f"loading {vectors}...")
        return load_unit(vectors, limit)

    name = os.path.basename(vectors)
    server = make_server(load, host, port, verbose=verbose, name=name)
    words = quantity(len(server.app.vecs), "word")
    say(f"serving {vectors} ({words}) at {server.url} (Ctrl-C to stop)")
    serve_forever(server)  # until Ctrl-C: the group says "w2v: stopped"


@click.command(
    cls=Server, short_help="Learn the paper: a tiny model trained step by step, in the browser."
)
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
    API: /api/state, /api/step?n=N, /api/restart (see w2vcli/explore/teach.py). Runs until
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
    # The kernels compiled now, not at the first click: Numba caches them, but the first
    # time on a machine takes 20 to 25 s for each kind of lesson (2-core AMD EPYC), then 2 s.
    say("loading the teaching kernels (compiled the first time on a machine: 20 to 30 s)...")
    lessons.Lesson(lesson.text, **settings).step(1)
    server = lessons.make_server(lesson, text, host, port, verbose)
    words, examples = quantity(len(lesson.words), "word"), quantity(len(lesson.examples), "example")
    say(f"teaching {lesson.name}: {words}, {examples}")
    say(f"at {server.url} (Ctrl-C to stop)")
    serve_forever(server)  # until Ctrl-C: the group says "w2v: stopped"
