"""Every SQL statement Tillit runs, as typed functions over a `Store`.

Each function is one unit of work: reads open a read-only connection, writes one transaction. Callers
never see a connection, so no other package can hold the file open longer than a call.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from store.db import Store
from store.errors import ExportError
from store.migrations import migrate
from store.records import (
    Classification,
    Document,
    PostFilter,
    Review,
    SourceState,
    content_hash,
    hash_author,
    to_naive_utc,
    utcnow,
)

ACTIVE_MODEL_KEY = "active_model_version"
EXPORT_FORMATS = ("csv", "jsonl", "xlsx", "parquet")

# Classifications of the model currently in use; documents it has not seen yet join as NULL.
_ACTIVE = """
    SELECT c.* FROM classifications c
    WHERE c.model_version = (SELECT value FROM meta WHERE key = 'active_model_version')
"""


# ---------------------------------------------------------------------------------------------- schema
def init(store: Store) -> list[str]:
    """Create or migrate the database; returns the migrations applied (idempotent)."""
    with store.write() as con:
        return migrate(con)


def set_meta(store: Store, key: str, value: str) -> None:
    with store.write() as con:
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])


def get_meta(store: Store, key: str) -> str | None:
    with store.read() as con:
        row = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


# ------------------------------------------------------------------------------------------- documents
_DOC_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("source", pa.string()),
        ("native_id", pa.string()),
        ("platform", pa.string()),
        ("url", pa.string()),
        ("author_hash", pa.string()),
        ("title", pa.string()),
        ("text", pa.string()),
        ("lang", pa.string()),
        ("published_at", pa.timestamp("us")),
        ("fetched_at", pa.timestamp("us")),
        ("content_hash", pa.string()),
        ("engagement", pa.string()),
    ]
)


def add_documents(store: Store, documents: Iterable[Document]) -> int:
    """Insert documents not stored yet (by stable id); returns how many were new."""
    with store.write() as con:
        return _insert_documents(con, store.author_salt, documents)


def _insert_documents(con, salt: bytes, documents: Iterable[Document]) -> int:
    """Insert inside the caller's transaction. Author handles become salted hashes here, the last
    step before disk, so no caller can store a raw handle."""
    rows: dict[str, dict] = {}
    for doc in documents:
        rows.setdefault(
            doc.id,
            {
                "id": doc.id,
                "source": doc.source,
                "native_id": doc.native_id,
                "platform": doc.platform,
                "url": doc.url if _is_web_url(doc.url) else None,
                "author_hash": hash_author(doc.author, salt),
                "title": doc.title,
                "text": doc.text,
                "lang": doc.lang,
                # Undated items (some feeds omit pubDate) count from when they were first seen,
                # so every filter, chart and retention rule can rely on one time column.
                "published_at": to_naive_utc(doc.published_at or doc.fetched_at),
                "fetched_at": to_naive_utc(doc.fetched_at),
                "content_hash": doc.content_hash,
                "engagement": json.dumps(doc.engagement, sort_keys=True)
                if doc.engagement
                else None,
            },
        )
    if not rows:
        return 0
    con.register("batch", pa.Table.from_pylist(list(rows.values()), schema=_DOC_SCHEMA))
    before = con.execute("SELECT count(*) FROM documents").fetchone()[0]
    # Dedupe by id, and by URL (the same article reached through two feeds, or with different
    # tracking tags once canonicalised). Equal texts from different accounts are kept: they are
    # near-duplicates, grouped by content hash as a sign of coordination, never dropped.
    con.execute(
        """
        INSERT INTO documents
        SELECT * EXCLUDE (rn) FROM (
            SELECT *, row_number() OVER (PARTITION BY coalesce(url, id) ORDER BY id) AS rn
            FROM batch
            WHERE id NOT IN (SELECT id FROM documents)
              AND (url IS NULL OR url NOT IN (SELECT url FROM documents WHERE url IS NOT NULL))
        ) WHERE rn = 1
        """
    )
    after = con.execute("SELECT count(*) FROM documents").fetchone()[0]
    con.unregister("batch")
    return after - before


def _is_web_url(url: str | None) -> bool:
    """Only http(s) links are kept: a `javascript:` URL from a hostile feed never reaches a page."""
    return bool(url) and url.lower().startswith(("http://", "https://"))


def count_documents(store: Store) -> int:
    with store.read() as con:
        return con.execute("SELECT count(*) FROM documents").fetchone()[0]


def pending_documents(store: Store, model_version: str, limit: int) -> list[tuple[str, str, str]]:
    """(id, text with title, content_hash) of documents the given model has not classified yet."""
    with store.read() as con:
        return con.execute(
            """
            SELECT d.id, coalesce(d.title || E'\n', '') || d.text, d.content_hash
            FROM documents d
            WHERE NOT EXISTS (
                SELECT 1 FROM classifications c
                WHERE c.document_id = d.id AND c.model_version = ?)
            ORDER BY d.id
            LIMIT ?
            """,
            [model_version, limit],
        ).fetchall()


# ------------------------------------------------------------------------------------- classifications
def add_classifications(store: Store, items: Sequence[Classification]) -> int:
    """Store classifications; a (document, model version) pair is written once and never changed."""
    if not items:
        return 0
    batch = pa.Table.from_pylist(
        [
            {
                "document_id": c.document_id,
                "model_version": c.model_version,
                "claim": c.claim,
                "stance": c.stance,
                "score": float(c.score),
                "relevance": None if c.relevance is None else float(c.relevance),
                "lang": c.lang,
                "classified_at": to_naive_utc(c.classified_at),
                "band": c.band or ("flag" if c.flagged else None),
                "suggested_claim": c.suggested_claim,
            }
            for c in items
        ]
    )
    with store.write() as con:
        con.register("batch", batch)
        before = con.execute("SELECT count(*) FROM classifications").fetchone()[0]
        con.execute(
            """
            INSERT INTO classifications
            SELECT DISTINCT ON (document_id, model_version)
                document_id, model_version, claim, stance, score, relevance, lang, classified_at,
                band, suggested_claim
            FROM batch b
            WHERE NOT EXISTS (SELECT 1 FROM classifications c
                              WHERE c.document_id = b.document_id
                                AND c.model_version = b.model_version)
            """
        )
        after = con.execute("SELECT count(*) FROM classifications").fetchone()[0]
        con.unregister("batch")
    return after - before


def copy_repost_classifications(store: Store, model_version: str) -> int:
    """Give unclassified documents the classification this model already made of the same text
    (same content hash): a repost or copy-paste costs one SQL statement, not a model run."""
    with store.write() as con:
        before = con.execute(
            "SELECT count(*) FROM classifications WHERE model_version = ?", [model_version]
        ).fetchone()[0]
        con.execute(
            """
            INSERT INTO classifications
            SELECT d.id, c.model_version, c.claim, c.stance, c.score, c.relevance, c.lang,
                   c.classified_at, c.band, c.suggested_claim
            FROM documents d
            JOIN (SELECT DISTINCT ON (dd.content_hash) dd.content_hash, cc.*
                  FROM classifications cc JOIN documents dd ON dd.id = cc.document_id
                  WHERE cc.model_version = ?
                  ORDER BY dd.content_hash, cc.document_id) c
              ON c.content_hash = d.content_hash
            WHERE NOT EXISTS (SELECT 1 FROM classifications x
                              WHERE x.document_id = d.id AND x.model_version = ?)
            """,
            [model_version, model_version],
        )
        after = con.execute(
            "SELECT count(*) FROM classifications WHERE model_version = ?", [model_version]
        ).fetchone()[0]
    return after - before


def set_active_model(store: Store, model_version: str) -> None:
    set_meta(store, ACTIVE_MODEL_KEY, model_version)


# ------------------------------------------------------------------------------------------ embeddings
def cached_embeddings(store: Store, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
    """Embeddings already computed by `model` for these content hashes."""
    if not hashes:
        return {}
    with store.read() as con:
        con.register("wanted", pa.table({"content_hash": list(hashes)}))
        rows = con.execute(
            """SELECT e.content_hash, e.vector FROM embeddings e
               JOIN wanted w USING (content_hash) WHERE e.model = ?""",
            [model],
        ).fetchall()
    return {h: np.asarray(v, dtype=np.float32) for h, v in rows}


def put_embeddings(store: Store, model: str, vectors: dict[str, np.ndarray]) -> None:
    if not vectors:
        return
    batch = pa.table(
        {
            "content_hash": list(vectors),
            "model": [model] * len(vectors),
            "vector": [np.asarray(v, dtype=np.float32).tolist() for v in vectors.values()],
        }
    )
    with store.write() as con:
        con.register("batch", batch)
        con.execute(
            """INSERT INTO embeddings SELECT content_hash, model, vector::FLOAT[] FROM batch b
               WHERE NOT EXISTS (SELECT 1 FROM embeddings e
                                 WHERE e.content_hash = b.content_hash AND e.model = b.model)"""
        )
        con.unregister("batch")


# --------------------------------------------------------------------------------------------- sources
def register_source(store: Store, name: str, kind: str) -> None:
    """Make a configured source known (so its health shows before its first fetch)."""
    with store.write() as con:
        con.execute(
            """INSERT INTO sources (name, kind) VALUES (?, ?)
               ON CONFLICT (name) DO UPDATE SET kind = excluded.kind""",
            [name, kind],
        )


def get_source_state(store: Store, name: str) -> SourceState | None:
    with store.read() as con:
        row = con.execute(
            """SELECT name, kind, last_fetch_at, last_ok_at, last_error, etag, last_modified, cursor
               FROM sources WHERE name = ?""",
            [name],
        ).fetchone()
    return SourceState(*row) if row else None


def get_source_states(store: Store, names: Sequence[str]) -> dict[str, SourceState]:
    """Saved state of many sources in one read (a pass over 500 feeds opens the file once)."""
    if not names:
        return {}
    with store.read() as con:
        rows = con.execute(
            """SELECT name, kind, last_fetch_at, last_ok_at, last_error, etag, last_modified, cursor
               FROM sources WHERE name IN (SELECT unnest(?))""",
            [list(names)],
        ).fetchall()
    return {row[0]: SourceState(*row) for row in rows}


def record_fetch(
    store: Store,
    state: SourceState,
    documents: Sequence[Document] = (),
) -> int:
    """Save a fetch's outcome and its documents in one transaction; returns new documents.

    Storing the documents and the new cursor/validators together means a crash can never advance the
    cursor past documents that were not stored.
    """
    return record_fetches(store, [(state, documents)])[0]


def record_fetches(
    store: Store, outcomes: Sequence[tuple[SourceState, Sequence[Document]]]
) -> list[int]:
    """Several sources' outcomes in one transaction; new documents per source, in order."""
    counts = []
    with store.write() as con:
        for state, documents in outcomes:
            counts.append(_insert_documents(con, store.author_salt, documents))
            con.execute(
                """
                INSERT INTO sources (name, kind, last_fetch_at, last_ok_at, last_error, etag,
                                     last_modified, cursor)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET
                    kind = excluded.kind,
                    last_fetch_at = excluded.last_fetch_at,
                    last_ok_at = excluded.last_ok_at,
                    last_error = excluded.last_error,
                    etag = excluded.etag,
                    last_modified = excluded.last_modified,
                    cursor = excluded.cursor
                """,
                [
                    state.name,
                    state.kind,
                    state.last_fetch_at,
                    state.last_ok_at,
                    state.last_error,
                    state.etag,
                    state.last_modified,
                    state.cursor,
                ],
            )
    return counts


def source_health(store: Store) -> list[dict]:
    with store.read() as con:
        df = con.execute(
            """
            SELECT s.name, s.kind, s.last_fetch_at, s.last_ok_at, s.last_error,
                   count(d.id) AS documents,
                   count(d.id) FILTER (WHERE d.fetched_at >= now()::TIMESTAMP - INTERVAL 1 DAY)
                       AS documents_last_day
            FROM sources s LEFT JOIN documents d ON d.source = s.name
            GROUP BY ALL ORDER BY s.name
            """
        ).df()
    return df.to_dict("records")


# ----------------------------------------------------------------------------------------------- stats
def stats(store: Store) -> dict:
    """Counts for `tillit stats --json` (claims holds only claims with flagged posts)."""
    with store.read() as con:
        documents, classified, flagged = con.execute(
            f"""
            SELECT (SELECT count(*) FROM documents),
                   count(*),
                   count(*) FILTER (WHERE stance = 'spreads' AND claim IS NOT NULL)
            FROM ({_ACTIVE}) a
            """
        ).fetchone()
        claims = dict(
            con.execute(
                f"""SELECT claim, count(*) FROM ({_ACTIVE}) a
                    WHERE stance = 'spreads' AND claim IS NOT NULL GROUP BY claim ORDER BY claim"""
            ).fetchall()
        )
        sources = con.execute(
            """
            SELECT s.name, s.kind, s.last_fetch_at, s.last_ok_at, s.last_error,
                   (SELECT count(*) FROM documents d WHERE d.source = s.name) AS documents
            FROM sources s ORDER BY s.name
            """
        ).fetchall()
    return {
        "documents": documents,
        "classified": classified,
        "flagged": flagged,
        "claims": claims,
        "sources": [
            {
                "name": name,
                "kind": kind,
                "last_fetch_at": _iso(fetch),
                "last_ok_at": _iso(ok),
                "last_error": error,
                "documents": n,
            }
            for name, kind, fetch, ok, error, n in sources
        ],
    }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds") + "Z"


# --------------------------------------------------------------------------------- posts and exports
def _where(flt: PostFilter) -> tuple[str, list]:
    clauses, params = [], []

    def any_of(column: str, values: tuple[str, ...]) -> None:
        if values:
            clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)

    any_of("a.claim", flt.claims)
    any_of("a.stance", flt.stances)
    any_of("d.platform", flt.platforms)
    any_of("coalesce(a.lang, d.lang)", flt.langs)
    any_of("d.source", flt.sources)
    if flt.since is not None:
        clauses.append("d.published_at >= ?")
        params.append(to_naive_utc(flt.since))
    if flt.until is not None:
        clauses.append("d.published_at < ?")
        params.append(to_naive_utc(flt.until))
    if flt.min_score > 0.0:
        clauses.append("a.score >= ?")
        params.append(flt.min_score)
    if flt.max_score < 1.0:
        clauses.append("a.score <= ?")
        params.append(flt.max_score)
    if flt.search.strip():
        clauses.append("(d.text ILIKE ? ESCAPE '\\' OR coalesce(d.title, '') ILIKE ? ESCAPE '\\')")
        pattern = "%" + re.sub(r"([%_\\])", r"\\\1", flt.search.strip()) + "%"
        params.extend([pattern, pattern])
    if flt.flagged_only:
        clauses.append("a.stance = 'spreads' AND a.claim IS NOT NULL")
    return (" AND ".join(clauses) or "TRUE"), params


_POST_COLUMNS = """
    d.id, d.published_at, d.source, d.platform, coalesce(a.lang, d.lang) AS lang, d.url,
    d.title, d.text, a.claim, a.stance, a.score, a.model_version, d.author_hash, d.fetched_at,
    d.engagement
"""


def posts(store: Store, flt: PostFilter, limit: int = 500, offset: int = 0) -> pd.DataFrame:
    """Documents with their current classification, newest first, plus near-duplicate group size."""
    where, params = _where(flt)
    with store.read() as con:
        return con.execute(
            f"""
            SELECT {_POST_COLUMNS},
                   count(*) OVER (PARTITION BY d.content_hash) AS duplicates
            FROM documents d LEFT JOIN ({_ACTIVE}) a ON a.document_id = d.id
            WHERE {where}
            ORDER BY d.published_at DESC NULLS LAST, d.id
            LIMIT ? OFFSET ?
            """,
            [*params, limit, offset],
        ).df()


def count_posts(store: Store, flt: PostFilter) -> int:
    where, params = _where(flt)
    with store.read() as con:
        return con.execute(
            f"""SELECT count(*) FROM documents d LEFT JOIN ({_ACTIVE}) a ON a.document_id = d.id
                WHERE {where}""",
            params,
        ).fetchone()[0]


def timeline(store: Store, flt: PostFilter, granularity: str = "day") -> pd.DataFrame:
    """Posts per (period, claim, stance) for posts with a claim; `granularity` is day or week."""
    if granularity not in ("day", "week", "month"):
        raise ValueError(f"granularity must be day, week or month, not {granularity!r}")
    where, params = _where(flt)
    with store.read() as con:
        return con.execute(
            f"""
            SELECT date_trunc('{granularity}', d.published_at) AS period, a.claim, a.stance,
                   count(*) AS posts
            FROM documents d JOIN ({_ACTIVE}) a ON a.document_id = d.id
            WHERE a.claim IS NOT NULL AND d.published_at IS NOT NULL AND {where}
            GROUP BY ALL ORDER BY period, a.claim, a.stance
            """,
            params,
        ).df()


def breakdown(store: Store, flt: PostFilter, column: str) -> pd.DataFrame:
    """Flagged-post counts by platform, lang or source."""
    expr = {"platform": "d.platform", "lang": "coalesce(a.lang, d.lang)", "source": "d.source"}
    if column not in expr:
        raise ValueError(f"breakdown column must be one of {sorted(expr)}")
    where, params = _where(flt)
    with store.read() as con:
        return con.execute(
            f"""
            SELECT {expr[column]} AS {column}, count(*) AS posts
            FROM documents d JOIN ({_ACTIVE}) a ON a.document_id = d.id
            WHERE {where}
            GROUP BY ALL ORDER BY posts DESC
            """,
            params,
        ).df()


def breakdowns(store: Store, flt: PostFilter) -> dict[str, pd.DataFrame]:
    """`breakdown` for platform, lang and source in one scan (GROUPING SETS): the overview shows all
    three, and on a large store one pass costs about what one of the three used to."""
    where, params = _where(flt)
    with store.read() as con:
        rows = con.execute(
            f"""
            SELECT d.platform AS platform, coalesce(a.lang, d.lang) AS lang, d.source AS source,
                   GROUPING(d.platform) AS no_platform, GROUPING(coalesce(a.lang, d.lang)) AS no_lang,
                   count(*) AS posts
            FROM documents d JOIN ({_ACTIVE}) a ON a.document_id = d.id
            WHERE {where}
            GROUP BY GROUPING SETS ((d.platform), (coalesce(a.lang, d.lang)), (d.source))
            """,
            params,
        ).df()
    out = {}
    for column, chosen in (
        ("platform", (rows["no_platform"] == 0)),
        ("lang", (rows["no_platform"] == 1) & (rows["no_lang"] == 0)),
        ("source", (rows["no_platform"] == 1) & (rows["no_lang"] == 1)),
    ):
        part = rows.loc[chosen, [column, "posts"]]
        out[column] = part.sort_values("posts", ascending=False, kind="stable").reset_index(
            drop=True
        )
    return out


def filter_options(store: Store) -> dict[str, list[str]]:
    """Distinct values for the dashboard's filter widgets."""
    with store.read() as con:

        def distinct(expr: str) -> list[str]:
            return [
                r[0]
                for r in con.execute(
                    f"SELECT DISTINCT {expr} AS v FROM documents WHERE v IS NOT NULL ORDER BY v"
                ).fetchall()
            ]

        return {
            "platforms": distinct("platform"),
            "langs": distinct("lang"),
            "sources": distinct("source"),
        }


def example_urls(store: Store, per_claim: int = 5) -> dict[str, list[str]]:
    """Links to the highest-scoring public posts spreading each claim (for ClaimReview appearance)."""
    with store.read() as con:
        rows = con.execute(
            f"""
            SELECT claim, url FROM (
                SELECT a.claim, d.url,
                       row_number() OVER (PARTITION BY a.claim ORDER BY a.score DESC, d.id) AS rank
                FROM documents d JOIN ({_ACTIVE}) a ON a.document_id = d.id
                WHERE a.stance = 'spreads' AND a.claim IS NOT NULL AND d.url IS NOT NULL)
            WHERE rank <= ? ORDER BY claim, rank
            """,
            [per_claim],
        ).fetchall()
    out: dict[str, list[str]] = {}
    for claim, url in rows:
        out.setdefault(claim, []).append(url)
    return out


def date_span(store: Store) -> tuple[datetime | None, datetime | None]:
    with store.read() as con:
        return con.execute("SELECT min(published_at), max(published_at) FROM documents").fetchone()


def export(store: Store, path: str | Path, fmt: str, flt: PostFilter) -> int:
    """Write documents with their current classification to `path`; returns the row count."""
    if fmt not in EXPORT_FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    path = Path(path)
    if not path.parent.exists():
        raise ExportError(
            f"the folder {path.parent} does not exist; create it or pick another --out"
        )
    where, params = _where(flt)
    query = f"""
        SELECT {_POST_COLUMNS}
        FROM documents d LEFT JOIN ({_ACTIVE}) a ON a.document_id = d.id
        WHERE {where}
        ORDER BY d.published_at NULLS LAST, d.id
    """
    with store.read() as con:
        rel = con.sql(query, params=params)
        if fmt == "csv":
            rel.write_csv(str(path), header=True)
            return con.execute(f"SELECT count(*) FROM ({query})", params).fetchone()[0]
        if fmt == "parquet":
            rel.write_parquet(str(path))
            return con.execute(f"SELECT count(*) FROM ({query})", params).fetchone()[0]
        df = rel.df()
    if fmt == "jsonl":
        with path.open("w", encoding="utf-8") as fh:
            for record in df.to_dict("records"):
                fh.write(json.dumps(_jsonable(record), ensure_ascii=False) + "\n")
    else:
        _spreadsheet_safe(df).to_excel(path, index=False, sheet_name="documents")
    return len(df)


def _jsonable(record: dict) -> dict:
    out = {}
    for key, value in record.items():
        if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
            out[key] = None
        elif isinstance(value, (pd.Timestamp, datetime)):
            out[key] = value.isoformat() + "Z"
        else:
            out[key] = value
    return out


_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _spreadsheet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Strip characters Excel cannot hold and defuse text that a spreadsheet would run as a formula."""
    df = df.copy()
    for column in df.columns:
        if df[column].dtype == object or pd.api.types.is_string_dtype(df[column]):
            df[column] = df[column].map(
                lambda v: (
                    v
                    if not isinstance(v, str)
                    else ("'" if v[:1] in ("=", "+", "-", "@") else "") + _ILLEGAL_XLSX.sub("", v)
                )
            )
    return df


# --------------------------------------------------------------------------------------------- reviews
def add_review(store: Store, review: Review) -> int:
    with store.write() as con:
        return con.execute(
            """INSERT INTO reviews (document_id, model_version, verdict, claim, stance, reviewer,
                                    note, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            [
                review.document_id,
                review.model_version,
                review.verdict,
                review.claim,
                review.stance,
                review.reviewer,
                review.note,
                to_naive_utc(review.created_at),
            ],
        ).fetchone()[0]


def review_queue(store: Store, limit: int = 50) -> pd.DataFrame:
    """Unreviewed posts the model flags, then those in the "suggest" band just below a claim's flag
    threshold (shown with the claim they nearly had), most confident first."""
    with store.read() as con:
        return con.execute(
            f"""
            SELECT d.id, d.published_at, d.platform, coalesce(a.lang, d.lang) AS lang, d.url,
                   d.title, d.text, coalesce(a.claim, a.suggested_claim) AS claim, a.stance,
                   a.score, a.model_version, (a.claim IS NOT NULL) AS flagged, a.band
            FROM documents d JOIN ({_ACTIVE}) a ON a.document_id = d.id
            WHERE a.stance = 'spreads' AND a.band IN ('flag', 'suggest')
              AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.document_id = d.id)
            ORDER BY flagged DESC, a.score DESC, d.id
            LIMIT ?
            """,
            [limit],
        ).df()


def review_summary(store: Store) -> dict:
    """Reviewed counts by verdict, and the model's precision on reviewed flags (confirmed share)."""
    with store.read() as con:
        rows = dict(
            con.execute(
                """SELECT verdict, count(*) FROM (
                       SELECT DISTINCT ON (document_id) document_id, verdict FROM reviews
                       ORDER BY document_id, created_at DESC, id DESC)
                   GROUP BY verdict"""
            ).fetchall()
        )
    judged = sum(rows.values())
    return {
        "reviewed": judged,
        "by_verdict": rows,
        "precision": round(rows.get("confirm", 0) / judged, 4) if judged else None,
    }


# ------------------------------------------------------------------------------------------ enrichment
def enrichment_candidates(
    store: Store, limit: int = 50, max_chars: int = 600
) -> list[tuple[str, str]]:
    """(id, url) of news items with only a headline or a short summary, not yet enriched."""
    with store.read() as con:
        return con.execute(
            """SELECT d.id, d.url FROM documents d
               WHERE d.platform = 'news' AND d.url IS NOT NULL AND length(d.text) < ?
                 AND d.id NOT IN (SELECT document_id FROM enrichments)
               ORDER BY d.published_at DESC NULLS LAST, d.id LIMIT ?""",
            [max_chars, limit],
        ).fetchall()


def save_enrichment(
    store: Store,
    document_id: str,
    url: str,
    text: str | None = None,
    title: str | None = None,
    error: str | None = None,
    resolved_url: str | None = None,
) -> None:
    """Record an attempt; with text, replace the document's text and drop its classifications so
    the next `classify` reads the whole article (one transaction). `resolved_url` is where the link
    led after redirects (a news-search redirect resolved to the publisher), unless another document
    already has that URL."""
    with store.write() as con:
        con.execute(
            "INSERT OR REPLACE INTO enrichments VALUES (?, ?, ?, ?)",
            [document_id, url, utcnow(), error],
        )
        if text:
            row = con.execute("SELECT title FROM documents WHERE id = ?", [document_id]).fetchone()
            new_title = title or (row[0] if row else None)
            con.execute(
                "UPDATE documents SET text = ?, title = ?, content_hash = ? WHERE id = ?",
                [text, new_title, content_hash(f"{new_title or ''}\n{text}"), document_id],
            )
            con.execute("DELETE FROM classifications WHERE document_id = ?", [document_id])
        if resolved_url and resolved_url != url:
            con.execute(
                """UPDATE documents SET url = ? WHERE id = ?
                   AND NOT EXISTS (SELECT 1 FROM documents WHERE url = ?)""",
                [resolved_url, document_id, resolved_url],
            )


# ------------------------------------------------------------------------------------------ narratives
NARRATIVE_RUN_KEY = "latest_narrative_run"


def unmatched_posts(
    store: Store, min_relevance: float, since: datetime | None = None
) -> list[tuple[str, str, str, datetime]]:
    """(id, text, content_hash, published_at) of posts the active model finds relevant and not
    neutral but cannot tie to any catalog claim, not even as a suggestion: candidate new narratives."""
    with store.read() as con:
        return con.execute(
            f"""
            SELECT d.id, coalesce(d.title || E'\n', '') || d.text, d.content_hash,
                   coalesce(d.published_at, d.fetched_at)
            FROM documents d JOIN ({_ACTIVE}) a ON a.document_id = d.id
            WHERE a.claim IS NULL AND a.suggested_claim IS NULL AND a.stance <> 'neutral'
              AND coalesce(a.relevance, 0) >= ?
              AND (CAST(? AS TIMESTAMP) IS NULL OR coalesce(d.published_at, d.fetched_at) >= ?)
            ORDER BY d.id
            """,
            [min_relevance, since, since],
        ).fetchall()


@dataclass(frozen=True)
class Narrative:
    cluster: int
    size: int
    recent: int
    previous: int
    terms: str
    first_seen: datetime | None
    last_seen: datetime | None
    posts: tuple[str, ...]  # document ids, most representative first


def save_narratives(store: Store, run_id: str, narratives: Sequence[Narrative]) -> None:
    """Replace nothing: each run is kept, and `meta` points at the latest one (in one transaction)."""
    now = utcnow()
    with store.write() as con:
        for n in narratives:
            con.execute(
                "INSERT INTO narratives VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    run_id,
                    n.cluster,
                    n.size,
                    n.recent,
                    n.previous,
                    n.terms,
                    n.first_seen,
                    n.last_seen,
                    now,
                ],
            )
            con.executemany(
                "INSERT INTO narrative_posts VALUES (?, ?, ?, ?)",
                [[run_id, n.cluster, doc, rank] for rank, doc in enumerate(n.posts)],
            )
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [NARRATIVE_RUN_KEY, run_id])


def narratives(store: Store) -> pd.DataFrame:
    """Clusters of the latest run, largest growth first, with how many notes each has."""
    with store.read() as con:
        return con.execute(
            f"""
            SELECT n.run_id, n.cluster, n.size, n.recent, n.previous, n.terms, n.first_seen,
                   n.last_seen, n.created_at,
                   (SELECT count(*) FROM narrative_notes o
                    WHERE o.run_id = n.run_id AND o.cluster = n.cluster) AS notes
            FROM narratives n
            WHERE n.run_id = (SELECT value FROM meta WHERE key = '{NARRATIVE_RUN_KEY}')
            ORDER BY n.recent - n.previous DESC, n.size DESC, n.cluster
            """
        ).df()


def narrative_posts(store: Store, run_id: str, cluster: int, limit: int = 5) -> pd.DataFrame:
    with store.read() as con:
        return con.execute(
            """SELECT d.id, d.published_at, d.platform, d.lang, d.url, d.text
               FROM narrative_posts p JOIN documents d ON d.id = p.document_id
               WHERE p.run_id = ? AND p.cluster = ? ORDER BY p.rank LIMIT ?""",
            [run_id, cluster, limit],
        ).df()


def add_narrative_note(
    store: Store, run_id: str, cluster: int, title: str, note: str | None, reviewer: str
) -> int:
    """An analyst's proposal to add a cluster to the claim catalog."""
    with store.write() as con:
        return con.execute(
            """INSERT INTO narrative_notes (run_id, cluster, title, note, reviewer, created_at)
               VALUES (?, ?, ?, ?, ?, ?) RETURNING id""",
            [run_id, cluster, title, note, reviewer, utcnow()],
        ).fetchone()[0]


def narrative_notes(store: Store) -> pd.DataFrame:
    with store.read() as con:
        return con.execute("SELECT * FROM narrative_notes ORDER BY created_at DESC").df()


# ---------------------------------------------------------------------------------- response events
RESPONSE_ACTIONS = ("shown", "copied", "downloaded")


def record_response_event(
    store: Store,
    response_id: str,
    claim: str,
    lang: str,
    version: int,
    action: str,
    user_name: str | None = None,
) -> int:
    if action not in RESPONSE_ACTIONS:
        raise ValueError(f"response action must be one of {RESPONSE_ACTIONS}, not {action!r}")
    with store.write() as con:
        return con.execute(
            """INSERT INTO response_events
                   (response_id, claim, lang, version, action, user_name, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            [response_id, claim, lang, version, action, user_name, utcnow()],
        ).fetchone()[0]


def response_usage(
    store: Store, since: datetime | None = None, until: datetime | None = None
) -> pd.DataFrame:
    """Counts per response version and action, for the report's "responses used"."""
    with store.read() as con:
        return con.execute(
            """SELECT response_id, claim, lang, version, action, count(*) AS n,
                      max(created_at) AS last_at
               FROM response_events
               WHERE (CAST(? AS TIMESTAMP) IS NULL OR created_at >= ?)
                 AND (CAST(? AS TIMESTAMP) IS NULL OR created_at < ?)
               GROUP BY ALL ORDER BY n DESC, response_id, action""",
            [since, since, until, until],
        ).df()


# -------------------------------------------------------------------------------------------- alerts
def alert_sent(store: Store, claim: str, day: date, channel: str) -> bool:
    with store.read() as con:
        return bool(
            con.execute(
                "SELECT 1 FROM alerts_sent WHERE claim = ? AND day = ? AND channel = ?",
                [claim, day, channel],
            ).fetchone()
        )


def mark_alert_sent(store: Store, claim: str, day: date, channel: str, posts: int) -> None:
    with store.write() as con:
        con.execute(
            "INSERT OR IGNORE INTO alerts_sent VALUES (?, ?, ?, ?, ?)",
            [claim, day, channel, posts, utcnow()],
        )


# ------------------------------------------------------------------------------ audit, retention, erasure
def record_export(
    store: Store,
    actor: str,
    channel: str,
    fmt: str,
    flt: PostFilter | dict,
    rows: int,
    target: str | None = None,
) -> None:
    """Log an export of personal data: who, from where, which format and filter, how many rows."""
    described = flt if isinstance(flt, dict) else _describe_filter(flt)
    _audit(store, actor, channel, "export", fmt, described, rows, target)


def _audit(store, actor, channel, action, fmt, described, rows, target, con=None) -> None:
    values = [
        utcnow(),
        actor,
        channel,
        action,
        fmt,
        json.dumps(described, default=str),
        rows,
        target,
    ]
    sql = """INSERT INTO audit_log (created_at, actor, channel, action, format, filter, rows, target)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)"""
    if con is not None:
        con.execute(sql, values)
        return
    with store.write() as own:
        own.execute(sql, values)


def audit_log(store: Store) -> pd.DataFrame:
    with store.read() as con:
        return con.execute("SELECT * FROM audit_log ORDER BY created_at DESC, id DESC").df()


def _delete_documents(con, where: str, params: list) -> int:
    """Delete the matching documents and everything derived from them, in the caller's transaction.

    Embeddings are keyed by content hash and shared by reposts, so one is dropped only when no
    remaining document has that hash.
    """
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE doomed AS SELECT id, content_hash FROM documents d WHERE {where}",
        params,
    )
    n = con.execute("SELECT count(*) FROM doomed").fetchone()[0]
    if n:
        for table in ("classifications", "reviews", "narrative_posts"):
            con.execute(f"DELETE FROM {table} WHERE document_id IN (SELECT id FROM doomed)")
        con.execute("DELETE FROM documents WHERE id IN (SELECT id FROM doomed)")
        con.execute(
            """DELETE FROM embeddings WHERE content_hash IN (SELECT content_hash FROM doomed)
               AND content_hash NOT IN (SELECT content_hash FROM documents)"""
        )
    con.execute("DROP TABLE doomed")
    return n


def purge_older_than(store: Store, cutoff: datetime, actor: str = "scheduler") -> int:
    """Retention: erase documents published (or, undated, fetched) before `cutoff`."""
    with store.write() as con:
        n = _delete_documents(con, "coalesce(d.published_at, d.fetched_at) < ?", [cutoff])
        _audit(store, actor, "retention", "purge", None, {"before": cutoff}, n, None, con)
    return n


def forget(
    store: Store,
    *,
    document_id: str | None = None,
    author: str | None = None,
    source: str | None = None,
    actor: str = "cli",
) -> int:
    """Erase on request (GDPR art. 17): one document, every document by an author handle (matched
    through its salted hash; the handle itself is never stored or logged), or a whole source."""
    given = [x for x in (document_id, author, source) if x]
    if len(given) != 1:
        raise ValueError("give exactly one of document_id, author or source")
    if document_id:
        where, params, what = "d.id = ?", [document_id], {"document": document_id}
    elif author:
        where, params = "d.author_hash = ?", [hash_author(author, store.author_salt)]
        what = {"author_hash": params[0]}
    else:
        where, params, what = "d.source = ?", [source], {"source": source}
    with store.write() as con:
        n = _delete_documents(con, where, params)
        if source:
            con.execute("DELETE FROM sources WHERE name = ?", [source])
        _audit(store, actor, "cli", "forget", None, what, n, None, con)
    return n


def _describe_filter(flt: PostFilter) -> dict:
    return {
        f.name: getattr(flt, f.name)
        for f in fields(flt)
        if getattr(flt, f.name) not in ((), None, False, 0, 0.0, "")
    }


def review_labels(store: Store) -> list[tuple[str, str | None, str]]:
    """(text, claim, stance) from each reviewed document's latest review: training data for
    `tillit train`. A rejection carries stance 'neutral' and no claim."""
    with store.read() as con:
        return con.execute(
            """SELECT d.text, r.claim, coalesce(r.stance, 'neutral')
               FROM (SELECT DISTINCT ON (document_id) * FROM reviews
                     ORDER BY document_id, created_at DESC, id DESC) r
               JOIN documents d ON d.id = r.document_id
               ORDER BY r.document_id"""
        ).fetchall()


def reviews(store: Store) -> pd.DataFrame:
    with store.read() as con:
        return con.execute(
            """SELECT r.*, d.text, d.lang FROM reviews r JOIN documents d ON d.id = r.document_id
               ORDER BY r.created_at"""
        ).df()


__all__ = [
    "EXPORT_FORMATS",
    "RESPONSE_ACTIONS",
    "Narrative",
    "add_classifications",
    "add_documents",
    "add_narrative_note",
    "add_review",
    "alert_sent",
    "audit_log",
    "breakdown",
    "cached_embeddings",
    "copy_repost_classifications",
    "count_documents",
    "count_posts",
    "date_span",
    "enrichment_candidates",
    "example_urls",
    "export",
    "filter_options",
    "forget",
    "get_meta",
    "get_source_state",
    "get_source_states",
    "init",
    "mark_alert_sent",
    "narrative_notes",
    "narrative_posts",
    "narratives",
    "pending_documents",
    "posts",
    "purge_older_than",
    "put_embeddings",
    "record_export",
    "record_fetch",
    "record_fetches",
    "record_response_event",
    "register_source",
    "response_usage",
    "review_labels",
    "review_queue",
    "review_summary",
    "reviews",
    "save_enrichment",
    "save_narratives",
    "set_active_model",
    "set_meta",
    "source_health",
    "stats",
    "timeline",
    "unmatched_posts",
    "utcnow",
]
