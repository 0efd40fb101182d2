"""Run one pass of a source: fetch, normalise, store, record health.

A failing source is recorded (last error, time) and never stops the others. Documents and the new
cursor are saved in one transaction after the fetch, so a crash mid-fetch repeats the fetch rather than
skipping items; the stable document id makes the repeat harmless.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
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
    """One source: fetch, then store its documents and state in one transaction."""
    return run_sources(store, [spec], client, workers=1)[0]


def run_sources(
    store: Store,
    specs: Sequence[SourceSpec],
    client: httpx.Client,
    workers: int = 8,
    chunk: int = 50,
    progress: Callable[[int], None] | None = None,
) -> list[RunReport]:
    """Many sources: fetched concurrently (network-bound), stored `chunk` sources per transaction.

    The saved states are read once and the outcomes written in few transactions, because opening
    the DuckDB file costs more than fetching a small feed on a fast network. Each source still lands
    with its own documents and cursor in the same transaction, so a crash loses no cursor progress.
    """
    saved = queries.get_source_states(store, [s.name for s in specs])
    reports: list[RunReport] = []
    for start in range(0, len(specs), chunk):
        part = specs[start : start + chunk]
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(part)))) as pool:
            outcomes = list(pool.map(lambda spec: _fetch(spec, saved.get(spec.name), client), part))
        news = queries.record_fetches(store, [(state, docs) for state, docs, _ in outcomes])
        for (state, docs, problems), new in zip(outcomes, news, strict=True):
            reports.append(
                RunReport(state.name, state.kind, len(docs), new, state.last_error, problems)
            )
        if progress:
            progress(len(part))
    return reports


def _fetch(
    spec: SourceSpec, saved: SourceState | None, client: httpx.Client
) -> tuple[SourceState, list, tuple[str, ...]]:
    saved = saved or SourceState(spec.name, spec.kind)
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
    return state, documents, problems
