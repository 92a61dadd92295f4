"""Progress on stderr (w2vcli.cli.console): when a line is drawn, on a terminal and off one,
timed with a clock the test turns."""

import pytest

from w2vcli.cli import console
from w2vcli.text.corpus import Reading


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def drawn(monkeypatch) -> list:
    """What the progress displays write to stderr, in order."""
    written = []
    monkeypatch.setattr(console, "_draw", written.append)
    return written


@pytest.fixture
def terminal(monkeypatch):
    monkeypatch.setattr(console, "on_terminal", lambda: True)


def lines(drawn: list) -> list:
    return "".join(drawn).splitlines()


def read_for(seconds: float, status, clock, every: float = 0.05) -> None:
    """A corpus read for `seconds`, a report every `every` (a chunk), then done."""
    for step in range(1, int(seconds / every) + 1):
        clock.now = step * every
        status.reading(
            Reading("c.txt", 1000 * step, 10_000 * step, clock.now, 10_000 * step, 10**8)
        )
    status.reading(Reading("c.txt", 10**7, 10**8, clock.now, 10**8, 10**8, done=True))


def test_off_a_terminal_a_wait_is_a_plain_line_every_few_seconds(drawn):
    clock = Clock()
    read_for(12.0, console.Status(clock=clock), clock)
    assert "\r" not in "".join(drawn) and "\x1b" not in "".join(drawn)
    # The first within FIRST_SECONDS (1 s: the first within 2 s), then every LOG_SECONDS.
    assert lines(drawn) == [
        "reading c.txt: 20,000 tokens, 0.2 of 95.4 MiB (0%), 0.2 MiB/s, about 499 s left",
        "reading c.txt: 120,000 tokens, 1.1 of 95.4 MiB (1%), 0.2 MiB/s, about 494 s left",
        "reading c.txt: 220,000 tokens, 2.1 of 95.4 MiB (2%), 0.2 MiB/s, about 489 s left",
    ]


def test_a_wait_shorter_than_a_second_says_nothing(drawn, terminal):
    clock = Clock()
    read_for(0.9, console.Status(clock=clock), clock)
    assert drawn == []


def test_on_a_terminal_the_line_is_redrawn_in_place_and_cleared_at_the_end(drawn, terminal):
    clock = Clock()
    read_for(3.0, console.Status(clock=clock), clock)
    assert all(d.startswith("\r") and d.endswith("\x1b[K") and "\n" not in d for d in drawn)
    assert len(drawn) == 10  # at 1.0 s, then every 0.25 s to 3.0 s, then cleared
    assert drawn[0].startswith("\rreading c.txt: 20,000 tokens, ") and drawn[-1] == "\r\x1b[K"


def test_quiet_says_nothing(drawn, terminal):
    clock = Clock()
    read_for(12.0, console.Status(quiet=True, clock=clock), clock)
    assert drawn == []


def test_a_stream_without_a_size_says_its_bytes_and_rate():
    line = console.reading_line(Reading("stdin", 1, 3 << 20, 2.0))
    assert line == "reading stdin: 1 token, 3.0 MiB, 1.5 MiB/s"


def test_training_off_a_terminal_is_a_line_every_few_seconds_and_the_last(
    drawn, monkeypatch, capsys
):
    clock = Clock()
    bar = console.ProgressBar(quiet=False, clock=clock)
    bar.total = 4 * 60 * 100_000
    for step in range(4 * 60):  # a minute of reports, four a second
        clock.now = step / 4
        bar.update(100_000 * (step + 1), 0.025, 1.5)
    bar.close()
    said = capsys.readouterr().err
    assert "\r" not in said and drawn == []  # no tqdm: plain lines (said, as messages are)
    said = said.splitlines()
    assert len(said) == 13  # at 1 s, every 5 s after, and the last
    assert said[0] == "train:   2% 500k/24.0M [00:01<00:47, 500kword/s, alpha=0.02500 loss=1.5000]"
    assert said[-1].startswith("train: 100% 24.0M/24.0M [00:59<00:00, ")


def test_training_on_a_terminal_is_tqdm_s_bar(terminal, capsys):
    bar = console.ProgressBar(quiet=False)
    bar.total = 1000
    bar.update(500, 0.025, 1.5)
    bar.close()
    said = capsys.readouterr().err
    assert said.startswith("\rtrain:   0%|") and "\rtrain:  50%|█████     | 500/1.00k" in said
    assert said.endswith("alpha=0.02500 loss=1.5000]\n")
