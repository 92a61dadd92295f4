"""w2v import: a gensim Word2Vec model (gensim's `model.save(path)`) as a w2v Model, to
train on with --from: both matrices as they are, the vocabulary with its counts in
gensim's order, and the settings that map.

gensim's files are pickles, and loading a pickle runs code that the file names: so this
module loads one only when asked (`allow_pickle`), only through gensim (an optional
dependency, imported here alone), and the model it makes is plain files again.

What maps, and what does not:

- wv.vectors -> the input vectors; syn1neg (negative sampling) or the first V - 1 rows of
  syn1 (hierarchical softmax: gensim gives syn1 V rows, its tree uses V - 1) -> the
  output matrix; each word's `count` -> vocab.txt.
- hs: gensim builds its Huffman tree otherwise than word2vec C where counts tie, so the
  model keeps gensim's (`huffman` "gensim", training/tables.py); the import checks that
  the tree it builds from the counts is the one gensim stored, node for node.
- sg, hs / negative, vector_size, window, shrink_windows, cbow_mean, min_count,
  max_final_vocab, max_vocab_size, sample, ns_exponent, alpha, min_alpha, epochs, seed
  -> arch, loss, dim, window, shrink_windows, cbow_mean, min_count, max_vocab,
  max_types, sample, ns_exponent, alpha, min_alpha, epochs, seed. workers is how gensim
  ran, not what it computed: w2v's --threads stays its own.
- Refused: hs and negative sampling at once (w2v trains one output layer), neither, a
  KeyedVectors save (vectors only: no output matrix and no settings, so nothing to train
  on as a model; --init-vectors starts a run from vectors), FastText and Doc2Vec models
  (no w2v counterpart), and words no word2vec file can hold.
"""

import hashlib
import os

import numpy as np

from ..config import MAX_IDS, TrainConfig
from ..errors import ConfigError, W2VError
from ..io.dirs import open_regular
from ..kernel.arrays import all_finite
from ..text.corpus import CorpusStats
from ..text.vocab import Vocab
from ..vectors.formats import check_words
from ..vectors.vectors import Vectors
from . import provenance, tables
from .model import Model

INSTALL = "pip install 'w2vcli[gensim]'"
MAX_EVENTS = 50  # of gensim's lifecycle events kept in the provenance, the last ones


class ImportRefused(W2VError):
    """A file that w2v import does not load, or a model it cannot carry over."""


def import_gensim(path, allow_pickle: bool = False) -> Model:
    """The w2v Model of the gensim Word2Vec model saved at `path` (`model.save(path)`,
    with the .npy files gensim writes beside it for large arrays); `.save(DIR)` it and
    train on with `w2v train MORE --from DIR`. `allow_pickle` must be True: gensim's
    files are pickles, and loading one runs code from it, so only a file you trust."""
    path = os.fspath(path)
    with _opened(path) as f:
        if not allow_pickle:
            raise ImportRefused(
                f"{path}: gensim's files are pickles, and loading one runs code from it; if you "
                "trust this file, give --allow-pickle (in Python, allow_pickle)"
            )
        digest, size = hashlib.sha256(), 0
        while block := f.read(1 << 20):
            digest.update(block)
            size += len(block)
    model = _load(path)
    vocab = _vocabulary(model.wv, path)
    config = _settings(model, path)
    w_in, w_out = _matrices(model, len(vocab), config.dim, path)
    if config.loss == "hs":
        _check_tree(model.wv, vocab.counts, path)
    corpus = CorpusStats(
        name=f"gensim's corpus (of {os.path.basename(path)})",
        tokens=int(model.corpus_total_words or 0),
        distinct=len(vocab),
        lines=int(model.corpus_count or 0),
        bad_lines=0,
        nul_bytes=0,
        prunings=0,
        pruned_tokens=0,
        seconds=0.0,
        words=int(vocab.counts.sum()),
    )
    imported = Model(Vectors(vocab.words, w_in), w_out, vocab, config, corpus)
    record = provenance.new_run("import", config, corpus, len(vocab))
    record["finished"], record["threads"] = record["started"], None
    record["gensim"] = {
        "file": os.path.abspath(path),
        "bytes": size,
        "sha256": digest.hexdigest(),
        "read_with": _gensim_version(),
        "events": _events(model),
    }
    imported.provenance = {"runs": [record]}
    return imported


def _vocabulary(wv, path: str) -> Vocab:
    """The words and counts of gensim's vocabulary, in its order: most frequent first,
    unless it was built with sorted_vocab=0 or grown by build_vocab(update=True) (its
    hs tree is built on that order)."""
    words = list(wv.index_to_key)
    if not words:
        raise ImportRefused(f"{path}: the model has no vocabulary (build_vocab was not called)")
    if not all(isinstance(w, str) for w in words):
        raise ImportRefused(f"{path}: its vocabulary holds keys that are not words (str)")
    try:
        check_words(words)
    except W2VError as e:
        raise ImportRefused(f"{path}: its {e}") from None
    counts = np.array([wv.get_vecattr(i, "count") for i in range(len(words))], dtype=np.int64)
    if counts.min() < 1:
        raise ImportRefused(f"{path}: a word's count is below 1; w2v's counts start at 1")
    return Vocab(words, counts)


def _matrices(model, words: int, dim: int, path: str) -> tuple:
    """The input vectors and the output matrix: syn1neg, or syn1's first V - 1 rows."""
    name = "syn1" if model.hs else "syn1neg"
    w_in, w_out = getattr(model.wv, "vectors", None), getattr(model, name, None)
    if w_in is None or w_out is None:
        raise ImportRefused(f"{path}: the model has no {'wv.vectors' if w_in is None else name}")
    w_in, w_out = np.asarray(w_in, dtype=np.float32), np.asarray(w_out, dtype=np.float32)
    rows = words - 1 if model.hs else words
    if w_in.shape != (words, dim) or w_out.shape[1:] != (dim,) or len(w_out) < rows:
        raise ImportRefused(
            f"{path}: its matrices ({list(w_in.shape)}, {list(w_out.shape)}) do not fit its "
            f"{words:,} words of {dim} dimensions; the file is damaged"
        )
    w_out = w_out[:rows]
    if not (all_finite(w_in) and all_finite(w_out)):
        raise ImportRefused(f"{path}: its vectors hold NaN or infinity (its training diverged)")
    return w_in, w_out


def _opened(path: str):
    """The file at `path`, opened to read before gensim does: it must be a regular file
    (a FIFO or a device would block or never end)."""
    try:
        return os.fdopen(open_regular(path), "rb")
    except FileNotFoundError:
        raise ImportRefused(f"{path}: no such file") from None
    except OSError as e:
        reason = "not a regular file" if isinstance(e, IsADirectoryError) else e.strerror
        raise ImportRefused(
            f"{path}: cannot read it ({reason}); give gensim's saved model"
        ) from None


def _load(path: str):
    """The gensim Word2Vec saved at `path` (its large arrays mapped from their files)."""
    try:
        import gensim  # noqa: F401  (the package first: a missing gensim says so here)
        from gensim.models import KeyedVectors, Word2Vec
        from gensim.utils import SaveLoad
    except ImportError:
        raise ImportRefused(f"reading gensim's files needs gensim: {INSTALL}") from None
    try:
        model = SaveLoad.load(path, mmap="r")
    except FileNotFoundError as e:  # an array gensim saved beside the model
        raise ImportRefused(
            f"{path}: {e.filename or e} is missing (gensim saves large arrays beside the model, "
            "as FILE.*.npy: keep them together)"
        ) from None
    except Exception as e:  # whatever unpickling a file that is not gensim's raises
        raise ImportRefused(
            f"{path}: not a model gensim {_gensim_version()} can load ({type(e).__name__}: {e})"
        ) from None
    if isinstance(model, KeyedVectors):
        raise ImportRefused(
            f"{path}: a gensim KeyedVectors holds vectors only (no output matrix, no settings),"
            " so it cannot be trained on as a model; write it with save_word2vec_format and "
            "start a run from it: w2v train CORPUS --init-vectors FILE"
        )
    if type(model) is not Word2Vec:
        raise ImportRefused(
            f"{path}: a gensim {type(model).__name__}, not a Word2Vec model; w2v imports "
            "Word2Vec models only"
        )
    return model


def _settings(model, path: str) -> TrainConfig:
    """The TrainConfig of the gensim model's settings (see the module's docstring)."""
    hs, negative = bool(model.hs), int(model.negative)
    if hs and negative:
        raise ImportRefused(
            f"{path}: trained with both hierarchical softmax and negative sampling (hs=1, "
            f"negative={negative}); w2v trains one output layer, --loss hs or ns"
        )
    if not hs and not negative:
        raise ImportRefused(f"{path}: trained no output layer (hs=0, negative=0)")

    settings = dict(
        arch="skipgram" if model.sg else "cbow",
        loss="hs" if hs else "ns",
        huffman="gensim",
        dim=int(model.vector_size),
        cbow_mean=bool(model.cbow_mean),
        window=int(model.window),
        shrink_windows=bool(getattr(model, "shrink_windows", True)),
        negative=negative,
        min_count=int(model.min_count),
        sample=float(model.sample),
        ns_exponent=float(model.ns_exponent),
        epochs=int(model.epochs),
        alpha=float(model.alpha),
        min_alpha=float(model.min_alpha),
        seed=int(model.seed) % 2**32,  # any int in gensim; it only seeds the generators
    )
    if getattr(model, "max_final_vocab", None) is not None:
        settings["max_vocab"] = int(model.max_final_vocab)
    if getattr(model, "max_vocab_size", None) is not None:  # its budget of distinct tokens
        settings["max_types"] = min(int(model.max_vocab_size), MAX_IDS)
    try:
        return TrainConfig(**settings).validate()
    except ConfigError as e:
        raise ImportRefused(f"{path}: a setting has no w2v counterpart ({e})") from None


def _check_tree(wv, counts: np.ndarray, path: str) -> None:
    """Refuse an hs model whose Huffman tree is not the one w2v builds from its counts as
    gensim does (one of an older gensim?): its output matrix would mean other nodes."""
    codes, points, lengths = tables.huffman_tree(counts, "gensim")
    for w in range(len(counts)):
        code, point, n = wv.get_vecattr(w, "code"), wv.get_vecattr(w, "point"), lengths[w]
        if len(code) != n or (code != codes[w, :n]).any() or (point != points[w, :n]).any():
            raise ImportRefused(
                f"{path}: its Huffman tree is not the one gensim 4 builds from its counts "
                f"(word {wv.index_to_key[w]!r}'s path differs), so its output matrix cannot "
                "be carried over"
            )


def _gensim_version() -> str:
    import gensim

    return gensim.__version__


def _events(model) -> list:
    """gensim's own record of the model's life (build_vocab, train, saving...: when, by
    which gensim and Python, and what), as strings."""
    events = getattr(model, "lifecycle_events", None) or []
    return [
        {str(key): str(value)[:500] for key, value in list(event.items())[:20]}
        for event in events[-MAX_EVENTS:]
        if isinstance(event, dict)
    ]
