"""RSS and Atom feeds via feedparser, with the HTTP (conditional GET, caps, retries) done in httpx."""

from __future__ import annotations

import calendar
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import ClassVar

import feedparser
import httpx

from ingest.errors import ParseError, SourceConfigError
from ingest.http import fetch
from ingest.sources.base import Cursor, SourceSpec
from ingest.text import canonical_url, html_to_text
from store import Document


def struct_to_datetime(value) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC).replace(tzinfo=None)
    except (OverflowError, ValueError, TypeError):
        return None


def entry_text(entry) -> str:
    contents = entry.get("content") or []
    for content in contents:
        text = html_to_text(content.get("value"))
        if text:
            return text
    return html_to_text(entry.get("summary") or entry.get("description") or "")


def parse_feed(content: bytes, headers: dict[str, str], source: str, platform: str):
    """feedparser result plus the entries turned into Documents (entries without title and text skipped)."""
    parsed = feedparser.parse(content, response_headers=headers)
    docs = []
    for entry in parsed.entries:
        title = html_to_text(entry.get("title")) or None
        text = entry_text(entry)
        if not title and not text:
            continue
        link = entry.get("link") or None
        native = entry.get("id") or link or hashlib.sha1(f"{title}\n{text}".encode()).hexdigest()
        published = struct_to_datetime(entry.get("published_parsed") or entry.get("updated_parsed"))
        author = entry.get("author") or None
        docs.append(
            Document(
                source=source,
                native_id=str(native),
                text=text or title or "",
                title=title,
                url=canonical_url(link),
                author=author,
                platform=platform,
                published_at=published,
                lang=(entry.get("language") or parsed.feed.get("language") or "")[:2].lower()
                or None,
            )
        )
    return parsed, docs


class RssSource:
    kind: ClassVar[str] = "rss"

    def __init__(self, spec: SourceSpec) -> None:
        if not spec.url:
            raise SourceConfigError(f"source {spec.name!r}: kind 'rss' needs url = \"https://...\"")
        self.spec = spec
        self.problems: list[str] = []

    def fetch(self, client: httpx.Client, state: Cursor) -> Iterator[Document]:
        headers = {
            "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"
        }
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        response = fetch(client, self.spec.url, headers=headers, ok_statuses=(200, 304))
        if response.status == 304:
            return
        if not response.content.strip():
            raise ParseError(f"{self.spec.url}: empty response body (HTTP {response.status})")
        feed_headers = dict(response.headers)
        feed_headers.setdefault("content-location", response.url)
        parsed, docs = parse_feed(
            response.content, feed_headers, self.spec.name, self.spec.platform or "news"
        )
        if parsed.bozo and not parsed.entries:
            reason = type(parsed.get("bozo_exception")).__name__
            raise ParseError(f"{self.spec.url}: not a readable RSS/Atom feed ({reason})")
        if parsed.bozo:
            # feedparser read entries despite the error (wrong encoding, stray markup): keep them,
            # and say so in the source's health.
            self.problems = [f"malformed feed ({parsed.get('bozo_exception')}); entries kept"]
        yield from docs
        state.etag = response.headers.get("etag") or state.etag
        state.last_modified = response.headers.get("last-modified") or state.last_modified
