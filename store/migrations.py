"""Ordered, named schema migrations, recorded in `schema_migrations` once applied.

Add a migration by appending to `MIGRATIONS`; never edit one that has shipped. All times are naive UTC.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from store.records import utcnow


@dataclass(frozen=True)
class Migration:
    id: int
    name: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "initial_schema",
        (
            """CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
            """CREATE TABLE sources (
                name VARCHAR PRIMARY KEY,
                kind VARCHAR NOT NULL,
                last_fetch_at TIMESTAMP,
                last_ok_at TIMESTAMP,
                last_error VARCHAR,
                etag VARCHAR,
                last_modified VARCHAR,
                cursor VARCHAR
            )""",
            """CREATE TABLE documents (
                id VARCHAR PRIMARY KEY,
                source VARCHAR NOT NULL,
                native_id VARCHAR NOT NULL,
                platform VARCHAR NOT NULL,
                url VARCHAR,
                author_hash VARCHAR,
                title VARCHAR,
                text VARCHAR NOT NULL,
                lang VARCHAR,
                published_at TIMESTAMP,
                fetched_at TIMESTAMP NOT NULL,
                content_hash VARCHAR NOT NULL
            )""",
            """CREATE INDEX documents_published ON documents (published_at)""",
            """CREATE INDEX documents_content ON documents (content_hash)""",
            """CREATE TABLE classifications (
                document_id VARCHAR NOT NULL,
                model_version VARCHAR NOT NULL,
                claim VARCHAR,
                stance VARCHAR NOT NULL,
                score DOUBLE NOT NULL,
                relevance DOUBLE,
                lang VARCHAR,
                classified_at TIMESTAMP NOT NULL,
                PRIMARY KEY (document_id, model_version)
            )""",
            """CREATE TABLE embeddings (
                content_hash VARCHAR NOT NULL,
                model VARCHAR NOT NULL,
                vector FLOAT[] NOT NULL,
                PRIMARY KEY (content_hash, model)
            )""",
            """CREATE SEQUENCE reviews_id START 1""",
            """CREATE TABLE reviews (
                id BIGINT PRIMARY KEY DEFAULT nextval('reviews_id'),
                document_id VARCHAR NOT NULL,
                model_version VARCHAR,
                verdict VARCHAR NOT NULL,
                claim VARCHAR,
                stance VARCHAR,
                reviewer VARCHAR NOT NULL,
                note VARCHAR,
                created_at TIMESTAMP NOT NULL
            )""",
        ),
    ),
    Migration(
        2,
        "suggest_band_and_narratives",
        (
            # band: 'flag' | 'suggest' | NULL; suggested_claim: the claim a 'suggest' post nearly had.
            """CREATE INDEX documents_url ON documents (url)""",
            """ALTER TABLE documents ADD COLUMN engagement VARCHAR""",
            """ALTER TABLE classifications ADD COLUMN band VARCHAR""",
            """ALTER TABLE classifications ADD COLUMN suggested_claim VARCHAR""",
            """UPDATE classifications SET band = 'flag'
               WHERE stance = 'spreads' AND claim IS NOT NULL""",
            """CREATE TABLE narratives (
                run_id VARCHAR NOT NULL,
                cluster INTEGER NOT NULL,
                size INTEGER NOT NULL,
                recent INTEGER NOT NULL,
                previous INTEGER NOT NULL,
                terms VARCHAR NOT NULL,
                first_seen TIMESTAMP,
                last_seen TIMESTAMP,
                created_at TIMESTAMP NOT NULL,
                PRIMARY KEY (run_id, cluster)
            )""",
            """CREATE TABLE narrative_posts (
                run_id VARCHAR NOT NULL,
                cluster INTEGER NOT NULL,
                document_id VARCHAR NOT NULL,
                rank INTEGER NOT NULL,
                PRIMARY KEY (run_id, cluster, document_id)
            )""",
            """CREATE SEQUENCE narrative_notes_id START 1""",
            """CREATE TABLE narrative_notes (
                id BIGINT PRIMARY KEY DEFAULT nextval('narrative_notes_id'),
                run_id VARCHAR NOT NULL,
                cluster INTEGER NOT NULL,
                title VARCHAR NOT NULL,
                note VARCHAR,
                reviewer VARCHAR NOT NULL,
                created_at TIMESTAMP NOT NULL
            )""",
            # Which version of a prepared response was shown, copied or downloaded, and when.
            """CREATE SEQUENCE response_events_id START 1""",
            """CREATE TABLE response_events (
                id BIGINT PRIMARY KEY DEFAULT nextval('response_events_id'),
                response_id VARCHAR NOT NULL,
                claim VARCHAR NOT NULL,
                lang VARCHAR NOT NULL,
                version INTEGER NOT NULL,
                action VARCHAR NOT NULL,
                user_name VARCHAR,
                created_at TIMESTAMP NOT NULL
            )""",
            # One row per spike alert delivered, so the scheduler never sends the same one twice.
            """CREATE TABLE alerts_sent (
                claim VARCHAR NOT NULL,
                day DATE NOT NULL,
                channel VARCHAR NOT NULL,
                posts INTEGER NOT NULL,
                sent_at TIMESTAMP NOT NULL,
                PRIMARY KEY (claim, day, channel)
            )""",
            # Article enrichment attempts (one per document), so a page is fetched once.
            """CREATE TABLE enrichments (
                document_id VARCHAR PRIMARY KEY,
                url VARCHAR,
                fetched_at TIMESTAMP NOT NULL,
                error VARCHAR
            )""",
            # Who exported or erased what, when (GDPR accountability). Never holds raw handles.
            """CREATE SEQUENCE audit_log_id START 1""",
            """CREATE TABLE audit_log (
                id BIGINT PRIMARY KEY DEFAULT nextval('audit_log_id'),
                created_at TIMESTAMP NOT NULL,
                actor VARCHAR NOT NULL,
                channel VARCHAR NOT NULL,
                action VARCHAR NOT NULL,
                format VARCHAR,
                filter VARCHAR NOT NULL,
                rows BIGINT NOT NULL,
                target VARCHAR
            )""",
        ),
    ),
)


def applied(con: duckdb.DuckDBPyConnection) -> set[int]:
    con.execute(
        """CREATE TABLE IF NOT EXISTS schema_migrations (
            id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"""
    )
    return {row[0] for row in con.execute("SELECT id FROM schema_migrations").fetchall()}


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply every migration not yet recorded; return the names applied (empty when up to date)."""
    done = applied(con)
    names = []
    for migration in MIGRATIONS:
        if migration.id in done:
            continue
        for statement in migration.statements:
            con.execute(statement)
        con.execute(
            "INSERT INTO schema_migrations VALUES (?, ?, ?)",
            [migration.id, migration.name, utcnow()],
        )
        names.append(migration.name)
    return names


def latest_version() -> int:
    return MIGRATIONS[-1].id
