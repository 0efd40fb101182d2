"""Ingest throughput on loopback: 500 RSS feeds x 20 items, a first pass and a second (304) pass.

Targets (ingest issue): first pass <= 30 s, second pass <= 5 s, no duplicate documents, on 2 cores.
Prints the median of --runs runs (each on a fresh store). Usage: python bench/ingest_bench.py
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ingest import HttpSettings, SourceSpec, build_client, run_sources
from store import Store, queries


def feed(n: int, items: int) -> bytes:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    body = "".join(
        f"<item><title>Nyhet {n}-{i} om socialtjänsten</title><guid>f{n}-i{i}</guid>"
        f"<link>https://news.example.org/{n}/{i}</link>"
        f"<pubDate>{format_datetime(start + timedelta(hours=i))}</pubDate>"
        f"<description>Text {i} i flöde {n}: kommunen, familjehem och stöd.</description></item>"
        for i in range(items)
    )
    head = f'<?xml version="1.0"?><rss version="2.0"><channel><title>F{n}</title>'
    return f"{head}{body}</channel></rss>".encode()


def serve(feeds: int, items: int) -> ThreadingHTTPServer:
    bodies = {f"/feed/{n}.rss": feed(n, items) for n in range(feeds)}
    etags = {path: '"' + hashlib.sha1(body).hexdigest()[:16] + '"' for path, body in bodies.items()}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            body = bodies.get(self.path)
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self.headers.get("If-None-Match") == etags[self.path]:
                self.send_response(304)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("ETag", etags[self.path])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def one_run(base: str, feeds: int, folder: Path) -> tuple[float, float, int, int]:
    store = Store(folder / "ingest.duckdb")
    queries.init(store)
    specs = [SourceSpec(f"feed-{n}", "rss", url=f"{base}/feed/{n}.rss") for n in range(feeds)]
    timings = []
    with build_client(HttpSettings(allow_private=True, timeout=10)) as client:
        for _ in range(2):
            start = time.perf_counter()
            new = sum(r.new for r in run_sources(store, specs, client))
            timings.append((time.perf_counter() - start, new))
    with store.read() as con:
        total, distinct = con.execute(
            "SELECT count(*), count(DISTINCT id) FROM documents"
        ).fetchone()
    assert total == distinct, "duplicate documents"
    return timings[0][0], timings[1][0], timings[0][1], timings[1][1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    server = serve(args.feeds, args.items)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    firsts, seconds = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            first, second, new1, new2 = one_run(base, args.feeds, Path(tmp))
        firsts.append(first)
        seconds.append(second)
        assert new1 == args.feeds * args.items and new2 == 0, (new1, new2)
    server.shutdown()
    print(f"ingest {args.feeds} feeds x {args.items} items on loopback ({args.runs} runs):")
    print(
        f"  first pass   median {statistics.median(firsts):6.2f} s  ({args.feeds * args.items} new documents)"
    )
    print(f"  second pass  median {statistics.median(seconds):6.2f} s  (304 Not Modified, 0 new)")


if __name__ == "__main__":
    main()
