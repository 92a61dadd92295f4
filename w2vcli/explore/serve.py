"""`w2v serve`: a local web page to explore a vectors file, over a small JSON API.

The server is the standard library's http.server (ThreadingHTTPServer), not Flask or
FastAPI: nothing to install beyond w2v's own dependencies, it starts at once, and a local
page for one user, asking small JSON questions of vectors held in memory, needs no more.
Each request gets a thread; the answers are the numpy queries of w2vcli.vectors.query, which
read the vectors and never change them, so the threads share one copy.

    GET /                                 the page (w2vcli/static/index.html)
    GET /api/info                         {file, words, dim, methods}
    GET /api/complete?prefix=pa&k=10      {prefix, words}: most frequent first
    GET /api/nearest?word=paris&k=10      {word, neighbours: [{word, score}]}
    GET /api/analogy?a=&b=&c=&k=10        {a, b, c, answers: [{word, score}]} (3CosAdd)
    GET /api/similarity?a=&b=             {a, b, score}
    GET /api/map?word=paris&k=20&method=pca
                                          {word, method, axes, points: [{word, x, y, score}]}
                                          (PCA; or t-SNE where scikit-learn is installed)

Errors are JSON too: {"error": "..."}, with "parameter" (400) or "unknown" (404, the
words not in the vectors). No request reaches the file system: the page and its two
files are read once, at the start, and served from a fixed table. Words are data: they
arrive percent-encoded UTF-8, are looked up as they are and go back as JSON strings.

Only this server's own page may ask (w2v teach's API changes its lesson on a GET): a
request a browser sends from another site (Sec-Fetch-Site other than same-origin or
none, or an Origin other than the server's) is refused with a 403 before any route runs,
and no answer carries CORS headers, so no other site reads one. On a loopback address
(127.0.0.0/8, ::1, ::ffff:127.0.0.1) the Host header must name a loopback address too
(or localhost), against DNS rebinding.
"""

import bisect
import errno
import importlib.util
import ipaddress
import os
import re
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from urllib.parse import parse_qs, urlsplit

import numpy as np

from ..errors import W2VError
from ..io.streams import json_line, shown
from ..vectors.query import nearest
from .plot import pca, tsne

MAX_K = 100  # answers per question: more are not read, and only cost time
DEFAULT_K = 10
MAX_URL = 2048  # bytes of a request's path and query: a query is a few words
MAX_FIELDS = 10  # query parameters; the most any endpoint takes is four
K_TEXT = re.compile(r"[0-9]{1,3}")

# What the page may load: its own files and nothing else (no inline script or style, no
# other origin). A data: image for the favicon, so the browser does not ask for one.
CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# URL path -> (file in w2vcli/static, content type): all the files the server ever sends.
STATIC = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/static/common.js": ("common.js", "text/javascript; charset=utf-8"),
    "/static/common.css": ("common.css", "text/css; charset=utf-8"),
    "/static/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/static/app.css": ("app.css", "text/css; charset=utf-8"),
}
JSON_TYPE = "application/json; charset=utf-8"
# A Host header or an Origin's host and port: a name or IPv4 address, or an IPv6 address
# in brackets; then perhaps a port.
AUTHORITY = re.compile(r"(?:\[([0-9A-Fa-f:.]+)\]|([^\[\]:@/?#\s]+))(?::([0-9]{1,5}))?")
# What a browser says of where a request comes from (Sec-Fetch-Site) that is this server's
# own page: a fetch of the page (same-origin), or an address typed, a bookmark, a link
# from the terminal (none).
OWN_SITE = ("same-origin", "none")


class BadRequest(Exception):
    """A missing or malformed query parameter (HTTP 400)."""

    def __init__(self, parameter: str, message: str):
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


class NotInVectors(LookupError):
    """Words that are not in the vectors (HTTP 404)."""

    def __init__(self, words: list):
        super().__init__(words)
        self.words = words

    def __str__(self):
        return f"not in the vectors: {', '.join(self.words)}"


class Explorer:
    """The answers the page asks for, as JSON-ready dicts, from unit vectors (Vectors).
    Holds the vocabulary sorted, with each word's row, so that a completion is two binary
    searches and a look at the rows of the words that match, not a pass over all words."""

    def __init__(self, vecs, name: str = "vectors"):
        self.vecs, self.name = vecs, name
        self.index = vecs.index  # the unit vectors: made now, not by the first requests
        self.sorted_rows = sorted_rows(vecs.words, vecs.rows)
        self.sorted_words = SortedWords(vecs.words, self.sorted_rows)
        # the map's projections: t-SNE only where scikit-learn is (the `tsne` extra)
        self.methods = ["pca"] + (["tsne"] if importlib.util.find_spec("sklearn") else [])

    def info(self) -> dict:
        return {
            "file": self.name,
            "words": len(self.vecs),
            "dim": self.vecs.matrix.shape[1],
            "methods": self.methods,
        }

    def complete(self, prefix: str, k: int = DEFAULT_K) -> dict:
        """The k most frequent words (the first in the file) that start with `prefix`."""
        if not prefix:
            rows = np.arange(min(k, len(self.vecs)))
        else:
            start = bisect.bisect_left(self.sorted_words, prefix)
            # Cut to the prefix's length, the sorted words stay sorted: those that start
            # with it are the run equal to it.
            end = bisect.bisect_right(
                self.sorted_words, prefix, lo=start, key=lambda word: word[: len(prefix)]
            )
            rows = self.sorted_rows[start:end]
            if len(rows) > k:
                rows = np.partition(rows, k - 1)[:k]
            rows = np.sort(rows)
        return {"prefix": prefix, "words": [self.vecs.words[r] for r in rows.tolist()]}

    def nearest(self, word: str, k: int = DEFAULT_K) -> dict:
        self.check_known([word])
        found = self.vecs.nearest_each([word], k)[0]
        return {"word": word, "neighbours": scored(found)}

    def analogy(self, a: str, b: str, c: str, k: int = DEFAULT_K) -> dict:
        """a is to b as c is to ?: 3CosAdd, the three words excluded (as `w2v analogy`)."""
        self.check_known([a, b, c])
        found = self.vecs.analogy(a, b, c, k)
        return {"a": a, "b": b, "c": c, "answers": scored(found)}

    def similarity(self, a: str, b: str) -> dict:
        self.check_known([a, b])
        return {"a": a, "b": b, "score": self.vecs.similarity(a, b)}

    def map(self, word: str, k: int = DEFAULT_K, method: str = "pca") -> dict:
        """`word` and its k nearest neighbours, projected to 2-D by PCA (or t-SNE) of
        their unit vectors (as `w2v plot` draws them); the word first, with score 1."""
        if method not in self.methods:
            hint = "" if "tsne" in self.methods else " (tsne: pip install 'w2vcli[tsne]')"
            raise BadRequest("method", f"one of {', '.join(self.methods)}{hint}")
        if method == "tsne" and k < 2:
            raise BadRequest("k", "t-SNE places 3 words or more: k of 2 or more")
        self.check_known([word])
        row = self.vecs.row(word)
        found = nearest(self.index, [row], k)[0]
        rows = [row] + [r for r, _ in found]
        vectors = self.index.unit[rows]
        try:
            projection = pca(vectors) if method == "pca" else tsne(vectors, seed=1)
        except W2VError as e:  # t-SNE of words whose vectors are (nearly) all the same
            raise BadRequest("method", str(e)) from None
        scores = [1.0] + [score for _, score in found]
        points = [
            {"word": self.vecs.words[r], "x": float(x), "y": float(y), "score": score}
            for r, (x, y), score in zip(rows, projection.points.tolist(), scores, strict=True)
        ]
        return {"word": word, "method": method, "axes": list(projection.axes), "points": points}

    def check_known(self, words: list) -> None:
        unknown = [w for w in dict.fromkeys(words) if w not in self.vecs]
        if unknown:
            raise NotInVectors(unknown)


def scored(neighbours: list) -> list:
    return [{"word": n.word, "score": n.score} for n in neighbours]


def sorted_rows(words: list, rows) -> np.ndarray:
    """The rows of `words` in the order of the words (by code point, as Python compares
    them). An index (w2v index) has that order already: its words sorted by their UTF-8
    bytes, which sort as their code points do; sorting a million words takes a second."""
    order = getattr(rows, "order", None)
    if order is not None:
        return order[order < len(words)]  # --limit: the index's later rows are not here
    return np.array(sorted(range(len(words)), key=words.__getitem__), dtype=np.int64)


class SortedWords:
    """The words in sorted order, as a sequence for bisect, without a second list."""

    def __init__(self, words: list, rows: np.ndarray):
        self.words, self.rows = words, rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> str:
        return self.words[self.rows[i]]


# HTTP.


def make_server(
    vectors,
    host: str = "127.0.0.1",
    port: int = 8000,
    limit: int | None = None,
    verbose: bool = False,
    name: str | None = None,
) -> "Server":
    """A server of the page and the API for `vectors`: Vectors, a path (its unit vectors,
    from its index if current: w2vcli.vectors.index.load_unit; its first `limit`), or a
    function that returns Vectors; listening on host:port (port 0: any free port); run it
    with serve_forever. The port is taken before the vectors are read, so that a port in
    use is said at once, not after reading a big file. `name`: the file, as the page says."""
    from ..vectors.index import load_unit

    server = Server(host, port, verbose)
    try:
        if isinstance(vectors, str | os.PathLike):
            vecs, name = load_unit(os.fspath(vectors), limit), os.path.basename(vectors)
        else:
            vecs = vectors() if callable(vectors) else vectors
        server.app = Explorer(vecs, name or "vectors")
    except BaseException:
        server.server_close()
        raise
    return server


def serve_forever(server: "Server") -> None:
    """Answer requests until interrupted (Ctrl-C: KeyboardInterrupt), then close."""
    try:
        server.serve_forever()
    finally:
        server.server_close()


class Server(ThreadingHTTPServer):
    daemon_threads = True  # a request still running does not keep the process alive
    request_queue_size = 64  # a page asks several things at once; the default is 5

    def __init__(self, host: str, port: int, verbose: bool = False):
        self.verbose = verbose
        # What it answers (w2v teach sets its own): the object the routes ask, the API's
        # routes (path -> function(app, parameters) -> dict) and the page's files.
        self.app, self.routes, self.pages = None, ROUTES, PAGES
        if host.startswith("[") and host.endswith("]"):  # [::1], as a URL writes it
            host = host[1:-1]
        try:
            family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        except (socket.gaierror, UnicodeError) as e:
            raise W2VError(f"cannot listen on {shown(host)}: unknown host ({e})") from None
        self.address_family = family  # IPv6 addresses (::1) too
        try:
            super().__init__((host, port), Handler)
        except OSError as e:
            where = f"{host}:{port}"
            if e.errno == errno.EADDRINUSE:
                raise W2VError(f"{where}: port in use; give another with --port") from None
            raise W2VError(f"cannot listen on {where} ({e.strerror or e})") from None
        # Where it listens, as bound (a name resolved, an address in any spelling): only
        # there does a Host header that names another machine mean DNS rebinding.
        self.loopback_only = is_loopback_address(self.server_address[0])

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{f'[{host}]' if ':' in host else host}:{port}/"

    def handle_error(self, request, client_address):
        """A client that went away mid-answer is no error; anything else is one line (the
        traceback with --verbose)."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return
        if self.verbose:
            return super().handle_error(request, client_address)
        print(f"w2v serve: {type(error).__name__}: {error}", file=sys.stderr)


def is_loopback_address(address: str) -> bool:
    """Whether `address` (an IP address, in any spelling) is one of this machine's loopback
    addresses: 127.0.0.0/8, ::1, or 127.x mapped into IPv6 (::ffff:127.0.0.1), which
    ipaddress alone does not count (before Python 3.13)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def authority(text: str) -> tuple | None:
    """(host, port) of a Host header or an Origin's "host[:port]" (host lower-cased, an
    IPv6 address without its brackets; port None if not given), or None if it is not one."""
    match = AUTHORITY.fullmatch(text)
    if match is None:
        return None
    if match[1] is not None and ":" not in match[1]:  # [127.0.0.1]: brackets are for IPv6
        return None
    port = None if match[3] is None else int(match[3])
    if port is not None and port > 65535:
        return None
    return (match[1] or match[2]).lower(), port


def names_loopback(host: str) -> bool:
    """Whether a Host header names this machine by a name no DNS can point elsewhere:
    localhost or a loopback address, in any spelling ([::1], [0:0:0:0:0:0:0:1],
    127.0.0.2, [::ffff:127.0.0.1]), with or without a port."""
    parsed = authority(host)
    return parsed is not None and (parsed[0] == "localhost" or is_loopback_address(parsed[0]))


class Handler(BaseHTTPRequestHandler):
    timeout = 30  # seconds a connection may stay silent before it is closed

    def parse_request(self) -> bool:
        """The request line and headers (http.server), then what this server refuses
        before answering: other hosts, requests from other sites, methods but GET and
        HEAD, long URLs."""
        if not super().parse_request():
            return False
        if self.server.loopback_only and not self.local_host():
            # DNS rebinding: a web page elsewhere, its name pointed at 127.0.0.1, would
            # otherwise read the answers
            self.send_json(
                403, {"error": "Host: only localhost or a loopback address (127.0.0.1, [::1])"}
            )
            return False
        refused = self.from_another_site()
        if refused:  # whatever it asks, with whatever method
            self.send_json(403, {"error": refused})
            return False
        if self.command not in ("GET", "HEAD"):
            self.send_json(405, {"error": f"{self.command}: only GET and HEAD"}, Allow="GET, HEAD")
            return False
        if len(self.path) > MAX_URL:
            self.send_json(414, {"error": f"URL longer than {MAX_URL} bytes"})
            return False
        return True

    def version_string(self) -> str:
        return "w2v"  # not the Python version

    def local_host(self) -> bool:
        """Whether the Host header names this machine (or is absent, as only programs that
        are not browsers leave it; given twice, it is refused)."""
        hosts = self.headers.get_all("Host") or []
        return not hosts or (len(hosts) == 1 and names_loopback(hosts[0].strip()))

    def from_another_site(self) -> str | None:
        """Why the request is one a browser sent for a page of another site (its link, form,
        image or script), or None. Such a request must not reach a route: w2v teach changes
        its lesson on a GET (/api/step, /api/restart), and a page elsewhere would drive it.
        Browsers say where a request comes from (Sec-Fetch-Site), and send an Origin with
        every cross-origin fetch; programs that are not browsers send neither."""
        for site in self.headers.get_all("Sec-Fetch-Site") or []:
            if site.strip().lower() not in OWN_SITE:
                return "Sec-Fetch-Site: only this server's own page may ask (same-origin)"
        for origin in self.headers.get_all("Origin") or []:
            if not self.own_origin(origin.strip()):
                return "Origin: only this server's own page may ask (http://HOST:PORT)"
        return None

    def own_origin(self, origin: str) -> bool:
        """Whether `origin` is this server's own: http://, and the host and port the
        request was sent to (its Host header; without one, a loopback name and the port
        the server listens on). Not "null" (a sandboxed frame, a file:// page)."""
        if origin[:7].lower() != "http://":
            return False
        theirs = authority(origin[7:])
        if theirs is None:
            return False
        name, port = theirs[0], 80 if theirs[1] is None else theirs[1]
        host = self.headers.get("Host", "").strip()
        if not host:
            return names_loopback(name) and port == self.server.server_address[1]
        ours = authority(host)
        return ours is not None and (ours[0], 80 if ours[1] is None else ours[1]) == (name, port)

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path in self.server.pages:
            body, content_type = self.server.pages[url.path]
            return self.send(200, body, content_type, **{"Cache-Control": "no-cache"})
        route = self.server.routes.get(url.path)
        if route is None:
            return self.send_json(404, {"error": f"no such page: {shown(url.path[:100])}"})
        try:
            params = query_parameters(url.query)
            answer = route(self.server.app, params)
        except BadRequest as e:
            return self.send_json(400, {"error": str(e), "parameter": e.parameter})
        except NotInVectors as e:
            return self.send_json(404, {"error": str(e), "unknown": e.words})
        except Exception as e:  # a bug: said on stderr, and answered
            print(f"w2v serve: {self.path[:100]}: {type(e).__name__}: {e}", file=sys.stderr)
            return self.send_json(500, {"error": f"{type(e).__name__}: {e}"})
        return self.send_json(200, answer)

    do_HEAD = do_GET

    def send_json(self, status: int, record: dict, **headers) -> None:
        self.send(status, (json_line(record) + "\n").encode(), JSON_TYPE, **headers)

    def send(self, status: int, body: bytes, content_type: str, **headers) -> None:
        self.send_response(status)
        headers = {
            "Content-Type": content_type,
            "Content-Length": str(len(body)),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": CSP,
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
            **headers,
        }
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_error(self, code, message=None, explain=None):
        """http.server's own errors (a malformed request line, a URL over 64 KiB, too
        many headers) as JSON, as every other answer."""
        self.close_connection = True
        if self.request_version == "HTTP/0.9":  # a request line not understood: the
            self.request_version = "HTTP/1.0"  # status and headers all the same
        self.send_json(code, {"error": message or self.responses.get(code, ("error",))[0]})

    def log_message(self, format, *args):
        if self.server.verbose:
            sys.stderr.write(shown(f"{self.address_string()} - {format % args}") + "\n")


def query_parameters(query: str) -> dict:
    """name -> value of a query string: UTF-8, percent-encoded or not, each name once."""
    try:
        text = query.encode("latin-1").decode("utf-8")  # http.server reads bytes as latin-1
        pairs = parse_qs(
            text,
            keep_blank_values=True,
            strict_parsing=False,
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except UnicodeError:
        raise BadRequest("query", "not UTF-8") from None
    except ValueError:
        raise BadRequest("query", f"more than {MAX_FIELDS} parameters") from None
    for name, values in pairs.items():
        if len(values) > 1:
            raise BadRequest(name, "given more than once")
    return {name: values[0] for name, values in pairs.items()}


def word_parameter(params: dict, name: str, empty: bool = False) -> str:
    value = params.get(name)
    if value is None or (not value and not empty):
        raise BadRequest(name, "missing")
    return value


def k_parameter(params: dict, name: str = "k") -> int:
    value = params.get(name)
    if value is None:
        return DEFAULT_K
    if not K_TEXT.fullmatch(value) or not 1 <= int(value) <= MAX_K:
        raise BadRequest(name, f"a whole number from 1 to {MAX_K}, not {value[:20]!r}")
    return int(value)


ROUTES = {
    "/api/info": lambda explorer, params: explorer.info(),
    "/api/complete": lambda explorer, params: explorer.complete(
        word_parameter(params, "prefix", empty=True), k_parameter(params)
    ),
    "/api/nearest": lambda explorer, params: explorer.nearest(
        word_parameter(params, "word"), k_parameter(params)
    ),
    "/api/analogy": lambda explorer, params: explorer.analogy(
        *(word_parameter(params, name) for name in "abc"), k_parameter(params)
    ),
    "/api/similarity": lambda explorer, params: explorer.similarity(
        word_parameter(params, "a"), word_parameter(params, "b")
    ),
    "/api/map": lambda explorer, params: explorer.map(
        word_parameter(params, "word"), k_parameter(params), params.get("method", "pca")
    ),
}


def static_pages(files: dict) -> dict:
    """A page's files (URL path -> (file in w2vcli/static, content type)), read once:
    URL path -> (bytes, content type)."""
    folder = resources.files(__package__) / "static"
    return {path: ((folder / name).read_bytes(), kind) for path, (name, kind) in files.items()}


PAGES = static_pages(STATIC)
