"""Word vectors asked by word: `Vectors`, as gensim's KeyedVectors, and `load_vectors`.

Answers are (word, score) records (`Neighbour`); rows never leave this class. The
queries themselves are batch numpy in w2vcli.vectors.query and .evaluate; the file
formats are w2vcli.vectors.formats. Nothing here imports numba.
"""

import contextlib
import functools
import os
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from ..errors import W2VError
from . import formats


class Neighbour(NamedTuple):
    word: str
    score: float


class UnknownWord(W2VError, KeyError):
    """A word that is not in the vectors."""

    def __str__(self):
        return self.args[0]


@dataclass
class Vectors:
    """Word vectors, asked by word: `vecs["king"]`, `vecs.nearest("king")`, as gensim's
    KeyedVectors. Answers are (word, score) records; rows never leave this class."""

    words: list  # str, in file order (most frequent first in word2vec files)
    vectors: np.ndarray  # (V, N) float32
    binary: bool = False  # the format of the file read
    invalid_utf8: int = 0  # words whose invalid UTF-8 bytes were replaced with U+FFFD
    duplicates: int = 0  # rows dropped because their word came earlier in the file
    blank_words: int = 0  # words whose white space or NUL was replaced with U+FFFD
    glove: bool = False  # the file read had no 'V N' header (GloVe)
    compression: str | None = None  # of the file read: gzip, bzip2, xz
    # The compiled formatter of text rows (w2vcli.kernel.text) of the training run that made
    # these vectors, which save() then writes 8x faster; None: Python's formatting.
    format_rows: object = field(default=None, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word) -> bool:
        return word in self.rows

    def __iter__(self):
        """The words, in file order (gensim's index_to_key)."""
        return iter(self.words)

    def __getitem__(self, word) -> np.ndarray:
        """A word's vector; or for a list of words, their vectors, (len(words), N)."""
        if isinstance(word, list | tuple):
            return self.vectors[[self.row(w) for w in word]]
        return self.vectors[self.row(word)]

    @property
    def matrix(self) -> np.ndarray:
        """The (V, N) vectors, row i for words[i]."""
        return self.vectors

    @property
    def vector_size(self) -> int:
        """The vectors' dimensions, N (gensim's name)."""
        return self.vectors.shape[1]

    @property
    def index_to_key(self) -> list:
        """gensim's name for `words`."""
        return self.words

    @property
    def key_to_index(self) -> dict:
        """gensim's name for `rows`: word -> row."""
        return self.rows

    @functools.cached_property
    def rows(self) -> dict:
        """word -> row, without the unit vectors that only queries need."""
        from .query import first_rows

        return first_rows(self.words)

    @functools.cached_property
    def index(self):
        from .query import Index

        return Index(self.words, self.vectors, self.rows)

    @classmethod
    def of_unit(cls, words: list, unit: np.ndarray, rows=None) -> "Vectors":
        """Vectors that are unit length already (a w2v index, mapped into memory); `rows`:
        a word -> row mapping, if not a dictionary built from `words`."""
        from .query import Index

        vecs = cls(words, unit)
        if rows is not None:
            vecs.__dict__["rows"] = rows
        vecs.__dict__["index"] = Index.of_unit(words, unit, vecs.rows)
        return vecs

    def normalize(self) -> "Vectors":
        """Make every vector a unit vector, in place (gensim's old init_sims(replace=True)):
        queries then need no second matrix of unit vectors, the memory of a big file."""
        from .query import Index

        if "index" not in self.__dict__:
            self.vectors = np.require(self.vectors, np.float32, ["C", "W"])
            self.__dict__["index"] = Index(self.words, self.vectors, self.rows, in_place=True)
        else:
            self.vectors = self.index.unit
        return self

    def row(self, word: str) -> int:
        try:
            return self.rows[word]
        except (KeyError, TypeError):
            raise UnknownWord(f"{word!r} is not in the vectors") from None

    def nearest(self, query=(), k: int = 10, restrict: int | None = None, negative=()) -> list:
        """The k words most similar by cosine to `query`: a word, a vector, or a list of
        words and vectors. Words' unit vectors (and vectors as they are) are averaged,
        those of `negative` subtracted, as gensim's most_similar(positive, negative):
        nearest(["king", "woman"], negative=["man"]). Query words are never answers."""
        from .query import nearest_to

        positive, negative = _keys(query), _keys(negative)
        if not positive and not negative:
            raise ValueError("nearest: give a word, words or a vector")
        keys, weights = positive + negative, [1.0] * len(positive) + [-1.0] * len(negative)
        target = self._mean(keys, weights, pre_normalize=True, ignore_missing=False)
        exclude = [self.row(key) for key in keys if not isinstance(key, np.ndarray)]
        return self._named(nearest_to(self.index, target, exclude, k, restrict))

    def most_similar(self, positive=(), negative=(), topn=10, restrict_vocab=None) -> list:
        """gensim's most_similar, by its argument names: nearest(positive, topn,
        restrict_vocab, negative). Neighbours are (word, score) tuples, as gensim's."""
        return self.nearest(_keys(positive), topn, restrict_vocab, _keys(negative))

    def most_similar_cosmul(self, positive=(), negative=(), topn=10, restrict_vocab=None):
        """The topn words by 3CosMul (Levy and Goldberg), as gensim's most_similar_cosmul:
        the product of (1 + cos) / 2 with each of `positive` over that with each of
        `negative` (+ 1e-6); words or vectors, the words never answers. Unlike gensim's,
        a vector is made unit length first, and `restrict_vocab` is heeded."""
        from .query import cosmul_to, unit_vector

        positive, negative = _keys(positive), _keys(negative)
        if not positive:
            raise ValueError("most_similar_cosmul: give a positive word or vector")
        keys = positive + negative
        exclude = [self.row(key) for key in keys if not isinstance(key, np.ndarray)]
        dim, unit = self.vector_size, self.index.unit
        terms = np.stack(
            [
                unit_vector(key, dim) if isinstance(key, np.ndarray) else unit[self.row(key)]
                for key in keys
            ]
        )
        found = cosmul_to(self.index, terms, len(positive), exclude, topn, restrict_vocab)
        return self._named(found)

    def doesnt_match(self, words: list) -> Neighbour:
        """The word of `words` least like the others: the lowest cosine with the mean of
        their unit vectors (gensim's doesnt_match), and that cosine."""
        if len(words) < 2:
            raise ValueError("doesnt_match: give two words or more")
        unit = self.index.unit[[self.row(w) for w in words]].astype(np.float64)
        mean = unit.mean(axis=0)
        norm = np.linalg.norm(mean)
        cosines = unit @ (mean / norm if norm > 0 else mean)
        odd = int(np.argmin(cosines))
        return Neighbour(words[odd], float(cosines[odd]))

    def nearest_each(self, words: list, k: int = 10, restrict: int | None = None) -> list:
        """nearest(word) for each of `words`, with one matrix product: a list per word."""
        from .query import nearest

        rows = [self.row(w) for w in words]
        return [self._named(found) for found in nearest(self.index, rows, k, restrict)]

    def analogy(
        self, a: str, b: str, c: str, k: int = 10, method: str = "add", restrict=None
    ) -> list:
        """The k best d for 'a is to b as c is to d' (3CosAdd, or 3CosMul with "mul")."""
        return self.analogy_each([(a, b, c)], k, method, restrict)[0]

    def analogy_each(self, triples: list, k: int = 10, method: str = "add", restrict=None):
        """analogy(a, b, c) for each (a, b, c) of `triples`, at once: a list per triple."""
        from .query import analogy

        rows = [[self.row(w) for w in triple] for triple in triples]
        return [self._named(found) for found in analogy(self.index, rows, k, method, restrict)]

    def similarity(self, a: str, b: str) -> float:
        """The cosine similarity of two words."""
        return self.similarity_each([(a, b)])[0]

    def similarity_each(self, pairs: list) -> list:
        """similarity(a, b) for each (a, b) of `pairs`, at once."""
        from .query import similarity

        rows = [[self.row(a), self.row(b)] for a, b in pairs]
        return similarity(self.index, rows).astype(float).tolist()

    def n_similarity(self, words1, words2) -> float:
        """The cosine similarity of two sets of words: of the means of their vectors (as
        they are, not unit length: gensim's n_similarity; after normalize(), of unit
        vectors). An unknown word raises UnknownWord (gensim leaves it out)."""
        return self.n_similarity_each([(words1, words2)])[0]

    def n_similarity_each(self, pairs: list) -> list:
        """n_similarity(words1, words2) for each (words1, words2) of `pairs`, at once."""
        from .query import mean_cosines

        sets = [[[self.row(w) for w in _keys(words)] for words in pair] for pair in pairs]
        if not all(rows for pair in sets for rows in pair):
            raise ValueError("n_similarity: give one word or more in each set")
        return mean_cosines(self.vectors, sets).tolist()

    def distances(self, word_or_vector, other_words=()) -> np.ndarray:
        """1 - the cosine similarity of a word or vector with each of `other_words`, or with
        every word (itself included) when none are given: float32, as gensim's distances."""
        from .query import unit_vector

        unit = self.index.unit
        if isinstance(word_or_vector, np.ndarray):
            target = unit_vector(word_or_vector, self.vector_size)
        else:
            target = unit[self.row(word_or_vector)]
        others = list(other_words)
        if others:
            unit = unit[[self.row(w) for w in others]]
        return 1 - unit @ target

    def closer_than(self, word1: str, word2: str) -> list:
        """The words closer to word1 than word2 is (a higher cosine with it), word1 left
        out, in the vectors' order: gensim's closer_than."""
        from .query import closer_rows

        found = closer_rows(self.index, self.row(word1), self.row(word2))
        return [self.words[r] for r in found.tolist()]

    def rank(self, word1: str, word2: str) -> int:
        """1 + how many words are closer to word1 than word2 is: 1 when word2 is word1's
        nearest neighbour (gensim's rank)."""
        return self.rank_each([(word1, word2)])[0]

    def rank_each(self, pairs: list) -> list:
        """rank(word1, word2) for each (word1, word2) of `pairs`, with one matrix product."""
        from .query import ranks

        return ranks(self.index, [[self.row(a), self.row(b)] for a, b in pairs]).tolist()

    def axis(self, start, end, words=None, k: int = 10, restrict: int | None = None) -> list:
        """Words along the axis from `start` to `end`, each a word or a list of words (the
        direction from the mean of the one's unit vectors to the other's, made unit length:
        axis("man", "woman"), axis(["he", "him"], ["she", "her"])). Each of `words` and its
        score, the cosine of its vector with the axis (negative toward `start`, positive
        toward `end`), lowest first; or without `words`, the k words of lowest score and
        the k of highest (of the first `restrict`), the axis's own left out. Equal ends are
        a W2VError."""
        from .axes import direction, ends, scores

        start, end = ([self.row(w) for w in _keys(side)] for side in (start, end))
        if not start or not end:
            raise ValueError("axis: give one word or more at each end")
        along = direction(self.index, start, end)
        if words is None:
            return self._named(ends(self.index, along, k, restrict, start + end))
        words = _keys(words)
        found = scores(self.index, along, [self.row(w) for w in words])
        return [Neighbour(words[i], float(found[i])) for i in np.argsort(found, kind="stable")]

    def mean_vector(
        self, keys, weights=None, *, pre_normalize=True, post_normalize=False, ignore_missing=False
    ) -> np.ndarray:
        """The weighted mean of `keys`, words (their unit vectors, or with pre_normalize
        False their vectors as they are) or vectors (as they are), divided by the sum of
        the weights' absolute values; unit length if post_normalize. float32. An unknown
        word raises UnknownWord, or is left out if ignore_missing."""
        keys = _keys(keys)
        mean = self._mean(keys, weights, pre_normalize, ignore_missing)
        if post_normalize:
            norm = np.linalg.norm(mean)
            mean = mean / norm if norm > 0 else mean
        return mean.astype(np.float32)

    def get_mean_vector(
        self, keys, weights=None, pre_normalize=True, post_normalize=False, ignore_missing=True
    ) -> np.ndarray:
        """gensim's get_mean_vector: mean_vector, whose unknown words are left out unless
        ignore_missing is False."""
        return self.mean_vector(
            keys,
            weights,
            pre_normalize=pre_normalize,
            post_normalize=post_normalize,
            ignore_missing=ignore_missing,
        )

    def _mean(self, keys: list, weights, pre_normalize: bool, ignore_missing: bool):
        """mean_vector in float64, not made unit length."""
        if not keys:
            raise ValueError("mean_vector: give one word or vector or more")
        weights = np.ones(len(keys)) if weights is None else np.asarray(weights, np.float64)
        if weights.shape != (len(keys),):
            raise ValueError(f"mean_vector: give one weight per key ({len(keys)})")
        matrix = self.index.unit if pre_normalize else self.vectors
        mean, total = np.zeros(self.vector_size), 0.0
        for key, weight in zip(keys, weights.tolist(), strict=True):
            if isinstance(key, np.ndarray):
                vector = np.asarray(key, dtype=np.float64)
                if vector.shape != mean.shape:
                    raise ValueError(f"a query vector must have {len(mean)} dimensions")
            elif ignore_missing and key not in self:
                continue
            else:
                vector = np.asarray(matrix[self.row(key)], dtype=np.float64)
            mean += weight * vector
            total += abs(weight)
        return mean / total if total > 0 else mean

    def norms(self) -> np.ndarray:
        """The Euclidean norm of each vector, in float64."""
        from .query import row_norms

        return row_norms(self.vectors)

    def evaluate_analogies(self, source, restrict: int = 30_000, name: str | None = None):
        """Accuracy on analogy questions (questions-words format: ': section' lines, then
        'a b c d' lines), as gensim computes it. `source` is a path or an iterable of
        lines; `name` is how messages call it (the path by default)."""
        from .evaluate import evaluate_analogies

        with _lines(source, "analogies") as (lines, label):
            return evaluate_analogies(self.index, lines, restrict, name or label)

    def evaluate_pairs(self, source, name: str | None = None, unknown: float | None = None):
        """Spearman and Pearson correlation with word pairs and scores (WordSim-353,
        SimLex-999 format). `source` is a path or an iterable of lines. Pairs with an
        unknown word are skipped, or scored `unknown` if given (gensim's dummy4unknown)."""
        from .evaluate import evaluate_pairs

        with _lines(source, "pairs") as (lines, label):
            return evaluate_pairs(self.index, lines, name or label, unknown)

    def save(self, target, format: str | None = None) -> None:
        """Write a word2vec file: to a path, atomically, or to a binary file object.

        A path's name says the format where it ends .bin (binary), .txt or .vec (text), and
        a last .gz, .bz2 or .xz compresses it ("v.bin.gz": gzip of binary), as gensim reads
        them; `format` ("text" or "binary") decides where the name says nothing, else text;
        a name that says the other format is refused. A file object gets `format` (text if
        None), uncompressed."""
        from ..io.files import plan_outputs, write_outputs
        from ..io.streams import compressing

        if format not in (None, "text", "binary"):
            raise ValueError(f"format must be text or binary (got {format!r})")
        if hasattr(target, "write"):
            binary = format == "binary"
            return formats.write_vectors(target, self.words, self.vectors, binary, self.format_rows)
        path = os.fspath(target)
        fmt, compression = formats.output_format(path, format, "text", path, "format")
        output = plan_outputs({"path": path}, [])["path"]
        with write_outputs([output]) as (f,), compressing(f, compression) as out:
            formats.write_vectors(out, self.words, self.vectors, fmt == "binary", self.format_rows)

    def _named(self, answers: list) -> list:
        return [Neighbour(self.words[r], float(v)) for r, v in answers]


def _keys(keys) -> list:
    """Words or vectors as a list: one word, one vector, or many of either (None: none)."""
    if keys is None:
        return []
    if isinstance(keys, str) or (isinstance(keys, np.ndarray) and keys.ndim == 1):
        return [keys]
    return list(keys)


@contextlib.contextmanager
def _lines(source, what: str):
    """The lines of `source`, a path (read in bounded memory) or already lines, and its name."""
    from ..io.files import text_file

    if isinstance(source, str | os.PathLike):
        path = os.fspath(source)
        with text_file(path, what) as lines:
            yield lines, path
    else:
        yield source, what


def load_vectors(source, name: str | None = None, limit: int | None = None) -> Vectors:
    """Read a vectors file: `source` is a path (a file, even one named '-') or a binary file
    object; `name` is how messages call it; `limit`: only the first N vectors. word2vec text
    or binary, or GloVe, each possibly compressed (gzip, bzip2, xz): see w2vcli.vectors.formats."""
    from ..io.files import check_input

    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1 (got {limit})")
    if not isinstance(source, str | os.PathLike):
        read = formats.read_vectors(source, name or str(getattr(source, "name", "vectors")), limit)
        return Vectors(*read)
    path = os.fspath(source)
    check_input(path, "a vectors file")
    try:
        with open(path, "rb") as f:
            return Vectors(*formats.read_vectors(f, path, limit))
    except FileNotFoundError:
        raise W2VError(
            f"{path}: no such file; train one with 'w2v train CORPUS -o {path}'"
        ) from None
    except IsADirectoryError:
        raise W2VError(f"{path}: is a directory, not a vectors file") from None
    except OSError as e:
        raise W2VError(f"{path}: cannot read ({e.strerror or e})") from None
