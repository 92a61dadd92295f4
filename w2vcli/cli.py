"""The `w2v` command line: click commands over the library, data on stdout, talk on stderr.

Only `train` imports numba (through w2vcli.train), and only when it runs, so the query
commands start fast.
"""

import contextlib
import signal
import sys
import time

import click

from .config import SOFTMAX_MAX_VOCAB, TrainConfig, available_cores
from .errors import W2VError


class Terminated(BaseException):
    """SIGTERM, turned into an exception so that temporary files are cleaned up."""


def _on_sigterm(signum, frame):
    raise Terminated()


class W2VGroup(click.Group):
    """Turns the library's errors into one-line messages and signals into exit codes."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except W2VError as e:
            raise click.ClickException(str(e)) from None
        except KeyboardInterrupt:
            click.echo("w2v: interrupted; no output written", err=True)
            ctx.exit(130)
        except Terminated:
            click.echo("w2v: terminated; no output written", err=True)
            ctx.exit(143)


@click.group(cls=W2VGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="w2vcli")
def cli():
    """Train word2vec embeddings on a tokenized corpus and query them."""


def say(message: str, quiet: bool = False) -> None:
    if not quiet:
        click.echo(message, err=True)


@cli.command()
@click.argument("corpus")
@click.option("-o", "--output", default="vectors.txt", show_default=True,
              help="Vectors file to write; '-' for stdout.")
@click.option("--arch", type=click.Choice(["cbow", "skipgram"]), default="cbow",
              show_default=True, help="Predict the centre word from its context, or the reverse.")
@click.option("--loss", type=click.Choice(["ns", "hs", "softmax"]), default="ns",
              show_default=True,
              help=f"Negative sampling, hierarchical softmax, or the exact full softmax "
              f"(for vocabularies up to {SOFTMAX_MAX_VOCAB:,} words).")
@click.option("--dim", type=int, default=100, show_default=True, help="Vector dimensions.")
@click.option("--window", type=int, default=5, show_default=True,
              help="Largest distance between a word and its context words.")
@click.option("--negative", type=int, default=5, show_default=True,
              help="Noise words per pair, with --loss ns.")
@click.option("--min-count", type=int, default=5, show_default=True,
              help="Drop words rarer than this.")
@click.option("--max-vocab", type=int, default=None, help="Keep only the N most frequent words.")
@click.option("--sample", type=float, default=1e-3, show_default=True,
              help="Sub-sampling threshold for frequent words; 0 turns it off.")
@click.option("--epochs", type=int, default=5, show_default=True)
@click.option("--alpha", type=float, default=None,
              help="Starting learning rate.  [default: 0.05 for cbow, 0.025 for skipgram]")
@click.option("--min-alpha", type=float, default=None,
              help="Final learning rate.  [default: alpha * 1e-4]")
@click.option("--threads", type=int, default=0,
              help=f"Worker threads.  [default: all cores, here {available_cores()}]")
@click.option("--seed", type=int, default=1, show_default=True,
              help="Random seed; with --threads 1 the output is reproducible.")
@click.option("--format", "fmt", type=click.Choice(["text", "binary"]), default="text",
              show_default=True, help="word2vec text or binary format.")
@click.option("--save-vocab", default=None, help="Also write `word count` lines to this file.")
@click.option("--force-softmax", is_flag=True,
              help=f"Allow --loss softmax above {SOFTMAX_MAX_VOCAB:,} words.")
@click.option("-q", "--quiet", is_flag=True, help="No progress or summary on stderr.")
def train(corpus, output, arch, loss, dim, window, negative, min_count, max_vocab, sample,
          epochs, alpha, min_alpha, threads, seed, fmt, save_vocab, force_softmax, quiet):
    """Train word vectors on CORPUS ('-' for stdin; .gz, .bz2, .xz are read directly).

    CORPUS is UTF-8 text, tokens separated by white space, one sentence or document per
    line.
    """
    from .corpus import read_corpus
    from .train import Trainer, prepare
    from .vectors import atomic_output, write_vectors
    from .vocab import format_vocab

    config = TrainConfig(
        arch=arch, loss=loss, dim=dim, window=window, negative=negative, min_count=min_count,
        max_vocab=max_vocab, sample=sample, epochs=epochs, alpha=alpha, min_alpha=min_alpha,
        threads=threads, seed=seed, force_softmax=force_softmax,
    ).validate()
    with contextlib.ExitStack() as outputs:
        out = outputs.enter_context(atomic_output(output))
        vocab_out = outputs.enter_context(atomic_output(save_vocab, "--save-vocab")) if save_vocab else None

        t0 = time.perf_counter()
        raw = read_corpus(corpus)
        name = "stdin" if corpus == "-" else corpus
        if raw.bad_lines:
            say(f"{name}: {raw.bad_lines:,} lines had invalid UTF-8, replaced with U+FFFD")
        vocab, ids = prepare(raw, config, name)
        say(f"read {int(raw.counts.sum()):,} tokens, {len(raw.counts):,} distinct, in "
            f"{time.perf_counter() - t0:.1f} s; vocabulary: {len(vocab):,} words with count >= "
            f"{min_count}", quiet)
        del raw
        if vocab_out:
            vocab_out.write(format_vocab(vocab).encode())

        trainer = Trainer(vocab, ids, config)
        if trainer.compile() > 2:
            say(f"compiled the training kernel in {trainer.compile_seconds:.1f} s "
                "(cached for later runs)", quiet)
        from tqdm import tqdm

        with tqdm(total=trainer.total_words, unit="word", unit_scale=True, file=sys.stderr,
                  disable=quiet, desc="train", smoothing=0.1) as bar:

            def on_progress(words, alpha, interval_loss):
                bar.update(words - bar.n)
                shown = f"{interval_loss:.4f}" if interval_loss is not None else "-"
                bar.set_postfix_str(f"alpha={alpha:.5f} loss={shown}", refresh=False)

            result = trainer.run(on_progress)
        write_vectors(out, vocab.words, result.w_in, binary=fmt == "binary")
    losses = " ".join(f"{x:.4f}" for x in result.epoch_losses)
    say(f"vocabulary {len(vocab):,} words, {result.words:,} words trained in "
        f"{result.seconds:.1f} s ({result.words_per_second:,.0f} words/s, {config.n_threads} "
        f"threads, compile {result.compile_seconds:.1f} s); loss per epoch: {losses}", quiet)


def main():
    signal.signal(signal.SIGTERM, _on_sigterm)
    cli()
