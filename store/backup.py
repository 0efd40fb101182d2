"""Backup and restore with DuckDB's own `EXPORT DATABASE` / `IMPORT DATABASE`.

A backup is a folder of Parquet files plus the schema and load scripts DuckDB writes. It is taken
through a read-only connection, so it runs while the dashboard and the scheduler work (it waits for a
running write like any reader). Restore loads into a *new* file and refuses to overwrite a database:
swapping the live file is the operator's deliberate step. `checksums` lets a test (or an operator)
confirm a restore holds exactly what was backed up.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from store.db import Store
from store.errors import StoreError

_TABLES_CHECKED = (
    "documents",
    "classifications",
    "reviews",
    "sources",
    "embeddings",
    "audit_log",
    "response_events",
)


def backup(store: Store, target: Path) -> Path:
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise StoreError(f"backup folder {target} is not empty; pick a new folder")
    target.mkdir(parents=True, exist_ok=True)
    with store.read() as con:
        con.execute(f"EXPORT DATABASE '{_quoted(target)}' (FORMAT parquet)")
    return target


def restore(source: Path, target: Path) -> Path:
    source, target = Path(source), Path(target)
    if not (source / "schema.sql").exists():
        raise StoreError(f"{source} is not a Tillit backup (no schema.sql); use `tillit backup`")
    if target.exists():
        raise StoreError(
            f"refusing to overwrite the database {target}; move it away or restore to a new path"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(target))
    try:
        con.execute(f"IMPORT DATABASE '{_quoted(source)}'")
    except duckdb.Error:
        con.close()
        target.unlink(missing_ok=True)
        raise
    con.close()
    return target


def checksums(store: Store) -> dict[str, tuple[int, int]]:
    """(row count, order-independent hash of every row) per table."""
    out = {}
    with store.read() as con:
        present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        for table in _TABLES_CHECKED:
            if table in present:
                out[table] = tuple(
                    con.execute(
                        f"SELECT count(*), coalesce(bit_xor(hash(t)), 0) FROM {table} t"
                    ).fetchone()
                )
    return out


def _quoted(path: Path) -> str:
    return str(path.resolve()).replace("'", "''")
