"""Screenshots of `w2v serve` for the README: docs/serve-en.png (the word "paris" on vectors
trained on en-mix) and docs/serve-zh.png ("北京" on vectors trained on zh-pd1998), each
1280 x 800, with an analogy and a similarity asked too. Made with:

    w2v train ../shared/data/en-mix.txt -o /tmp/serve-shots/en.bin --format binary --threads 1
    w2v train ../shared/data/zh-pd1998.txt -o /tmp/serve-shots/zh.bin --format binary --threads 1
    python benchmarks/serve_screenshots.py /tmp/serve-shots

Needs Playwright (the test extra) and Chromium (Debian: apt-get install chromium; not
`playwright install`). Chinese is drawn with Noto Sans SC from the plot extra
(pylopdf-fonts-zh-cn), handed to Chromium through a fontconfig file, so that the pictures
do not depend on the system's CJK fonts.
"""

import argparse
import importlib.util
import os
import shutil
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from w2vcli.explore.serve import make_server

ROOT = Path(__file__).resolve().parent.parent
SIZE = {"width": 1280, "height": 800}
# (vectors file in the input folder, word shown, analogy a b c, similarity a b, picture)
SHOTS = [
    ("en.bin", "paris", ("man", "king", "woman"), ("paris", "france"), "serve-en.png"),
    ("zh.bin", "北京", ("中国", "北京", "日本"), ("北京", "上海"), "serve-zh.png"),
]


def fontconfig_file(folder: Path) -> Path:
    """A fontconfig file: the system's fonts and Noto Sans SC of pylopdf-fonts-zh-cn."""
    spec = importlib.util.find_spec("pylopdf_fonts_zh_cn")
    fonts = next(iter(spec.submodule_search_locations))
    path = folder / "fonts.conf"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        f'  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <dir>{fonts}</dir>\n  <cachedir>{folder / 'cache'}</cachedir>\n</fontconfig>\n"
    )
    return path


@contextmanager
def chromium():
    """Playwright's Chromium (the system's), drawing Chinese with Noto Sans SC (see
    fontconfig_file)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "FONTCONFIG_FILE": str(fontconfig_file(Path(tmp)))}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), env=env)
            yield browser
            browser.close()


@contextmanager
def opened(browser, server):
    """A page of SIZE at `server`'s URL, the server answering from a thread; after the
    block, the page closed and the server shut down."""
    threading.Thread(target=server.serve_forever, daemon=True).start()
    page = browser.new_page(viewport=SIZE)
    try:
        page.goto(server.url)
        yield page
    finally:
        page.close()
        server.shutdown()
        server.server_close()


def screenshot(page, out: Path, full_page: bool = False) -> None:
    """The page as it is, the mouse off it and scrolled to the top, to `out`."""
    page.mouse.move(0, 0)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(out), full_page=full_page)
    print(f"{out}: {out.stat().st_size / 1024:.0f} KB")


def shoot(page, word: str, analogy: tuple, similarity: tuple, out: Path) -> None:
    search = page.get_by_test_id("search")
    search.press_sequentially(word)
    expect(page.get_by_test_id("search-completions")).to_be_visible()
    search.press("Enter")
    expect(page.get_by_test_id("map-point").first).to_be_visible()
    for name, value in zip("abc", analogy):
        page.get_by_test_id(f"analogy-{name}").fill(value)
    page.get_by_test_id("analogy-go").click()
    expect(page.get_by_test_id("analogy-answer").first).to_be_visible()
    page.get_by_test_id("similarity-a").fill(similarity[0])
    page.get_by_test_id("similarity-b").fill(similarity[1])
    page.get_by_test_id("similarity-go").click()
    expect(page.get_by_test_id("similarity-result")).not_to_be_empty()
    screenshot(page, out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="where en.bin and zh.bin are")
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    args.output.mkdir(exist_ok=True)
    with chromium() as browser:
        for name, word, analogy, similarity, picture in SHOTS:
            with opened(browser, make_server(args.folder / name, port=0)) as page:
                shoot(page, word, analogy, similarity, args.output / picture)


if __name__ == "__main__":
    main()
