"""The `w2v` command line: click commands over the library, data on stdout, talk on stderr.

Each command is its options, one library call and the formatting of its result, in one
module per group of commands (train, query, convert, text, explore); options several
share are w2vcli.cli.options', the standard streams ('-', stdin queries, stdout rows,
broken pipes) w2vcli.cli.console's. This module is the group: the one place where the
library's errors and warnings become one-line messages and signals become exit codes.
Nothing here imports numpy: each command imports what it needs when it runs, so `w2v`
starts fast, and only `train` loads the training kernel.
"""

import errno
import signal
import warnings

import click

from ..errors import W2VError, W2VWarning
from ..io.streams import shown
from . import compare, convert, explore, imported, query, text, train, tune
from .console import say


class Stopped(BaseException):
    """A signal that ends the process (SIGTERM, SIGHUP...: io.signals.STOPPING_SIGNALS), turned
    into an exception so that temporary files are removed on the way out."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum, frame):
    from ..io.signals import held

    if held(signum):  # outputs are being renamed into place: it comes again after
        return
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Stopped(signum)


def _stopped(what: str, serves: bool = False) -> str:
    """The last line of a command that was stopped: whether it wrote its outputs (a server,
    which writes none, is just stopped)."""
    from ..io.signals import written

    if serves:
        return f"w2v: {what}"
    return f"w2v: {what}; " + (f"wrote {', '.join(written)}" if written else "no output written")


_served = False  # a server (serve, teach) was stopped: main ends the process at once


class W2VGroup(click.Group):
    """Turns the library's errors into one-line messages and signals into exit codes."""

    def parse_args(self, ctx, args):
        ctx.meta["w2v.argv"] = list(args)  # the command as given, for the provenance
        return super().parse_args(ctx, args)

    def invoke(self, ctx):
        from ..io.signals import written

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
            serves = self._stopped_server(ctx)
            click.echo(_stopped("stopped" if serves else "interrupted", serves), err=True)
            ctx.exit(130)
        except Stopped as e:
            try:
                name = signal.Signals(e.signum).name
            except ValueError:  # a real-time signal
                name = f"signal {e.signum}"
            what = "terminated" if e.signum == signal.SIGTERM else f"stopped by {name}"
            click.echo(_stopped(what, self._stopped_server(ctx)), err=True)
            ctx.exit(128 + e.signum)

    @staticmethod
    def _stopped_server(ctx) -> bool:
        """Whether the command stopped is a server (w2v serve, teach)."""
        global _served
        _served = ctx.meta.get("w2v.serves", False)
        return _served


@click.group(cls=W2VGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="w2vcli")
def cli():
    """Train word2vec embeddings on a tokenized corpus and query them."""


for command in (
    train.train,
    train.prepare,
    tune.tune,
    query.nearest,
    query.doesnt_match,
    query.analogy,
    query.similarity,
    query.rank,
    query.axis,
    query.vectors_command,
    query.evaluate,
    compare.diff,
    convert.convert,
    convert.select,
    convert.export,
    convert.index,
    convert.info,
    imported.import_model,
    text.phrases,
    text.tokenize,
    explore.plot,
    explore.serve,
    explore.teach,
):
    cli.add_command(command)


def main():
    from ..io.signals import STOPPING_SIGNALS
    from ..io.streams import protect_std_descriptors, talk_to_stderr

    protect_std_descriptors()
    talk_to_stderr()
    for signum in STOPPING_SIGNALS:
        signal.signal(signum, _on_signal)
    try:
        cli()
    except SystemExit as done:
        if _served:
            _exit_at_once(done.code)
        raise


def _exit_at_once(code) -> None:
    """End a stopped server's process now: it has nothing left to write, and the
    interpreter's teardown (Numba's and LLVM's libraries, request threads still running)
    would take up to a second more. The functions registered to run at exit run first."""
    import atexit
    import os
    import sys

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    os._exit(code if isinstance(code, int) else 1)
