"""Backup and restore keep every row: counts and checksums match, and nothing is overwritten."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from store import Classification, Document, Review, Store, StoreError, queries
from store.backup import backup, checksums, restore


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "live.duckdb", author_salt=b"s")
    queries.init(store)
    docs = [
        Document(
            source="x",
            native_id=str(i),
            text=f"post {i} åäö السوسيال",
            author=f"@u{i % 3}",
            published_at=datetime(2026, 11, 1 + i % 20),
        )
        for i in range(50)
    ]
    queries.add_documents(store, docs)
    queries.add_classifications(
        store, [Classification(d.id, "m", "kidnapping", "spreads", 0.7) for d in docs]
    )
    queries.put_embeddings(
        store, "e5", {d.content_hash: np.arange(4, dtype=np.float32) for d in docs}
    )
    queries.add_review(store, Review(docs[0].id, "confirm", "anna", "kidnapping", "spreads"))
    return store


def test_a_restored_backup_has_the_same_rows_and_checksums(store, tmp_path):
    folder = backup(store, tmp_path / "bk")
    restored = Store(restore(folder, tmp_path / "restored.duckdb"))
    assert checksums(restored) == checksums(store)
    assert checksums(store)["documents"][0] == 50
    assert queries.init(restored) == []  # the migration history came along


def test_restore_never_overwrites_a_database(store, tmp_path):
    folder = backup(store, tmp_path / "bk")
    with pytest.raises(StoreError, match="refusing to overwrite"):
        restore(folder, store.path)


def test_backup_refuses_a_non_empty_folder_and_restore_a_non_backup(store, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(StoreError, match="not empty"):
        backup(store, tmp_path / "full")
    with pytest.raises(StoreError, match="not a Tillit backup"):
        restore(tmp_path / "full", tmp_path / "new.duckdb")
