"""`w2v plot --animate DIR`: the recorded words moving from their random start to their
final places (a replay written by `w2v train --snapshots DIR`, w2vcli.training.snapshots).

Each frame is a PCA of the chosen words' unit input vectors (with --with-output, of their
input and output vectors together: the paper's two vectors per word), rotated onto the
frame before it by orthogonal Procrustes, so that the picture does not spin or flip as
the components change, and scaled to the same spread, so that the tiny random start
fills the view as the final vectors do. Frames are drawn with matplotlib (the `plot`
extra) into PNGs, then written as an animated GIF (Pillow, which matplotlib brings), an
HTML page that plays them offline (the PNGs inside it), or an MP4 (ffmpeg, if on PATH).
"""

import base64
import html
import io
import os
import shutil
import subprocess
import tempfile
import warnings
from dataclasses import dataclass

import numpy as np

from ..errors import W2VError
from ..io.streams import shown
from ..training.snapshots import Replay

FORMATS = ("gif", "html", "mp4")
FPS = 8
FIGSIZE = (7.2, 5.4)  # inches
DPI = 90  # 648 x 486 pixels: a README-sized GIF
NEIGHBOURS = 8
TOP = 40
MAX_WORDS = 300  # labels beyond this are not legible, and every frame draws them all


@dataclass
class Animated:
    words: list  # drawn, query words first
    frames: int
    families: list  # fonts used
    missing: str  # characters no font was found for


def output_format(path: str) -> str:
    suffix = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if suffix not in FORMATS:
        raise W2VError(f"--output {path}: name a .gif, .html or .mp4 file for --animate")
    if suffix == "mp4" and ffmpeg() is None:
        raise W2VError(f"--output {path}: an MP4 needs ffmpeg on PATH; or write a .gif or .html")
    return suffix


def ffmpeg() -> str | None:
    """ffmpeg's path, found as the kernel's build finds cc: on $PATH less its relative
    entries, so that a program in the user's current folder is never run."""
    from ..io.trust import search_path

    return shutil.which("ffmpeg", path=search_path())


def choose(replay: Replay, words=(), neighbours: int = NEIGHBOURS, top=None) -> tuple:
    """(rows, groups, queries) of the replay to draw, as `w2v plot` chooses them
    (plot.select_words) in the last frame: the query words (or else the replay's --watch
    words) and each one's `neighbours` nearest among the recorded words; without any,
    the `top` most frequent."""
    from ..vectors.query import Index
    from .plot import select_words

    words = list(dict.fromkeys(words or ([] if top else replay.watch)))
    recorded = set(replay.words)
    unknown = [w for w in words if w not in recorded]
    if unknown:
        raise W2VError(
            f"not in the replay: {', '.join(unknown)}; record them with w2v train --watch "
            "(or raise --snapshot-top)"
        )
    index = Index(replay.words, replay.input[-1])
    chosen = select_words(index, words, neighbours, top or TOP, None, "replay")
    if len(chosen.rows) > MAX_WORDS:
        raise W2VError(f"{len(chosen.rows)} words: at most {MAX_WORDS} fit in a legible animation")
    return chosen.rows, chosen.groups, chosen.queries


def unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.maximum(norms, 1e-30)  # a zero vector (an output row at the start) stays 0


def layouts(replay: Replay, rows: list, with_output: bool = False) -> np.ndarray:
    """(frames, points, 2): each frame's PCA, aligned to the frame before; the points are
    the rows' input vectors, then (with_output) their output vectors."""
    from .plot import pca

    out = []
    previous = None
    for f in range(len(replay.frames)):
        x = unit(np.asarray(replay.input[f][rows], dtype=np.float64))
        if with_output:
            x = np.vstack([x, unit(np.asarray(replay.output[f][rows], dtype=np.float64))])
        points = pca(x).points if np.ptp(x, axis=0).any() else np.zeros((len(x), 2))
        points -= points.mean(axis=0)
        spread = np.sqrt((points**2).sum(axis=1).mean())
        points = points / spread if spread > 0 else points
        if previous is not None:  # orthogonal Procrustes: the rotation (or reflection)
            u, _, vt = np.linalg.svd(points.T @ previous)  # closest to the last frame
            points = points @ (u @ vt)
        out.append(points)
        previous = points
    return np.array(out)


def caption(frame: dict, epochs: int) -> str:
    loss = f" · loss {frame['loss']:.3f}" if frame.get("loss") is not None else ""
    return (
        f"epoch {frame['epoch']:.2f} of {epochs} · {frame['words']:,} words · "
        f"learning rate {frame['alpha']:.3g}{loss}"
    )


def animate(
    replay: Replay,
    f,
    fmt: str = "gif",
    words=(),
    neighbours: int = NEIGHBOURS,
    top=None,
    with_output: bool = False,
    fps: int = FPS,
    font=None,
    source: str = "replay",
) -> Animated:
    """Draw the replay's frames into the binary file `f` as `fmt` (gif, html, mp4)."""
    from .fonts import choose_fonts
    from .plot import label

    if with_output and replay.output is None:
        raise W2VError("--with-output: this replay has no output vectors (--loss hs)")
    rows, groups, queries = choose(replay, words, neighbours, top)
    labels = [label(replay.words[r]) for r in rows]
    epochs = int(replay.settings.get("epochs") or round(replay.frames[-1]["epoch"]) or 1)
    captions = [caption(fr, epochs) for fr in replay.frames]
    settings = replay.settings
    what = [replay.corpus or os.path.basename(os.path.normpath(source))]
    what += [settings.get("arch"), settings.get("loss"), f"dim {settings.get('dim')}"]
    title = shown(", ".join(str(w) for w in what if w and w != "dim None"))
    fonts = choose_fonts([*labels, title], font)
    points = layouts(replay, rows, with_output)
    pngs = _draw_frames(points, labels, groups, queries, captions, title, fonts.families)
    _write(f, fmt, pngs, fps, title, labels)
    return Animated(labels, len(pngs), fonts.families, fonts.missing)


def _draw_frames(points, labels, groups, queries, captions, title, families) -> list:
    """Each frame as PNG bytes: one figure, its artists moved from frame to frame."""
    import matplotlib
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from .plot import LABEL_OFFSET, colours_for, quiet_font_manager, spread_labels

    n = len(labels)
    colours = colours_for(max(groups) + 1)
    colour = [colours[g] if queries else "0.2" for g in groups]
    is_query = np.arange(n) < queries
    pngs = []
    with rc_context():
        matplotlib.rcdefaults()  # as plot.draw: no matplotlibrc from the working directory
        matplotlib.rcParams.update({"font.family": families})
        fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        reach = np.abs(points).max(axis=(0, 1)) * 1.1  # x and y: every frame fits
        reach[reach == 0] = 1.0
        ax.set(xlim=(-reach[0], reach[0]), ylim=(-reach[1], reach[1]), xticks=[], yticks=[])
        ax.set_title(title, fontsize=10, parse_math=False)
        sizes = np.where(is_query, 40, 14)
        dots = ax.scatter(points[0, :n, 0], points[0, :n, 1], s=sizes, c=colour)
        outs = lines = None
        if points.shape[1] > n:  # the output vectors: hollow, joined to the input vector
            outs = ax.scatter(
                points[0, n:, 0], points[0, n:, 1], s=14, facecolors="none", edgecolors=colour
            )
            lines = [ax.plot([], [], lw=0.5, color=c, alpha=0.4)[0] for c in colour]
        texts = [
            ax.annotate(
                text,
                points[0, i],
                xytext=LABEL_OFFSET,
                textcoords="offset points",
                fontsize=10 if is_query[i] else 7.5,
                fontweight="bold" if is_query[i] else "normal",
                color=colour[i],
                parse_math=False,
            )
            for i, text in enumerate(labels)
        ]
        bottom = fig.text(0.5, 0.01, "", ha="center", fontsize=9, parse_math=False)
        with warnings.catch_warnings(), quiet_font_manager():
            warnings.filterwarnings("ignore", message="Glyph .* missing from")
            for frame, text in zip(points, captions, strict=True):
                dots.set_offsets(frame[:n])
                for i, t in enumerate(texts):
                    t.xy, t.xyann = frame[i], LABEL_OFFSET
                spread_labels(fig, texts)  # each frame's labels apart, as w2v plot's
                if outs is not None:
                    outs.set_offsets(frame[n:])
                    for i, line in enumerate(lines):
                        v, v_out = frame[i], frame[n + i]
                        line.set_data([v[0], v_out[0]], [v[1], v_out[1]])
                bottom.set_text(text)
                buffer = io.BytesIO()
                fig.savefig(buffer, format="png", dpi=DPI)
                pngs.append(buffer.getvalue())
    return pngs


def _write(f, fmt: str, pngs: list, fps: int, title: str, labels: list) -> None:
    if fmt == "gif":
        from PIL import Image

        frames = [Image.open(io.BytesIO(p)).convert("RGB").quantize(64) for p in pngs]
        durations = [1000 // fps] * len(frames)
        durations[-1] = 2000  # the final places, held a moment before it starts again
        frames[0].save(
            f, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0
        )
    elif fmt == "html":
        f.write(_page(pngs, fps, title, labels).encode())
    else:
        _mp4(f, pngs, fps)


def _page(pngs: list, fps: int, title: str, labels: list) -> str:
    """A page that plays the frames, the words drawn written under them: no script or
    style from elsewhere, works offline."""
    images = ",\n".join(f'"data:image/png;base64,{base64.b64encode(p).decode()}"' for p in pngs)
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:1em}} input{{width:{int(FIGSIZE[0] * DPI)}px}}</style>
</head><body>
<img id="frame" alt="{html.escape(title)}" src="" width="{int(FIGSIZE[0] * DPI)}"><br>
<button id="play">pause</button>
<input id="at" type="range" min="0" max="{len(pngs) - 1}" value="0">
<span id="number"></span>
<p id="words">{html.escape(" · ".join(labels))}</p>
<script>
const frames = [{images}];
const img = document.getElementById("frame"), at = document.getElementById("at");
const play = document.getElementById("play"), number = document.getElementById("number");
let i = 0, timer = null;
function show(k) {{ i = k; img.src = frames[i]; at.value = i;
  number.textContent = "frame " + (i + 1) + " of " + frames.length; }}
function start() {{ timer = setInterval(() => show((i + 1) % frames.length), {1000 // fps});
  play.textContent = "pause"; }}
function stop() {{ clearInterval(timer); timer = null; play.textContent = "play"; }}
play.onclick = () => (timer ? stop() : start());
at.oninput = () => {{ stop(); show(Number(at.value)); }};
show(0); start();
</script></body></html>
"""


def _mp4(f, pngs: list, fps: int) -> None:
    with tempfile.TemporaryDirectory(prefix="w2v-animate-") as tmp:
        path = os.path.join(tmp, "out.mp4")
        done = subprocess.run(
            [ffmpeg(), "-loglevel", "error", "-f", "image2pipe",
             "-framerate", str(fps), "-i", "-", "-pix_fmt", "yuv420p", "-vf",
             "pad=ceil(iw/2)*2:ceil(ih/2)*2", path],
            input=b"".join(pngs),
            capture_output=True,
            cwd=tmp,
        )  # fmt: skip
        if done.returncode:
            message = done.stderr.decode(errors="replace").strip().splitlines()
            raise W2VError(f"ffmpeg failed: {message[-1] if message else done.returncode}")
        with open(path, "rb") as mp4:
            shutil.copyfileobj(mp4, f)
