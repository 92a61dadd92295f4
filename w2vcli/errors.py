"""The project's exception types. The CLI turns each into a one-line message."""


class W2VError(Exception):
    """Base class: a problem the user can fix, with a message that says how."""


class CorpusError(W2VError):
    """The training corpus is missing, unreadable or has nothing to train on."""


class VectorsFormatError(W2VError):
    """A vectors file is malformed."""


class ConfigError(W2VError):
    """An option value is out of range."""


class TrainingDiverged(W2VError):
    """The loss became NaN or infinite."""


class W2VWarning(UserWarning):
    """Something the user should know that did not stop the work (the CLI says it on
    stderr as `w2v: message`): training fell back to the JIT kernel, and why."""
