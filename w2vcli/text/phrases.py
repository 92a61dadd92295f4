"""Join frequent word pairs into one token ("new york" -> "new_york"), as word2vec C's
word2phrase and gensim's Phrases do: text in, the same text out with the pairs joined by
"_", line for line, so that `w2v phrases raw.txt | w2v train -` learns vectors of phrases.

Each pass reads the text twice: once to count every word and every candidate pair, once to
join, left to right, each pair that scores above the threshold and whose left word is not
already the end of a phrase ("a b c" gives at most "a_b c"; a second pass can make a_b_c).
Standard input is kept in an unnamed temporary file for the second reading, and so is the
output of every pass but the last.

Scores, with a, b and ab the counts of the two words and of the pair, N the words read:
- "word2phrase" (word2vec C): (ab - min_count) / a / b * N, in float32 as its C computes
  it; a, b and ab must each occur min_count times. Like word2phrase, the pair that spans a
  line end is counted (its start-of-line test never fires) but never joined; with the same
  counts and the same float arithmetic, the output joins the same pairs.
- "npmi" (gensim): ln(p(ab) / (p(a) p(b))) / -ln(p(ab)), from -1 to 1, with p = count / N;
  ab must occur min_count times. Pairs are counted within lines, as gensim counts within
  sentences.

Connector words (gensim's connector_words) never start or end a phrase but may stand, any
number of them, between its two words: "bank of america" becomes "bank_of_america" when
the whole sequence scores above the threshold (its count is ab's).

Memory: words and candidate pairs are held as integer ids, the pairs in sorted numpy
arrays (16 bytes each). Past `max_types` words or pairs, the rarer half is dropped, as
word2vec C's ReduceVocab does, so rare words and pairs can be undercounted, never
overcounted.
"""

import itertools
import os
from dataclasses import dataclass, field

import numpy as np

from ..config import MAX_TYPES
from ..errors import W2VError
from ..io.streams import decompressed
from .corpus import check_text, open_corpus, read_chunks, repair_utf8, temporary_file

SCORINGS = ("word2phrase", "npmi")
THRESHOLDS = {"word2phrase": 100.0, "npmi": 0.5}  # word2phrase's; a middle npmi
# gensim's ENGLISH_CONNECTOR_WORDS: articles, some prepositions and conjunctions.
ENGLISH_CONNECTORS = "a an the for of with without at from to in on by and or".split()
LINKED = 1 << 31  # left ids from here: a word and the connector words after it
LOW = np.uint64(0xFFFFFFFF)
MERGE_PAIRS = 1 << 22  # candidate pairs gathered before they are merged into the table


@dataclass
class PassReport:
    """What one pass did."""

    threshold: float
    words: int = 0  # tokens read
    pairs: int = 0  # distinct candidates counted at least min_count times
    joined: int = 0  # phrases made
    prunings: int = 0  # times a table reached max_types


@dataclass
class Counts:
    """The words and candidate pairs of a text, as integer ids. Word ids 0 .. C-1 are the
    connector words; a pair's key is (left id << 32) | right id, where the left id is a
    word's, or (from LINKED) a link's: a word and the connector words after it."""

    connectors: list  # bytes
    max_types: int = MAX_TYPES
    index: dict = field(default_factory=dict)  # token -> word id
    counts: np.ndarray = field(default_factory=lambda: np.zeros(1 << 16, dtype=np.int64))
    keys: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint64))  # sorted
    pair_counts: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    links: dict = field(default_factory=dict)  # (word id, connector ids) -> link id
    next_link: int = LINKED
    pending: list = field(default_factory=list)  # key arrays not merged yet
    pending_size: int = 0
    words: int = 0
    prunings: int = 0

    def __post_init__(self):
        self.index.update((word, i) for i, word in enumerate(self.connectors))

    def ids(self, tokens: list, add: bool) -> np.ndarray:
        """The word ids of `tokens`: new ones given the next ids (`add`), else -1."""
        index = self.index
        if add:
            new = [t for t in dict.fromkeys(tokens) if t not in index]
            index.update(zip(new, itertools.count(len(index))))
            found = map(index.__getitem__, tokens)
        else:
            found = map(index.get, tokens, itertools.repeat(-1))
        return np.fromiter(found, dtype=np.int64, count=len(tokens))

    def add_words(self, ids: np.ndarray) -> None:
        self.words += len(ids)
        if len(self.index) > len(self.counts):
            self.counts.resize(2 * len(self.index), refcheck=False)
        self.counts[: len(self.index)] += np.bincount(ids, minlength=len(self.index))

    def keys_of(self, ids: np.ndarray, left: np.ndarray, right: np.ndarray, add: bool):
        """The key of each candidate (left[k], right[k]), and whether it has one (not for an
        unknown word, nor for an unknown link when not `add`ing)."""
        lefts = ids[left]
        for k in np.flatnonzero((right - left > 1) & (lefts >= 0)).tolist():  # connectors between
            link = (int(lefts[k]), tuple(ids[left[k] + 1 : right[k]].tolist()))
            found = self.links.get(link)
            if found is None and add:
                found = self.links[link] = self.next_link
                self.next_link += 1
            lefts[k] = -1 if found is None else found
        rights = ids[right]
        keys = (lefts.astype(np.uint64) << np.uint64(32)) | rights.astype(np.uint64)
        return keys, (lefts >= 0) & (rights >= 0)

    def add_pairs(self, keys: np.ndarray) -> None:
        self.pending.append(keys)
        self.pending_size += len(keys)
        if self.pending_size >= max(MERGE_PAIRS, len(self.keys)):
            self.merge()

    def merge(self) -> None:
        """Merge the pending keys into the sorted table; prune it past max_types."""
        if not self.pending:
            return
        new = np.sort(np.concatenate(self.pending))
        self.pending, self.pending_size = [], 0
        if not len(new):
            return
        starts = np.flatnonzero(np.diff(new, prepend=~new[:1]))  # the first of each key
        keys = np.concatenate([self.keys, new[starts]])
        counts = np.concatenate([self.pair_counts, np.diff(starts, append=len(new))])
        order = np.argsort(keys, kind="stable")  # two sorted runs: a merge
        keys, counts = keys[order], counts[order]
        starts = np.flatnonzero(np.diff(keys, prepend=~keys[:1]))
        self.keys, self.pair_counts = keys[starts], np.add.reduceat(counts, starts)
        if len(self.keys) > self.max_types:
            keep = np.sort(np.argsort(-self.pair_counts, kind="stable")[: self.max_types // 2])
            self.keys, self.pair_counts = self.keys[keep], self.pair_counts[keep]
            self.drop_unused_links()
            self.prunings += 1

    def drop_unused_links(self) -> None:
        used = set((self.keys >> np.uint64(32))[self.keys >= np.uint64(LINKED << 32)].tolist())
        self.links = {link: i for link, i in self.links.items() if i in used}

    def prune_words(self) -> None:
        """Keep the most frequent half of the words (and every connector word), renumbered;
        drop the pairs and links of the others."""
        self.merge()
        n, c = len(self.index), len(self.connectors)
        counts = self.counts[:n].copy()
        counts[:c] = np.iinfo(np.int64).max
        keep = np.sort(np.argsort(-counts, kind="stable")[: max(c + 1, self.max_types // 2)])
        remap = np.full(n, -1, dtype=np.int64)
        remap[keep] = np.arange(len(keep))
        tokens = list(self.index)
        self.index = {tokens[i]: new for new, i in enumerate(keep.tolist())}
        self.counts = np.concatenate([self.counts[keep], np.zeros(len(keep), np.int64)])
        links = {}
        for (word, between), i in self.links.items():  # connector ids are unchanged
            if remap[word] >= 0:
                links[(int(remap[word]), between)] = i
        self.links = links
        left = (self.keys >> np.uint64(32)).astype(np.int64)
        right = (self.keys & LOW).astype(np.int64)
        linked = left >= LINKED
        live = set(links.values())
        left_new = np.where(linked, left, remap[np.minimum(left, n - 1)])
        alive = (remap[right] >= 0) & np.where(linked, np.isin(left, list(live)), left_new >= 0)
        keys = (left_new[alive].astype(np.uint64) << np.uint64(32)) | remap[right[alive]].astype(
            np.uint64
        )
        order = np.argsort(keys)
        self.keys, self.pair_counts = keys[order], self.pair_counts[alive][order]
        self.prunings += 1

    def finish(self, min_count: int) -> None:
        """Keep what a phrase can be made of: the pairs seen min_count times, the words
        seen min_count times, and the connector words."""
        self.merge()
        kept = self.pair_counts >= min_count
        self.keys, self.pair_counts = self.keys[kept], self.pair_counts[kept]
        self.drop_unused_links()
        c = len(self.connectors)
        self.index = {t: i for t, i in self.index.items() if i < c or self.counts[i] >= min_count}

    def pair_counts_of(self, keys: np.ndarray, known: np.ndarray) -> np.ndarray:
        if not len(self.keys):
            return np.zeros(len(keys), dtype=np.int64)
        at = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        return np.where(known & (self.keys[at] == keys), self.pair_counts[at], 0)


def scores(scoring: str, a, b, ab, words: int, min_count: int) -> np.ndarray:
    """The score of each candidate; -inf where it cannot be a phrase."""
    with np.errstate(divide="ignore", invalid="ignore"):  # where not `possible`
        if scoring == "word2phrase":  # float32 throughout, as word2phrase.c's `real`
            f = np.float32
            score = (ab - min_count).astype(f) / a.astype(f) / b.astype(f) * f(words)
            possible = (a >= min_count) & (b >= min_count) & (ab >= min_count)
        else:
            pa, pb, pab = a / words, b / words, ab / words
            score = np.log(pab / (pa * pb)) / -np.log(pab)
            possible = (ab >= min_count) & (a > 0) & (b > 0)
    return np.where(possible, score, -np.inf)


def candidates(ids: np.ndarray, line: np.ndarray, connectors: int, across_lines: bool):
    """Positions (left, right) of consecutive words that are not connector words, with
    only connector words between them; within a line unless `across_lines`."""
    words = np.flatnonzero((ids >= connectors) | (ids < 0))
    left, right = words[:-1], words[1:]
    if not across_lines:
        same = line[left] == line[right]
        left, right = left[same], right[same]
    return left, right


def greedy(good: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Which candidates are joined, left to right: a good one unless its left word is the
    right word of the candidate just joined. Runs of good candidates that share words
    alternate: the first, third, ... of each run."""
    k = np.arange(len(good))
    chained = np.zeros(len(good), dtype=bool)
    chained[1:] = (left[1:] == right[:-1]) & good[:-1]
    starts = good & ~chained
    run_start = np.maximum.accumulate(np.where(starts, k, 0)) if len(k) else k
    return good & ((k - run_start) % 2 == 0)


def split_lines(chunk: bytes):
    """(tokens, the line of each within the chunk, number of line parts)."""
    per_line = [part.split() for part in chunk.split(b"\n")]
    sizes = np.fromiter(map(len, per_line), dtype=np.int64, count=len(per_line))
    tokens = list(itertools.chain.from_iterable(per_line))
    return tokens, np.repeat(np.arange(len(per_line)), sizes), len(per_line)


def last_word(ids: np.ndarray, line: np.ndarray, connectors: int, within: int | None):
    """Position of the last word that is not a connector word (in line `within`, if
    given), or None."""
    words = np.flatnonzero((ids >= connectors) | (ids < 0))
    if within is not None:
        words = words[line[words] == within]
    return int(words[-1]) if len(words) else None


class Source:
    """Text that can be read twice: a file is opened again; a stream is copied, as it is
    read the first time, into an unnamed temporary file."""

    def __init__(self, source, name: str, tmp_dir=None):
        self.source, self.name, self.tmp_dir, self.copy = source, name, tmp_dir, None

    def chunks(self):
        if self.copy is not None:
            self.copy.seek(0)
            yield from read_chunks(self.copy, self.name)
        elif isinstance(self.source, (str, os.PathLike)):
            with open_corpus(os.fspath(self.source)) as f:
                yield from read_chunks(f, self.name)
        else:
            copy = temporary_file(self.tmp_dir, "w2v-phrases-")  # of the text decompressed
            for chunk in read_chunks(decompressed(self.source), self.name):
                copy.write(chunk)
                yield chunk
            copy.flush()
            self.copy = copy


def cleaned(chunks, name: str):
    """Chunks with NUL read as white space (as training reads it); text that is mostly
    not UTF-8 refused, as training refuses it."""
    seen = junk = 0
    for chunk in chunks:
        seen += len(chunk)
        nul = chunk.count(b"\0")
        if nul:
            chunk = chunk.replace(b"\0", b" ")
        junk += nul + repair_utf8(chunk)[2]
        check_text(name, junk, seen)
        yield chunk


def count(chunks, connectors: list, scoring: str, max_types: int) -> Counts:
    """Count the words and candidate pairs of the text."""
    counts = Counts(connectors, max_types)
    c = len(connectors)
    across = scoring == "word2phrase"
    tail = []  # tokens from the last word that can still pair with what follows, counted
    for chunk in chunks:
        tokens, line, parts = split_lines(chunk)
        ids = counts.ids(tail + tokens, add=True)  # a pruning may have renumbered the tail
        counts.add_words(ids[len(tail) :])
        line = np.concatenate([np.zeros(len(tail), np.int64), line])
        left, right = candidates(ids, line, c, across)
        keys, known = counts.keys_of(ids, left, right, add=True)
        counts.add_pairs(keys[known])
        h = last_word(ids, line, c, None if across else parts - 1)
        tail = (tail + tokens)[h:] if h is not None else []
        if len(counts.index) > max_types:
            counts.prune_words()
    return counts


@dataclass
class Joiner:
    """The joining pass, chunk by chunk. The end of a line that runs on into the next chunk
    is held back from its last word on, since what follows may join it."""

    counts: Counts
    scoring: str
    threshold: float
    min_count: int
    held: list = field(default_factory=list)  # tokens held back
    held_ids: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    before: bytes = b""  # what goes before the next token if it goes on the same line
    consumed: bool = False  # the first token held back ends a phrase
    joined: int = 0

    def __call__(self, chunk: bytes, last: bool = False) -> bytes:
        c = len(self.counts.connectors)
        per_line = [part.split() for part in chunk.split(b"\n")]
        per_line[0][:0] = self.held
        sizes = np.fromiter(map(len, per_line), dtype=np.int64, count=len(per_line))
        line = np.repeat(np.arange(len(per_line)), sizes)
        tokens = list(itertools.chain.from_iterable(per_line))
        fresh = self.counts.ids(tokens[len(self.held) :], add=False)
        ids = np.concatenate([self.held_ids, fresh])
        left, right = candidates(ids, line, c, across_lines=False)
        counts = self.counts.counts
        score = scores(
            self.scoring,
            np.where(ids[left] >= 0, counts[ids[left]], 0),
            np.where(ids[right] >= 0, counts[ids[right]], 0),
            self.counts.pair_counts_of(*self.counts.keys_of(ids, left, right, add=False)),
            self.counts.words,
            self.min_count,
        )
        # The held-back word that ends a phrase comes first, as a joined candidate.
        good = np.concatenate([[self.consumed], score > self.threshold])
        joined = greedy(good, np.concatenate([[-1], left]), np.concatenate([[0], right]))[1:]
        self.joined += int(joined.sum())
        # The text with single spaces; then "_" for the space before each token inside a
        # phrase (all tokens after a phrase's first word).
        text = bytearray(b"\n".join(map(b" ".join, per_line)))
        first = np.ones(len(tokens), dtype=bool)
        first[1:] = line[1:] != line[:-1]
        lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
        start = np.cumsum(lengths) - lengths + np.cumsum(~first) + line
        inside = spans(left[joined] + 1, right[joined] - left[joined])
        np.frombuffer(text, dtype=np.uint8)[start[inside] - 1] = ord("_")
        before = self.before if sizes[0] else b""
        held = None
        if not last and sizes[-1]:  # the last line runs on into the next chunk
            held = last_word(ids, line, c, len(per_line) - 1)
        if held is None:
            self.held, self.held_ids, self.consumed = [], ids[:0], False
            if sizes[-1]:
                self.before = b" "
            elif len(per_line) > 1:
                self.before = b""  # the next token starts a line
            return before + text
        self.held, self.held_ids = tokens[held:], ids[held:]
        self.consumed = bool(np.isin(held, right[joined]))
        if held == 0:
            return b""
        cut = start[held] - (0 if first[held] else 1)
        self.before = b"" if first[held] else bytes(text[cut : cut + 1])
        return before + text[:cut]


def spans(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The positions starts[k] .. starts[k] + lengths[k] - 1, for every k."""
    offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(starts, lengths) + offsets


def thresholds(scoring: str, threshold: float | None, passes: int) -> list:
    """Each pass's threshold: with word2phrase's score, falling to `threshold` in the last
    pass (2 passes: 200 then 100, as word2vec C's demo-phrases.sh runs them); npmi's, which
    lies in [-1, 1], the same in every pass."""
    t = THRESHOLDS[scoring] if threshold is None else threshold
    return [t * (passes - i) if scoring == "word2phrase" else t for i in range(passes)]


def check(scoring, threshold, passes, min_count, connectors) -> None:
    if scoring not in SCORINGS:
        raise W2VError(f"--scoring {scoring}: give one of {', '.join(SCORINGS)}")
    if threshold is not None and scoring == "npmi" and not -1 <= threshold < 1:
        raise W2VError(f"--threshold {threshold:g}: npmi scores lie in [-1, 1]; give less than 1")
    if passes < 1 or min_count < 1:
        raise W2VError("--passes and --min-count must be at least 1")
    bad = [w for w in connectors if len(w.split()) != 1]
    if bad:
        raise W2VError(f"--connectors: {bad[0]!r} is not one word")


def run_passes(
    source,
    write,
    name: str = "corpus",
    *,
    min_count: int = 5,
    threshold: float | None = None,
    scoring: str = "word2phrase",
    passes: int = 1,
    connectors=(),
    max_types: int = MAX_TYPES,
    tmp_dir=None,
) -> list:
    """Join the phrases of `source` (a path, or a binary file object read once) and give
    the text, a piece at a time, to `write`. Returns a PassReport per pass."""
    connectors = [w.encode() if isinstance(w, str) else w for w in dict.fromkeys(connectors)]
    check(scoring, threshold, passes, min_count, connectors)
    text, reports = Source(source, name, tmp_dir), []
    for i, t in enumerate(thresholds(scoring, threshold, passes)):
        counts = count(cleaned(text.chunks(), name), connectors, scoring, max_types)
        counts.finish(min_count)
        joiner = Joiner(counts, scoring, t, min_count)
        out = write if i == passes - 1 else temporary_file(tmp_dir, "w2v-phrases-")
        put = out if callable(out) else out.write
        for chunk in cleaned(text.chunks(), name):
            put(joiner(chunk))
        put(joiner(b"", last=True))
        reports.append(
            PassReport(t, counts.words, len(counts.keys), joiner.joined, counts.prunings)
        )
        if i < passes - 1:
            text = Source(None, name, tmp_dir)
            text.copy = out
    return reports


def join_phrases(corpus, output, **options) -> list:
    """Write `corpus` (a path, or a binary file object) to `output` (a path, written
    atomically, or a binary file object) with its phrases joined; `options` as
    run_passes takes them. Returns a PassReport per pass.

        w2vcli.join_phrases("text.txt", "phrased.txt", passes=2)
    """
    from ..io.files import plan_output

    name = os.fspath(corpus) if isinstance(corpus, (str, os.PathLike)) else "corpus"
    if hasattr(output, "write"):
        return run_passes(corpus, output.write, name, **options)
    with plan_output(os.fspath(output)).open() as f:
        return run_passes(corpus, f.write, name, **options)
