"""Bluesky post search (AT Protocol), behind credentials.

`com.atproto.server.createSession` with the account's handle and an app password returns an access
token; `app.bsky.feed.searchPosts?q=...&limit=100&cursor=...` on the account's PDS (default
https://bsky.social) returns posts newest first with a `cursor` for the next page. A run reads pages
until it meets a post older than the newest one seen last time (kept in the cursor) or `max_pages`.

Credentials (config `credentials`, values are env var names): `identifier` (handle or e-mail) and
`password` (an app password, not the account password). Without them the source refuses to run with
a message saying which variables to set: it is disabled until a credential is configured.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import ClassVar

import httpx

from ingest.errors import FetchError, SourceConfigError
from ingest.http import fetch
from ingest.sources.base import Cursor, SourceSpec
from ingest.text import parse_iso_time
from store import Document

PDS = "https://bsky.social"


class BlueskySource:
    kind: ClassVar[str] = "bluesky"

    def __init__(self, spec: SourceSpec) -> None:
        if not spec.query:
            raise SourceConfigError(f"source {spec.name!r}: kind 'bluesky' needs query = \"...\"")
        missing = [k for k in ("identifier", "password") if not spec.credentials.get(k)]
        if missing:
            raise SourceConfigError(
                f"source {spec.name!r}: Bluesky needs credentials {', '.join(missing)}: set "
                'credentials = { identifier = "BSKY_HANDLE", password = "BSKY_APP_PASSWORD" } '
                "and export those environment variables (an app password, not your login)"
            )
        self.spec = spec
        self.pds = (spec.url or PDS).rstrip("/")
        self.max_pages = int(spec.options.get("max_pages", 5))
        self.lang = spec.options.get("lang")

    def _token(self, client: httpx.Client) -> str:
        response = fetch(
            client,
            f"{self.pds}/xrpc/com.atproto.server.createSession",
            method="POST",
            json={
                "identifier": self.spec.credentials["identifier"],
                "password": self.spec.credentials["password"],
            },
            ok_statuses=(200,),
        )
        token = json.loads(response.content).get("accessJwt")
        if not token:
            raise FetchError("Bluesky createSession returned no access token")
        return token

    def fetch(self, client: httpx.Client, state: Cursor) -> Iterator[Document]:
        try:
            token = self._token(client)
        except FetchError as exc:
            if "HTTP 401" in str(exc):
                raise FetchError(
                    "Bluesky refused the login (HTTP 401): check the app password"
                ) from exc
            raise
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        seen_until = parse_iso_time(state.position)
        newest = seen_until
        cursor = None
        for _ in range(self.max_pages):
            params = {"q": self.spec.query, "limit": "100", "sort": "latest"}
            if self.lang:
                params["lang"] = str(self.lang)
            if cursor:
                params["cursor"] = cursor
            response = fetch(
                client, f"{self.pds}/xrpc/app.bsky.feed.searchPosts", params=params, headers=headers
            )
            data = json.loads(response.content)
            stop = False
            for post in data.get("posts") or []:
                record = post.get("record") or {}
                when = parse_iso_time(record.get("createdAt") or post.get("indexedAt"))
                if seen_until and when and when <= seen_until:
                    stop = True
                    continue
                text = (record.get("text") or "").strip()
                if not text:
                    continue
                if when and (newest is None or when > newest):
                    newest = when
                author = post.get("author") or {}
                uri = post.get("uri", "")
                rkey = uri.rsplit("/", 1)[-1]
                handle = author.get("handle") or author.get("did")
                yield Document(
                    source=self.spec.name,
                    native_id=uri,
                    text=text,
                    platform="bluesky",
                    url=f"https://bsky.app/profile/{handle}/post/{rkey}" if handle else None,
                    author=handle,
                    lang=((record.get("langs") or [None])[0] or "")[:2] or None,
                    published_at=when,
                    engagement={
                        name: int(post[key])
                        for name, key in (
                            ("likes", "likeCount"),
                            ("reposts", "repostCount"),
                            ("replies", "replyCount"),
                        )
                        if isinstance(post.get(key), int)
                    }
                    or None,
                )
            cursor = data.get("cursor")
            if stop or not cursor:
                break
        if newest:
            state.position = newest.isoformat()
