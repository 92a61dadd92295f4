"""Helpers of the tests of the local pages (w2v serve's, w2v teach's); their browser
fixtures, `browser` and `page`, are in conftest.py."""

import re
import threading
from contextlib import contextmanager

CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "js": "text/javascript; charset=utf-8",
    "css": "text/css; charset=utf-8",
}


@contextmanager
def serving(server):
    """`server` (on a free port of 127.0.0.1) answering from a thread until the block ends;
    then shut down and closed."""
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def expect():
    """Playwright's `expect`, imported only by the tests that run a browser."""
    from playwright.sync_api import expect

    return expect


def page_files(page: str, own: str) -> dict:
    """The files a page (its HTML) loads, checked: common.css and common.js before the
    page's own `own`.css and `own`.js, nothing else but the empty icon, nothing inline (the
    CSP allows none). URL path -> the content type it is to be served with, "/" included."""
    assert '<meta charset="utf-8">' in page and "<script>" not in page and "style=" not in page
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets == [
        "data:,",
        "/static/common.css",
        f"/static/{own}.css",
        "/static/common.js",
        f"/static/{own}.js",
    ]
    files = {"/": CONTENT_TYPES["html"]}
    return files | {path: CONTENT_TYPES[path.rpartition(".")[2]] for path in assets[1:]}
