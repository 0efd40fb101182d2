"""Source kinds, registered in one tuple. Add a kind by writing a class and listing it here."""

from __future__ import annotations

from ingest.errors import SourceConfigError
from ingest.sources.base import Cursor, Source, SourceSpec
from ingest.sources.bluesky import BlueskySource
from ingest.sources.file import FileSource
from ingest.sources.google_news import GoogleNewsSource
from ingest.sources.mastodon import MastodonSource
from ingest.sources.reddit import RedditSource
from ingest.sources.rss import RssSource
from ingest.sources.telegram import TelegramExportSource, TelegramSource
from ingest.sources.youtube import YouTubeSource

SOURCES: tuple[type, ...] = (
    RssSource,
    FileSource,
    MastodonSource,
    GoogleNewsSource,
    TelegramSource,
    TelegramExportSource,
    BlueskySource,
    YouTubeSource,
    RedditSource,
)


def kinds() -> tuple[str, ...]:
    return tuple(cls.kind for cls in SOURCES)


def build_source(spec: SourceSpec) -> Source:
    for cls in SOURCES:
        if cls.kind == spec.kind:
            return cls(spec)
    raise SourceConfigError(
        f"source {spec.name!r}: kind {spec.kind!r} is not available in this version "
        f"(available: {', '.join(kinds())})"
    )


__all__ = ["SOURCES", "Cursor", "Source", "SourceSpec", "build_source", "kinds"]
