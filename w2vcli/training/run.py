"""A training run: the one object the five stages fill, in order (w2vcli.training.pipeline).

    settle      config, start, source, engine, observers, record   (settings.settle)
    read        corpus (what reading found), raw (the corpus counted)   (text.corpus.read_text)
    vocabulary  vocab, ids (the corpus in the vocabulary's ids)    (text.vocab.vocab_and_ids)
    initialise  trainer (the matrices), model, extra               (start.initialise)
    fit         the model trained          (trainer.fit_on_threads, distributed.fit_on_workers)

The provenance record (model.provenance) is written as the run goes; nothing reads it to
decide while it trains (settle takes a resumed run's saved settings from it, once).
"""

from dataclasses import dataclass, field

from ..config import TrainConfig


@dataclass
class Run:
    source: object  # what `read` reads: a path, a file object, sentences, or a Prepared
    name: str | None  # the corpus as messages name it (else its path, "stdin"...)
    config: TrainConfig
    start: object  # where it starts: start.Fresh | FromModel | InitVectors | Checkpoint
    engine: dict  # {} to fit on this machine's threads; else Dask's (settings.engine_spec)
    observers: list  # observers.Observer: the checkpointer and snapshots first
    record: dict  # the caller's part of the run's provenance record (its command...)
    checkpointer: object = None  # observers.Checkpointer, if the run checkpoints
    corpus: object = None  # read: text.corpus.CorpusStats
    raw: object = None  # read: text.corpus.RawCorpus (not for a prepared directory)
    vocab: object = None  # vocabulary: text.vocab.Vocab
    ids: object = None  # vocabulary: the final ids (an array, a DiskIds or a ShardIds)
    ids_bytes: int = 0  # vocabulary: the memory the ids hold (0 on disk)
    trainer: object = None  # initialise: trainer.Trainer, the matrices and the threads
    model: object = None  # initialise: model.Model, what the run makes
    extra: dict = field(default_factory=dict)  # initialise: its start, for the record
