"""How fast `w2v serve` answers, beside gensim answering the same question in-process.

    python benchmarks/serve_latency.py VECTORS [VECTORS...] [--queries 200]

For each vectors file: the server started in this process on a free port (its start
timed, from nothing to the first answer), then `--queries` GET /api/nearest?word=W&k=10
for the most frequent words, one after another over one HTTP connection per request (as
a page's fetch); the same answers asked of the server's Explorer in-process; and
gensim's KeyedVectors.most_similar(W, topn=10) for the same words in-process (no HTTP:
the floor a server could reach with gensim's search). Medians and 90th percentiles in
milliseconds.
"""

import argparse
import json
import statistics
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

from compare import machine  # benchmarks/compare.py
from phrases import cpu  # benchmarks/phrases.py

from w2vcli.explore.serve import make_server


def timed(calls) -> list:
    out = []
    for call in calls:
        t0 = time.perf_counter()
        call()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def summary(ms: list) -> str:
    ms = sorted(ms)
    return f"{statistics.median(ms):.2f} ({ms[int(0.9 * (len(ms) - 1))]:.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("vectors", nargs="+", type=Path)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    from gensim.models import KeyedVectors

    print(f"- machine: {cpu()}; {machine()}")
    print(f"- command: `python benchmarks/serve_latency.py {' '.join(map(str, args.vectors))}`")
    print()
    print(
        "| vectors | words | server start s | w2v serve over HTTP, ms: median (p90) "
        "| the same answer in-process | gensim most_similar in-process |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for path in args.vectors:
        print(row(path, args.queries, KeyedVectors), flush=True)


def row(path: Path, queries: int, KeyedVectors) -> str:
    t0 = time.perf_counter()
    server = make_server(str(path), port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    info = json.load(urllib.request.urlopen(f"{base}/api/info"))
    start = time.perf_counter() - t0
    words = json.load(urllib.request.urlopen(f"{base}/api/complete?prefix=&k=100"))["words"]
    words = (words * (queries // len(words) + 1))[:queries]
    urls = [f"{base}/api/nearest?word={quote(w)}&k=10" for w in words]
    served = timed((lambda u=u: urllib.request.urlopen(u).read()) for u in urls)
    explorer = server.app
    answered = timed((lambda w=w: explorer.nearest(w, 10)) for w in words)
    server.shutdown()
    kv = KeyedVectors.load_word2vec_format(str(path), binary=path.suffix != ".txt")
    kv.fill_norms()
    local = timed((lambda w=w: kv.most_similar(w, topn=10)) for w in words)
    return (
        f"| {path.name} | {info['words']:,} | {start:.2f} | {summary(served)} "
        f"| {summary(answered)} | {summary(local)} |"
    )


if __name__ == "__main__":
    main()
