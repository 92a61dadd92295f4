"""2-D pictures of word vectors: which words to show, the projection, the drawing.

The words are either query words and each one's nearest neighbours (query.nearest) or the
most frequent words. They are projected from their unit vectors, so that the picture shows
cosine geometry, by PCA (numpy) or t-SNE (scikit-learn, the `tsne` extra), or placed on two
semantic axes (w2vcli.vectors.axes: man → woman across, young → old up), and drawn with
matplotlib (the `plot` extra) without pyplot, so no display or GUI backend is needed. Fonts
for labels that are not Latin come from w2vcli.explore.fonts. Never imports numba.
"""

import contextlib
import importlib.util
import logging
import warnings
from dataclasses import dataclass

import numpy as np

from ..errors import W2VError
from ..io.streams import quantity
from ..vectors.axes import direction, scores
from ..vectors.query import Index, nearest

FORMATS = ("png", "svg", "pdf")
MIN_WORDS = 3
TOP = 100  # words drawn without query words
# At most this many words in a picture: more are not legible at this size, and placing
# the labels costs time and memory that grow as the square of their number.
MAX_WORDS = 1000
MAX_LABEL = 40  # characters of a word drawn; a longer one ends in "…" (drawing time grows
# with the characters: 30 labels of 50,000 took minutes)
# Moving labels apart compares every pair of labels each round: up to SPREAD_ROUNDS rounds,
# fewer for many labels, so that a plot of MAX_WORDS takes seconds, not minutes.
SPREAD_ROUNDS = 300
SPREAD_MIN_ROUNDS = 20
SPREAD_PAIRS = 30_000_000
FIGSIZE = (8, 6)  # inches
DPI = 120  # PNG: 960 x 720 pixels
LABEL_OFFSET = (3, 2)  # points right of and above the point
AXES = "semantic axes"  # the method of a picture on --x and --y
DOT_REACH = 3  # points: half the side of the square a drawn point covers (as big as s=40)


@dataclass
class Selection:
    rows: list  # index rows to draw
    groups: list  # for each row, the number of the query word it belongs to (0 for top)
    queries: int  # the first `queries` rows are the query words (drawn larger, bold)


@dataclass
class Projection:
    points: np.ndarray  # (n, 2)
    method: str
    axes: tuple  # axis labels


def output_format(path: str) -> str:
    """png, svg or pdf, from the file name; checked before any work."""
    suffix = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if suffix not in FORMATS:
        raise W2VError(f"--output {path}: name a .png, .svg or .pdf file")
    return suffix


@dataclass
class Plotted:
    """What plot_words drew."""

    labels: list  # the words, as drawn
    method: str  # PCA, t-SNE or AXES
    families: list  # the fonts used
    missing: str  # characters no font was found for, drawn as boxes


def check(words: list, neighbours: int, top: int | None, method: str = "pca") -> None:
    """Refuse, before any work, a picture that cannot be drawn or would not be legible."""
    if words and top is not None:
        raise W2VError("give WORDs or --top N, not both")
    most = len(set(words)) * (neighbours + 1) if words else top or TOP
    if not words and most < MIN_WORDS:
        raise W2VError(f"--top {most}: a projection needs at least {MIN_WORDS} words")
    if most > MAX_WORDS:
        asked = "--top"
        if words:
            asked = f"{quantity(len(set(words)), 'word')} and {neighbours} neighbours each"
        raise W2VError(f"{asked}: at most {MAX_WORDS:,} words fit in a legible picture")
    require(method)


def plot_words(
    vecs,
    f,
    fmt: str = "png",
    words: list = (),
    neighbours: int = 10,
    top: int | None = None,
    restrict: int | None = None,
    method: str = "pca",
    seed: int = 1,
    font: str | None = None,
    source: str = "vectors",
    axes: tuple | None = None,
) -> Plotted:
    """Draw `words` of the Vectors `vecs` and each one's `neighbours` nearest, or else the
    `top` most frequent words, projected to 2-D from their unit vectors (or placed on the
    `axes`, see on_axes), into the binary file `f` as `fmt` (png, svg, pdf). `source`
    names the vectors in the title."""
    from ..io.streams import shown
    from .fonts import choose_fonts

    check(list(words), neighbours, top, method)
    index = vecs.index
    chosen = select_words(index, list(words), neighbours, top or TOP, restrict, source)
    labels = [label(index.words[r]) for r in chosen.rows]
    if axes:
        projection = on_axes(index, chosen.rows, axes, source)
    else:
        projection = project(index.unit[chosen.rows], method, seed)
    title = f"{projection.method} of {len(labels)} words from {shown(source)}"
    fonts = choose_fonts([*labels, title, *projection.axes], font)
    draw(f, fmt, projection, labels, chosen, title, fonts.families)
    return Plotted(labels, projection.method, fonts.families, fonts.missing)


def select_words(
    index: Index, words: list, neighbours: int, top: int, restrict: int | None, source: str
) -> Selection:
    """The query words and their `neighbours` nearest each, or the `top` most frequent."""
    if not words:
        n = min(top, len(index))
        return Selection(list(range(n)), [0] * n, 0)
    words = list(dict.fromkeys(words))  # each once, in order
    unknown = [w for w in words if w not in index.rows]
    if unknown:
        raise W2VError(f"{source}: no vector for {', '.join(unknown)}")
    queries = [index.rows[w] for w in words]
    rows, groups = list(queries), list(range(len(queries)))
    seen = set(rows)
    found = nearest(index, queries, neighbours, restrict) if neighbours else [[]] * len(queries)
    for group, hits in enumerate(found):
        for row, _ in hits:
            if row not in seen:
                seen.add(row)
                rows.append(row)
                groups.append(group)
    return Selection(rows, groups, len(queries))


def label(word: str) -> str:
    """The word as drawn: whole up to MAX_LABEL characters."""
    return word if len(word) <= MAX_LABEL else word[: MAX_LABEL - 1] + "…"


def project(vectors: np.ndarray, method: str = "pca", seed: int = 1) -> Projection:
    """2-D coordinates of the unit `vectors` (n, N) by PCA or t-SNE."""
    if len(vectors) < MIN_WORDS:
        raise W2VError(
            f"{quantity(len(vectors), 'word')} to plot; a projection needs at least {MIN_WORDS}"
        )
    if method == "pca":
        return pca(vectors)
    if method == "tsne":
        return tsne(vectors, seed)
    raise ValueError(f"unknown projection method {method!r}")


def on_axes(index: Index, rows: list, axes: tuple, source: str = "vectors") -> Projection:
    """The rows placed on two semantic axes, `axes` ((start, end), (start, end)), each end
    a list of words: x and y are each row's scores along the first and the second."""
    points, names = [], []
    for start, end in axes:
        unknown = [w for w in dict.fromkeys(start + end) if w not in index.rows]
        if unknown:
            raise W2VError(f"{source}: no vector for {', '.join(unknown)}")
        ends = [[index.rows[w] for w in side] for side in (start, end)]
        points.append(scores(index, direction(index, *ends), rows))
        names.append(" ← → ".join(", ".join(map(label, side)) for side in (start, end)))
    return Projection(np.column_stack(points), AXES, tuple(names))


def pca(vectors: np.ndarray) -> Projection:
    """The first two principal components, each signed so its largest loading is positive."""
    centre, axes, share = pca_axes(vectors)
    points = (np.asarray(vectors, dtype=np.float64) - centre) @ axes.T
    labels = tuple(f"PC{i + 1} ({100 * share[i]:.1f}% of the variance)" for i in range(2))
    return Projection(points, "PCA", labels)


def pca_axes(vectors: np.ndarray) -> tuple:
    """(centre, axes, share): the mean of the rows, the first two principal axes (2, N),
    each signed so its largest loading is positive (zeros where there is only one), and
    the share of the variance along each; so that other rows can be put on the same axes
    (w2v teach's map of the vectors before a step)."""
    vectors = np.asarray(vectors, dtype=np.float64)
    centre = vectors.mean(axis=0)
    _, s, vt = np.linalg.svd(vectors - centre, full_matrices=False)
    signs = np.sign(vt[np.arange(len(vt)), np.abs(vt).argmax(axis=1)])
    signs[signs == 0] = 1
    axes, share = (vt * signs[:, None])[:2], (s**2 / max((s**2).sum(), 1e-30))[:2]
    if len(axes) < 2:  # one dimension only
        axes, share = np.vstack([axes, np.zeros_like(axes)]), np.r_[share, 0.0]
    return centre, axes, share


def tsne(vectors: np.ndarray, seed: int = 1) -> Projection:
    """scikit-learn's t-SNE on cosine distances, started from PCA (reproducible by seed)."""
    try:
        from sklearn.manifold import TSNE
    except ImportError:
        raise W2VError(
            "--method tsne needs scikit-learn: pip install 'w2vcli[tsne]'; or use --method pca"
        ) from None
    if len(np.unique(np.round(vectors, 6), axis=0)) < MIN_WORDS:
        # scikit-learn's t-SNE crashes the process on points that are (nearly) all the same
        raise W2VError(
            "fewer than 3 distinct vectors among these words: t-SNE cannot place them; "
            "use --method pca"
        )
    n = len(vectors)
    # About a tenth of the points: a few words' neighbourhoods stay apart without each
    # cluster collapsing to a dot (below the number of points, as it must be).
    perplexity = float(np.clip(n / 10, 2, 30))
    model = TSNE(2, perplexity=perplexity, init="pca", metric="cosine", random_state=seed)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # a few points give sklearn's warnings: not the user's
        points = model.fit_transform(np.asarray(vectors, dtype=np.float64))
    return Projection(points, "t-SNE", ("", ""))


def draw(
    f,
    fmt: str,
    projection: Projection,
    labels: list,
    selection: Selection,
    title: str,
    families: list,
) -> None:
    """Draw labelled points into the binary file `f` as `fmt`; each label gets the SVG id
    label-i. Colours group each query word with its neighbours."""
    import matplotlib
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    points, groups = projection.points, np.array(selection.groups)
    colours = colours_for(max(groups) + 1 if len(groups) else 1)
    with rc_context():
        # matplotlib reads a matplotlibrc from the working directory (it could turn on
        # usetex, which runs LaTeX on the words): none of it applies here.
        matplotlib.rcdefaults()
        matplotlib.rcParams.update({"font.family": families, "svg.hashsalt": "w2v"})
        fig = Figure(figsize=FIGSIZE, layout="constrained")
        ax = fig.add_subplot()
        is_query = np.arange(len(points)) < selection.queries
        ax.scatter(
            points[:, 0],
            points[:, 1],
            s=np.where(is_query, 36, 12),
            c=[colours[g] for g in groups],
            alpha=0.8,
            linewidths=0,
        )
        texts = []
        for i, (label, (x, y)) in enumerate(zip(labels, points, strict=True)):
            colour = colours[groups[i]] if selection.queries else "0.15"
            texts.append(
                ax.annotate(
                    label,
                    (x, y),
                    xytext=LABEL_OFFSET,
                    textcoords="offset points",
                    fontsize=10 if is_query[i] else 8,
                    fontweight="bold" if is_query[i] else "normal",
                    color=colour,
                    gid=f"label-{i}",
                    parse_math=False,  # a word is text: '$x^2$' is not a formula
                )
            )
        ax.set_title(title, fontsize=10, parse_math=False)
        ax.set_xlabel(projection.axes[0], fontsize=8, parse_math=False)  # words: text
        ax.set_ylabel(projection.axes[1], fontsize=8, parse_math=False)
        if projection.method == AXES:  # where neither end is nearer
            ax.axhline(0, color="0.85", lw=0.8, zorder=0)
            ax.axvline(0, color="0.85", lw=0.8, zorder=0)
        ax.tick_params(labelsize=7)
        if projection.method == "t-SNE":  # its axes have no meaning
            ax.set_xticks([])
            ax.set_yticks([])
        ax.margins(0.08)
        with warnings.catch_warnings(), quiet_font_manager():
            warnings.filterwarnings("ignore", message="Glyph .* missing from")  # said once
            shifts = spread_labels(fig, texts)
            for i, (text, shift) in enumerate(zip(texts, shifts, strict=True)):
                if np.hypot(*shift) >= 6:  # moved away from its point: a thin line to it
                    colour = text.get_color()
                    ax.annotate(
                        "",
                        points[i],
                        xytext=text.xyann,
                        textcoords="offset points",
                        arrowprops={"arrowstyle": "-", "color": colour, "lw": 0.5, "alpha": 0.5},
                    )
            fig.savefig(f, format=fmt, dpi=DPI, metadata=_metadata(fmt))


def spread_labels(fig, texts: list) -> np.ndarray:
    """Move overlapping labels apart, each pair along the axis where they overlap least,
    off the other labels' points, and inside the axes, until nothing overlaps or the
    rounds allowed by SPREAD_PAIRS are done; returns how far each moved, in points (n, 2).
    (The lines from moved labels to their points are drawn afterwards: matplotlib
    recomputes an annotation's line each time its extent is asked for.)"""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if len(texts) < 2:
        return np.zeros((len(texts), 2))
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)  # lays out the axes, so the extents below are final
    boxes = np.array([t.get_window_extent(renderer).extents for t in texts])  # (n, 4) pixels
    # Each box reaches to its own point, so that other labels keep off the points too.
    anchors = texts[0].axes.transData.transform([t.xy for t in texts])  # (n, 2)
    boxes[:, :2] = np.minimum(boxes[:, :2], anchors)
    boxes[:, 2:] = np.maximum(boxes[:, 2:], anchors)
    boxes[:, :2] -= 1  # a pixel of air around each label
    boxes[:, 2:] += 1
    dot = DOT_REACH * fig.dpi / 72  # the points themselves, fixed: no label covers another's
    dots = np.concatenate([anchors - dot, anchors + dot], axis=1)  # (n, 4)
    start = boxes.copy()
    inside = texts[0].axes.get_window_extent(renderer).extents  # x0, y0, x1, y1
    order = np.arange(len(texts))
    tie = np.where(order[:, None] > order[None, :], 1.0, -1.0)  # same centre: by index
    for _ in range(max(SPREAD_MIN_ROUNDS, min(SPREAD_ROUNDS, SPREAD_PAIRS // len(texts) ** 2))):
        move = _apart(boxes, boxes, tie, 0.5).sum(axis=1)  # (n, 2): each pair half the way
        move += _apart(boxes, dots, tie, 1.0).sum(axis=1)  # off the points: all the way
        move += np.maximum(inside[:2] - boxes[:, :2], 0)  # and back inside the axes
        move -= np.maximum(boxes[:, 2:] - inside[2:], 0)
        if not move.any():
            break
        boxes += np.concatenate([move, move], axis=1)
    shift = (boxes[:, :2] - start[:, :2]) * 72 / fig.dpi  # pixels to points
    for text, (dx, dy) in zip(texts, shift, strict=True):
        text.xyann = (LABEL_OFFSET[0] + dx, LABEL_OFFSET[1] + dy)
    return shift


def _apart(boxes: np.ndarray, others: np.ndarray, tie: np.ndarray, share: float) -> np.ndarray:
    """(n, n, 2): how far each box i moves away from other box j that it overlaps (not its
    own, j == i), along the axis where they overlap least, by `share` of the overlap."""
    low = np.maximum(boxes[:, None, :2], others[None, :, :2])  # (n, n, 2)
    high = np.minimum(boxes[:, None, 2:], others[None, :, 2:])
    overlap = high - low  # x and y overlap of each pair
    hit = (overlap > 0).all(axis=2)
    np.fill_diagonal(hit, False)
    centres = (boxes[:, :2] + boxes[:, 2:]) / 2
    other_centres = (others[:, :2] + others[:, 2:]) / 2
    away = np.sign(centres[:, None, :] - other_centres[None, :, :])  # from j toward i
    away = np.where(away == 0, tie[:, :, None], away)
    along_y = overlap[:, :, 1] <= overlap[:, :, 0]  # the cheaper way apart
    push = np.zeros_like(overlap)
    push[:, :, 1] = np.where(hit & along_y, away[:, :, 1] * overlap[:, :, 1] * share, 0)
    push[:, :, 0] = np.where(hit & ~along_y, away[:, :, 0] * overlap[:, :, 0] * share, 0)
    return push


@contextlib.contextmanager
def quiet_font_manager():
    """No "findfont: Failed to find font weight bold" for a CJK font with one weight."""
    logger = logging.getLogger("matplotlib.font_manager")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def colours_for(n: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n)]


def _metadata(fmt: str) -> dict:
    """No creation date, so the same input gives the same file."""
    return {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt, {})


def require(method: str = "pca") -> None:
    """A one-line error if an extra the plot needs is not installed; checked before any work
    and without importing it."""
    if importlib.util.find_spec("matplotlib") is None:
        raise W2VError("w2v plot needs matplotlib: pip install 'w2vcli[plot]'")
    if method == "tsne" and importlib.util.find_spec("sklearn") is None:
        raise W2VError(
            "--method tsne needs scikit-learn: pip install 'w2vcli[tsne]'; or use --method pca"
        )
