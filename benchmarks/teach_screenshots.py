"""Screenshots of `w2v teach` for the README: docs/teach-en.png (the fruit preset, CBOW with
the full softmax, after 46 examples: the last one of two context words) and
docs/teach-zh.png (the Chinese preset, skip-gram, after 300), at 1280 x 800 (the whole
page, if it is taller). Made with:

    python benchmarks/teach_screenshots.py

Needs Playwright (the test extra) and Chromium (Debian: apt-get install chromium; not
`playwright install`). Chinese is drawn with Noto Sans SC from the plot extra
(pylopdf-fonts-zh-cn), handed to Chromium through a fontconfig file (by
benchmarks/serve_screenshots.py's chromium(), as for w2v serve's pictures), so that the
pictures do not depend on the system's CJK fonts. The lessons are the API's own
(w2vcli.explore.teach), trained by the page's buttons.
"""

import argparse
from pathlib import Path

from playwright.sync_api import expect
from serve_screenshots import chromium, opened, screenshot  # benchmarks/serve_screenshots.py

from w2vcli.explore.teach import PRESETS, Lesson, make_server

ROOT = Path(__file__).resolve().parent.parent
# (preset, settings (the loss: the full softmax), buttons clicked in turn, examples
# trained then, picture)
SHOTS = [
    ("fruit", {"arch": "cbow"}, ["step-20"] * 2 + ["next"] * 6, 46, "teach-en.png"),
    ("zh", {"arch": "skipgram"}, ["step-100"] * 3, 300, "teach-zh.png"),
]


def shoot(page, buttons: list, done: int, out: Path) -> None:
    expect(page.get_by_test_id("w-row").first).to_be_visible()
    for button in buttons:
        page.get_by_test_id(button).click()
    expect(page.get_by_test_id("steps")).to_have_text(str(done))
    expect(page.get_by_test_id("output-row").first).to_be_visible()
    screenshot(page, out, full_page=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    args.output.mkdir(exist_ok=True)
    with chromium() as browser:
        for preset, settings, buttons, done, picture in SHOTS:
            server = make_server(Lesson(PRESETS[preset][1], preset, **settings), port=0)
            with opened(browser, server) as page:
                shoot(page, buttons, done, args.output / picture)


if __name__ == "__main__":
    main()
