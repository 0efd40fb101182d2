"""Classify texts and stored documents with an embedder and a claim model.

Embeddings of stored documents are cached in the store by content hash and encoder name, so a repost
costs nothing and switching encoders recomputes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from classify.embed import Embedder
from classify.lang import detect_many
from classify.model import ClaimModel, Prediction
from store import Classification, Store, queries


@dataclass(frozen=True)
class Result:
    prediction: Prediction
    lang: str

    def as_contract(self, doc_id) -> dict:
        """The JSON shape of `tillit classify --in/--out`."""
        p = self.prediction
        return {
            "id": doc_id,
            "claim": p.claim,
            "stance": p.stance,
            "score": round(min(max(p.score, 0.0), 1.0), 4),
            "lang": self.lang,
        }


class Classifier:
    def __init__(self, embedder: Embedder, model: ClaimModel, default_lang: str = "sv") -> None:
        # A model with fine-tuned encoder layers reads their embeddings, not the plain ones.
        self.embedder = model.embedder_for(embedder)
        self.model = model
        self.default_lang = default_lang

    @property
    def version(self) -> str:
        return self.model.version

    def classify(self, texts: Sequence[str]) -> list[Result]:
        vectors = self.embedder.embed(list(texts))
        return self._results(vectors, texts)

    def _results(self, vectors, texts: Sequence[str]) -> list[Result]:
        predictions = self.model.predict(vectors, texts)
        languages = detect_many(texts, self.default_lang)
        return [Result(p, lang) for p, lang in zip(predictions, languages, strict=True)]

    def classify_store(
        self,
        store: Store,
        batch_size: int = 256,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Classify every stored document this model has not seen; returns how many were done.

        Each batch is written in its own transaction, so an interrupted run resumes where it stopped.
        """
        queries.set_active_model(store, self.version)
        done = queries.copy_repost_classifications(store, self.version)
        if progress and done:
            progress(done)
        while True:
            batch = queries.pending_documents(store, self.version, batch_size)
            if not batch:
                return done
            if done and len(batch) < batch_size:
                # Near the end: reposts of texts classified earlier in this run are copied.
                copied = queries.copy_repost_classifications(store, self.version)
                if copied:
                    done += copied
                    if progress:
                        progress(copied)
                    continue
            ids, texts, hashes = zip(*batch, strict=True)
            cached = queries.cached_embeddings(store, self.embedder.name, hashes)
            missing = {h: t for h, t in zip(hashes, texts, strict=True) if h not in cached}
            if missing:
                fresh = self.embedder.embed(list(missing.values()))
                new = dict(zip(missing, fresh, strict=True))
                queries.put_embeddings(store, self.embedder.name, new)
                cached.update(new)
            vectors = np.vstack([cached[h] for h in hashes])
            results = self._results(vectors, texts)
            queries.add_classifications(
                store,
                [
                    Classification(
                        document_id=doc_id,
                        model_version=self.version,
                        claim=r.prediction.claim,
                        stance=r.prediction.stance,
                        score=r.prediction.score,
                        relevance=r.prediction.relevance,
                        lang=r.lang,
                        band=r.prediction.band,
                        suggested_claim=r.prediction.suggested_claim,
                    )
                    for doc_id, r in zip(ids, results, strict=True)
                ],
            )
            done += len(batch)
            if progress:
                progress(len(batch))
