"""Find fonts for plot labels that matplotlib's default font (DejaVu Sans) cannot draw.

DejaVu Sans has no Chinese, Japanese or Korean characters: without help, such labels come
out as boxes. For the characters the labels need and DejaVu Sans lacks, this module looks,
in order, at

1. fonts shipped by pip packages: Noto Sans SC from `pylopdf-fonts-zh-cn`, which the `plot`
   extra installs (located without importing the package);
2. well-known CJK system fonts that matplotlib's font manager knows (Noto Sans CJK, Source
   Han Sans, WenQuanYi, Microsoft YaHei, PingFang, ...);
3. every other system font,

and takes each that draws a character still missing, until none is. The chosen fonts
follow DejaVu Sans in the font family list, so matplotlib's per-glyph fallback (3.6+)
draws Latin letters in DejaVu Sans and the rest in the CJK font. A font the user names
(`w2v plot --font`, a file or an installed family) comes first of all. Only matplotlib is
imported.
"""

import importlib.util
import os
from dataclasses import dataclass

from ..errors import W2VError

DEFAULT_FAMILY = "DejaVu Sans"  # matplotlib's default, shipped with it

# (module, file inside it): fonts that pip packages ship. Not imported, only located.
PIP_FONTS = [("pylopdf_fonts_zh_cn", "NotoSansSC-Regular.otf")]

# CJK-capable system fonts, best first: Simplified Chinese glyph forms before others.
SYSTEM_FAMILIES = [
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Heiti SC",
    "SimHei",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Source Han Sans",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "Arial Unicode MS",
]

INSTALL_HINT = (
    "pip install 'w2vcli[plot]' brings Noto Sans SC; or install a system CJK font "
    "(Debian/Ubuntu: apt install fonts-noto-cjk)"
)


@dataclass
class FontChoice:
    families: list  # for rcParams["font.family"]: DejaVu Sans, then the fallbacks
    files: list  # the fallback font files chosen
    missing: str  # characters no font found has, drawn as boxes


def choose_fonts(labels: list, font: str | None = None) -> FontChoice:
    """The font families that draw `labels`, DejaVu Sans first; registers the files found.

    `font`, a font file or an installed family name, is used whatever the labels hold.
    """
    from matplotlib import font_manager

    user = None
    if font is not None:
        user = font if os.path.isfile(font) else _system_font(font)
        if user is None:
            raise W2VError(f"--font {font}: no such font file or installed font family")
        if not _readable(user):
            raise W2VError(f"--font {font}: not a font file FreeType can read")
    default = font_manager.findfont(DEFAULT_FAMILY, fallback_to_default=True)
    needed = _uncovered(set("".join(labels)), default)
    chosen = [user] if user else []
    if user:
        needed &= _uncovered(needed, user)
    if needed:
        for path in _candidates(exclude=user):
            covers = needed - _uncovered(needed, path)
            if covers:
                chosen.append(path)
                needed -= covers
            if not needed:
                break
    families = [DEFAULT_FAMILY]
    for path in chosen:
        font_manager.fontManager.addfont(path)
        families.append(font_manager.FontProperties(fname=path).get_name())
    if user:  # the user's font first; DejaVu Sans only for what it lacks
        families = [families[1], DEFAULT_FAMILY, *families[2:]]
    return FontChoice(families, chosen, "".join(sorted(needed)))


def _candidates(exclude: str | None):
    """Font files to try, in order of preference, each once."""
    from matplotlib import font_manager

    seen = {exclude}
    paths = [_pip_font(module, name) for module, name in PIP_FONTS]
    paths += [_system_font(family) for family in SYSTEM_FAMILIES]
    system = (f.fname for f in font_manager.fontManager.ttflist if not _placeholder(f.name))
    for path in paths + sorted(system):
        if path and path not in seen and os.path.isfile(path):
            seen.add(path)
            yield path


def _placeholder(family: str) -> bool:
    """Last Resort (shipped with matplotlib) maps every character to a box: no help."""
    return family.startswith("Last Resort")


def _pip_font(module: str, name: str) -> str | None:
    """The path of a font file inside an installed package, without importing it."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return os.path.join(list(spec.submodule_search_locations)[0], name)


def _system_font(family: str) -> str | None:
    """The file of an installed font family matplotlib knows, else None (no substitute)."""
    from matplotlib import font_manager

    for entry in font_manager.fontManager.ttflist:
        if entry.name == family:
            return entry.fname
    return None


def _readable(path: str) -> bool:
    from matplotlib.ft2font import FT2Font

    try:
        FT2Font(path)
    except (OSError, RuntimeError, ValueError):
        return False
    return True


def _uncovered(chars: set, path: str) -> set:
    """The characters of `chars` (other than white space) the font at `path` has no glyph for."""
    from matplotlib.ft2font import FT2Font

    try:
        charmap = FT2Font(path).get_charmap()
    except (OSError, RuntimeError, ValueError):  # a font file FreeType cannot read
        return set(chars)
    return {c for c in chars if not c.isspace() and ord(c) not in charmap}
