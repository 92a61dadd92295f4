"""The query commands: nearest, doesnt-match, analogy, similarity, rank, axis, vectors,
evaluate.

Numpy only (w2vcli.vectors), imported when they run, so a query never imports numba.
Answers go to stdout as TSV or JSON lines, talk to stderr.
"""

import click

from ..io.streams import quantity, shown
from .console import (
    answer_queries,
    check_stdout,
    load_for_answers,
    load_vectors,
    say,
    write_rows,
)
from .options import (
    FROM_STDIN,
    Command,
    analogies_option,
    json_option,
    k_option,
    limit_option,
    pairs_option,
    restrict_option,
    vectors_option,
    word_set,
)


@click.command(cls=Command, short_help="Nearest words by cosine similarity.")
@click.argument("words", nargs=-1)
@vectors_option
@limit_option
@k_option
@restrict_option
@click.option(
    "--vector",
    "by_vector",
    is_flag=True,
    help="Each query is a vector: a line of N numbers (space or tab separated).",
)
@json_option
def nearest(words, vectors, limit, k, restrict, by_vector, as_json):
    """The k nearest words to each WORD by cosine similarity, the query words excluded.

    A query of several words sums them, and a lone - before a word subtracts it:
    `w2v nearest king - man + woman` (gensim's most_similar(positive, negative); quote
    each query to give several: `w2v nearest "paris france" "king - man"`). Without
    WORDs, reads one query per line from stdin. Output: query, neighbour, similarity.
    """
    from ..io.streams import split_words
    from ..vectors.query import OPERATORS, expression

    vecs = load_for_answers(vectors, [] if words else FROM_STDIN, limit)
    if by_vector:
        return nearest_vectors(words, vecs, k, restrict, as_json)

    def answer(queries):
        single = [q for q in queries if len(q) == 1]  # many at once: one matrix product
        hits = vecs.nearest_each([q[0] for q in single], k, restrict)
        found = dict(zip(map(tuple, single), hits))
        for query in queries:
            if len(query) > 1:
                positive, negative = expression(query)
                found[tuple(query)] = vecs.nearest(positive, k, restrict, negative=negative)
        return [(" ".join(q), *n) for q in queries for n in found[tuple(q)]]

    def wrong(query):
        try:
            expression(query)
        except ValueError as e:
            return str(e)
        return ""

    if any(w in OPERATORS for w in words):  # `king - man + woman`: one query
        queries = [list(words)]
    else:
        queries = [split_words(w) for w in words]
    columns = ("query", "neighbour", "similarity")
    words_of = lambda q: [w for w in q if w not in OPERATORS]  # noqa: E731
    answer_queries(queries, wrong, vecs, answer, columns, as_json, k, words_of)


def nearest_vectors(words, vecs, k, restrict, as_json):
    """`nearest --vector`: each query a line of numbers (or an argument of them)."""
    import numpy as np

    from ..io.streams import split_words

    dim = vecs.matrix.shape[1]

    def numbers(query):
        try:
            vector = np.array([float(x) for x in query], dtype=np.float64)
        except ValueError:
            return None
        return vector if np.isfinite(vector).all() else None

    def wrong(query):
        if len(query) != dim:
            return f"expected a vector of {dim} numbers, got {len(query)}"
        return "" if numbers(query) is not None else "not a vector of finite numbers"

    def answer(queries):
        shown_query = lambda q: " ".join(q) if len(q) <= 4 else " ".join(q[:3]) + " ..."  # noqa: E731
        return [
            (shown_query(q), *n) for q in queries for n in vecs.nearest(numbers(q), k, restrict)
        ]

    columns = ("query", "neighbour", "similarity")
    queries = [split_words(w) for w in words]
    answer_queries(queries, wrong, vecs, answer, columns, as_json, k, words_of=lambda q: [])


@click.command("doesnt-match", cls=Command, short_help="Which word does not go with the others?")
@click.argument("words", nargs=-1)
@vectors_option
@limit_option
@json_option
def doesnt_match(words, vectors, limit, as_json):
    """The word of WORDS least like the others: the lowest cosine with the mean of their
    unit vectors, as gensim's doesnt_match. Without WORDS, reads one set of words per
    line from stdin. Output: query, odd word, its cosine with the mean.
    """
    vecs = load_for_answers(vectors, [] if words else FROM_STDIN, limit)

    def answer(queries):
        return [(" ".join(q), *vecs.doesnt_match(q)) for q in queries]

    def wrong(query):
        return "" if len(query) >= 2 else f"expected two words or more, got: {' '.join(query)}"

    columns = ("query", "odd_one_out", "similarity")
    answer_queries([list(words)] if words else [], wrong, vecs, answer, columns, as_json)


@click.command(cls=Command, short_help="A is to B as C is to ?")
@click.argument("words", nargs=-1)
@vectors_option
@limit_option
@k_option
@click.option(
    "--method",
    type=click.Choice(["add", "mul"]),
    default="add",
    show_default=True,
    help="3CosAdd (word2vec C, gensim) or 3CosMul (Levy and Goldberg).",
)
@restrict_option
@json_option
def analogy(words, vectors, limit, k, method, restrict, as_json):
    """A is to B as C is to ?: the words nearest B - A + C, the three inputs excluded.

    WORDS are A B C; without them, reads 'A B C' lines from stdin. Output: a, b, c, answer,
    similarity.
    """
    if words and len(words) != 3:
        raise click.UsageError("give three words A B C, or none to read 'A B C' lines from stdin")
    vecs = load_for_answers(vectors, [] if words else FROM_STDIN, limit)

    def answer(queries):
        found = vecs.analogy_each(queries, k, method, restrict)
        return [(*q, *n) for q, hits in zip(queries, found, strict=True) for n in hits]

    columns = ("a", "b", "c", "answer", "similarity")
    answer_queries([list(words)] if words else [], 3, vecs, answer, columns, as_json, k)


@click.command(cls=Command, short_help="Cosine similarity of word pairs, or of word sets.")
@click.argument("words", nargs=-1)
@vectors_option
@limit_option
@click.option(
    "--sets",
    is_flag=True,
    help="Each query is two sets of words: the cosine of the means of their vectors "
    "(gensim's n_similarity). Two quoted arguments, or 'W1 W2 | W3 W4' lines on stdin.",
)
@json_option
def similarity(words, vectors, limit, sets, as_json):
    """Cosine similarity of two words W1 W2; without them, of each 'W1 W2' line on stdin.

    With --sets, of two sets of words, each the mean of their vectors:
    `w2v similarity --sets "king queen" "man woman"`, or lines 'king queen | man woman'.
    """
    if words and len(words) != 2:
        raise click.UsageError(
            "give two words W1 W2 (two quoted sets with --sets), or none to read lines from stdin"
        )
    if sets:
        return set_similarity(words, vectors, limit, as_json)
    vecs = load_for_answers(vectors, [] if words else FROM_STDIN, limit)

    def answer(queries):
        return [(*q, s) for q, s in zip(queries, vecs.similarity_each(queries), strict=True)]

    columns = ("word1", "word2", "similarity")
    answer_queries([list(words)] if words else [], 2, vecs, answer, columns, as_json)


SET_SEPARATOR = "|"  # a word of its own between two sets on a line, as nearest's operators


def set_similarity(words, vectors, limit, as_json):
    """`similarity --sets`: the vectors as they are (gensim's n_similarity averages them
    unnormalised), so never a unit index."""
    from ..io.streams import split_words

    check_stdout([("--vectors", vectors), *([] if words else FROM_STDIN)])
    vecs = load_vectors(vectors, limit)

    def halves(query):
        at = query.index(SET_SEPARATOR)
        return query[:at], query[at + 1 :]

    def wrong(query):
        if query.count(SET_SEPARATOR) == 1 and all(halves(query)):
            return ""
        return f"expected two sets of words 'W1 W2 | W3 W4' per line, got: {' '.join(query)}"

    def answer(queries):
        pairs = [halves(q) for q in queries]
        found = vecs.n_similarity_each(pairs)
        return [(" ".join(a), " ".join(b), s) for (a, b), s in zip(pairs, found, strict=True)]

    queries = [[*split_words(words[0]), SET_SEPARATOR, *split_words(words[1])]] if words else []
    columns = ("words1", "words2", "similarity")
    words_of = lambda q: [w for w in q if w != SET_SEPARATOR]  # noqa: E731
    answer_queries(queries, wrong, vecs, answer, columns, as_json, words_of=words_of)


@click.command(cls=Command, short_help="How near W2 is to W1: 1 for its nearest neighbour.")
@click.argument("words", nargs=-1)
@vectors_option
@limit_option
@json_option
def rank(words, vectors, limit, as_json):
    """The rank of W2 among W1's neighbours: 1 + how many words have a higher cosine with
    W1 than W2 has (gensim's rank). Without W1 W2, of each 'W1 W2' line on stdin."""
    if words and len(words) != 2:
        raise click.UsageError("give two words W1 W2, or none to read 'W1 W2' lines from stdin")
    vecs = load_for_answers(vectors, [] if words else FROM_STDIN, limit)

    def answer(queries):
        return [(*q, r) for q, r in zip(queries, vecs.rank_each(queries), strict=True)]

    columns = ("word1", "word2", "rank")
    answer_queries([list(words)] if words else [], 2, vecs, answer, columns, as_json)


@click.command(cls=Command, short_help="Words along the axis from A to B: man → woman.")
@click.argument("words", nargs=-1, metavar="[A B] [WORD]...")
@vectors_option
@limit_option
@click.option(
    "--from",
    "start",
    callback=word_set,
    metavar="W,W,...",
    help="The axis's start, the mean of these words' unit vectors, instead of A.",
)
@click.option(
    "--to", "end", callback=word_set, metavar="W,W,...", help="The axis's end, instead of B."
)
@click.option(
    "--ends",
    type=click.IntRange(min=1),
    default=None,
    metavar="K",
    help="Instead of WORDs: the K words farthest toward each end, the axis's own left out.",
)
@restrict_option
@json_option
def axis(words, vectors, limit, start, end, ends, restrict, as_json):
    """Each WORD's place on the axis from A to B, sorted from A's end to B's: the cosine of
    its vector with unit(B) - unit(A), made unit length; negative toward A, positive toward
    B (`w2v axis man woman king queen nurse`).

    --from W,W,... --to W,W,... set the ends as the means of several words' unit vectors
    instead (--from he,him,his --to she,her,hers); every WORD is then a query. Without
    WORDs, reads one word per line from stdin. With --ends K, the K words of the
    vocabulary (or of the --restrict N most frequent) farthest toward each end instead,
    the lowest and highest scores, the axis's own words left out: 2K rows, or each word
    once if fewer are left.

    Output: word, score, under a header row (TSV).
    """
    if (start is None) != (end is None):
        raise click.UsageError("give --from and --to together")
    if start is None:
        if len(words) < 2:
            raise click.UsageError("give the axis's ends A B, or --from W,W,... --to W,W,...")
        start, end, words = words[:1], words[1:2], words[2:]
    if ends is not None and words:
        raise click.UsageError("give WORDs or --ends K, not both")
    if restrict is not None and ends is None:
        raise click.UsageError("--restrict: only with --ends")
    vecs = load_for_answers(vectors, [] if words or ends else FROM_STDIN, limit)
    columns = ("word", "score")
    header = [] if as_json else [columns]
    if ends is not None:
        return write_rows(header + vecs.axis(start, end, None, ends, restrict), columns, as_json)
    vecs.axis(start, end, [])  # unknown or equal ends refused before stdin is read

    def answer(queries):  # once, for all of them: they are sorted
        return header + vecs.axis(start, end, [q[0] for q in queries])

    answer_queries([[w] for w in words], 1, vecs, answer, columns, as_json, whole=True)


@click.command(cls=Command, short_help="Analogy accuracy and word-pair correlation.")
@vectors_option
@limit_option
@analogies_option
@pairs_option
@click.option(
    "--restrict",
    type=click.IntRange(min=1),
    default=30_000,
    show_default=True,
    metavar="N",
    help="Analogy questions and answers within the N most frequent words (pairs use all).",
)
@json_option
def evaluate(vectors, limit, analogies, pairs, restrict, as_json):
    """Analogy accuracy per section and word-pair correlation, as gensim computes them.

    Output, one row per result: file, section, metric, value, answered, total, coverage
    (answered / total, %). Accuracy is in %, correlations in [-1, 1].
    """
    from ..io.files import text_file

    if not analogies and not pairs:
        raise click.UsageError("give --analogies FILE and/or --pairs FILE")
    inputs = [("--analogies", p) for p in analogies] + [("--pairs", p) for p in pairs]
    vecs = load_for_answers(vectors, inputs, limit)
    columns = ("file", "section", "metric", "value", "answered", "total", "coverage")
    rows = []

    def row(path, section, metric, value, answered, total):
        coverage = 100 * answered / total if total else float("nan")  # an empty section
        rows.append((path, section, metric, value, answered, total, coverage))

    for path in analogies:
        with text_file(path, "--analogies") as lines:
            result = vecs.evaluate_analogies(lines, restrict, name=path)
        if result.invalid_lines:
            n = result.invalid_lines
            are = "is" if n == 1 else "are"
            say(f"{path}: skipped {quantity(n, 'line')} that {are} not four words")
        for s in result.sections + result.totals:
            row(path, s.name, "accuracy", s.accuracy, s.answered, s.questions)
    for path in pairs:
        with text_file(path, "--pairs") as lines:
            result = vecs.evaluate_pairs(lines, name=path)
        if result.invalid_lines:
            n = quantity(result.invalid_lines, "line")
            say(f"{path}: skipped {n} without two words and a score")
        if result.spearman != result.spearman or result.pearson != result.pearson:
            say(
                f"{path}: no correlation: fewer than two pairs, or the gold scores or the "
                "similarities are all equal"
            )
        row(path, "pairs", "spearman", result.spearman, result.answered, result.pairs)
        row(path, "pairs", "pearson", result.pearson, result.answered, result.pairs)
    if not as_json:
        write_rows([columns], columns, False)
    write_rows(rows, columns, as_json)


@click.command("vectors", cls=Command, short_help="Print the vectors of words.")
@click.argument("words", nargs=-1)
@vectors_option
@limit_option
@json_option
def vectors_command(words, vectors, limit, as_json):
    """Each WORD's vector: word, then its values (9 significant digits: float32 exactly), as
    fastText's print-word-vectors. Without WORDs, reads one word per line from stdin.
    Output: word, v1 ... vN (TSV), or {"word", "vector"} with --json."""
    from ..io.streams import json_line
    from .console import write_stdout

    check_stdout([("--vectors", vectors), *([] if words else FROM_STDIN)])
    vecs = load_vectors(vectors, limit)

    def answer(queries):
        def values(word):  # the shortest decimals that read back as the same float32
            return [f"{x:.9g}" for x in vecs[word].tolist()]

        if as_json:
            records = ({"word": q[0], "vector": [float(x) for x in values(q[0])]} for q in queries)
            write_stdout("".join(json_line(r) + "\n" for r in records).encode())
        else:
            lines = (shown(q[0]) + "\t" + "\t".join(values(q[0])) + "\n" for q in queries)
            write_stdout("".join(lines).encode())
        return []  # written here: rows of N + 1 columns

    answer_queries([[w] for w in words], 1, vecs, answer, ("word",), as_json)
