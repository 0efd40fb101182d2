"""Run one pass of a source: fetch, normalise, store, record health.

A failing source is recorded (last error, time) and never stops the others. Documents and the new
cursor are saved in one transaction after the fetch, so a crash mid-fetch repeats the fetch rather than
skipping items; the stable document id makes the repeat harmless.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from ingest.errors import IngestError
from ingest.sources import Cursor, SourceSpec, build_source
from store import SourceState, Store, queries, utcnow


@dataclass(frozen=True)
class RunReport:
    source: str
    kind: str
    fetched: int = 0
    new: int = 0
    error: str | None = None
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.error is None


def run_source(store: Store, spec: SourceSpec, client: httpx.Client) -> RunReport:
    saved = queries.get_source_state(store, spec.name) or SourceState(spec.name, spec.kind)
    cursor = Cursor(saved.etag, saved.last_modified, saved.cursor)
    started = utcnow()
    documents, error = [], None
    source = None
    try:
        source = build_source(spec)
        documents.extend(source.fetch(client, cursor))
    except IngestError as exc:
        error = str(exc)
    except httpx.HTTPError as exc:  # anything the fetch helper did not translate
        error = f"{type(exc).__name__}: {exc}"
    problems = tuple(getattr(source, "problems", ()) or ())
    if error is None and problems:
        error = f"{len(problems)} problem(s), the rest was stored; first: {problems[0]}"
        ok_at = started
    else:
        ok_at = started if error is None else saved.last_ok_at
    state = SourceState(
        name=spec.name,
        kind=spec.kind,
        last_fetch_at=started,
        last_ok_at=ok_at,
        last_error=error,
        # On failure keep the old validators and cursor: the next run repeats what did not land.
        etag=cursor.etag if error is None else saved.etag,
        last_modified=cursor.last_modified if error is None else saved.last_modified,
        cursor=cursor.position if error is None else saved.cursor,
    )
    new = queries.record_fetch(store, state, documents)
    return RunReport(spec.name, spec.kind, len(documents), new, error, problems)
