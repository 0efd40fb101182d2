"""Google News RSS search: a lead finder for news about social services in sv/ar/en.

`https://news.google.com/rss/search?q=<query>&hl=<lang>&gl=<country>&ceid=<country>:<lang>` returns
an RSS feed of headlines. Items carry the headline ("Title - Outlet"), the outlet in `<source>`, and a
news.google.com redirect link. Tillit stores headline, outlet and link; resolving the redirect to the
publisher's URL is left for later (article enrichment does it lazily, only for posts worth reading),
because each resolution is one more request to Google per item.

Options: `lang` (default "sv"), `country` (default "SE"). `url` overrides the base address (tests).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import httpx

from ingest.errors import SourceConfigError
from ingest.http import fetch
from ingest.sources.base import Cursor, SourceSpec
from ingest.sources.rss import parse_feed
from store import Document

BASE = "https://news.google.com/rss/search"


class GoogleNewsSource:
    kind: ClassVar[str] = "google_news"

    def __init__(self, spec: SourceSpec) -> None:
        if not spec.query:
            raise SourceConfigError(
                f"source {spec.name!r}: kind 'google_news' needs query = \"socialtjänsten\""
            )
        self.spec = spec
        self.lang = str(spec.options.get("lang", "sv"))
        self.country = str(spec.options.get("country", "SE")).upper()

    def fetch(self, client: httpx.Client, state: Cursor) -> Iterator[Document]:
        params = {
            "q": self.spec.query,
            "hl": self.lang,
            "gl": self.country,
            "ceid": f"{self.country}:{self.lang}",
        }
        response = fetch(client, self.spec.url or BASE, params=params)
        headers = dict(response.headers)
        headers.setdefault("content-location", response.url)
        parsed, docs = parse_feed(response.content, headers, self.spec.name, "news")
        outlets = [(entry.get("source") or {}).get("title") for entry in parsed.entries]
        by_native = {}
        for entry, outlet in zip(parsed.entries, outlets, strict=True):
            by_native[str(entry.get("id") or entry.get("link"))] = outlet
        for doc in docs:
            outlet = by_native.get(doc.native_id)
            title = doc.title or ""
            if outlet and title.endswith(f" - {outlet}"):
                title = title[: -len(outlet) - 3]
            yield Document(
                source=doc.source,
                native_id=doc.native_id,
                # The search feed's description repeats the headline; the headline is the text.
                text=title or doc.text,
                title=title or None,
                url=doc.url,
                author=outlet,  # the outlet, stored like any author (hashed)
                platform="news",
                lang=self.lang[:2],
                published_at=doc.published_at,
            )
