"""`w2v tune`: flags -> w2vcli.training.tune -> a line per trial, a table, the best command."""

import time

import click

from ..io.streams import quantity
from .console import Status, check_stdout, input_name, say, write_rows
from .options import Command, analogies_option, json_option, pairs_option, training_settings
from .train import _given, parse_duration

COLUMNS = ("trial", "score", "held_out", "analogy", "pairs", "held_out_analogy", "held_out_pairs")
COLUMNS += ("seconds", "arch", "loss", "dim", "window", "negative", "sample", "epochs")
COLUMNS += ("min_count", "alpha")


@click.command(cls=Command, short_help="Search the training settings that score best.")
@click.argument("corpus")
@analogies_option
@pairs_option
@click.option(
    "--budget",
    default="30m",
    show_default=True,
    help="How long to search: 90s, 30m, 2h. A trial still training then is stopped.",
)
@click.option(
    "--trials",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="At most N trials in all (with --resume, those before count).",
)
@click.option(
    "--journal",
    default="tune-trials.jsonl",
    show_default=True,
    metavar="PATH",
    help="The file the trials are kept in, as they end (Optuna's journal, JSON lines).",
)
@click.option("--resume", is_flag=True, help="Go on with the search kept in --journal.")
@click.option("-q", "--quiet", is_flag=True, help="No line per trial on stderr.")
@json_option
@training_settings
def tune(corpus, analogies, pairs, budget, trials, journal, resume, quiet, as_json, **settings):
    """Search the settings that train the best vectors of CORPUS, as scored on your own
    --analogies and --pairs, within --budget: arch, loss, dim, window, negative, sample,
    epochs, min-count and alpha (any of them given is fixed instead, as are the other
    training options given). Needs Optuna: pip install 'w2vcli[tune]'.

    Each evaluation file is split in two, every other question or pair: the search
    maximises the score on one half, the mean of analogy accuracy (over all questions: one
    with an unknown word is wrong) and Spearman correlation (an unknown pair scores 0); the
    other half, never searched on, is the held-out score, which shows settings that fit the
    first half by chance. The first trial trains w2v's defaults. The corpus is read once.

    Output: a line per trial on stderr as it ends, then a table of the trials that finished,
    the best first, and the best trial's `w2v train` command. With --threads 1 a search is
    reproducible, trial by trial, and the command gives that trial's vectors.
    """
    from ..training.tune import best
    from ..training.tune import tune as search

    if not analogies and not pairs:
        raise click.UsageError("give --analogies FILE and/or --pairs FILE to score the trials on")
    seconds = parse_duration(budget, "--budget")
    fixed = _given(click.get_current_context(), settings)
    for refused in ("read_vocab", "keep"):
        if refused in fixed:
            option = "--" + refused.replace("_", "-")
            raise click.UsageError(f"{option}: not with w2v tune, which searches --min-count")
    inputs = [("CORPUS", corpus), ("--journal", journal)]
    inputs += [("--analogies", p) for p in analogies] + [("--pairs", p) for p in pairs]
    check_stdout(inputs)
    status, started = Status(quiet), time.monotonic()
    trial_started = [started]

    def reading(read):
        status.reading(read)

    def progress(number, words):
        waited = time.monotonic() - trial_started[0]
        status.show(f"trial {number}: {words:,} words trained", waited)

    def ended(trial, found):
        status.end()
        trial_started[0] = time.monotonic()
        if not quiet:
            say(_line(trial, best(found)))

    all_trials = search(
        corpus,
        analogies=analogies,
        pairs=pairs,
        budget=seconds,
        trials=trials,
        journal=journal,
        resume=resume,
        name=input_name(corpus),
        on_trial=ended,
        on_progress=progress,
        on_read=reading,
        **fixed,
    )
    status.end()
    winner = best(all_trials)
    if winner is None:
        failed = [t for t in all_trials if t.state.startswith("failed")]
        if failed:
            raise click.ClickException(
                f"no trial finished: {quantity(len(failed), 'trial')} failed, the last "
                f"{failed[-1].state[len('failed: ') :]}"
            )
        raise click.ClickException(
            f"no trial finished within --budget {budget}; give a longer one, or fix slow "
            "settings (--epochs, --dim)"
        )
    done = sorted((t for t in all_trials if t.done), key=lambda t: -t.search.value)
    rows = [_row(t, as_json) for t in done]
    if not as_json:
        write_rows([COLUMNS], COLUMNS, False)
    write_rows(rows, COLUMNS, as_json)
    defaults = all_trials[0].settings  # trial 0's, trained again if it was interrupted
    first = next((t for t in all_trials if t.done and t.settings == defaults), None)
    against = ""
    if first is not None and first is not winner:
        gain = winner.held_out.value - first.held_out.value
        held = f"{first.held_out.value:.4f} held out ({gain:+.4f})"
        against = f"; w2v's defaults (trial {first.number}): {held}"
    say(
        f"best of {quantity(len(done), 'trial')}: trial {winner.number}, "
        f"{winner.search.value:.4f} searched, {winner.held_out.value:.4f} held out{against}"
    )
    say(winner.command(input_name(corpus)))


def _line(trial, leader) -> str:
    """A trial as it ends: its score, its settings, the best so far."""
    shown = {k: v for k, v in trial.settings.items() if k not in ("threads", "seed")}
    settings = " ".join(f"{k.replace('_', '-')} {v}" for k, v in shown.items())
    if not trial.done:
        what = {"cut": "cut by the budget (--resume trains it again)"}.get(trial.state, trial.state)
        return f"trial {trial.number} ({trial.seconds:.1f} s): {what} · {settings}"
    parts = [f"{trial.search.value:.4f} searched, {trial.held_out.value:.4f} held out"]
    if trial.search.analogy is not None:
        parts.append(f"analogy {100 * trial.search.analogy:.1f} %")
    if trial.search.pairs is not None:
        parts.append(f"pairs {trial.search.pairs:.3f}")
    lead = f"; best {leader.search.value:.4f} (trial {leader.number})" if leader else ""
    return f"trial {trial.number} ({trial.seconds:.1f} s): {', '.join(parts)} · {settings}{lead}"


def _row(trial, as_json: bool) -> tuple:
    """A finished trial's row; a score or setting it has not (pairs, negative with hs) is
    empty in TSV, null in JSON."""
    s, h = trial.search, trial.held_out
    values = (trial.number, s.value, h.value, s.analogy, s.pairs, h.analogy, h.pairs)
    values += (trial.seconds, *(trial.settings.get(c) for c in COLUMNS[8:]))
    return values if as_json else tuple("" if v is None else v for v in values)
