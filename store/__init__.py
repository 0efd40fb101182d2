"""DuckDB storage: the schema, its migrations and every SQL statement Tillit runs.

Other packages use `Store` and the functions in `store.queries`; none opens DuckDB itself.
"""

from store import queries, trends
from store.db import Store
from store.errors import ExportError, StoreBusy, StoreError, StoreNotInitialised
from store.queries import EXPORT_FORMATS
from store.records import (
    Classification,
    Document,
    PostFilter,
    Review,
    SourceState,
    content_hash,
    document_id,
    hash_author,
    utcnow,
)

__all__ = [
    "EXPORT_FORMATS",
    "Classification",
    "Document",
    "ExportError",
    "PostFilter",
    "Review",
    "SourceState",
    "Store",
    "StoreBusy",
    "StoreError",
    "StoreNotInitialised",
    "content_hash",
    "document_id",
    "hash_author",
    "queries",
    "trends",
    "utcnow",
]
