"""The store: migrations, dedupe, privacy of authors, classifications, stats and exports."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime

import openpyxl
import pandas as pd
import pytest

from store import (
    Classification,
    Document,
    ExportError,
    PostFilter,
    Review,
    SourceState,
    Store,
    StoreBusy,
    StoreNotInitialised,
    queries,
)
from store.migrations import latest_version


@pytest.fixture
def store(tmp_path) -> Store:
    s = Store(tmp_path / "t.duckdb", author_salt=b"pepper", lock_timeout=2)
    queries.init(s)
    return s


def doc(n: int, text: str = "soc tar barn", **kw) -> Document:
    return Document(
        source="s1",
        native_id=f"n{n}",
        text=f"{text} {n}",
        platform="x",
        published_at=datetime(2026, 10, 1 + n % 28, 12),
        **kw,
    )


def test_init_is_idempotent_and_records_migrations(store):
    assert queries.init(store) == []
    with store.read() as con:
        ids = [r[0] for r in con.execute("SELECT id FROM schema_migrations").fetchall()]
    assert ids == list(range(1, latest_version() + 1))


def test_reading_a_missing_database_says_to_run_init(tmp_path):
    with pytest.raises(StoreNotInitialised, match="tillit init"):
        queries.stats(Store(tmp_path / "none.duckdb"))


def test_add_documents_skips_known_ids_and_duplicates_within_a_batch(store):
    assert queries.add_documents(store, [doc(1), doc(2), doc(1)]) == 2
    assert queries.add_documents(store, [doc(1), doc(3)]) == 1
    assert queries.count_documents(store) == 3


def test_author_handles_are_stored_only_as_salted_hashes(store, tmp_path):
    queries.add_documents(store, [doc(1, author="@umm_yusuf88")])
    with store.read() as con:
        (value,) = con.execute("SELECT author_hash FROM documents").fetchone()
    raw = (tmp_path / "t.duckdb").read_bytes()
    assert value and "umm_yusuf88" not in value
    assert b"umm_yusuf88" not in raw
    other = Store(tmp_path / "u.duckdb", author_salt=b"other")
    queries.init(other)
    queries.add_documents(other, [doc(1, author="@umm_yusuf88")])
    with other.read() as con:
        assert con.execute("SELECT author_hash FROM documents").fetchone()[0] != value


def test_a_model_classifies_a_document_once_and_stats_count_the_active_model(store):
    queries.add_documents(store, [doc(1), doc(2), doc(3)])
    first = [
        Classification(doc(1).id, "m1", "kidnapping", "spreads", 0.9),
        Classification(doc(2).id, "m1", "kidnapping", "debunks", 0.8),
        Classification(doc(3).id, "m1", None, "neutral", 0.7),
    ]
    assert queries.add_classifications(store, first) == 3
    assert queries.add_classifications(store, first) == 0
    assert queries.pending_documents(store, "m1", 10) == []
    assert len(queries.pending_documents(store, "m2", 10)) == 3
    queries.set_active_model(store, "m1")
    stats = queries.stats(store)
    assert (stats["documents"], stats["classified"], stats["flagged"]) == (3, 3, 1)
    assert stats["claims"] == {"kidnapping": 1}
    queries.set_active_model(store, "m2")
    assert queries.stats(store)["flagged"] == 0


def test_record_fetch_saves_documents_state_and_health_together(store):
    state = SourceState(
        "feed",
        "rss",
        last_fetch_at=datetime(2026, 11, 1),
        last_ok_at=None,
        last_error="HTTP 500",
        etag='"abc"',
    )
    assert queries.record_fetch(store, state, [doc(1)]) == 1
    saved = queries.get_source_state(store, "feed")
    assert saved.etag == '"abc"' and saved.last_error == "HTTP 500"
    (row,) = queries.stats(store)["sources"]
    assert row == {
        "name": "feed",
        "kind": "rss",
        "last_fetch_at": "2026-11-01T00:00:00Z",
        "last_ok_at": None,
        "last_error": "HTTP 500",
        "documents": 0,
    }


def test_embeddings_are_cached_by_content_hash_and_model(store):
    import numpy as np

    queries.put_embeddings(store, "e5", {"h1": np.ones(4), "h2": np.zeros(4)})
    queries.put_embeddings(store, "e5", {"h1": np.zeros(4)})  # first write wins
    got = queries.cached_embeddings(store, "e5", ["h1", "h3"])
    assert list(got) == ["h1"] and got["h1"].tolist() == [1, 1, 1, 1]
    assert queries.cached_embeddings(store, "other", ["h1"]) == {}


def _seed(store):
    docs = [
        doc(i, text='=HYPERLINK("http://evil")' if i == 0 else "soc tar barn") for i in range(6)
    ]
    queries.add_documents(store, docs)
    queries.add_classifications(
        store,
        [
            Classification(
                d.id, "m", "kidnapping" if i % 2 else None, "spreads" if i % 2 else "neutral", 0.5
            )
            for i, d in enumerate(docs)
        ],
    )
    queries.set_active_model(store, "m")


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "xlsx", "parquet"])
def test_export_writes_every_format_with_filters(store, tmp_path, fmt):
    _seed(store)
    out = tmp_path / f"out.{fmt}"
    n = queries.export(store, out, fmt, PostFilter(flagged_only=True))
    assert n == 3
    if fmt == "csv":
        df = pd.read_csv(out)
    elif fmt == "jsonl":
        df = pd.DataFrame([json.loads(line) for line in out.read_text().splitlines()])
    elif fmt == "xlsx":
        df = pd.read_excel(out)
    else:
        df = pd.read_parquet(out)
    assert len(df) == 3 and set(df["claim"]) == {"kidnapping"}
    assert {"id", "text", "stance", "score", "published_at", "url"} <= set(df.columns)


def test_xlsx_export_never_writes_formulas(store, tmp_path):
    _seed(store)
    out = tmp_path / "all.xlsx"
    queries.export(store, out, "xlsx", PostFilter())
    sheet = openpyxl.load_workbook(out).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_export_rejects_unknown_format_and_missing_folder(store, tmp_path):
    with pytest.raises(ExportError, match="unknown export format"):
        queries.export(store, tmp_path / "x", "pdfx", PostFilter())
    with pytest.raises(ExportError, match="does not exist"):
        queries.export(store, tmp_path / "no" / "x.csv", "csv", PostFilter())


def test_post_filter_search_treats_wildcards_literally(store):
    queries.add_documents(store, [doc(1, text="100% lögn"), doc(2, text="1000 lögner")])
    assert queries.count_posts(store, PostFilter(search="100%")) == 1
    assert queries.count_posts(store, PostFilter(search="LÖGN")) == 2


def test_reviews_are_stored_with_time_and_reviewer(store):
    queries.add_documents(store, [doc(1)])
    rid = queries.add_review(
        store, Review(doc(1).id, "confirm", "analyst-1", "kidnapping", "spreads", "m")
    )
    df = queries.reviews(store)
    assert rid == 1 and df.loc[0, "reviewer"] == "analyst-1" and df.loc[0, "verdict"] == "confirm"


_HOLDER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("ready", flush=True)
sys.stdin.read()
"""


def test_a_locked_database_is_retried_then_reported_busy(store):
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(store.path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreBusy, match="locked by another process"):
            queries.stats(store)
    finally:
        holder.stdin.close()
        holder.wait(30)
        holder.stdout.close()
    assert queries.stats(store)["documents"] == 0


def test_a_repost_gets_the_classification_of_its_original_without_a_model_run(tmp_path):
    from datetime import datetime

    from store import Classification, Document, Store, queries

    store = Store(tmp_path / "r.duckdb")
    queries.init(store)
    original = Document(
        source="a", native_id="1", text="soc tar barn", published_at=datetime(2026, 11, 1)
    )
    repost = Document(
        source="b", native_id="9", text="soc tar barn", published_at=datetime(2026, 11, 2)
    )
    other = Document(source="b", native_id="10", text="ny lag", published_at=datetime(2026, 11, 2))
    queries.add_documents(store, [original, repost, other])
    queries.add_classifications(
        store, [Classification(original.id, "m", "kidnapping", "spreads", 0.8)]
    )
    assert queries.copy_repost_classifications(store, "m") == 1
    assert [row[0] for row in queries.pending_documents(store, "m", 10)] == [other.id]
    assert queries.copy_repost_classifications(store, "m") == 0
    assert queries.copy_repost_classifications(store, "other-model") == 0
