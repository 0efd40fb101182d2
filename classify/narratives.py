"""New narratives: clusters of relevant posts that match none of the catalog's claims.

The claim model only knows the eight claims it was trained on. A campaign that starts a ninth shows up
as relevant, non-neutral posts with no claim. Clustering their embeddings groups the ones that say the
same thing, so an analyst sees "12 posts this week about X" instead of 200 loose posts, and can propose X
for the catalog.

Average-linkage agglomerative clustering on cosine distance, cut at a fixed distance: no number of
clusters to guess, the cut reads as "posts in a cluster are on average at least this similar", and it
is deterministic on the few dozen posts a municipality sees per week (HDBSCAN, tried first, calls
everything noise on samples that small). Clusters below `min_cluster_size` are noise. The cut depends
on the encoder's similarity scale: multilingual-e5 packs all texts into cosine 0.7-1.0, so its default
cut is much tighter than for other sentence-transformers models.

Growth compares the last `window` days with the `window` days before, counted back from the newest
post, so an old database still shows which clusters were growing at its end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer

from classify.embed import DEFAULT_MODEL, Embedder
from store import Store, queries, utcnow
from store.queries import Narrative


@dataclass(frozen=True)
class NarrativeSettings:
    min_cluster_size: int = 5
    min_relevance: float = 0.5
    window_days: int = 7
    representatives: int = 5
    terms: int = 6
    max_distance: float | None = None  # cosine distance cut; None = the encoder's default
    max_posts: int = 5000  # newest first; the clustering is quadratic in memory

    def cut_for(self, encoder: str) -> float:
        if self.max_distance is not None:
            return self.max_distance
        return 0.15 if encoder == DEFAULT_MODEL else 0.45


def cluster(vectors: np.ndarray, min_cluster_size: int, max_distance: float) -> np.ndarray:
    """Cluster labels 0..k-1 for clusters of at least `min_cluster_size` posts, -1 for the rest."""
    if len(vectors) < max(min_cluster_size, 2):
        return np.full(len(vectors), -1)
    raw = AgglomerativeClustering(
        n_clusters=None, distance_threshold=max_distance, metric="cosine", linkage="average"
    ).fit_predict(vectors)
    sizes = np.bincount(raw)
    keep = [
        label for label in np.argsort(-sizes, kind="stable") if sizes[label] >= min_cluster_size
    ]
    mapping = {int(label): i for i, label in enumerate(keep)}
    return np.array([mapping.get(int(label), -1) for label in raw])


def top_terms(texts: Sequence[str], labels: np.ndarray, n: int) -> dict[int, str]:
    """Words that set each cluster apart: its mean TF-IDF minus the mean over all candidates."""
    if not len(texts):
        return {}
    vectorizer = TfidfVectorizer(token_pattern=r"(?u)\b\w\w\w+\b", sublinear_tf=True, max_df=0.5)
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # only stop-like words
        return {}
    words = np.asarray(vectorizer.get_feature_names_out())
    overall = np.asarray(matrix.mean(axis=0)).ravel()
    out = {}
    for label in sorted(set(labels) - {-1}):
        mean = np.asarray(matrix[labels == label].mean(axis=0)).ravel()
        out[int(label)] = ", ".join(words[np.argsort(overall - mean)[:n]])
    return out


def find_narratives(
    store: Store,
    embedder: Embedder,
    settings: NarrativeSettings | None = None,
    run_id: str | None = None,
) -> list[Narrative]:
    """Cluster today's unmatched posts and save the run; returns its clusters."""
    settings = settings or NarrativeSettings()
    rows = queries.unmatched_posts(store, settings.min_relevance)
    rows = sorted(rows, key=lambda r: r[3] or datetime.min, reverse=True)[: settings.max_posts]
    run_id = run_id or utcnow().strftime("%Y%m%dT%H%M%S")
    if not rows:
        queries.save_narratives(store, run_id, [])
        return []
    ids, texts, hashes, times = zip(*rows, strict=True)
    vectors = _vectors(store, embedder, texts, hashes)
    labels = cluster(vectors, settings.min_cluster_size, settings.cut_for(embedder.name))
    terms = top_terms(texts, labels, settings.terms)
    newest = max(t for t in times if t is not None)
    recent_from = newest - timedelta(days=settings.window_days)
    previous_from = recent_from - timedelta(days=settings.window_days)
    found = []
    for label in sorted(set(labels) - {-1}):
        members = np.flatnonzero(labels == label)
        centre = vectors[members].mean(axis=0)
        order = members[np.argsort(-(vectors[members] @ centre))]
        when = [times[i] for i in members if times[i] is not None]
        found.append(
            Narrative(
                cluster=int(label),
                size=len(members),
                recent=sum(t > recent_from for t in when),
                previous=sum(previous_from < t <= recent_from for t in when),
                terms=terms.get(int(label), ""),
                first_seen=min(when) if when else None,
                last_seen=max(when) if when else None,
                posts=tuple(ids[i] for i in order[: settings.representatives]),
            )
        )
    queries.save_narratives(store, run_id, found)
    return found


def _vectors(store: Store, embedder: Embedder, texts, hashes) -> np.ndarray:
    cached = queries.cached_embeddings(store, embedder.name, hashes)
    missing = {h: t for h, t in zip(hashes, texts, strict=True) if h not in cached}
    if missing:
        fresh = dict(zip(missing, embedder.embed(list(missing.values())), strict=True))
        queries.put_embeddings(store, embedder.name, fresh)
        cached.update(fresh)
    return np.vstack([cached[h] for h in hashes])
