"""`w2v plot` through the user's door: valid PNG, SVG and PDF files with one labelled point per
word, Chinese labels drawn from a CJK font (not boxes), t-SNE, semantic axes, one-line errors,
no numba; and PCA against an independent computation. Runs without a display (no pyplot, no
GUI)."""

import re
import subprocess
import sys

import matplotlib.font_manager  # noqa: F401  (a first run builds its cache and says so: not here)
import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

import w2vcli
from w2vcli.cli import cli
from w2vcli.explore import fonts
from w2vcli.explore import plot as plotting
from w2vcli.explore.plot import on_axes, pca


def run(*args):
    result = CliRunner().invoke(cli, ["plot", *[str(a) for a in args]])
    assert not result.exception or isinstance(result.exception, SystemExit), result.exception
    return result


def nearest_words(vectors, word, k):
    result = CliRunner().invoke(cli, ["nearest", "-v", str(vectors), word, "-k", str(k)])
    return [line.split("\t")[1] for line in result.stdout.splitlines()]


def svg_labels(path) -> dict:
    """label id -> (the label's text, the glyph ids it is drawn with)."""
    svg = path.read_text(encoding="utf-8")
    groups = re.findall(r'<g id="label-(\d+)">\s*<!-- (.*?) -->(.*?)</g>\s*</g>', svg, re.S)
    return {int(i): (text, re.findall(r'xlink:href="#([^"]+)"', body)) for i, text, body in groups}


def svg_points(path) -> int:
    """The number of points of the scatter plot (one collection, a path per point)."""
    group = re.search(r'<g id="PathCollection_1">(.*?)</g>', path.read_text(), re.S).group(1)
    return group.count("<path ")


def test_png_of_words_and_their_neighbours(en_vectors, tmp_path):
    out = tmp_path / "plot.png"
    result = run("city", "war", "--neighbours", 5, "-v", en_vectors, "-o", out)
    assert result.exit_code == 0, result.output
    expected = {"city", "war", *nearest_words(en_vectors, "city", 5)}
    expected |= set(nearest_words(en_vectors, "war", 5))
    assert result.stderr == f"{out}: {len(expected)} words, PCA; fonts DejaVu Sans\n"
    with Image.open(out) as image:
        assert image.format == "PNG" and image.size == (960, 720)
        image.verify()
    assert result.stdout == ""  # stdout is for data; the picture goes to the file


def test_svg_has_one_labelled_point_per_word(en_vectors, tmp_path):
    out = tmp_path / "plot.svg"
    assert run("city", "war", "--neighbours", 5, "-v", en_vectors, "-o", out).exit_code == 0
    expected = {"city", "war", *nearest_words(en_vectors, "city", 5)}
    expected |= set(nearest_words(en_vectors, "war", 5))
    labels = svg_labels(out)
    assert sorted(labels) == list(range(len(expected)))
    assert {text for text, _ in labels.values()} == expected
    assert [labels[0][0], labels[1][0]] == ["city", "war"]  # the query words first
    assert svg_points(out) == len(expected)


def test_chinese_labels_are_drawn_with_a_cjk_font_not_boxes(zh_vectors, tmp_path):
    out = tmp_path / "plot.svg"
    result = run("北京", "--neighbours", 8, "-v", zh_vectors, "-o", out)
    assert result.exit_code == 0, result.output
    assert "boxes" not in result.stderr
    assert re.search(r"fonts DejaVu Sans, \S", result.stderr)  # a fallback font was found
    labels = svg_labels(out)
    assert len(labels) == svg_points(out) == 9 and labels[0][0] == "北京"
    for text, glyphs in labels.values():
        assert glyphs, text
        if all("\u4e00" <= c <= "\u9fff" for c in text):  # only Chinese: no DejaVu glyph
            assert not [g for g in glyphs if g.startswith("DejaVu")], (text, glyphs)
    png = tmp_path / "plot.png"
    assert run("北京", "--neighbours", 8, "-v", zh_vectors, "-o", png).exit_code == 0
    with Image.open(png) as image:
        image.verify()


def test_without_a_cjk_font_it_says_so_once(zh_vectors, tmp_path, monkeypatch):
    monkeypatch.setattr(fonts, "_candidates", lambda exclude: iter([]))
    result = run("北京", "--neighbours", 3, "-v", zh_vectors, "-o", tmp_path / "p.png")
    assert result.exit_code == 0
    warning, done = result.stderr.splitlines()
    assert warning.startswith("no font found for ") and "pip install 'w2vcli[plot]'" in warning
    assert done.endswith("fonts DejaVu Sans")


def test_most_frequent_words_pdf_and_tsne(en_vectors, tmp_path):
    words = [line.split()[0] for line in en_vectors.read_text().splitlines()[1:21]]
    svg = tmp_path / "top.svg"
    assert run("--top", 20, "-v", en_vectors, "-o", svg).exit_code == 0
    assert [svg_labels(svg)[i][0] for i in range(20)] == words
    pdf = tmp_path / "top.pdf"
    assert run("--top", 20, "-v", en_vectors, "-o", pdf).exit_code == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    tsne = tmp_path / "tsne.svg"
    result = run("city", "--neighbours", 15, "--method", "tsne", "-v", en_vectors, "-o", tsne)
    assert result.exit_code == 0 and "t-SNE" in result.stderr
    assert len(svg_labels(tsne)) == 16


def test_words_on_semantic_axes_are_placed_at_their_scores(axis_vectors, tmp_path, monkeypatch):
    """The coordinates drawn, through the command, are w2v axis's scores on each axis."""
    vecs, words = w2vcli.load(axis_vectors), ["king", "queen", "nurse", "person"]
    x, y = (["man"], ["woman"]), (["engineer", "nurse"], ["king", "queen"])
    expected = np.array([[dict(vecs.axis(*ends, words))[w] for ends in (x, y)] for w in words])
    rows = [vecs.row(w) for w in words]
    np.testing.assert_allclose(on_axes(vecs.index, rows, (x, y)).points, expected, atol=1e-6)
    drawn = []
    draw = plotting.draw
    monkeypatch.setattr(plotting, "draw", lambda *args: drawn.append(args) or draw(*args))
    out = tmp_path / "axes.svg"
    result = run(*words, "--x", "man:woman", "--y", "engineer,nurse:king,queen",
                 "--neighbours", 0, "-v", axis_vectors, "-o", out)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stderr == f"{out}: 4 words, semantic axes; fonts DejaVu Sans\n"
    ((_, _, projection, labels, *_),) = drawn
    assert labels == words
    assert projection.axes == ("man ← → woman", "engineer, nurse ← → king, queen")
    np.testing.assert_allclose(projection.points, expected, atol=1e-6)
    assert [svg_labels(out)[i][0] for i in range(4)] == words


@pytest.mark.parametrize(
    "args, message",
    [
        (["city", "--x", "city:war"], "give --x and --y together"),
        (["city", "--x", "city:war", "--y", "city:xyzzyq"], "no vector for xyzzyq"),
        (["city", "--x", "city:war", "--y", "war:war"], "the axis war → war has the same words"),
        (["city", "--x", "city:war", "--y", "a:b:c"], "'a:b:c': give A:B"),
        (["city", "--x", "a:b", "--y", "c:d", "--method", "pca"], "not with --method"),
        (["xyzzyq", "city"], "no vector for xyzzyq"),
        (["city", "--top", "5"], "give WORDs or --top N, not both"),
        (["city", "-o", "plot.jpg"], "--output plot.jpg: name a .png, .svg or .pdf file"),
        (["city", "--neighbours", "0"], "1 word to plot; a projection needs at least 3"),
    ],
)
def test_errors_are_one_line(en_vectors, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = run(*args, "-v", en_vectors)
    assert result.exit_code in (1, 2)
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr
    assert not list(tmp_path.iterdir())  # no file written


@pytest.mark.parametrize(
    "module, args, extra",
    [("matplotlib", [], "plot"), ("sklearn", ["--method", "tsne"], "tsne")],
)
def test_a_missing_extra_is_named(en_vectors, tmp_path, monkeypatch, module, args, extra):
    monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    result = run("city", *args, "-v", en_vectors, "-o", tmp_path / "p.png")
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1
    assert f"pip install 'w2vcli[{extra}]'" in result.stderr


def test_plot_never_imports_numba(en_vectors, tmp_path):
    args = ["plot", "city", "-v", str(en_vectors), "-o", str(tmp_path / "p.png")]
    code = (
        "import sys\nfrom w2vcli.cli import cli\n"
        f"cli({args!r}, standalone_mode=False)\n"
        "print('numba imported' if 'numba' in sys.modules else 'no numba', file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[-1] == "no numba"


def test_pca_matches_the_covariance_eigenvectors():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 8)) * np.array([5, 3, 1, 1, 1, 1, 1, 1])
    projection = pca(x)
    centred = x - x.mean(axis=0)
    values, vectors = np.linalg.eigh(np.cov(centred.T))
    top = vectors[:, ::-1][:, :2]  # the two largest
    expected = centred @ top
    for axis in range(2):  # the same up to the sign of each axis
        a, b = projection.points[:, axis], expected[:, axis]
        assert np.allclose(a, b) or np.allclose(a, -b)
    share = values[::-1][0] / values.sum()
    assert projection.axes[0] == f"PC1 ({100 * share:.1f}% of the variance)"


def test_labels_of_a_tight_cluster_are_moved_off_the_points_and_each_other():
    """As a replay's last frames: 30 words within a few pixels of one another. After
    spread_labels no label covers another word's point, and labels overlap each other by
    2 pixels at most (a fully packed cluster can leave a sliver where pushes balance)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from w2vcli.explore.plot import DOT_REACH, LABEL_OFFSET, spread_labels

    rng = np.random.default_rng(1)
    points = rng.normal(scale=0.03, size=(30, 2))
    fig = Figure(figsize=(8, 6), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set(xlim=(-1, 1), ylim=(-1, 1))
    ax.scatter(points[:, 0], points[:, 1], s=14)
    texts = [
        ax.annotate(f"word{i}", p, xytext=LABEL_OFFSET, textcoords="offset points", fontsize=7.5)
        for i, p in enumerate(points)
    ]
    spread_labels(fig, texts)
    renderer = fig.canvas.get_renderer()
    fig.draw(renderer)
    boxes = np.array([t.get_window_extent(renderer).extents for t in texts])
    dots = ax.transData.transform(points)
    reach = DOT_REACH * fig.dpi / 72 - 1  # a pixel's tolerance
    for i, (x0, y0, x1, y1) in enumerate(boxes):
        for j, (u0, v0, u1, v1) in enumerate(boxes):
            if i != j:
                assert min(x1, u1) - max(x0, u0) <= 2 or min(y1, v1) - max(y0, v0) <= 2
        others = np.delete(dots, i, axis=0)
        covered = (
            (others[:, 0] + reach > x0)
            & (others[:, 0] - reach < x1)
            & (others[:, 1] + reach > y0)
            & (others[:, 1] - reach < y1)
        )
        assert not covered.any(), f"word{i} covers a point"
