"""The vocabulary: words kept for training, sorted by count, and vocab files.

Unlike word2vec C, line ends are not a vocabulary word (`</s>`): they only end a
sentence, as in gensim, so they take no share of the noise distribution and do not
appear in the output.
"""

from dataclasses import dataclass

import numpy as np

from .errors import CorpusError

# Ids in the corpus stream that are not words:
LINE_END = -1  # after each line; no window crosses it
DROPPED = -2  # a token left out: pruned while counting, or rarer than --min-count


@dataclass
class Vocab:
    words: list  # str, most frequent first
    counts: np.ndarray  # int64, same order

    def __len__(self) -> int:
        return len(self.words)


def build_vocab(
    tokens: list, counts: np.ndarray, min_count: int, max_vocab: int | None = None
) -> tuple[Vocab, np.ndarray]:
    """Keep tokens with count >= min_count, most frequent first (ties: first seen first).

    Returns the vocabulary and `new_ids`, the final id of each provisional id or DROPPED.
    """
    order = np.argsort(-counts, kind="stable")
    order = order[counts[order] >= min_count][:max_vocab]
    if len(order) == 0:
        most = int(counts.max()) if len(counts) else 0
        raise CorpusError(
            f"no word occurs {min_count} times or more (the most frequent occurs {most} times);"
            " lower --min-count"
        )
    new_ids = np.full(len(counts), DROPPED, dtype=np.int32)
    new_ids[order] = np.arange(len(order), dtype=np.int32)
    words = [tokens[i].decode("utf-8") for i in order]
    return Vocab(words, counts[order]), new_ids


def ids_in(vocab: Vocab, tokens: list) -> np.ndarray:
    """The id in `vocab` of each token (bytes), or DROPPED."""
    index = {w.encode("utf-8", "surrogateescape"): i for i, w in enumerate(vocab.words)}
    return np.array([index.get(t, DROPPED) for t in tokens], dtype=np.int32)


def format_vocab(vocab: Vocab) -> str:
    """word2vec C's -save-vocab format: `word count` lines."""
    return "".join(f"{w} {c}\n" for w, c in zip(vocab.words, vocab.counts.tolist()))
