"""Options shared by several commands, defined once (sqlite-utils' output_options)."""

import dataclasses

import click

from ..config import VECTORS_FILE, TrainConfig, option_of
from .aliases import understood


class Command(click.Command):
    """Every w2v command: an option given an empty value (`--save-model ''`, `--host ''`,
    `-o ''`) is refused, never taken as not given; so is an empty path argument. gensim's
    and word2vec C's names for its options are read as w2v's (w2vcli.cli.aliases)."""

    serves = False  # a server (serve, teach): it writes nothing, and Ctrl-C is how it ends

    def invoke(self, ctx):
        ctx.meta["w2v.serves"] = self.serves  # what the group says when it is stopped
        return super().invoke(ctx)

    def parse_args(self, ctx, args):
        rest = super().parse_args(ctx, understood(self, ctx, args))
        for param in self.params:
            value = ctx.params.get(param.name)
            values = value if isinstance(value, tuple) and param.multiple else (value,)
            if not any(v == "" for v in values):
                continue
            if isinstance(param, click.Argument) and param.nargs != 1:
                continue  # words: an empty word is a query's business
            named = isinstance(param, click.Option)
            name = max(param.opts, key=len) if named else param.human_readable_name
            raise click.UsageError(f"{name}: an empty value; give one", ctx)
        return rest


class Server(Command):
    """serve and teach: they run until Ctrl-C."""

    serves = True


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
        declaration = option_of(setting.name)
        if "flag" in meta:  # `--on/--off`: a flag of two names
            option.pop("is_flag", None)
            option["show_default"] = True
        command = click.option(declaration, setting.name, **option)(command)
    return command


vectors_option = click.option(
    "-v",
    "--vectors",
    default=VECTORS_FILE,
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
analogies_option = click.option(
    "--analogies",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Analogy questions: ': section' lines, then 'a b c d' lines (questions-words.txt). "
    "Repeatable.",
)
pairs_option = click.option(
    "--pairs",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Word pairs and a score, tab or space separated (WordSim-353, SimLex-999). Repeatable.",
)
FROM_STDIN = [("stdin", "-")]  # an input of the query commands that read their queries


def word_set(ctx, param, value):
    """A click callback: 'he,him,his' as ['he', 'him', 'his'] (None if not given). Words
    never hold white space (w2vcli.vectors.formats), so it is trimmed."""
    if value is None:
        return None
    words = [w.strip() for w in value.split(",")]
    if not all(words):
        raise click.BadParameter(f"{value!r} has an empty word; give words separated by commas")
    return words


def axis_ends(ctx, param, value):
    """A click callback: 'man:woman' or 'he,him:she,her' as (['man'], ['woman']), the two
    ends of a semantic axis (None if not given)."""
    if value is None:
        return None
    ends = value.split(":")
    if len(ends) != 2:
        raise click.BadParameter(f"{value!r}: give A:B, each a word or words separated by commas")
    return tuple(word_set(ctx, param, side) for side in ends)


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
