"""YouTube Data API v3: videos matching a search, and their comment threads. Needs an API key.

`search.list` (type=video, order=date, publishedAfter) finds videos; `videos.list` reads their titles
and descriptions; `commentThreads.list` pages through each video's top-level comments with
`pageToken`. Quota is 10,000 units a day by default and `search.list` alone costs 100, so a run reads
at most `max_videos` videos and `max_comment_pages` pages per video. A 403 `quotaExceeded` ends the
run with that error recorded; comments disabled on a video (403 `commentsDisabled`) skip that video.

Credentials: `api_key` (env var name in the config). Options: `max_videos` (10),
`max_comment_pages` (2), `relevance_language` (e.g. "sv"), `region` (e.g. "SE").
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import ClassVar

import httpx

from ingest.errors import FetchError, SourceConfigError
from ingest.http import fetch
from ingest.sources.base import Cursor, SourceSpec
from ingest.text import html_to_text, parse_iso_time
from store import Document

API = "https://www.googleapis.com/youtube/v3"


class YouTubeSource:
    kind: ClassVar[str] = "youtube"

    def __init__(self, spec: SourceSpec) -> None:
        if not spec.query:
            raise SourceConfigError(f"source {spec.name!r}: kind 'youtube' needs query = \"...\"")
        if not spec.credentials.get("api_key"):
            raise SourceConfigError(
                f"source {spec.name!r}: YouTube needs an API key: set "
                'credentials = { api_key = "YOUTUBE_API_KEY" } and export YOUTUBE_API_KEY'
            )
        self.spec = spec
        self.api = (spec.url or API).rstrip("/")
        self.key = spec.credentials["api_key"]
        self.max_videos = int(spec.options.get("max_videos", 10))
        self.max_comment_pages = int(spec.options.get("max_comment_pages", 2))
        self.problems: list[str] = []

    def _get(self, client: httpx.Client, method: str, params: dict) -> dict:
        response = fetch(
            client,
            f"{self.api}/{method}",
            params={**params, "key": self.key},
            ok_statuses=(200, 403),
        )
        data = json.loads(response.content or b"{}")
        if response.status == 403:
            reasons = [e.get("reason") for e in data.get("error", {}).get("errors", [])]
            raise _Forbidden(method, reasons)
        return data

    def fetch(self, client: httpx.Client, state: Cursor) -> Iterator[Document]:
        self.problems = []
        params = {
            "part": "snippet",
            "q": self.spec.query,
            "type": "video",
            "order": "date",
            "maxResults": str(min(self.max_videos, 50)),
        }
        if state.position:
            params["publishedAfter"] = state.position
        for option, name in (("relevance_language", "relevanceLanguage"), ("region", "regionCode")):
            if self.spec.options.get(option):
                params[name] = str(self.spec.options[option])
        try:
            found = self._get(client, "search", params)
            ids = [
                i["id"]["videoId"] for i in found.get("items", []) if i.get("id", {}).get("videoId")
            ]
            if not ids:
                return
            videos = self._get(client, "videos", {"part": "snippet", "id": ",".join(ids)})
        except _Forbidden as exc:
            raise FetchError(str(exc)) from exc
        newest = state.position
        for video in videos.get("items", []):
            snippet = video.get("snippet", {})
            published = snippet.get("publishedAt")
            if published and (newest is None or published > newest):
                newest = published
            yield Document(
                source=self.spec.name,
                native_id=f"video:{video['id']}",
                title=snippet.get("title"),
                text=snippet.get("description") or snippet.get("title") or "",
                platform="youtube",
                url=f"https://www.youtube.com/watch?v={video['id']}",
                author=snippet.get("channelTitle"),
                lang=(snippet.get("defaultAudioLanguage") or snippet.get("defaultLanguage") or "")[
                    :2
                ]
                or None,
                published_at=parse_iso_time(published),
            )
            try:
                yield from self._comments(client, video["id"])
            except _Forbidden as exc:
                if "quotaExceeded" in exc.reasons or "dailyLimitExceeded" in exc.reasons:
                    state.position = newest
                    raise FetchError(str(exc)) from exc
                self.problems.append(str(exc))  # e.g. comments disabled on this video
        state.position = newest

    def _comments(self, client: httpx.Client, video_id: str) -> Iterator[Document]:
        token = None
        for _ in range(self.max_comment_pages):
            params = {"part": "snippet", "videoId": video_id, "maxResults": "100", "order": "time"}
            if token:
                params["pageToken"] = token
            data = self._get(client, "commentThreads", params)
            for thread in data.get("items", []):
                top = thread.get("snippet", {}).get("topLevelComment", {})
                snippet = top.get("snippet", {})
                text = html_to_text(snippet.get("textDisplay") or snippet.get("textOriginal"))
                if not text:
                    continue
                yield Document(
                    source=self.spec.name,
                    native_id=f"comment:{top.get('id') or thread.get('id')}",
                    text=text,
                    platform="youtube",
                    url=f"https://www.youtube.com/watch?v={video_id}&lc={top.get('id')}",
                    author=snippet.get("authorDisplayName"),
                    published_at=parse_iso_time(snippet.get("publishedAt")),
                )
            token = data.get("nextPageToken")
            if not token:
                break


class _Forbidden(Exception):
    def __init__(self, method: str, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__(
            f"YouTube {method}: HTTP 403 ({', '.join(r for r in reasons if r) or 'forbidden'})"
        )
