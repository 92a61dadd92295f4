"""`w2v diff`: how two vector sets of the same words differ (w2vcli.vectors.compare)."""

import time

import click

from ..io.streams import quantity, split_words
from .console import Status, check_stdout, load_vectors, say, write_rows
from .options import Command, json_option, limit_option

COLUMNS = ("word", "displacement", "overlap", "rank_a", "rank_b", "neighbours_a", "neighbours_b")


@click.command(cls=Command, short_help="Which words moved between two vector sets.")
@click.argument("a", metavar="A")
@click.argument("b", metavar="B")
@limit_option
@click.option(
    "-k",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Nearest words compared for each word's overlap.",
)
@click.option(
    "--anchors",
    type=click.IntRange(min=2),
    default=None,
    metavar="N",
    help="Fit the rotation on the N most frequent shared words only.  [default: all]",
)
@click.option(
    "--by",
    type=click.Choice(["displacement", "overlap"]),
    default="displacement",
    show_default=True,
    help="Rank by displacement (largest first) or by neighbour overlap (smallest first).",
)
@click.option(
    "--top",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    metavar="N",
    help="Rows to print (0: the summary only).",
)
@click.option(
    "--words",
    multiple=True,
    metavar="W,W...",
    help="Only these words, ranked (comma or space separated; repeatable).",
)
@click.option(
    "--neighbours",
    type=click.IntRange(min=0),
    default=5,
    show_default=True,
    metavar="N",
    help="Each word's N nearest words in A and in B, in the last two columns.",
)
@json_option
def diff(a, b, limit, k, anchors, by, top, words, neighbours, as_json):
    """How each word moved from vectors A to vectors B: two corpora (years, domains) or two
    runs (seeds, settings) of word vectors.

    B is rotated onto A (orthogonal Procrustes over their shared words), then each word's
    displacement is its cosine distance across the two, 0 to 2; its overlap is the share of
    its k nearest words (among the shared words) that A and B agree on, which needs no
    rotation. Output, the most changed words first: word, displacement, overlap, its rank
    in A and in B (1: the most frequent), and its nearest words in each. A summary line
    goes to stderr. Two seeds of one run already differ: diff them to learn the noise
    before believing a change, and use --limit to leave out rare words, which move most.
    """
    check_stdout([("A", a), ("B", b)])
    from ..vectors.compare import compare

    vecs_a, vecs_b = load_vectors(a, limit), load_vectors(b, limit)
    asked = [w for text in words for w in split_words(text.replace(",", " "))]
    status, started = Status(), time.monotonic()

    def progress(done, total):
        status.show(f"neighbours compared: {done:,} of {total:,} words", time.monotonic() - started)

    missing = [w for w in asked if w not in vecs_a or w not in vecs_b]
    for word in dict.fromkeys(missing):
        where = " or ".join(n for n, v in (("A", vecs_a), ("B", vecs_b)) if word not in v)
        say(f"unknown word: {word} (not in {where})")
    chosen = list(dict.fromkeys(w for w in asked if w not in missing)) if asked else None
    if asked and not chosen:
        raise SystemExit(1)  # each said above
    found = compare(vecs_a, vecs_b, k, anchors, chosen, progress)
    status.end()
    s = found.summary()
    scored = "" if s["overlap_words"] == s["shared"] else f" of the {s['overlap_words']:,} asked"
    say(
        f"{quantity(s['shared'], 'shared word')} ({s['only_a']:,} only in A, {s['only_b']:,} "
        f"only in B), rotation fitted on {s['anchors']:,}: mean displacement "
        f"{s['mean_displacement']:.3f}, mean overlap@{s['k']}{scored} {s['mean_overlap']:.3f}"
    )
    shown = found.ranked(by, chosen)[: None if asked else top]
    rows = []
    for i in shown:
        near_a, near_b = found.neighbours(i, neighbours) if neighbours else ([], [])
        rows.append(
            (
                found.words[i],
                float(found.displacement[i]),
                float(found.overlap[i]),
                int(found.rank_a[i]),
                int(found.rank_b[i]),
                near_a if as_json else ",".join(near_a),
                near_b if as_json else ",".join(near_b),
            )
        )
    if top and not as_json:
        write_rows([COLUMNS], COLUMNS, False)
    if top:
        write_rows(rows, COLUMNS, as_json)
    if missing:
        raise SystemExit(1)
