"""Reddit search through the OAuth API. Needs an app's client id and secret.

An application-only token (`POST /api/v1/access_token`, grant_type=client_credentials, basic auth
with the app's id and secret) is sent as a bearer token to `oauth.reddit.com`; `/search` (or
`/r/<sub>/search` with `restrict_sr`) returns a listing sorted by new, paged with `after` up to
`max_pages`. The cursor keeps the newest `created_utc` seen, so a run stops at posts it already has.
Reddit requires a descriptive User-Agent; Tillit's is sent on every request.

Credentials: `client_id`, `client_secret` (env var names). Options: `subreddit`, `max_pages` (3).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import ClassVar

import httpx

from ingest.errors import FetchError, SourceConfigError
from ingest.http import fetch
from ingest.sources.base import Cursor, SourceSpec
from ingest.text import canonical_url
from store import Document

AUTH = "https://www.reddit.com"
API = "https://oauth.reddit.com"


class RedditSource:
    kind: ClassVar[str] = "reddit"

    def __init__(self, spec: SourceSpec) -> None:
        if not spec.query:
            raise SourceConfigError(f"source {spec.name!r}: kind 'reddit' needs query = \"...\"")
        missing = [k for k in ("client_id", "client_secret") if not spec.credentials.get(k)]
        if missing:
            raise SourceConfigError(
                f"source {spec.name!r}: Reddit needs credentials {', '.join(missing)}: set "
                'credentials = { client_id = "REDDIT_CLIENT_ID", client_secret = '
                '"REDDIT_CLIENT_SECRET" } and export those variables'
            )
        self.spec = spec
        base = spec.url.rstrip("/") if spec.url else None
        self.auth_base = base or AUTH
        self.api = base or API
        self.subreddit = spec.options.get("subreddit")
        self.max_pages = int(spec.options.get("max_pages", 3))

    def _token(self, client: httpx.Client) -> str:
        response = fetch(
            client,
            f"{self.auth_base}/api/v1/access_token",
            method="POST",
            data={"grant_type": "client_credentials"},
            auth=(self.spec.credentials["client_id"], self.spec.credentials["client_secret"]),
        )
        token = json.loads(response.content).get("access_token")
        if not token:
            raise FetchError("Reddit returned no access token: check the app's id and secret")
        return token

    def fetch(self, client: httpx.Client, state: Cursor) -> Iterator[Document]:
        headers = {"Authorization": f"bearer {self._token(client)}"}
        seen_until = float(state.position) if state.position else 0.0
        newest = seen_until
        path = f"/r/{self.subreddit}/search" if self.subreddit else "/search"
        after = None
        for _ in range(self.max_pages):
            params = {"q": self.spec.query, "sort": "new", "limit": "100", "raw_json": "1"}
            if self.subreddit:
                params["restrict_sr"] = "1"
            if after:
                params["after"] = after
            data = json.loads(
                fetch(client, self.api + path, params=params, headers=headers).content
            )
            listing = data.get("data", {})
            stop = False
            for child in listing.get("children", []):
                post = child.get("data", {})
                created = float(post.get("created_utc") or 0)
                if created <= seen_until:
                    stop = True
                    continue
                newest = max(newest, created)
                text = (post.get("selftext") or "").strip()
                title = (post.get("title") or "").strip() or None
                if not text and not title:
                    continue
                yield Document(
                    source=self.spec.name,
                    native_id=post.get("name") or post.get("id"),
                    text=text or title or "",
                    title=title,
                    platform="reddit",
                    url=canonical_url(f"https://www.reddit.com{post.get('permalink', '')}"),
                    author=post.get("author"),
                    published_at=datetime.fromtimestamp(created, tz=UTC) if created else None,
                    engagement={
                        name: int(post[key])
                        for name, key in (("score", "score"), ("replies", "num_comments"))
                        if isinstance(post.get(key), int)
                    }
                    or None,
                )
            after = listing.get("after")
            if stop or not after:
                break
        state.position = str(newest) if newest else state.position
