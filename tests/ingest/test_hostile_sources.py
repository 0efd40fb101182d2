"""One `tillit ingest` pass over hostile sources beside good ones: every bad source ends as its own
recorded error within the time budget, every good source's items are stored, no markup is stored,
and the user sees a summary, not a traceback."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import time
from pathlib import Path

from store import Store

from .conftest import Reply, fixture_bytes

TILLIT = str(Path(sys.executable).with_name("tillit"))
RSS_TYPE = "application/rss+xml"
RSS = {"Content-Type": RSS_TYPE}
LATIN1_AS_UTF8 = (
    "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><item>"
    "<title>Socialtjänsten åäö</title><guid>e1</guid></item></channel></rss>"
).encode("latin-1")
INJECTION = (
    b"<rss version='2.0'><channel><item><title>&lt;script&gt;alert(1)&lt;/script&gt;Soc</title>"
    b"<guid>s1</guid><link>javascript:alert(1)</link>"
    b"<description>&lt;img src=x onerror=alert(1)&gt;soc tar barn</description></item></channel></rss>"
)


def hostile_routes(server) -> dict[str, str]:
    good = fixture_bytes("svt_inrikes.rss")
    routes = {
        "good-rss": Reply(body=good, headers=RSS),
        "good-atom": Reply(
            body=fixture_bytes("kommun_nyheter.atom"),
            headers={"Content-Type": "application/atom+xml"},
        ),
        "malformed-xml": Reply(body=b"<rss><channel><item><title>Halv", headers=RSS),
        "wrong-encoding": Reply(
            body=LATIN1_AS_UTF8, headers={"Content-Type": f"{RSS_TYPE}; charset=utf-8"}
        ),
        "html-page": Reply(
            body=b"<html><body><h1>Welcome</h1></body></html>",
            headers={"Content-Type": "text/html"},
        ),
        "empty-body": Reply(body=b"", headers=RSS),
        "http-500": Reply(500, b"Internal Server Error"),
        "http-404": Reply(404, b"Not Found"),
        "stall": Reply(body=good, headers=RSS, delay=600),
        "redirect-loop": Reply(302, b"", {"Location": "/redirect-loop"}),
        "huge-body": Reply(body=b"<rss>" + b" " * 12_000_000, headers=RSS),
        "gzip-bomb": Reply(
            body=gzip.compress(b"<rss>" + b"\0" * 200_000_000),
            headers={**RSS, "Content-Encoding": "gzip"},
        ),
        "script-injection": Reply(body=INJECTION, headers=RSS),
    }
    return {name: server.route(f"/{name}", reply) for name, reply in routes.items()}


def test_hostile_sources_fail_alone_and_fast(server, tmp_path, model_dir, config_writer):
    urls = hostile_routes(server)
    sources = "".join(
        f'\n[[sources]]\nname = "{name}"\nkind = "rss"\nurl = "{url}"\n'
        for name, url in urls.items()
    )
    cfg = config_writer(
        tmp_path,
        model_dir,
        "[ingest]\nallow_private = true\ntimeout = 5\nmax_bytes = 10000000\n" + sources,
    )
    subprocess.run([TILLIT, "init", "--config", str(cfg)], check=True, capture_output=True)
    start = time.monotonic()
    result = subprocess.run(
        [TILLIT, "ingest", "--config", str(cfg)], capture_output=True, text=True, timeout=300
    )
    elapsed = time.monotonic() - start
    assert elapsed < 90, elapsed
    assert "Traceback" not in result.stderr + result.stdout
    stats = json.loads(
        subprocess.run(
            [TILLIT, "stats", "--json", "--config", str(cfg)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    health = {s["name"]: s for s in stats["sources"]}
    hostile = [n for n in urls if not n.startswith("good-") and n != "script-injection"]
    for name in hostile:
        assert health[name]["last_error"], name
    assert health["good-rss"]["documents"] == 3 and health["good-atom"]["documents"] == 2
    assert not health["good-rss"]["last_error"]
    store = Store(tmp_path / "tillit.duckdb")
    with store.read() as con:
        texts = " ".join(
            r[0]
            for r in con.execute(
                "SELECT coalesce(title,'') || ' ' || text FROM documents"
            ).fetchall()
        )
        urls_stored = [
            r[0] for r in con.execute("SELECT url FROM documents WHERE url IS NOT NULL").fetchall()
        ]
    assert "<script" not in texts and "onerror" not in texts
    assert all(u.startswith(("http://", "https://")) for u in urls_stored)
    errors = sum(bool(s["last_error"]) for s in stats["sources"])
    print(f"{len(urls)} sources in {elapsed:.1f} s: {errors} errors recorded")
