"""The `Store`: the one owner of DuckDB connections.

Why short-lived connections: DuckDB lets one process hold a file read-write, and while it does no other
process may open it at all. Tillit runs the scheduler (writer), the dashboard (reader that also stores
reviews) and CLI commands (`stats`, `export`) side by side. So no process keeps the file open: every unit
of work opens a connection, does its statements in one transaction, and closes it. A connection that
meets another process's lock retries with exponential backoff until `lock_timeout` runs out, then raises
`StoreBusy` with a message saying who to wait for. Within one process a lock serialises connections,
because DuckDB refuses a read-only and a read-write connection to the same file in one process.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from store.errors import StoreBusy, StoreNotInitialised

_PROCESS_LOCKS: dict[Path, threading.RLock] = {}
_PROCESS_LOCKS_GUARD = threading.Lock()


def _process_lock(path: Path) -> threading.RLock:
    with _PROCESS_LOCKS_GUARD:
        return _PROCESS_LOCKS.setdefault(path, threading.RLock())


def _is_lock_conflict(exc: duckdb.Error) -> bool:
    msg = str(exc).lower()
    return "lock" in msg or "different configuration" in msg or "resource temporarily" in msg


class Store:
    """Handle on one DuckDB file. Cheap to create; holds no open connection between calls."""

    def __init__(
        self, path: str | Path, *, author_salt: bytes = b"", lock_timeout: float = 30.0
    ) -> None:
        self.path = Path(path).expanduser().resolve()
        self.author_salt = author_salt
        self.lock_timeout = lock_timeout
        self._lock = _process_lock(self.path)

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    def exists(self) -> bool:
        return self.path.exists()

    def _connect(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + self.lock_timeout
        delay = 0.02
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=read_only)
            except (duckdb.IOException, duckdb.ConnectionException) as exc:
                if not _is_lock_conflict(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise StoreBusy(
                        f"the database {self.path} stayed locked by another process for "
                        f"{self.lock_timeout:.0f} s; wait for the running ingest/classify to finish "
                        "or raise [store] lock_timeout"
                    ) from exc
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.5)

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection for one unit of work."""
        if not self.path.exists():
            raise StoreNotInitialised(f"no database at {self.path}; run `tillit init` first")
        with self._lock:
            con = self._connect(read_only=True)
            try:
                yield con
            finally:
                con.close()

    @contextmanager
    def write(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection inside one transaction: all of it lands, or none of it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            con = self._connect(read_only=False)
            try:
                con.begin()
                try:
                    yield con
                except BaseException:
                    con.rollback()
                    raise
                con.commit()
            finally:
                con.close()
