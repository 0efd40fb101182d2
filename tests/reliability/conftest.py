"""Loopback feeds for the reliability tests: many RSS feeds with many items each."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
# Real-looking item texts: the demo corpus (spreading, debunking and neutral posts in six languages).
TEXTS = [
    json.loads(line)["text"]
    for path in sorted(DEMO.glob("*.jsonl"))
    for line in path.read_text(encoding="utf-8").splitlines()
    if line.strip()
]


def feed_xml(feed: int, items: int, offset: int = 0) -> bytes:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    entries = []
    for i in range(offset, offset + items):
        text = escape(TEXTS[(i * 7 + feed * 31) % len(TEXTS)])
        when = format_datetime(start + timedelta(minutes=i * 13 + feed))
        entries.append(
            f"<item><title>Feed {feed} item {i}</title><guid>feed{feed}-item{i}</guid>"
            f"<link>https://news.example.org/{feed}/{i}</link><pubDate>{when}</pubDate>"
            f"<description>{text} (#{feed}-{i})</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Feed {feed}</title><link>https://news.example.org/{feed}</link>"
        + "".join(entries)
        + "</channel></rss>"
    ).encode()


class Feeds:
    """Serves /feed/<n>.rss; `grow()` adds items so later passes find new documents."""

    def __init__(self, feeds: int, items: int) -> None:
        self.feeds, self.items, self.extra = feeds, items, 0
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                try:
                    n = int(self.path.split("/")[-1].split(".")[0])
                except ValueError:
                    n = -1
                if not 0 <= n < outer.feeds:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                with outer.lock:
                    body = feed_xml(n, outer.items + outer.extra)
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def grow(self, by: int) -> None:
        with self.lock:
            self.extra += by

    def sources_toml(self, every: str = "1m") -> str:
        return "[ingest]\nallow_private = true\ntimeout = 10\n" + "".join(
            f'\n[[sources]]\nname = "feed-{n}"\nkind = "rss"\nurl = "{self.base}/feed/{n}.rss"\n'
            f'every = "{every}"\n'
            for n in range(self.feeds)
        )

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def feeds():
    served = Feeds(feeds=6, items=300)
    yield served
    served.close()
