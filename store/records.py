"""Carriers that cross the store boundary.

`Document` is the one normalised shape every ingest source yields and the demo loader builds. It carries
the raw author handle only in memory: `Store.add_documents` replaces it with a salted hash before
anything touches disk, so no code path can persist a handle by accident.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime

_WS = re.compile(r"\s+")


def utcnow() -> datetime:
    """Naive UTC timestamp; the store keeps every time as naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_naive_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def normalise_text(text: str) -> str:
    """Casefolded, NFKC-normalised, whitespace-collapsed text used for content hashing."""
    return _WS.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def content_hash(text: str) -> str:
    """Hash of the normalised text: reposts of the same words share it (and its embedding)."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def document_id(source: str, native_id: str) -> str:
    """Stable id from the source name and the item's own id (GUID, URL, post id)."""
    return hashlib.sha1(f"{source}\x1f{native_id}".encode()).hexdigest()[:24]


def hash_author(handle: str | None, salt: bytes) -> str | None:
    """Keyed hash of an author handle; the same author maps to the same value within one salt."""
    if not handle:
        return None
    key = normalise_text(handle).lstrip("@")
    return hmac.new(salt, key.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Document:
    """One post or article, normalised. `native_id` is the item's id at its source."""

    source: str
    native_id: str
    text: str
    platform: str = "web"
    url: str | None = None
    author: str | None = None
    title: str | None = None
    lang: str | None = None
    published_at: datetime | None = None
    fetched_at: datetime = field(default_factory=utcnow)
    # Counts the platform reports at fetch time, e.g. {"likes": 9, "reposts": 4, "replies": 1}.
    engagement: dict[str, int] | None = None

    @property
    def id(self) -> str:
        return document_id(self.source, self.native_id)

    @property
    def content_hash(self) -> str:
        return content_hash(f"{self.title or ''}\n{self.text}")


@dataclass(frozen=True, slots=True)
class Classification:
    """What a model said about one document."""

    document_id: str
    model_version: str
    claim: str | None
    stance: str
    score: float
    lang: str | None = None
    relevance: float | None = None
    classified_at: datetime = field(default_factory=utcnow)
    band: str | None = None  # "flag" | "suggest" | None
    suggested_claim: str | None = None

    @property
    def flagged(self) -> bool:
        return self.stance == "spreads" and self.claim is not None


@dataclass(frozen=True, slots=True)
class SourceState:
    """What the store remembers about a source between runs (health and conditional-GET validators)."""

    name: str
    kind: str
    last_fetch_at: datetime | None = None
    last_ok_at: datetime | None = None
    last_error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    cursor: str | None = None


@dataclass(frozen=True, slots=True)
class Review:
    """An analyst's verdict on a classification: confirm, reject, or correct claim/stance."""

    document_id: str
    verdict: str
    reviewer: str
    claim: str | None = None
    stance: str | None = None
    model_version: str | None = None
    note: str | None = None
    created_at: datetime = field(default_factory=utcnow)


@dataclass(frozen=True, slots=True)
class PostFilter:
    """Filters shared by the dashboard's post table and `tillit export`. Empty tuples mean 'all'."""

    claims: tuple[str, ...] = ()
    stances: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    min_score: float = 0.0
    max_score: float = 1.0
    search: str = ""
    flagged_only: bool = False
