"""What watches a run: the progress bar, --watch and --eval-analogies, snapshots and
checkpoints all follow one protocol, `Observer`, which the stage fit tells as it trains.

The models an observer is given hold the live matrices, not copies (a model as large as
memory has no room for one): copy what you keep. An observer may write the run's
provenance record (model.provenance["runs"][-1]); nothing reads it to decide anything while
the run trains.
"""

import warnings

from ..errors import W2VError, W2VWarning
from ..io.dirs import Claim


def tell(observers: list, event: str, *args) -> None:
    """Tell each observer of `event` (an Observer method's name), in order."""
    for observer in observers:
        getattr(observer, event)(*args)


class Observer:
    """The events of a run, in order; each a no-op here."""

    pause_every = None  # seconds: how often it wants `pause` within an epoch (None: never)

    def reading(self, reading) -> None:
        """While the corpus is read and counted: after each chunk (about 1 MiB), and once
        done; `reading` is a w2vcli.text.corpus.Reading (tokens, bytes, seconds, and where
        in its file). Not told for a prepared directory, counted before."""

    def start(self, model) -> None:
        """The corpus read and the model initialised, before training."""

    def build(self, seconds: float, done: bool) -> None:
        """The training kernel must first be built for this CPU (once per machine,
        w2vcli.kernel.native.BUILD_TIME): told at its start (seconds 0), every second or so
        while it runs, and when it is over (`done`, built or not)."""

    def progress(self, words: int, alpha: float, loss: float | None) -> None:
        """A few times a second: the words trained so far (all epochs), the learning rate,
        the mean loss since the last call (None if none was sampled)."""

    def after_batch(self, words: int, loss: float, examples: int) -> None:
        """After each batch, by the thread that ran it, under the trainer's lock: keep it
        short (a snapshot copies a few rows)."""

    def after_epoch(self, epoch: int, model) -> None:
        """After each epoch (from 0), while no thread trains."""

    def pause(self, model) -> None:
        """Every `pause_every` seconds within an epoch, while no thread trains."""

    def stopped(self, model) -> None:
        """Ctrl-C or a signal stopped the run; model.state is where it stands."""

    def finish(self, model) -> None:
        """The run trained all its epochs."""


class Callbacks(Observer):
    """w2vcli.train's callbacks as an observer: on_read(reading), on_start(model),
    on_build(), on_progress(words, alpha, loss), on_epoch(epoch, model). A kernel build
    without on_build is said as a W2VWarning, so that a minute's wait is not silent."""

    def __init__(self, on_start=None, on_build=None, on_progress=None, on_epoch=None, on_read=None):
        self.on_start, self.on_build = on_start, on_build
        self.on_progress, self.on_epoch, self.on_read = on_progress, on_epoch, on_read

    def reading(self, reading) -> None:
        if self.on_read:
            self.on_read(reading)

    def start(self, model) -> None:
        if self.on_start:
            self.on_start(model)

    def build(self, seconds: float, done: bool) -> None:
        if seconds or done:
            return
        if self.on_build:
            self.on_build()
        else:
            from ..kernel.native import BUILD_TIME

            warnings.warn(
                f"building the training kernel for this CPU, once: {BUILD_TIME} (later runs "
                "load it)",
                W2VWarning,
                stacklevel=2,
            )

    def progress(self, words: int, alpha: float, loss: float | None) -> None:
        if self.on_progress:
            self.on_progress(words, alpha, loss)

    def after_epoch(self, epoch: int, model) -> None:
        if self.on_epoch:
            self.on_epoch(epoch, model)


class Checkpointer(Observer):
    """--checkpoint DIR: the model saved there after every epoch, every `every` seconds
    within one (--checkpoint-every), when the run is stopped, and at its end; `resume`
    goes on from it. A save that fails (someone put a file there, a full disk) is said,
    and training goes on: the run's vectors matter more than one of its checkpoints."""

    def __init__(self, directory: str, every: float | None = None, option: str = "--checkpoint"):
        self.directory, self.pause_every = directory, every
        self.claim = Claim(directory, option)  # one run saves there at a time

    def release(self) -> None:
        self.claim.release()

    def save(self, model) -> None:
        from .model import save

        try:
            save(model, self.directory, "--checkpoint")
        except W2VError as e:
            warnings.warn(f"{e}; this checkpoint was not saved", W2VWarning, stacklevel=2)
        except OSError as e:
            warnings.warn(
                f"--checkpoint {self.directory}: {e.strerror or e}; this checkpoint was not saved",
                W2VWarning,
                stacklevel=2,
            )

    def after_epoch(self, epoch: int, model) -> None:
        self.save(model)

    pause = stopped = finish = save
