"""w2v import: a gensim Word2Vec model as a w2v model directory, to train on with --from
(w2vcli.training.imported, the one module that loads gensim's files, only when asked)."""

import shlex

import click

from .console import say
from .options import Command


@click.command("import", cls=Command, short_help="A gensim Word2Vec model as a w2v model.")
@click.argument("gensim_file", metavar="GENSIM_FILE")
@click.option("-o", "--output", required=True, metavar="DIR", help="The model directory to write.")
@click.option(
    "--allow-pickle",
    is_flag=True,
    help="Load GENSIM_FILE, which is a pickle: loading one runs code from the file, so give "
    "this only for a file you trust.",
)
def import_model(gensim_file, output, allow_pickle):
    """Write the gensim Word2Vec model GENSIM_FILE (model.save(GENSIM_FILE), with the
    GENSIM_FILE.*.npy files gensim saves beside it) as the w2v model directory DIR: its
    input and output matrices as they are, its vocabulary with counts, and the settings
    that map (docs/lifecycle.md), so that `w2v train MORE.txt --from DIR` trains it on.
    Needs gensim: pip install 'w2vcli[gensim]'."""
    from ..training.imported import import_gensim
    from ..training.model import check_target, save

    check_target(output, "-o")  # before the work
    model = import_gensim(gensim_file, allow_pickle)
    argv = click.get_current_context().meta.get("w2v.argv", [])
    model.provenance["runs"][-1]["command"] = shlex.join(["w2v", *argv])
    save(model, output, "-o")
    c = model.config
    say(
        f"{len(model.vocab):,} words x {c.dim} ({c.arch}, --loss {c.loss}): {gensim_file} "
        f"(gensim) -> {output}; train it on with w2v train MORE.txt --from {output}"
    )
