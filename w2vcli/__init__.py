"""w2v: word2vec training and queries, from the command line or from Python.

    import w2vcli
    model = w2vcli.train("corpus.txt", arch="skipgram", seed=1)
    model.vectors.nearest("king")            # [Neighbour(word='queen', score=0.71), ...]
    model.vectors.save("vectors.bin", "binary")
    vecs = w2vcli.load("vectors.bin")        # word2vec text or binary files
    model.save("model/")                     # all of it, to train on: w2vcli.load_model
    w2vcli.join_phrases("raw.txt", "phrased.txt")  # new york -> new_york, as word2phrase

Names are imported on first use, so that `w2v` starts without numpy, and queries never
import numba.
"""

_NAMES = {
    "train": "training.pipeline",
    "resume": "training.pipeline",
    "load_model": "training.model",
    "Model": "training.model",
    "survey": "training.pipeline",
    "Survey": "training.pipeline",
    "import_gensim": "training.imported",
    "join_phrases": "text.phrases",
    "compare": "vectors.compare",
    "tune": "training.tune",
    "Vectors": "vectors.vectors",
    "Neighbour": "vectors.vectors",
    "UnknownWord": "vectors.vectors",
    "TrainConfig": "config",
    "W2VError": "errors",
    "W2VWarning": "errors",
}
__all__ = ["load", *_NAMES]


def load(source, limit=None):
    """The vectors of a file (a path, or a binary file object): word2vec text or binary, or
    GloVe, each possibly gzip, bzip2 or xz compressed, told from the content; `limit`: only
    the first N vectors (the most frequent words)."""
    from .vectors.vectors import load_vectors

    return load_vectors(source, limit=limit)


def __getattr__(name):
    if name not in _NAMES:
        raise AttributeError(f"module 'w2vcli' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f".{_NAMES[name]}", __name__), name)
