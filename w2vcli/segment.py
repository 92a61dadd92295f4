"""Word segmentation of raw text that has no spaces between words (Chinese), line by line.

jieba (the `zh` extra) cuts each line into words, which are written separated by single
spaces, one output line per input line, so the result is what `w2v train` reads. White
space in the input only separates words; nothing else is changed (no lower-casing, no
punctuation removal). jieba is imported when segmentation starts, with its start-up
messages silenced.
"""

import logging
import warnings

from .errors import W2VError

LANGUAGES = ("zh",)


def segmenter(lang: str = "zh"):
    """A function from one line of text to its list of words."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    try:
        with warnings.catch_warnings():  # its old escapes, pkg_resources: not the user's concern
            warnings.simplefilter("ignore")
            import jieba
    except ImportError:
        raise W2VError("w2v tokenize --lang zh needs jieba: pip install 'w2vcli[zh]'") from None
    jieba.setLogLevel(logging.WARNING)  # not "Building prefix dict ..." on stderr
    jieba.initialize()

    def cut(line: str) -> list:
        return [w for w in jieba.cut(line) if w.strip()]

    return cut


def segment_lines(lines, lang: str = "zh"):
    """Each line of `lines` (str) segmented: words separated by spaces, ending in a newline.

    Lazy over `lines`, but jieba is loaded (or found missing) at the call.
    """
    cut = segmenter(lang)
    return (" ".join(cut(line)) + "\n" for line in lines)
