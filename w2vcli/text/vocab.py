"""The vocabulary: words kept for training, sorted by count, and vocab files.

Unlike word2vec C, line ends are not a vocabulary word (`</s>`): they only end a
sentence, as in gensim, so they take no share of the noise distribution and do not
appear in the output.
"""

import warnings
from dataclasses import dataclass

import numpy as np

from ..errors import CorpusError, W2VWarning
from ..io.dirs import read_regular, word_list_bytes
from ..io.streams import quantity
from .corpus import DROPPED, RawCorpus, encode


@dataclass
class Vocab:
    words: list  # str, most frequent first
    counts: np.ndarray  # int64, same order

    def __len__(self) -> int:
        return len(self.words)


def build_vocab(
    tokens: list, counts: np.ndarray, min_count: int, max_vocab: int | None = None, keep=None
) -> tuple[Vocab, np.ndarray]:
    """Keep tokens with count >= min_count, and those in `keep` (a set of bytes), most
    frequent first (ties: first seen first); `max_vocab` cuts the others first.

    Returns the vocabulary and `new_ids`, the final id of each provisional id or DROPPED.
    """
    order = np.argsort(-counts, kind="stable")
    kept = np.array([tokens[i] in keep for i in order.tolist()], bool) if keep else None
    if kept is not None and kept.sum() < len(keep):
        _say_absent(keep - {tokens[i] for i in order[kept].tolist()})
    if kept is None:
        order = order[counts[order] >= min_count][:max_vocab]
    else:
        common = order[(counts[order] >= min_count) & ~kept]
        room = None if max_vocab is None else max(0, max_vocab - int(kept.sum()))
        order = np.sort(np.concatenate([order[kept], common[:room]]))
        order = order[np.argsort(-counts[order], kind="stable")]
    if len(order) == 0:
        raise none_kept(min_count, int(counts.max()) if len(counts) else 0)
    new_ids = np.full(len(counts), DROPPED, dtype=np.int32)
    new_ids[order] = np.arange(len(order), dtype=np.int32)
    words = [tokens[i].decode("utf-8") for i in order]
    return Vocab(words, counts[order]), new_ids


def none_kept(min_count: int, most: int) -> CorpusError:
    """The error of a vocabulary that min_count leaves empty, `most` the highest count."""
    return CorpusError(
        f"no word occurs {quantity(min_count, 'time')} or more (the most frequent occurs "
        f"{quantity(most, 'time')}); lower --min-count"
    )


def _say_absent(words: set, shown_at_most: int = 10) -> None:
    """--keep's words the corpus has not: a note (W2VWarning), as a list of words to keep
    may well name more than one corpus has, but a misspelt file should not go unseen."""
    from ..io.streams import shown

    named = [shown(w.decode("utf-8", "surrogateescape")) for w in sorted(words)]
    more = ", ..." if len(named) > shown_at_most else ""
    warnings.warn(
        f"--keep: {len(named):,} of its words not in the corpus: "
        f"{', '.join(named[:shown_at_most])}{more}",
        W2VWarning,
        stacklevel=3,
    )


def read_vocab_file(path: str, min_count: int, max_vocab: int | None = None) -> Vocab:
    """--read-vocab: the words and counts of a `word count` file (--save-vocab's, word2vec
    C's), those under min_count left out, most frequent first."""
    from ..io.files import text_file

    words, counts, seen = [], [], set()
    with text_file(path, "--read-vocab") as lines:
        for number, line in enumerate(lines, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 2 or not parts[1].isascii() or not parts[1].isdigit():
                raise CorpusError(
                    f"--read-vocab {path}, line {number:,}: expected `word count`, got "
                    f"{line.rstrip()!r}"
                )
            if parts[0] not in seen:  # as word2vec C, the first of a word given twice
                seen.add(parts[0])
                words.append(parts[0])
                counts.append(min(int(parts[1]), 2**62))
    counts = np.array(counts, dtype=np.int64)
    order = np.argsort(-counts, kind="stable")
    order = order[counts[order] >= min_count][:max_vocab]
    if len(order) == 0:
        raise CorpusError(f"--read-vocab {path}: no word with a count of {min_count} or more")
    return Vocab([words[i] for i in order.tolist()], counts[order])


def read_saved_vocab(path: str, words: int, described: str, error=CorpusError) -> Vocab:
    """The vocab.txt of a directory w2v wrote (a model's, a prepared corpus's), checked:
    `words` of them (as its `described` file, model.json or prepared.json, says), counts in
    [1, 2**62), no word twice; else `error`."""
    limit = word_list_bytes(words)
    try:
        data = read_regular(path, limit)
    except OSError as e:
        raise error(f"{path}: cannot read ({e.strerror}); it is incomplete") from None
    if len(data) > limit:
        raise error(f"{path}: larger than {words:,} words can be; it is damaged")
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if len(lines) != words:
        raise error(f"{path}: {quantity(len(lines), 'word')}, but {described} says {words:,}")
    pairs = [line.rsplit(b" ", 1) for line in lines]
    if any(len(pair) != 2 for pair in pairs):
        raise error(f"{path}: a line is not `word count`; it is damaged")
    try:
        decoded = [w.decode("utf-8") for w, _ in pairs]  # w2v writes only UTF-8 words
    except UnicodeDecodeError:
        raise error(f"{path}: a word is not UTF-8 text; it is damaged") from None
    try:
        vocab = Vocab(decoded, np.array([int(c) for _, c in pairs], dtype=np.int64))
    except (ValueError, OverflowError):
        raise error(f"{path}: a line is not `word count`; it is damaged") from None
    if len(vocab.counts) and (vocab.counts.min() < 1 or vocab.counts.max() >= 2**62):
        raise error(f"{path}: a count is not from 1 to 2**62; it is damaged")
    if len(set(vocab.words)) != words:
        raise error(f"{path}: a word appears twice; it is damaged")
    return vocab


def keep_words(path: str) -> set:
    """--keep: the words of a file (the first of each line), as the corpus's bytes."""
    from ..io.files import text_file

    with text_file(path, "--keep") as lines:
        return {line.split()[0].encode() for line in lines if line.split()}


def ids_in(vocab: Vocab, tokens: list) -> np.ndarray:
    """The id in `vocab` of each token (bytes), or DROPPED."""
    index = {w.encode("utf-8", "surrogateescape"): i for i, w in enumerate(vocab.words)}
    return np.array([index.get(t, DROPPED) for t in tokens], dtype=np.int32)


def merged_vocab(saved: Vocab, tokens: list, counts: np.ndarray, config) -> Vocab:
    """--update-vocab: the saved words with their counts and this text's (`tokens`, bytes,
    and their `counts`) added, and the new words that reach config.min_count in this text;
    most frequent first, as always (ties: the saved words first)."""
    known = ids_in(saved, tokens)
    merged = saved.counts.copy()
    np.add.at(merged, known[known >= 0], counts[known >= 0])
    new = np.flatnonzero((known < 0) & (counts >= config.min_count))
    new = new[np.argsort(-counts[new], kind="stable")]
    if config.max_vocab is not None:
        new = new[: max(0, config.max_vocab - len(saved))]
    words = saved.words + [tokens[i].decode("utf-8") for i in new.tolist()]
    merged = np.concatenate([merged, counts[new]])
    order = np.argsort(-merged, kind="stable")
    return Vocab([words[i] for i in order.tolist()], merged[order])


def vocab_and_ids(raw: RawCorpus, config, name="corpus", saved: Vocab | None = None, update=False):
    """The stage vocabulary, for a corpus counted: the vocabulary (the corpus's own, from
    --read-vocab FILE, with --keep FILE's words; or `saved`, a model's, with this text's
    new words if `update`), and the corpus's ids in it, written over its provisional ids
    (the corpus is never held twice). `config`: a TrainConfig."""
    if raw.counts.sum() == 0:
        raise CorpusError(f"{name}: the corpus is empty (no tokens); give a non-empty text file")
    if saved is not None and update:
        saved = merged_vocab(saved, raw.tokens, raw.counts, config)
    read = saved is None and config.read_vocab
    vocab = saved
    if read:
        vocab = read_vocab_file(config.read_vocab, config.min_count, config.max_vocab)
    if vocab is None:
        keep = keep_words(config.keep) if config.keep else None
        vocab, new_ids = build_vocab(
            raw.tokens, raw.counts, config.min_count, config.max_vocab, keep
        )
    else:
        new_ids = ids_in(vocab, raw.tokens)
        if not (new_ids >= 0).any():
            whose = f"--read-vocab {config.read_vocab}" if read else "the model's vocabulary"
            fix = "" if read else "; add them with --update-vocab"
            raise CorpusError(f"{name}: none of its words is in {whose}{fix}")
    return vocab, encode(raw, new_ids)


def format_vocab(vocab: Vocab) -> str:
    """word2vec C's -save-vocab format: `word count` lines."""
    return "".join(f"{w} {c}\n" for w, c in zip(vocab.words, vocab.counts.tolist()))
