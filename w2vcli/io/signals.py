"""The signals that stop w2v, and the moments they must wait: while outputs are renamed
into place, a run stopped says which of them it wrote, and it did."""

import contextlib
import signal

# Signals whose default action ends the process, all but the faults (SEGV...) and what
# Python already ignores (PIPE, XFSZ): a closed terminal or SSH session (HUP), Ctrl-\\
# (QUIT), kill (TERM), a CPU-time limit (XCPU), timers, and the signals nobody should send
# w2v. The CLI turns each into an exception, but not while `write_outputs` renames
# outputs into place (see `held`).
STOPPING_SIGNALS = [
    getattr(signal, name)
    for name in (
        "SIGHUP SIGINT SIGQUIT SIGTERM SIGXCPU SIGUSR1 SIGUSR2 SIGALRM SIGVTALRM SIGPROF "
        "SIGIO SIGPWR SIGSTKFLT"
    ).split()
    if hasattr(signal, name)
] + list(range(getattr(signal, "SIGRTMIN", 0), getattr(signal, "SIGRTMAX", -1) + 1))

written = []  # labels of the outputs renamed into place by this process


_holding = None  # within `signals_held`: the signals that came meanwhile


@contextlib.contextmanager
def signals_held():
    """Within this block, the stopping signals wait (see `held`); they are raised again
    when it ends."""
    global _holding
    if _holding is not None:  # within another: that one raises them
        yield
        return
    _holding = []
    try:
        yield
    finally:
        pending, _holding = _holding, None
        for signum in dict.fromkeys(pending):  # delivered again, now that it is done
            signal.raise_signal(signum)


def held(signum: int) -> bool:
    """For a signal handler: whether the signal must wait because outputs are being put
    in place (`signals_held`; it is raised again when they are). Blocking the signal would
    not do: the kernel hands it to any thread that does not block it, and Python runs the
    handler."""
    if _holding is None:
        return False
    _holding.append(signum)
    return True
