"""The one protocol every source kind implements.

A source is a small class with a `kind` name. It is built from a `SourceSpec` (the source's settings,
credentials already read from the environment) and its `fetch(client, state)` yields normalised
`Document`s. `state` is the source's saved `Cursor`: the source reads validators and paging cursors
from it and updates them as it goes; the runner saves the cursor together with the documents, in one
transaction, after the fetch finished.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import httpx

from store import Document


@dataclass(frozen=True)
class SourceSpec:
    name: str
    kind: str
    url: str | None = None
    query: str | None = None
    platform: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    credentials: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Cursor:
    """Mutable per-source state carried between runs."""

    etag: str | None = None
    last_modified: str | None = None
    position: str | None = None


class Source(Protocol):
    kind: ClassVar[str]
    spec: SourceSpec

    def fetch(self, client: httpx.Client, state: Cursor) -> Iterator[Document]: ...


def require_credentials(spec: SourceSpec, names: tuple[str, ...], example: str) -> None:
    """Refuse to build a source whose credential env vars are unset, naming what to set."""
    from ingest.errors import SourceConfigError

    missing = [name for name in names if not spec.credentials.get(name)]
    if missing:
        raise SourceConfigError(
            f"source {spec.name!r}: {spec.kind} needs credentials {', '.join(missing)}: set "
            f"credentials = {{ {example} }} in the config and export those environment variables"
        )
