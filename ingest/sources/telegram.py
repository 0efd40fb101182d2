"""Telegram public channels: the web preview (`t.me/s/<channel>`) and Telegram Desktop exports.

Web preview: the public HTML page of a channel lists its latest ~20 posts; `?before=<id>` pages to
older ones. Each post is a `div.tgme_widget_message` with `data-post="<channel>/<id>"`, its text in
`div.tgme_widget_message_text` and its time in `time[datetime]`. The cursor keeps the highest post id
seen; a run pages back until it reaches it (or `max_pages`). No login, no API key.

Export: Telegram Desktop's "Export chat history" writes `result.json`; messages carry `text` as a
string or as a list of plain strings and entity objects (`{"type": "bold", "text": "..."}`), and the
time as `date_unixtime`. Service messages (joins, pins) are skipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import httpx
import lxml.html

from ingest.errors import FetchError, ParseError, SourceConfigError
from ingest.http import fetch
from ingest.sources.base import Cursor, SourceSpec
from ingest.text import html_to_text, parse_iso_time
from store import Document

WEB = "https://t.me"
_CHANNEL = re.compile(r"^[A-Za-z0-9_]{4,64}$")


def parse_views(value: str | None) -> int | None:
    """Telegram's view counter: "873", "1.2K", "3.4M"."""
    if not value:
        return None
    value = value.strip().upper()
    scale = {"K": 1_000, "M": 1_000_000}.get(value[-1:], 1)
    try:
        return int(float(value.rstrip("KM")) * scale)
    except ValueError:
        return None


def parse_preview(
    html: bytes, channel: str
) -> list[tuple[int, str, datetime | None, str, int | None]]:
    """(id, text, time, url, views) of every post on a preview page, oldest first."""
    try:
        root = lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ParseError(f"t.me/s/{channel}: not an HTML page ({exc})") from exc
    posts = []
    for node in root.xpath('//div[contains(@class, "tgme_widget_message") and @data-post]'):
        data_post = node.get("data-post", "")
        _, _, number = data_post.rpartition("/")
        if not number.isdigit():
            continue
        text_nodes = node.xpath('.//div[contains(@class, "tgme_widget_message_text")]')
        markup = lxml.html.tostring(text_nodes[0], encoding="unicode") if text_nodes else ""
        text = html_to_text(markup)
        times = node.xpath(".//time/@datetime")
        when = parse_iso_time(times[0]) if times else None
        views = node.xpath('.//span[contains(@class, "tgme_widget_message_views")]/text()')
        posts.append(
            (
                int(number),
                text,
                when,
                f"https://t.me/{data_post}",
                parse_views(views[0] if views else None),
            )
        )
    return sorted(posts)


class TelegramSource:
    kind: ClassVar[str] = "telegram"

    def __init__(self, spec: SourceSpec) -> None:
        channel = str(spec.options.get("channel") or spec.query or "").lstrip("@")
        if not _CHANNEL.match(channel):
            raise SourceConfigError(
                f"source {spec.name!r}: kind 'telegram' needs the public channel name "
                '(query = "channelname", as in t.me/s/channelname)'
            )
        self.spec = spec
        self.channel = channel
        self.base = (spec.url or WEB).rstrip("/")
        self.max_pages = int(spec.options.get("max_pages", 5))

    def fetch(self, client: httpx.Client, state: Cursor) -> Iterator[Document]:
        last_seen = int(state.position) if (state.position or "").isdigit() else 0
        url = f"{self.base}/s/{self.channel}"
        newest, before = last_seen, None
        for _ in range(self.max_pages):
            params = {"before": str(before)} if before else None
            response = fetch(client, url, params=params, headers={"Accept": "text/html"})
            if "html" not in response.headers.get("content-type", "text/html"):
                raise FetchError(
                    f"{url}: expected an HTML page, got {response.headers['content-type']}"
                )
            posts = parse_preview(response.content, self.channel)
            if not posts:
                break
            for number, text, when, link, views in posts:
                if number <= last_seen or not text:
                    continue
                newest = max(newest, number)
                yield Document(
                    source=self.spec.name,
                    native_id=f"{self.channel}/{number}",
                    text=text,
                    platform="telegram",
                    url=link,
                    author=self.channel,
                    published_at=when,
                    engagement={"views": views} if views is not None else None,
                )
            oldest = posts[0][0]
            if oldest <= last_seen + 1 or oldest <= 1:
                break
            before = oldest
        state.position = str(newest)


def export_text(value) -> str:
    """A message's text: a string, or a list of strings and entity objects with a `text`."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(
            part if isinstance(part, str) else str(part.get("text", ""))
            for part in value
            if isinstance(part, str | dict)
        )
    return ""


class TelegramExportSource:
    kind: ClassVar[str] = "telegram_export"

    def __init__(self, spec: SourceSpec) -> None:
        if not spec.url:
            raise SourceConfigError(
                f"source {spec.name!r}: kind 'telegram_export' needs url = \"path/to/result.json\""
            )
        self.spec = spec
        self.path = Path(spec.url.removeprefix("file://"))
        self.problems: list[str] = []

    def fetch(self, client: httpx.Client, state: Cursor) -> Iterator[Document]:
        self.problems = []
        try:
            data = json.loads(self.path.read_text(encoding="utf-8-sig"))
        except OSError as exc:
            raise SourceConfigError(f"cannot read {self.path}: {exc.strerror}") from exc
        except json.JSONDecodeError as exc:
            raise ParseError(f"{self.path}: not JSON (line {exc.lineno}: {exc.msg})") from exc
        channel = str(data.get("name") or data.get("id") or self.path.stem)
        handle = str(data.get("id") or channel)
        for i, message in enumerate(data.get("messages") or []):
            if not isinstance(message, dict) or message.get("type") != "message":
                continue
            text = export_text(message.get("text")).strip()
            if not text:
                continue
            stamp = message.get("date_unixtime")
            try:
                when = (
                    datetime.fromtimestamp(int(stamp), tz=UTC)
                    if stamp
                    else parse_iso_time(message.get("date", ""))
                )
            except (TypeError, ValueError):
                self.problems.append(f"message {i}: unreadable date_unixtime {stamp!r}")
                continue
            yield Document(
                source=self.spec.name,
                native_id=f"{handle}/{message.get('id', i)}",
                text=text,
                platform="telegram",
                author=str(message.get("from") or channel),
                published_at=when,
            )
