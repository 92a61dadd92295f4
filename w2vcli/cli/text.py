"""The commands over text: phrases, tokenize."""

import sys

import click

from ..config import TrainConfig
from ..io.streams import quantity, shown
from .console import check_stdout, input_name, plan, say, source, write_stdout
from .options import Command


@click.command(
    cls=Command, short_help="Join frequent word pairs into one token (new_york), as word2phrase."
)
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
        pruned = ""
        if report.prunings:
            pruned = f"; counts pruned {quantity(report.prunings, 'time')} (--max-types)"
        say(
            f"pass {number} (threshold {report.threshold:g}): {report.joined:,} phrases joined "
            f"in {report.words:,} words; {report.pairs:,} pairs seen {min_count}+ times{pruned}"
        )


@click.command(cls=Command, short_help="Segment raw Chinese text into words.")
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
