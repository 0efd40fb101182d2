"""Article enrichment: fetch a linked page and extract its text and metadata with trafilatura.

Feeds and search results often carry a headline and a line; the claim may sit in the article body.
The page is fetched with Tillit's own client (timeouts, size cap, the outbound guard against private
addresses, redirects checked) — never with `trafilatura.fetch_url` — and robots.txt is honoured:
a site that disallows our User-Agent for a path is not fetched. Extraction is `trafilatura.extract`
with metadata, which drops navigation, ads and comments and returns plain text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import httpx
import trafilatura

from ingest.errors import FetchError, ParseError
from ingest.http import fetch
from ingest.text import canonical_url

MIN_WORDS = 20


@dataclass(frozen=True)
class Article:
    url: str
    title: str | None
    text: str
    author: str | None
    date: str | None
    lang: str | None
    sitename: str | None


def robots_allows(client: httpx.Client, url: str) -> bool:
    """robots.txt of the URL's site allows our User-Agent (a missing or broken file allows)."""
    parts = urlsplit(url)
    rules = _robots(client, f"{parts.scheme}://{parts.netloc}")
    agent = client.headers.get("user-agent", "*")
    return rules is None or rules.can_fetch(agent, url)


def _robots(client: httpx.Client, origin: str) -> RobotFileParser | None:
    cache = client.__dict__.setdefault("_tillit_robots", {})
    if origin not in cache:
        try:
            response = fetch(client, f"{origin}/robots.txt", ok_statuses=(200,))
            parser = RobotFileParser()
            parser.parse(response.text.splitlines())
            cache[origin] = parser
        except FetchError:
            cache[origin] = None  # no robots.txt (404) or unreachable: no restriction known
    return cache[origin]


def fetch_article(client: httpx.Client, url: str) -> Article:
    if not robots_allows(client, url):
        raise FetchError(f"{url}: robots.txt disallows fetching this page")
    response = fetch(client, url, headers={"Accept": "text/html,application/xhtml+xml"})
    if "html" not in response.headers.get("content-type", "text/html"):
        raise ParseError(f"{url}: not an HTML page ({response.headers.get('content-type')})")
    extracted = trafilatura.extract(
        response.text,
        url=response.url,
        output_format="json",
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
    )
    data = json.loads(extracted) if extracted else {}
    if len((data.get("text") or "").split()) < MIN_WORDS:
        # A menu or a cookie banner is not an article; keep the headline instead.
        raise ParseError(f"{url}: no article text found on the page")
    return Article(
        url=canonical_url(response.url) or url,
        title=data.get("title") or None,
        text=(data.get("text") or "").strip(),
        author=data.get("author") or None,
        date=data.get("date") or None,
        lang=(data.get("language") or "")[:2] or None,
        sitename=data.get("sitename") or None,
    )
