"""Turn markup from feeds and APIs into plain text.

Feeds and Mastodon deliver HTML; Tillit stores and shows plain text only, so no markup from a stranger
ever reaches the dashboard as markup. Script and style contents are dropped, block tags become breaks.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"}
_DROP = {"script", "style", "noscript", "template", "iframe", "object", "embed"}
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BREAKS = re.compile(r"\n\s*\n+")


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in _DROP:
            self._skip += 1
        elif tag in _BLOCK:
            self.parts.append("\n")
        elif tag == "img" and not self._skip:
            # An image's alt text is its text: an image-only post still says something.
            alt = dict(attrs).get("alt")
            if alt and alt.strip():
                self.parts.append(f" {alt.strip()} ")

    def handle_endtag(self, tag):
        if tag in _DROP:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


_TAG = re.compile(r"<[a-zA-Z!?/]")


def html_to_text(markup: str | None) -> str:
    """Plain text of an HTML fragment (entities decoded, whitespace tidied).

    Double-escaped feeds (`&amp;lt;p&amp;gt;`) decode to markup again, so tags are stripped until
    none is left (at most three rounds): no markup, executable or not, is ever stored.
    """
    if not markup:
        return ""
    text = markup
    for _ in range(3):
        if "<" not in text and "&" not in text:
            break
        text = html.unescape(_strip_tags(text))
        if not _TAG.search(text):
            break
    else:
        text = _TAG.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BREAKS.sub("\n\n", "\n".join(lines)).strip()


def _strip_tags(markup: str) -> str:
    parser = _TextParser()
    try:
        parser.feed(markup)
        parser.close()
        return "".join(parser.parts)
    except AssertionError:  # HTMLParser gives up on some malformed declarations
        return re.sub(r"<[^>]*>", " ", markup)


_TRACKING = re.compile(
    r"^(utm_[a-z]+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|si|ref_src|ref_url|"
    r"_hsenc|_hsmi|yclid|spm|cmpid|ocid)$",
    re.IGNORECASE,
)


def canonical_url(url: str | None) -> str | None:
    """The link without tracking parameters and fragment, scheme and host lower-cased, so the same
    article shared with different campaign tags is one URL. Non-http(s) links become None."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)
    ]
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", urlencode(query), "")
    )


def parse_iso_time(value: str | None) -> datetime | None:
    """An ISO 8601 time from an API (`Z` or an offset); None when missing or unreadable."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
