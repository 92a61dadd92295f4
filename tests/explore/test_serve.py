"""`w2v serve`: the JSON API against the query commands' own answers; its refusals (missing
or malformed parameters, unknown words, long URLs, paths outside its table, other methods,
other hosts in any spelling, requests from other sites) as JSON errors, and no CORS
headers; loopback in any spelling; Chinese words; parallel requests; completion on a million
words; the command's one-line errors and Ctrl-C; and the page itself in a real browser
(Debian's Chromium, driven by Playwright)."""

import http.client
import json
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, unquote, urlencode

import numpy as np
import pytest
from click.testing import CliRunner

from tests.browser import expect, page_files, serving
from w2vcli.cli import cli
from w2vcli.cli.console import load_unit
from w2vcli.explore.serve import MAX_URL, Explorer, make_server
from w2vcli.vectors.vectors import Vectors


def running(vectors, **options):
    """A server of `vectors` on a free port of 127.0.0.1, answering from a thread."""
    return serving(make_server(vectors, port=0, **options))


@pytest.fixture(scope="module")
def en_server(en_vectors):
    with running(en_vectors) as server:
        yield server


@pytest.fixture(scope="module")
def zh_server(zh_vectors):
    with running(zh_vectors) as server:
        yield server


def request(server, path: str, method: str = "GET", headers=None):
    """(status, headers, body) of one request, its path sent exactly as given."""
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def get(server, endpoint: str, **params):
    """(status, JSON answer) of /api/ENDPOINT?params, checking what every answer has."""
    status, headers, body = request(server, f"/api/{endpoint}?{urlencode(params)}")
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["X-Content-Type-Options"] == "nosniff"
    return status, json.loads(body)


def cli_json(*args) -> list:
    result = CliRunner().invoke(cli, [*map(str, args), "--json"])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def file_words(path) -> list:
    return [line.split(" ", 1)[0] for line in path.read_text().splitlines()[1:]]


# The API's answers are the query commands'.


def test_info(en_server, en_vectors):
    status, info = get(en_server, "info")
    n_words, dim = map(int, en_vectors.read_text().split("\n", 1)[0].split())
    expected = {"file": "vectors.txt", "words": n_words, "dim": dim, "methods": ["pca", "tsne"]}
    assert status == 200 and info == expected
    with running(en_vectors, limit=100) as first_100:
        assert get(first_100, "info")[1]["words"] == 100
        top = get(first_100, "complete", prefix="", k=100)[1]["words"]
        assert top == file_words(en_vectors)[:100]


@pytest.mark.parametrize("word", ["city", "war"])
def test_nearest_is_w2v_nearest(en_server, en_vectors, word):
    status, answer = get(en_server, "nearest", word=word, k=7)
    expected = cli_json("nearest", "-v", en_vectors, word, "-k", 7)
    assert status == 200 and answer["word"] == word
    assert answer["neighbours"] == [
        {"word": row["neighbour"], "score": row["similarity"]} for row in expected
    ]
    assert get(en_server, "nearest", word=word)[1]["neighbours"][:7] == answer["neighbours"]


def test_k_defaults_to_10(en_server):
    assert len(get(en_server, "nearest", word="city")[1]["neighbours"]) == 10
    assert len(get(en_server, "nearest", word="city", k=100)[1]["neighbours"]) == 100


def test_analogy_is_w2v_analogy(en_server, en_vectors):
    status, answer = get(en_server, "analogy", a="man", b="king", c="woman", k=5)
    expected = cli_json("analogy", "-v", en_vectors, "man", "king", "woman", "-k", 5)
    assert status == 200 and (answer["a"], answer["b"], answer["c"]) == ("man", "king", "woman")
    assert answer["answers"] == [{"word": r["answer"], "score": r["similarity"]} for r in expected]
    assert not {"man", "king", "woman"} & {a["word"] for a in answer["answers"]}


def test_similarity_is_w2v_similarity(en_server, en_vectors):
    status, answer = get(en_server, "similarity", a="city", b="war")
    [expected] = cli_json("similarity", "-v", en_vectors, "city", "war")
    assert status == 200 and answer == {"a": "city", "b": "war", "score": expected["similarity"]}
    assert get(en_server, "similarity", a="city", b="city")[1]["score"] == pytest.approx(1)


def test_map_is_the_pca_of_the_word_and_its_neighbours(en_server, en_vectors):
    status, answer = get(en_server, "map", word="city", k=8)
    near = get(en_server, "nearest", word="city", k=8)[1]["neighbours"]
    points = answer["points"]
    assert status == 200 and answer["word"] == "city" and len(points) == 9
    assert set(points[0]) == {"word", "x", "y", "score"}
    assert points[0]["word"] == "city" and points[0]["score"] == 1
    assert [{"word": p["word"], "score": p["score"]} for p in points[1:]] == near
    assert answer["axes"][0].startswith("PC1 (") and answer["axes"][1].startswith("PC2 (")
    # against numpy's SVD of the centred unit vectors, up to the sign of each axis
    vecs = load_unit(str(en_vectors))
    unit = vecs.index.unit[[vecs.row(p["word"]) for p in points]].astype(np.float64)
    centred = unit - unit.mean(axis=0)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    got = np.array([[p["x"], p["y"]] for p in points])
    np.testing.assert_allclose(np.abs(got), np.abs(u[:, :2] * s[:2]), atol=1e-5)


def test_map_by_tsne_where_scikit_learn_is(en_server, en_vectors):
    from w2vcli.explore.plot import tsne

    assert get(en_server, "info")[1]["methods"] == ["pca", "tsne"]  # the test extra has it
    status, answer = get(en_server, "map", word="city", k=8, method="tsne")
    by_pca = get(en_server, "map", word="city", k=8)[1]
    assert status == 200 and answer["method"] == "tsne" and by_pca["method"] == "pca"
    assert [p["word"] for p in answer["points"]] == [p["word"] for p in by_pca["points"]]
    got = np.array([[p["x"], p["y"]] for p in answer["points"]])
    vecs = load_unit(str(en_vectors))
    unit = vecs.index.unit[[vecs.row(p["word"]) for p in answer["points"]]]
    np.testing.assert_allclose(got, tsne(unit, seed=1).points, rtol=1e-5, atol=1e-5)
    assert get(en_server, "map", word="city", k=8, method="umap")[0] == 400
    status, error = get(en_server, "map", word="city", k=1, method="tsne")
    assert status == 400 and error["parameter"] == "k"


def test_complete_gives_the_most_frequent_words_of_a_prefix(en_server, en_vectors):
    words = file_words(en_vectors)
    for prefix, k in [("ci", 10), ("th", 3), ("w", 100), ("", 5), ("zzzzq", 10)]:
        status, answer = get(en_server, "complete", prefix=prefix, k=k)
        assert status == 200 and answer["prefix"] == prefix
        assert answer["words"] == [w for w in words if w.startswith(prefix)][:k]


TRICKY = ["ab", "a", "北京", "abc", "b", "Ab", "ab\U0010ffff", "北", "ab\U0010ffffz", "ä", "北京市"]


def test_complete_finds_every_prefix_as_a_scan_would():
    vecs = Vectors(TRICKY, 2 * np.eye(len(TRICKY), dtype=np.float32))
    explorer = Explorer(vecs)
    assert (vecs.matrix == 2 * np.eye(len(TRICKY))).all()  # Vectors given: not changed
    prefixes = {w[:i] for w in TRICKY for i in range(len(w) + 1)} | {"c", "\U0010ffff", "北京市区"}
    for prefix in prefixes:
        for k in (1, 2, 100):
            scan = [w for w in TRICKY if w.startswith(prefix)][:k]
            assert explorer.complete(prefix, k)["words"] == scan, (prefix, k)


def test_complete_uses_the_order_of_an_index(en_vectors, tmp_path):
    """w2v index has the words sorted already: the same completions, --limit too."""
    copy = tmp_path / "v.txt"
    shutil.copy(en_vectors, copy)
    assert CliRunner().invoke(cli, ["index", str(copy)]).exit_code == 0
    for limit in (None, 500):
        indexed = Explorer(load_unit(str(copy), limit))
        words = file_words(en_vectors)[:limit]
        read = Explorer(Vectors(words, np.ones((len(words), 1), dtype=np.float32)))
        assert type(indexed.vecs.rows).__name__ == "SortedRows"
        for prefix in ["", "a", "ci", "the", "x", "q"]:
            assert indexed.complete(prefix, 20) == read.complete(prefix, 20)


def test_complete_on_a_million_words_is_a_search_not_a_scan():
    words = [f"w{i}" for i in range(1_000_000)]
    explorer = Explorer(Vectors(words, np.ones((len(words), 1), dtype=np.float32)))
    prefixes = [f"w{i}" for i in range(1, 1000, 5)]  # 200, from 111,111 matches to 1
    start = time.perf_counter()
    answers = [explorer.complete(prefix, 10)["words"] for prefix in prefixes]
    per_query = (time.perf_counter() - start) / len(prefixes)
    assert per_query < 0.005  # a scan of the million words takes about 50 ms
    assert answers[0] == ["w1", *(f"w1{i}" for i in range(9))]
    assert answers[-1] == ["w996", *(f"w996{i}" for i in range(9))]


# Refusals: JSON errors that name the parameter, the word, or what is wrong.


@pytest.mark.parametrize(
    "path, status, parameter",
    [
        ("/api/nearest", 400, "word"),
        ("/api/nearest?word=", 400, "word"),
        ("/api/nearest?word=city&k=0", 400, "k"),
        ("/api/nearest?word=city&k=101", 400, "k"),
        ("/api/nearest?word=city&k=abc", 400, "k"),
        ("/api/nearest?word=city&k=-1", 400, "k"),
        ("/api/nearest?word=city&k=1e2", 400, "k"),
        ("/api/nearest?word=city&k=", 400, "k"),
        ("/api/map?word=city&k=1000000000000000000000", 400, "k"),
        ("/api/nearest?word=city&word=war", 400, "word"),
        ("/api/nearest?word=%FF%FE", 400, "query"),
        ("/api/nearest?" + "&".join(f"p{i}=1" for i in range(11)), 400, "query"),
        ("/api/analogy?a=man&b=king", 400, "c"),
        ("/api/similarity?a=city", 400, "b"),
        ("/api/complete", 400, "prefix"),
        ("/api/complete?prefix=a&k=0", 400, "k"),
        ("/api/map?k=5", 400, "word"),
    ],
)
def test_malformed_parameters_are_400(en_server, path, status, parameter):
    got, headers, body = request(en_server, path)
    answer = json.loads(body)
    assert got == status and answer["parameter"] == parameter, answer
    assert answer["error"].startswith(f"{parameter}: ")
    assert headers["Content-Type"] == "application/json; charset=utf-8"


def test_unknown_words_are_404_and_named(en_server):
    status, answer = get(en_server, "nearest", word="xyzzyq")
    assert status == 404 and answer == {
        "error": "not in the vectors: xyzzyq",
        "unknown": ["xyzzyq"],
    }
    status, answer = get(en_server, "analogy", a="man", b="qqqx", c="zzzy")
    assert status == 404 and answer["unknown"] == ["qqqx", "zzzy"]
    for endpoint, params in [("similarity", {"a": "city", "b": "Cıty"}), ("map", {"word": "ci"})]:
        assert get(en_server, endpoint, **params)[0] == 404
    # words are data: matched as given, never split, stripped or interpreted
    for word in [" city", "city ", "city war", "city\x00", "$(id)", "../city", "<b>city</b>"]:
        status, answer = get(en_server, "nearest", word=word)
        assert status == 404 and answer["unknown"] == [word]


@pytest.mark.parametrize("length", [MAX_URL + 1, 70_000])
def test_long_urls_are_414(en_server, length):
    path = "/api/nearest?word=" + "a" * (length - len("/api/nearest?word="))
    status, headers, body = request(en_server, path)
    assert status == 414 and "error" in json.loads(body)
    assert headers["Content-Type"] == "application/json; charset=utf-8"


@pytest.mark.parametrize(
    "path",
    [
        "/../../etc/passwd",
        "/static/../cli.py",
        "/static/../../w2vcli/cli.py",
        "/static/%2e%2e/serve.py",
        "/static/app.js/../../serve.py",
        "/static/..%2fserve.py",
        "//etc/passwd",
        "/etc/passwd",
        "/static/",
        "/static/index.html",
        "/serve.py",
        "/w2vcli/static/app.js",
        "/api",
        "/api/",
        "/api/nearest/",
        "/favicon.ico",
        "/%00",
        "/static/app.js%00.html",
    ],
)
def test_no_path_outside_the_table_is_served(en_server, path):
    status, headers, body = request(en_server, path)
    assert status == 404 and headers["Content-Type"] == "application/json; charset=utf-8"
    assert set(json.loads(body)) == {"error"} and b"import" not in body and b"root:" not in body


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "FOO"])
def test_only_get_and_head(en_server, method):
    status, headers, body = request(en_server, "/api/info", method)
    assert status == 405 and headers["Allow"] == "GET, HEAD"
    assert json.loads(body) == {"error": f"{method}: only GET and HEAD"}


def test_a_malformed_request_line_is_a_json_400(en_server):
    with socket.create_connection(en_server.server_address[:2], timeout=10) as s:
        s.sendall(b"GET /api/info HTTP/1.1 extra\r\n\r\n")
        reply = s.makefile("rb").read()
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 400") and b"application/json" in head
    assert "error" in json.loads(body)


def test_another_host_is_refused(en_server):
    """DNS rebinding: a page of another site whose name points at 127.0.0.1 gets nothing."""
    for host in ["evil.example", "evil.example:8000", "127.0.0.1.evil.example"]:
        status, _, body = request(en_server, "/api/info", headers={"Host": host})
        assert status == 403 and "error" in json.loads(body)
    port = en_server.server_address[1]
    for host in [f"127.0.0.1:{port}", f"localhost:{port}", "localhost", f"[::1]:{port}"]:
        assert request(en_server, "/api/info", headers={"Host": host})[0] == 200


@pytest.mark.parametrize(
    "host",
    [
        "[::ffff:127.0.0.1]:{port}",  # IPv4-mapped IPv6
        "[::ffff:7f00:1]",  # the same, as browsers write it, without the port
        "[0:0:0:0:0:0:0:1]:{port}",
        "127.0.0.2:{port}",  # all of 127.0.0.0/8 is this machine
        "LOCALHOST:{port}",
    ],
)
def test_loopback_in_any_spelling_is_a_local_host(en_server, host):
    host = host.format(port=en_server.server_address[1])
    assert request(en_server, "/api/info", headers={"Host": host})[0] == 200


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1.nip.io",  # a name, whatever address it has now
        "127.0.0.1.nip.io:{port}",
        "localhost.evil.example:{port}",
        "[::ffff:8.8.8.8]:{port}",
        "[127.0.0.1]:{port}",  # brackets are for IPv6
        "127.0.0.1:99999",
        "127.0.0.1:{port}:1",
        "2130706433",  # 127.0.0.1 as one number: a name to the resolver
        "[::1",
        "::1",  # unbracketed
        "evil.example:{port}",
    ],
)
def test_other_hosts_in_any_spelling_are_refused(en_server, host):
    host = host.format(port=en_server.server_address[1])
    status, headers, body = request(en_server, "/api/info", headers={"Host": host})
    assert status == 403 and json.loads(body)["error"].startswith("Host: ")
    assert headers["Content-Type"] == "application/json; charset=utf-8"


def test_a_second_host_header_is_refused(en_server):
    port = en_server.server_address[1]
    with socket.create_connection(en_server.server_address[:2], timeout=10) as s:
        s.sendall(f"GET /api/info HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n".encode())
        s.sendall(b"Host: evil.example\r\n\r\n")
        reply = s.makefile("rb").read()
    assert reply.startswith(b"HTTP/1.0 403")


@pytest.mark.parametrize(
    "bind, spelling",
    [
        ("::ffff:127.0.0.1", "[::ffff:7f00:1]"),
        ("127.0.0.2", "127.0.0.2"),
        ("0:0:0:0:0:0:0:1", "[0:0:0:0:0:0:0:1]"),
        ("[::1]", "[::1]"),  # as a URL writes it
    ],
)
def test_listening_on_loopback_in_any_spelling_checks_the_host(bind, spelling):
    """DNS rebinding is refused wherever on loopback the server listens: what it listens
    on is told from the address it bound, not from how --host spelled it."""
    vecs = Vectors(["a", "b", "c"], np.eye(3, dtype=np.float32))
    with running(vecs, host=bind) as server:
        assert server.loopback_only
        port = server.server_address[1]
        for evil in ["evil.example", f"evil.example:{port}", "127.0.0.1.nip.io"]:
            assert request(server, "/api/info", headers={"Host": evil})[0] == 403
        assert request(server, "/api/info", headers={"Host": f"{spelling}:{port}"})[0] == 200
        assert request(server, "/", headers={"Host": spelling})[0] == 200


def cross_site_headers(port: int) -> list:
    """Headers of requests a browser sends for a page of another site."""
    return [
        {"Origin": "http://evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},  # another port of localhost is another origin
        {"Origin": f"http://localhost:{port + 1 if port < 65535 else port - 1}"},
        {"Origin": f"http://127.0.0.1:{port + 1 if port < 65535 else port - 1}"},
        {"Origin": "null"},  # a sandboxed frame, a file:// page
        {"Origin": f"https://127.0.0.1:{port}"},
        {"Origin": f"http://127.0.0.1:{port}.evil.example"},
        {"Sec-Fetch-Site": "same-origin", "Origin": "http://evil.example"},
        {"Sec-Fetch-Site": "SAME-SITE"},
    ]


def own_page_headers(port: int) -> list:
    """Headers of requests the server's own page sends (or programs that are not browsers)."""
    return [
        {},
        {"Sec-Fetch-Site": "none"},  # the address typed, a bookmark: the page itself
        {"Sec-Fetch-Site": "same-origin"},  # the page's fetches and files
        {"Sec-Fetch-Site": "same-origin", "Origin": f"http://127.0.0.1:{port}"},
        {"Sec-Fetch-Site": "same-origin", "Origin": f"http://localhost:{port}",
         "Host": f"localhost:{port}"},
        {"Origin": f"http://[::1]:{port}", "Host": f"[::1]:{port}"},
    ]  # fmt: skip


@pytest.mark.parametrize("path", ["/api/info", "/api/nearest?word=city", "/", "/static/app.js"])
def test_requests_from_another_site_are_refused(en_server, path):
    """A page of another site can make a browser ask this server (a link, an image, a
    script, a fetch): the browser says so (Sec-Fetch-Site, Origin), and it gets a 403."""
    port = en_server.server_address[1]
    for headers in cross_site_headers(port):
        status, answer_headers, body = request(en_server, path, headers=headers)
        assert status == 403, headers
        assert json.loads(body)["error"].startswith(("Origin: ", "Sec-Fetch-Site: "))
        assert answer_headers["Content-Type"] == "application/json; charset=utf-8"
    for headers in own_page_headers(port):
        assert request(en_server, path, headers=headers)[0] == 200, headers


def test_no_answer_is_readable_by_another_site(en_server):
    """No CORS headers, on any answer: a page elsewhere cannot read one, even where the
    browser sends the request."""
    port = en_server.server_address[1]
    asked = [
        ("GET", "/api/info", {"Origin": f"http://127.0.0.1:{port}"}),
        ("GET", "/api/info", {"Origin": "http://evil.example"}),
        ("GET", "/api/nearest?word=xyzzyq", {}),
        ("OPTIONS", "/api/info", {"Origin": "http://evil.example",
                                  "Access-Control-Request-Method": "GET"}),
        ("GET", "/", {"Sec-Fetch-Site": "none"}),
    ]  # fmt: skip
    for method, path, headers in asked:
        _, answer_headers, _ = request(en_server, path, method, headers)
        assert not [h for h in answer_headers if h.lower().startswith("access-control-")]


def test_the_page_its_files_and_their_headers(en_server):
    kinds = page_files(request(en_server, "/")[2].decode(), "app")
    for path, kind in kinds.items():
        status, headers, body = request(en_server, f"{path}?v=1")
        assert status == 200 and headers["Content-Type"] == kind and len(body) > 500
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Content-Security-Policy"].startswith("default-src 'self';")
        assert "unsafe" not in headers["Content-Security-Policy"]
        assert headers["Server"] == "w2v"
        head_status, head_headers, head_body = request(en_server, path, "HEAD")
        assert head_status == 200 and head_body == b""
        assert head_headers["Content-Length"] == str(len(body))
    css = request(en_server, "/static/common.css")[2].decode()
    assert '"Noto Sans CJK SC", "Noto Sans SC"' in css and '"Microsoft YaHei"' in css


def test_chinese_words_round_trip(zh_server, zh_vectors):
    status, answer = get(zh_server, "nearest", word="北京", k=5)
    expected = cli_json("nearest", "-v", zh_vectors, "北京", "-k", 5)
    assert status == 200 and answer["word"] == "北京"
    assert [n["word"] for n in answer["neighbours"]] == [r["neighbour"] for r in expected]
    body = request(zh_server, f"/api/nearest?word={quote('北京')}&k=1")[2]
    assert "北京".encode() in body  # UTF-8 JSON, not \\u escapes
    words = get(zh_server, "complete", prefix="北")[1]["words"]
    assert "北京" in words and all(w.startswith("北") for w in words)
    assert get(zh_server, "map", word="北京", k=3)[1]["points"][0]["word"] == "北京"
    # UTF-8 sent as it is, not percent-encoded, is read as UTF-8 too
    with socket.create_connection(zh_server.server_address[:2], timeout=10) as s:
        s.sendall("GET /api/similarity?a=北京&b=上海 HTTP/1.0\r\n\r\n".encode())
        reply = s.makefile("rb").read()
    assert reply.startswith(b"HTTP/1.0 200")
    assert json.loads(reply.partition(b"\r\n\r\n")[2])["a"] == "北京"


def test_fifty_parallel_requests(en_server):
    paths = [
        "/api/nearest?word=city&k=5",
        "/api/analogy?a=man&b=king&c=woman&k=3",
        "/api/similarity?a=city&b=war",
        "/api/map?word=war&k=10",
        "/api/complete?prefix=th",
    ]
    expected = {path: request(en_server, path)[2] for path in paths}
    asked = [paths[i % len(paths)] for i in range(50)]
    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(lambda path: request(en_server, path), asked))
    assert [status for status, _, _ in answers] == [200] * 50
    assert [body for _, _, body in answers] == [expected[path] for path in asked]


def test_binds_127_0_0_1_by_default(en_vectors):
    with running(en_vectors) as server:
        assert server.server_address[0] == "127.0.0.1" and server.loopback_only
        assert server.url == f"http://127.0.0.1:{server.server_address[1]}/"
    help_text = CliRunner().invoke(cli, ["serve", "--help"]).stdout
    assert re.search(r"--host TEXT .*\[default: 127\.0\.0\.1\]", " ".join(help_text.split()))


def test_requests_are_not_logged_unless_verbose(en_vectors, capfd):
    with running(en_vectors) as quiet:
        request(quiet, "/api/info")
        request(quiet, "/nothing")
    assert capfd.readouterr().err == ""
    with running(en_vectors, verbose=True) as verbose:
        request(verbose, "/api/info")
    assert '"GET /api/info HTTP/1.1" 200' in capfd.readouterr().err


def test_clients_that_go_away_leave_no_traceback(en_server, capfd):
    for _ in range(20):  # closed at once, with a reset: the answer has nowhere to go
        s = socket.create_connection(en_server.server_address[:2])
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.sendall(b"GET /api/map?word=city&k=100 HTTP/1.0\r\n\r\n")
        s.close()
    for error in (BrokenPipeError, ConnectionResetError):
        try:
            raise error
        except error:
            en_server.handle_error(None, ("127.0.0.1", 1))
    assert request(en_server, "/api/info")[0] == 200
    time.sleep(0.2)
    assert capfd.readouterr().err == ""


# The command.


def serve(*args):
    result = CliRunner().invoke(cli, ["serve", *map(str, args)])
    assert not result.exception or isinstance(result.exception, SystemExit), result.exception
    return result


def test_a_missing_file_is_a_one_line_error(tmp_path):
    result = serve("-v", tmp_path / "missing.txt", "--port", 0)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == f"Error: {tmp_path / 'missing.txt'}: no such file; train one with " \
        f"'w2v train CORPUS -o {tmp_path / 'missing.txt'}'\n"  # fmt: skip


def test_a_port_in_use_is_a_one_line_error(en_vectors):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = serve("-v", en_vectors, "--port", port)
    assert result.exit_code == 1
    assert result.stderr == f"Error: 127.0.0.1:{port}: port in use; give another with --port\n"


@pytest.mark.parametrize("host", ["192.0.2.1", "300.1.1.1"])
def test_a_host_that_is_not_here_is_a_one_line_error(en_vectors, host):
    result = serve("-v", en_vectors, "--host", host, "--port", 0)
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"Error: cannot listen on {host}")


def test_the_command_serves_until_ctrl_c_and_stops_at_once(en_vectors):
    process = subprocess.Popen(
        [sys.executable, "-m", "w2vcli", "serve", "-v", str(en_vectors), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stderr.readline()
        assert line == f"loading {en_vectors}...\n"  # what it is doing, then where it serves
        line = process.stderr.readline() if line.startswith("loading ") else line
        url = re.fullmatch(
            rf"serving {re.escape(str(en_vectors))} \(([\d,]+) words\) at "
            r"(http://127\.0\.0\.1:\d+/) \(Ctrl-C to stop\)\n",
            line,
        )
        assert url, line
        with urllib.request.urlopen(url[2] + "api/info", timeout=30) as response:
            info = json.load(response)
        assert f"{info['words']:,}" == url[1]
        idle = socket.create_connection(("127.0.0.1", int(url[2].split(":")[-1][:-1])))
        t0 = time.monotonic()
        process.send_signal(signal.SIGINT)  # with a connection open, as a browser leaves one
        stdout, stderr = process.communicate(timeout=30)
        stopped = time.monotonic() - t0
        idle.close()
    finally:
        process.kill()
    assert process.returncode == 130 and stdout == "" and stderr == "w2v: stopped\n"
    assert stopped < 2  # about 0.05 s; the interpreter's teardown took 0.3 to 1.8 s


# The page in a browser (the fixtures `browser` and `page`: conftest.py).


@pytest.fixture
def console_ignored():
    """An unknown word's answer, a 404, is logged by the browser: not an error of the page.
    (The `page` fixture, conftest.py, fails a test on any other.)"""
    return lambda text: "404" in text


def current_hash_word(page) -> str:
    return unquote(page.evaluate("location.hash")).removeprefix("#word=")


def test_search_completes_picks_and_shows_neighbours_and_map(page, en_server):
    check = expect()
    page.goto(en_server.url)
    check(page.get_by_test_id("info")).to_contain_text("vectors.txt")
    search = page.get_by_test_id("search")
    search.press_sequentially("ci")
    completions = page.get_by_test_id("search-completions").get_by_test_id("completion")
    expected = get(en_server, "complete", prefix="ci")[1]["words"]
    check(completions).to_have_text(expected)
    search.press("ArrowDown")
    search.press("ArrowDown")
    search.press("Enter")  # the second completion
    word = expected[1]
    check(page.get_by_test_id("current-word")).to_have_text(word)
    assert current_hash_word(page) == word
    near = get(en_server, "nearest", word=word, k=15)[1]["neighbours"]
    neighbours = page.get_by_test_id("neighbour-word")
    check(neighbours).to_have_text([n["word"] for n in near])
    check(page.get_by_test_id("neighbour-score")).to_have_text([f"{n['score']:.3f}" for n in near])
    # the map: a point and a label per word, the word itself apart
    check(page.get_by_test_id("map-point")).to_have_count(16)
    labels = page.get_by_test_id("map-label").all_text_contents()
    assert sorted(labels) == sorted([word, *(n["word"] for n in near)])
    check(page.get_by_test_id("map-current").get_by_test_id("map-label")).to_have_text(word)
    assert page.get_by_test_id("map").bounding_box()["width"] > 300
    # a neighbour clicked: the page goes there, and back comes back
    neighbours.nth(2).click()
    check(page.get_by_test_id("current-word")).to_have_text(near[2]["word"])
    assert current_hash_word(page) == near[2]["word"]
    page.go_back()
    check(page.get_by_test_id("current-word")).to_have_text(word)
    # a neighbour on the map clicked
    target = page.get_by_test_id("map-neighbour").first
    target_word = target.get_by_test_id("map-label").text_content()
    target.get_by_test_id("map-point").click()
    check(page.get_by_test_id("current-word")).to_have_text(target_word)
    # the map by t-SNE: the same words, other places
    before = page.get_by_test_id("map-point").first.get_attribute("cx")
    page.get_by_test_id("map-method").select_option("tsne")
    check(page.get_by_test_id("map-axes")).to_have_text("t-SNE")
    check(page.get_by_test_id("map-point")).to_have_count(16)
    labels = page.get_by_test_id("map-label").all_text_contents()
    near = get(en_server, "nearest", word=target_word, k=15)[1]["neighbours"]
    assert sorted(labels) == sorted([target_word, *(n["word"] for n in near)])
    assert page.get_by_test_id("map-point").first.get_attribute("cx") != before


def test_a_shared_link_opens_its_word_and_unknown_words_are_said(page, en_server):
    check = expect()
    page.goto(en_server.url + "#word=war")
    check(page.get_by_test_id("current-word")).to_have_text("war")
    check(page.get_by_test_id("neighbour")).to_have_count(15)
    search = page.get_by_test_id("search")
    search.fill("xyzzyq")
    search.press("Enter")
    check(page.get_by_test_id("status")).to_have_text("not in the vectors: xyzzyq")


def test_analogy_and_similarity_forms(page, en_server):
    check = expect()
    page.goto(en_server.url)
    for name, word in zip("abc", ["man", "king", "woman"]):
        page.get_by_test_id(f"analogy-{name}").fill(word)
    page.get_by_test_id("analogy-go").click()
    answers = get(en_server, "analogy", a="man", b="king", c="woman")[1]["answers"]
    check(page.get_by_test_id("analogy-answer-word")).to_have_text([a["word"] for a in answers])
    page.get_by_test_id("analogy-answer-word").first.click()  # an answer is a link too
    check(page.get_by_test_id("current-word")).to_have_text(answers[0]["word"])
    page.get_by_test_id("similarity-a").fill("city")
    page.get_by_test_id("similarity-b").fill("war")
    page.get_by_test_id("similarity-go").click()
    score = get(en_server, "similarity", a="city", b="war")[1]["score"]
    check(page.get_by_test_id("similarity-result")).to_have_text(f"{score:.3f}")
    page.get_by_test_id("analogy-c").fill("qqqxz")
    page.get_by_test_id("analogy-go").click()
    check(page.get_by_test_id("analogy-status")).to_have_text("not in the vectors: qqqxz")


def test_chinese_in_the_browser(page, zh_server):
    check = expect()
    page.goto(zh_server.url)
    search = page.get_by_test_id("search")
    search.press_sequentially("北")
    completions = page.get_by_test_id("search-completions").get_by_test_id("completion")
    check(completions).to_have_text(get(zh_server, "complete", prefix="北")[1]["words"])
    search.press_sequentially("京")
    check(completions.first).to_have_text(re.compile("^北京"))
    completions.get_by_text("北京", exact=True).click()
    check(page.get_by_test_id("current-word")).to_have_text("北京")
    assert current_hash_word(page) == "北京"
    near = get(zh_server, "nearest", word="北京", k=15)[1]["neighbours"]
    check(page.get_by_test_id("neighbour-word")).to_have_text([n["word"] for n in near])
    check(page.get_by_test_id("map-label")).to_have_count(16)
    assert "北京" in page.get_by_test_id("map-label").all_text_contents()
    page.get_by_test_id("neighbour-word").first.click()
    check(page.get_by_test_id("current-word")).to_have_text(near[0]["word"])
    assert current_hash_word(page) == near[0]["word"]
