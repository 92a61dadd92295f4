"""Shared fixtures: small models trained once per session on slices of the sample corpora;
and in CI (the CI environment variable set, as .ci/run does), no test may pass by skipping."""

import os
import shutil
from itertools import islice
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.paths import SAMPLES
from w2vcli.cli import cli


def train_small(tmp_path_factory, name: str, lines: int) -> Path:
    """Vectors (text format, 50 dimensions) trained on the first `lines` of a sample corpus."""
    directory = tmp_path_factory.mktemp(name)
    corpus = directory / "corpus.txt"
    with open(SAMPLES / f"{name}.txt", encoding="utf-8") as f:
        corpus.write_text("".join(islice(f, lines)), encoding="utf-8")
    out = directory / "vectors.txt"
    args = ["train", str(corpus), "-o", str(out), "--threads", "1", "--epochs", "3"]
    result = CliRunner().invoke(cli, [*args, "--dim", "50", "-q"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="session")
def en_vectors(tmp_path_factory) -> Path:
    """English: the first 100 lines of sample_corpora/en.txt (100,000 tokens of text8)."""
    return train_small(tmp_path_factory, "en", 100)


@pytest.fixture(scope="session")
def zh_vectors(tmp_path_factory) -> Path:
    """Chinese: the first 2,000 lines of sample_corpora/zh.txt (about 94,000 tokens)."""
    return train_small(tmp_path_factory, "zh", 2000)


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory) -> Path:
    """The first 40 lines of sample_corpora/en.txt (40,000 tokens), for quick training runs."""
    path = tmp_path_factory.mktemp("corpus") / "en.txt"
    lines = (SAMPLES / "en.txt").read_text().splitlines()[:40]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="session")
def axis_vectors(tmp_path_factory) -> Path:
    """Seven words placed by hand (dim 3): man and woman differ only in x, + for man, - for
    woman, so the axis man → woman is -x and each word's score is minus the x of its unit
    vector: king -3/√10, engineer -1/√5, person 0, nurse 1/√5, queen 3/√10, in that order."""
    path = tmp_path_factory.mktemp("axis") / "vectors.txt"
    path.write_text(
        "7 3\nman 1 0 1\nwoman -1 0 1\nking 3 1 0\nqueen -3 1 0\nengineer 1 2 0\n"
        "nurse -1 2 0\nperson 0 1 0\n"
    )
    return path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI a skip is a failure: a test that needs ../shared/data, root or Linux's /proc
    must run there, or CI would pass without it. On a developer's machine it may skip."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where every test must run: {reason}"


# The browser tests of the local pages (w2v serve's, w2v teach's): Debian's Chromium,
# driven by Playwright (no `playwright install`). They are of the slow tier.


def pytest_collection_modifyitems(items):
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser():
    """Chromium, for a test module; skipped (a failure in CI) when there is none."""
    if CHROMIUM is None:
        pytest.skip("no chromium executable (Debian: apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM)
        yield launched
        launched.close()


@pytest.fixture
def console_ignored():
    """Which console errors a page may log (a test of `page` fails on the others): none. A
    test module that expects some overrides this."""
    return lambda text: False


@pytest.fixture
def page(browser, console_ignored):
    """A page of its own, failing the test on a script error, a CSP violation (both logged
    to the console) or a request to another origin."""
    opened = browser.new_page(viewport={"width": 1280, "height": 800})
    errors, elsewhere = [], []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.on(
        "console",
        lambda message: (
            message.type == "error"
            and not console_ignored(message.text)
            and errors.append(message.text)
        ),
    )
    opened.on(
        "request",
        lambda asked: (
            asked.url.startswith(("http://127.0.0.1:", "data:")) or elsewhere.append(asked.url)
        ),
    )
    yield opened
    opened.close()
    assert errors == [] and elsewhere == []
