"""Training from Python: `w2vcli.train(corpus, **settings)` returns a Model.

The corpus is read once and trained exactly as `w2v train` trains it, with the same
settings (w2vcli.config.TrainConfig: the CLI's options, with underscores).
"""

import dataclasses
import os
import time
from dataclasses import dataclass, field

import numpy as np

from .config import TrainConfig
from .vectors import Vectors
from .vocab import Vocab


@dataclass
class CorpusStats:
    """What reading the corpus found."""

    name: str  # as messages name it: the path, "stdin", "sentences"
    tokens: int  # all tokens read, pruned ones included
    distinct: int  # distinct tokens kept by counting (see --max-types)
    lines: int
    bad_lines: int  # lines whose invalid UTF-8 was replaced with U+FFFD
    nul_bytes: int  # NUL bytes, read as white space
    prunings: int  # times the counting table was pruned
    pruned_tokens: int  # occurrences dropped by pruning
    seconds: float  # reading and counting
    ids: int = 0  # the encoded stream's length: the kept tokens and a LINE_END per line
    ids_on_disk: bool = False  # in a temporary file (corpus_in "disk", or "auto" spilled)


@dataclass
class Model:
    """What a training run made: the input vectors (`vectors`, what word2vec files hold),
    the output matrix, the vocabulary with counts, the settings and the run's record."""

    vectors: Vectors
    output: np.ndarray  # (V, N) output vectors (ns, softmax), or the V - 1 inner nodes (hs)
    vocab: Vocab
    config: TrainConfig
    corpus: CorpusStats
    epoch_losses: list = field(default_factory=list)  # mean loss per example, each epoch
    words: int = 0  # words trained, all epochs
    seconds: float = 0.0  # training time, the kernel's loading or compilation excluded
    compile_seconds: float = 0.0
    threads: int = 0  # threads that trained

    @property
    def words_per_second(self) -> float:
        return self.words / self.seconds if self.seconds > 0 else 0.0


def train(
    corpus,
    *,
    name=None,
    config=None,
    on_start=None,
    on_build=None,
    on_progress=None,
    on_epoch=None,
    **settings,
) -> Model:
    """Train word vectors on `corpus`: a path (text, or .gz/.bz2/.xz), a file object (binary,
    or text), or an iterable of sentences, each a list of str tokens.

    `settings` are TrainConfig's fields (arch, loss, dim, window, negative, min_count,
    sample, epochs, alpha, threads, seed, ...), with the CLI's defaults; or give a whole
    `config`. `name` names the corpus in messages. Callbacks: `on_start(model)` once the
    corpus is read, before training; `on_build()` if the training kernel must first be
    built for this CPU (once per machine, about 30 s); `on_progress(words, alpha, loss)` a
    few times a second; `on_epoch(epoch, model)` after each epoch, while no thread trains.
    The models they get hold the live matrices: copy what you keep.
    """
    from .trainer import Trainer

    plan, ids = _survey(corpus, name, _config(config, settings, "train"))
    vocab, config, stats = plan.vocab, plan.config, plan.corpus
    trainer = Trainer(vocab, ids, config)
    model = Model(Vectors(vocab.words, trainer.w_in), trainer.w_out, vocab, config, stats)

    def now(result=None) -> Model:
        """The model at this moment: the live matrices, not copied (a model as large as
        memory has no room for a copy), in Vectors of its own, whose index is of now."""
        seen = dataclasses.replace(model, vectors=Vectors(vocab.words, trainer.w_in))
        return _record(seen, result) if result else seen

    if on_start:
        on_start(now())
    model.compile_seconds = trainer.compile(on_build=on_build)
    epoch_done = on_epoch and (lambda epoch, result: on_epoch(epoch, now(result)))
    return _record(model, trainer.run(on_progress, epoch_done))


@dataclass
class Survey:
    """What a training run would train, before anything is allocated for it: the
    vocabulary, the settings, what reading the corpus found, and the memory it would take."""

    vocab: Vocab
    config: TrainConfig
    corpus: CorpusStats

    @property
    def matrices_bytes(self) -> int:
        from .trainer import matrices_bytes

        return matrices_bytes(len(self.vocab), self.config.dim)


def survey(corpus, *, name=None, config=None, **settings) -> Survey:
    """Read and count `corpus` as train() does and say what a run would hold, without
    training (`w2v train --dry-run`; gensim's estimate_memory)."""
    return _survey(corpus, name, _config(config, settings, "survey"))[0]


def _config(config, settings: dict, caller: str) -> TrainConfig:
    if config is None:
        try:
            config = TrainConfig(**settings)
        except TypeError as e:  # an unknown setting
            raise TypeError(f"w2vcli.{caller}: {e}") from None
    elif settings:
        raise TypeError(f"w2vcli.{caller}: give settings or a config, not both")
    return config.validate()


def _survey(corpus, name, config: TrainConfig) -> tuple:
    """The Survey of `corpus`, and its encoded ids."""
    from .trainer import prepare

    t0 = time.perf_counter()
    raw, name = _read(corpus, name, config)
    stats = CorpusStats(
        name,
        int(raw.counts.sum()) + raw.pruned_tokens,
        len(raw.counts),
        raw.lines,
        raw.bad_lines,
        raw.nul_bytes,
        raw.prunings,
        raw.pruned_tokens,
        time.perf_counter() - t0,
    )
    vocab, ids = prepare(raw, config, name)
    del raw
    stats.ids, stats.ids_on_disk = len(ids), not isinstance(ids, np.ndarray)
    return Survey(vocab, config, stats), ids


def _record(model: Model, result) -> Model:
    model.epoch_losses = list(result.epoch_losses)
    model.words, model.seconds, model.threads = result.words, result.seconds, result.threads
    return model


def _read(corpus, name, config: TrainConfig):
    """The corpus counted (RawCorpus), and its name for messages."""
    from .corpus import count_chunks, open_corpus, read_chunks, sentence_chunks

    if isinstance(corpus, (str, os.PathLike)):  # a file, even one named '-' (never stdin)
        path = os.fspath(corpus)
        with open_corpus(path) as f:
            return _read(f, name or path, config)
    if hasattr(corpus, "read"):
        name = name or str(getattr(corpus, "name", "corpus"))
        chunks = read_chunks(_Encoded(corpus) if isinstance(corpus.read(0), str) else corpus, name)
    else:
        name = name or "sentences"
        chunks = sentence_chunks(corpus, name)
    return count_chunks(chunks, name, config.max_types, config.corpus_in, config.tmp_dir), name


class _Encoded:
    """A text file object read as UTF-8 bytes, as the corpus reader reads."""

    def __init__(self, text):
        self.text = text

    def read(self, size: int = -1) -> bytes:
        return self.text.read(size).encode("utf-8", "surrogateescape")
