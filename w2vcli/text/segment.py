"""Word segmentation of raw text that has no spaces between words (Chinese), line by line.

jieba (the `zh` extra) cuts each line into words, which are written separated by single
spaces, one output line per input line, so the result is what `w2v train` reads. White
space in the input only separates words; nothing else is changed (no lower-casing, no
punctuation removal). jieba is imported when segmentation starts, with its start-up
messages silenced.

jieba keeps its prefix table in a cache file of Python's own serialisation, which it
loads unchecked, by default /tmp/jieba.cache, which any user of the machine could have
written. Here it is kept in
w2v's own cache directory, once that is trusted (see w2vcli.io.trust), else built afresh in
a private temporary folder.
"""

import logging
import tempfile
import warnings

from ..errors import W2VError

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
    from ..io.trust import cache_dir, private_directory

    if private_directory(cache_dir()) is None:
        jieba.dt.tmp_dir = str(cache_dir())
        jieba.initialize()
    else:
        with tempfile.TemporaryDirectory(prefix="w2v-jieba-") as private:
            jieba.dt.tmp_dir = private
            jieba.initialize()

    def cut(line: str) -> list:
        return [w for w in jieba.cut(line) if w.strip()]

    return cut


MAX_LINE_BYTES = 16 << 20  # a line of raw text: a whole long article is under 1 MiB


def raw_lines(source, name: str | None = None):
    """The lines of raw text as str, from `source`, a path or a binary file object (gzip,
    bzip2 and xz decompressed, told by their first bytes), in bounded memory: a line
    longer than MAX_LINE_BYTES (/dev/zero, a file that is not text) is an error naming it
    (`name`, by default the path)."""
    from ..io.streams import decompressed, text_lines
    from .corpus import open_corpus, read_block

    f = open_corpus(source) if isinstance(source, str) else decompressed(source)
    name = name or (source if isinstance(source, str) else "text")
    return text_lines(lambda: read_block(f, name, waiting=False), name, MAX_LINE_BYTES)


def segment_lines(lines, lang: str = "zh"):
    """Each line of `lines` (str) segmented: words separated by spaces, ending in a newline.

    Lazy over `lines`, but jieba is loaded (or found missing) at the call.
    """
    cut = segmenter(lang)
    return (" ".join(cut(line)) + "\n" for line in lines)
