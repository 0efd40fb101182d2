"""RSS/Atom: conditional GET, dedup across runs, plain text only, and the feedparser test corpus."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from ingest import SourceSpec, run_source
from store import PostFilter, queries

from .conftest import Reply, fixture_bytes

SHARED = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "feedparser"


def rss_reply(seen, etag='"v1"', modified="Mon, 23 Nov 2026 08:12:00 GMT") -> Reply:
    if seen.headers.get("if-none-match") == etag:
        return Reply(304)
    return Reply(
        body=fixture_bytes("svt_inrikes.rss"),
        headers={
            "Content-Type": "application/rss+xml; charset=utf-8",
            "ETag": etag,
            "Last-Modified": modified,
        },
    )


def test_feed_items_are_stored_as_plain_text_with_canonical_links(server, store, client):
    url = server.route("/inrikes.rss", rss_reply)
    report = run_source(store, SourceSpec("nyheter", "rss", url=url), client)
    assert report.ok and report.new == 3  # the item without title and text is skipped
    posts = queries.posts(store, PostFilter(), 10).set_index("title")
    first = posts.loc["Ny socialtjänstlag: så ska familjer få stöd tidigare"]
    assert "<" not in first["text"] and "socialtjänstlagen" in first["text"]
    assert first["url"].endswith("ny-socialtjanstlag-sa-ska-familjer-fa-stod-tidigare")
    assert (
        "alert"
        not in posts.loc["Desinformation om socialtjänsten sprids på nytt efter video"]["text"]
    )


def test_second_run_sends_validators_gets_304_and_adds_nothing(server, store, client):
    url = server.route("/inrikes.rss", rss_reply)
    spec = SourceSpec("nyheter", "rss", url=url)
    run_source(store, spec, client)
    second = run_source(store, spec, client)
    assert second.ok and (second.fetched, second.new) == (0, 0)
    last = server.seen("/inrikes.rss")[-1].headers
    assert last["if-none-match"] == '"v1"'
    assert last["if-modified-since"] == "Mon, 23 Nov 2026 08:12:00 GMT"
    assert queries.count_documents(store) == 3


def test_a_changed_feed_adds_only_new_items(server, store, client):
    url = server.route("/inrikes.rss", rss_reply)
    spec = SourceSpec("nyheter", "rss", url=url)
    run_source(store, spec, client)
    server.routes["/inrikes.rss"] = lambda seen: rss_reply(seen, etag='"v2"')  # same items
    again = run_source(store, spec, client)
    assert again.fetched == 3 and again.new == 0


def test_atom_feed_entries_are_stored(server, store, client):
    url = server.route(
        "/nyheter.atom",
        Reply(
            body=fixture_bytes("kommun_nyheter.atom"),
            headers={"Content-Type": "application/atom+xml"},
        ),
    )
    report = run_source(store, SourceSpec("stad", "rss", url=url), client)
    assert report.ok and report.new == 2
    titles = set(queries.posts(store, PostFilter(), 10)["title"])
    assert titles == {"Socialtjänsten bjuder in till öppet möte", "Fakta om LVU på sex språk"}


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply(500, b"oops"), "HTTP 500"),
        (Reply(404, b"missing"), "HTTP 404"),
        (
            Reply(
                body=b"<html><body>Not a feed</body></html>", headers={"Content-Type": "text/html"}
            ),
            None,
        ),
        (Reply(body=b""), None),
    ],
)
def test_a_broken_feed_is_a_recorded_error_or_empty_never_a_crash(
    server, store, client, reply, error
):
    url = server.route("/broken", reply)
    report = run_source(store, SourceSpec("broken", "rss", url=url), client)
    assert report.new == 0
    if error:
        assert not report.ok and error in report.error
        health = {s["name"]: s for s in queries.source_health(store)}["broken"]
        assert error in health["last_error"]


def _visible(markup: str | None) -> bool:
    """Does the value say anything once markup (also escaped markup) is removed?"""
    text = markup or ""
    for _ in range(3):
        text = html.unescape(re.sub(r"<[^>]*>", " ", text))
    return bool(re.sub(r"<[a-zA-Z!?/][^>]*>?", " ", text).strip())


def _corpus_files() -> list[Path]:
    if not SHARED.exists():
        return []
    return sorted(
        p
        for p in SHARED.rglob("*")
        if p.is_file() and p.suffix in (".xml", ".rdf", ".rss", ".atom")
    )


def _declared_headers(raw: bytes) -> dict[str, str]:
    """The `Header:` lines in a corpus file's leading comment (how the file is meant to be served)."""
    head = raw[:4000].decode("latin-1")
    headers = {}
    for match in re.finditer(r"^Header:\s*([^:\r\n]+):\s*(.*?)\s*$", head, re.MULTILINE):
        headers[match.group(1).strip()] = match.group(2).strip()
    return headers


@pytest.mark.skipif(
    not SHARED.exists(), reason="../shared/fixtures/feedparser is not beside the project"
)
def test_feedparser_corpus_never_crashes_and_stores_every_entry_with_content(server, store, client):
    import feedparser

    files = _corpus_files()
    assert len(files) > 400
    stored = expected = entries = 0
    for i, path in enumerate(files):
        raw = path.read_bytes()
        headers = {"Content-Type": "application/xml"} | _declared_headers(raw)
        headers.pop("Content-Length", None)
        route = f"/corpus/{i}"
        url = server.route(route, Reply(body=raw, headers=headers))
        report = run_source(store, SourceSpec(f"corpus-{i}", "rss", url=url), client)
        parsed = feedparser.parse(raw, response_headers={k.lower(): v for k, v in headers.items()})
        with_content = [
            e
            for e in parsed.entries
            if _visible(e.get("title"))
            or _visible(e.get("summary"))
            or any(_visible(c.get("value")) for c in e.get("content") or [])
        ]
        expected += len(with_content)
        entries += len(parsed.entries)
        stored += report.fetched
        known = ("HTTP", "not a readable RSS/Atom feed", "malformed feed")
        assert report.error is None or any(k in report.error for k in known), (
            path.name,
            report.error,
        )
    print(
        f"feedparser corpus: {len(files)} files, {expected} entries with content, {stored} stored"
    )
    # Every entry with visible text is stored; image alt texts count as text too, so a few more.
    assert expected <= stored <= entries
    assert queries.count_documents(store) > 0
