"""GDPR: retention purge, erasure by document/author/source, and the audit log of both."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from store import Classification, Document, Review, Store, queries


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "p.duckdb", author_salt=b"test-salt")
    queries.init(store)
    docs = [
        Document(
            source="fb",
            native_id="1",
            text="soc tar barn",
            author="@Anna_K",
            published_at=datetime(2026, 1, 5),
        ),
        Document(
            source="fb",
            native_id="2",
            text="soc tar barn",
            author="@someone",
            published_at=datetime(2026, 11, 5),
        ),
        Document(
            source="tg",
            native_id="3",
            text="aldrig tillbaka",
            author="anna_k",
            published_at=datetime(2026, 11, 6),
        ),
        Document(
            source="tg",
            native_id="4",
            text="ny lag",
            author="@other",
            published_at=datetime(2026, 11, 7),
        ),
    ]
    queries.add_documents(store, docs)
    queries.add_classifications(
        store, [Classification(d.id, "m", None, "neutral", 0.5) for d in docs]
    )
    queries.set_active_model(store, "m")
    queries.put_embeddings(
        store, "e5", {d.content_hash: np.ones(4, dtype=np.float32) for d in docs}
    )
    queries.add_review(store, Review(docs[0].id, "reject", "analyst"))
    return store, docs


def _ids(store) -> set[str]:
    return set(queries.posts(store, queries.PostFilter(), limit=100)["id"])


def test_forget_author_erases_every_post_by_that_handle_however_written(store):
    store, docs = store
    n = queries.forget(store, author="Anna_K")
    assert n == 2 and _ids(store) == {docs[1].id, docs[3].id}
    assert queries.reviews(store).empty  # the review of an erased post goes too
    entry = queries.audit_log(store).iloc[0]
    assert (entry["action"], entry["rows"]) == ("forget", 2)
    assert "anna" not in entry["filter"].lower()  # the raw handle is never logged


def test_forget_keeps_an_embedding_still_shared_by_a_repost(store):
    store, docs = store
    queries.forget(store, document_id=docs[0].id)
    shared = docs[0].content_hash  # docs[1] has the same text
    assert shared in queries.cached_embeddings(store, "e5", [shared])
    queries.forget(store, document_id=docs[1].id)
    assert not queries.cached_embeddings(store, "e5", [shared])


def test_forget_source_erases_its_documents_and_its_state(store):
    store, docs = store
    queries.register_source(store, "tg", "telegram")
    assert queries.forget(store, source="tg") == 2
    assert _ids(store) == {docs[0].id, docs[1].id}
    assert "tg" not in {s["name"] for s in queries.source_health(store)}


def test_forget_needs_exactly_one_target(store):
    store, _ = store
    with pytest.raises(ValueError, match="exactly one"):
        queries.forget(store, author="a", source="b")


def test_retention_purge_erases_only_older_documents_and_is_audited(store):
    store, docs = store
    assert queries.purge_older_than(store, datetime(2026, 6, 1)) == 1
    assert docs[0].id not in _ids(store) and len(_ids(store)) == 3
    assert queries.audit_log(store).iloc[0]["action"] == "purge"
    assert queries.purge_older_than(store, datetime(2026, 6, 1)) == 0
