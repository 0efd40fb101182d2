"""Mastodon hashtag timelines across a list of servers (public API, no credentials).

`GET /api/v1/timelines/tag/:hashtag?any[]=...&min_id=...&limit=40` per server. The first run takes the
newest page; later runs ask for statuses newer than the saved `min_id` of each server and follow the
`Link: <...>; rel="prev"` header while it yields new statuses (Mastodon pages backwards with max_id
and forwards with min_id). Boosts are unwrapped to the boosted status, so one post boosted by ten
accounts is stored once. Servers that closed public timelines answer 401/422 or an empty array: the
first is recorded as an error for that server, the run goes on with the others.

Options: `servers` (list of base URLs, default [spec.url]), `tags` (list; default [spec.query]),
`max_pages` (per server and run, default 5). The cursor keeps `{server: min_id}` as JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import ClassVar
from urllib.parse import quote

import httpx

from ingest.errors import FetchError, SourceConfigError
from ingest.http import fetch
from ingest.sources.base import Cursor, SourceSpec
from ingest.text import canonical_url, html_to_text, parse_iso_time
from store import Document

_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?([a-z]+)"?')


def links(header: str | None) -> dict[str, str]:
    return {rel: url for url, rel in _LINK.findall(header or "")}


class MastodonSource:
    kind: ClassVar[str] = "mastodon"

    def __init__(self, spec: SourceSpec) -> None:
        servers = spec.options.get("servers") or ([spec.url] if spec.url else [])
        tags = spec.options.get("tags") or ([spec.query] if spec.query else [])
        if not servers or not tags:
            raise SourceConfigError(
                f"source {spec.name!r}: kind 'mastodon' needs servers (options.servers or url) "
                "and tags (options.tags or query)"
            )
        self.spec = spec
        self.servers = [str(s).rstrip("/") for s in servers]
        self.tags = [str(t).lstrip("#") for t in tags]
        self.max_pages = int(spec.options.get("max_pages", 5))
        self.problems: list[str] = []

    def fetch(self, client: httpx.Client, state: Cursor) -> Iterator[Document]:
        positions: dict[str, str] = json.loads(state.position) if state.position else {}
        self.problems = []
        seen: set[str] = set()
        for server in self.servers:
            try:
                docs, newest = self._server(client, server, positions.get(server))
            except FetchError as exc:
                self.problems.append(f"{server}: {exc}")
                continue
            for doc in docs:
                if doc.native_id not in seen:
                    seen.add(doc.native_id)
                    yield doc
            if newest:
                positions[server] = newest
        state.position = json.dumps(positions, sort_keys=True)
        if self.problems and len(self.problems) == len(self.servers):
            raise FetchError("; ".join(self.problems))

    def _server(self, client, server: str, min_id: str | None) -> tuple[list[Document], str | None]:
        first, *more = self.tags
        params: list[tuple[str, str]] | None = [("limit", "40")] + [("any[]", t) for t in more]
        if min_id:
            params.append(("min_id", min_id))
        url = f"{server}/api/v1/timelines/tag/{quote(first)}"
        docs: list[Document] = []
        newest = min_id
        for _ in range(self.max_pages):
            response = fetch(client, url, params=params, headers={"Accept": "application/json"})
            try:
                statuses = json.loads(response.content or b"[]")
            except json.JSONDecodeError as exc:
                raise FetchError(f"{url}: not JSON ({exc.msg})") from exc
            if not isinstance(statuses, list):
                raise FetchError(f"{url}: expected a list of statuses")
            if not statuses:
                break
            for status in statuses:
                doc = self._document(server, status)
                if doc is not None:
                    docs.append(doc)
            ids = [str(s.get("id")) for s in statuses if s.get("id")]
            top = max(ids, key=lambda i: (len(i), i)) if ids else None
            if top and (newest is None or (len(top), top) > (len(newest), newest)):
                newest = top
            if not min_id:
                break  # first run: the newest page is enough; later runs walk forward
            nxt = links(response.headers.get("link")).get("prev")
            if not nxt:
                break
            url, params = nxt, None  # the link carries its own query (httpx would replace it)
        return docs, newest

    def _document(self, server: str, status: dict) -> Document | None:
        original = status.get("reblog") or status
        text = html_to_text(original.get("content"))
        if original.get("spoiler_text"):
            text = f"{html_to_text(original['spoiler_text'])}\n{text}".strip()
        if not text:
            return None
        account = original.get("account") or {}
        uri = original.get("uri") or original.get("url") or f"{server}/{original.get('id')}"
        return Document(
            source=self.spec.name,
            native_id=str(uri),  # the status URI is global, so a post seen on two servers is one
            text=text,
            platform=self.spec.platform or "mastodon",
            url=canonical_url(original.get("url") or original.get("uri")),
            author=account.get("acct"),
            lang=(original.get("language") or "")[:2] or None,
            published_at=parse_iso_time(original.get("created_at")),
            engagement=_counts(
                original, likes="favourites_count", reposts="reblogs_count", replies="replies_count"
            ),
        )


def _counts(item: dict, **fields: str) -> dict[str, int] | None:
    counts = {
        name: int(item[key]) for name, key in fields.items() if isinstance(item.get(key), int)
    }
    return counts or None
