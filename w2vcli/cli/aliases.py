"""gensim's and word2vec C's option names, understood (docs/from-gensim-and-word2vec.md).

A whole word2vec C command line runs as word2vec C would run it:
`w2v train -train c.txt -output v.bin -size 200 -cbow 0 -binary 1` is `w2v train c.txt
-o v.bin --dim 200 --arch skipgram --format binary`, with the same defaults; and gensim's
keywords typed as options (`--vector_size`, `--iter`, `--sg 1`, `--topn`) are read as
w2v's. Where a value means something w2v does not do (word2vec C's `-hs 1` with negative
sampling trains both output layers; `-classes` writes k-means classes), one line says
what to give instead. The arguments are rewritten before click parses them: click would
read `-output v.txt` as `-o utput`, and `-hs` as `-h` (help). A name is understood only
by a command that has the option it stands for (`--topn` by the queries with -k); one of
gensim's that the command does not take is refused naming w2v's option.
"""

import click

# Other names of w2v's options, with the same meaning whatever the value: name -> option.
SAME = {
    # word2vec C's (and gensim's word2vec_standalone script's -min_count)
    "-output": "--output",
    "-size": "--dim",
    "-window": "--window",
    "-sample": "--sample",
    "-negative": "--negative",
    "-threads": "--threads",
    "-iter": "--epochs",
    "-min-count": "--min-count",
    "-min_count": "--min-count",
    "-alpha": "--alpha",
    "-save-vocab": "--save-vocab",
    "-read-vocab": "--read-vocab",
    "-threshold": "--threshold",  # word2phrase's
    # gensim's keywords (--min_count and the like: any --a_b is --a-b, below)
    "--size": "--dim",
    "--vector-size": "--dim",
    "--vector_size": "--dim",
    "--iter": "--epochs",
    "--max_final_vocab": "--max-vocab",
    "--max-final-vocab": "--max-vocab",
    "--topn": "-k",
    "--restrict_vocab": "--restrict",
    "--restrict-vocab": "--restrict",
}
# Names whose values w2v says with other options: name -> (option, {value: w2v's args}).
VALUES = {
    "-cbow": ("--arch", {"0": ["--arch", "skipgram"], "1": ["--arch", "cbow"]}),
    "--sg": ("--arch", {"0": ["--arch", "cbow"], "1": ["--arch", "skipgram"]}),
    "-binary": ("--format", {"0": ["--format", "text"], "1": ["--format", "binary"]}),
    "--cbow_mean": ("--cbow-mean", {"0": ["--cbow-sum"], "1": ["--cbow-mean"]}),
    "-classes": ("--output", {"0": []}),  # 0: vectors, word2vec C's default
}
HS = ("-hs", "--hs")  # decided with the negative samples: see _loss
# What w2v has no option for: name -> (the nearest option, why not).
REFUSED = {
    "-classes": (
        "--output",
        "w2v writes vectors, not word2vec C's k-means classes; give -classes 0 (or leave it "
        "out) and cluster the vectors with another tool (sklearn.cluster.KMeans)",
    ),
    "--max_vocab_size": (
        "--max-types",
        "gensim's bound on the distinct words held while counting is --max-types N; to keep "
        "only the N most frequent words (gensim's max_final_vocab) give --max-vocab N",
    ),
}
# word2vec C's and word2phrase's input and talk, read by the commands that do what they do.
WORD2VEC_C = {"train", "phrases"}
CORPUS = "-train"  # the command's argument
DEBUG = "-debug"  # 0 is --quiet, more is w2v's usual talk


def understood(command: click.Command, ctx, args: list) -> list:
    """`args` with gensim's and word2vec C's names written as w2v's options, for
    `command`; a name whose value w2v cannot do as asked is refused in one line."""
    options = {  # each option's names: whether it takes a value
        name: not (p.is_flag or p.count)
        for p in command.params
        if isinstance(p, click.Option)
        for name in (*p.opts, *p.secondary_opts)
    }
    out, hs, negative = [], None, None
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        if arg == "--":  # what follows is arguments
            out += [arg, *rest]
            break
        parts = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        name, equals, given = parts
        if name in options:  # w2v's own: its value, if any, is not a name
            out.append(arg)
            if options[name] and not equals and rest:
                out.append(rest.pop(0))
            if name == "--negative":
                negative = given if equals else out[-1]
            continue
        if command.name in WORD2VEC_C and name in (CORPUS, DEBUG):
            said = _value(parts, rest, ctx)
            if name == CORPUS:
                out.append(said)
            elif said == "0" and "--quiet" in options:
                out.append("--quiet")
            continue
        target = _target(name)
        if target is None and name.startswith("--") and "_" in name:
            dashed = name.replace("_", "-")  # --min_count: --min-count
            if dashed in options:
                rest.insert(0, dashed + equals + given)
                continue
        if target is None or target not in options:
            if target is not None and name.startswith("--"):  # not click's "did you mean"
                raise click.UsageError(
                    f"{name} is w2v's {target}, which w2v {command.name} does not take", ctx
                )
            out.append(arg)  # click's to refuse
            continue
        if name in REFUSED and name not in VALUES:
            raise click.UsageError(f"{name}: {REFUSED[name][1]}", ctx)
        said = _value(parts, rest, ctx)
        if name in HS:
            hs = (name, said)
        elif name in VALUES:
            meanings = VALUES[name][1]
            if said in meanings:
                out += meanings[said]
            elif name in REFUSED:
                raise click.UsageError(f"{name} {said}: {REFUSED[name][1]}", ctx)
            else:
                choices = " or ".join(f"{v} ({' '.join(a)})" for v, a in meanings.items())
                raise click.UsageError(f"{name} {said}: give {choices}", ctx)
        else:
            out += [target, said]
            if target == "--negative":
                negative = said
    if hs is not None:
        out += _loss(hs, negative, ctx)
    return out


def _value(parts: tuple, rest: list, ctx) -> str:
    """The value of an option of theirs: after its '=', or the next argument (taken)."""
    name, equals, given = parts
    if equals:
        return given
    if not rest:
        raise click.UsageError(f"{name}: give a value", ctx)
    return rest.pop(0)


def _target(name: str) -> str | None:
    """The w2v option a name of theirs stands for, if it is one."""
    if name in SAME:
        return SAME[name]
    if name in VALUES:
        return VALUES[name][0]
    if name in REFUSED:
        return REFUSED[name][0]
    return "--loss" if name in HS else None


def _loss(hs: tuple, negative, ctx) -> list:
    """word2vec C's and gensim's -hs: hierarchical softmax alone with -negative 0; with
    negative samples (their default 5) they train both output layers, w2v one."""
    name, value = hs
    if value not in ("0", "1"):
        raise click.UsageError(f"{name} {value}: give 1 (--loss hs) or 0 (--loss ns)", ctx)
    negatives = "5, the default" if negative is None else negative
    none = negative is not None and _zero(negative)
    if value == "1" and none:
        return ["--loss", "hs"]
    if value == "1":
        raise click.UsageError(
            f"{name} 1 with negative {negatives}: word2vec C and gensim train both output "
            "layers, w2v one: add -negative 0 for hierarchical softmax alone (--loss hs), "
            f"or leave {name} out for negative sampling (--loss ns)",
            ctx,
        )
    if none:
        raise click.UsageError(
            f"{name} 0 with negative 0 trains no output layer; give {name} 1 (--loss hs) or "
            "-negative 5 (--loss ns)",
            ctx,
        )
    return []


def _zero(text: str) -> bool:
    try:
        return float(text) == 0
    except ValueError:
        return False  # not a number: --negative's own check says so
