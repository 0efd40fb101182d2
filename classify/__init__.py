"""Multilingual, stance-aware claim detection on sentence embeddings. Never touches HTTP.

Names are loaded on first use (PEP 562): importing `classify.errors` — as every CLI command does —
then costs nothing, and scikit-learn (about 2.5 s to import) loads only for commands that classify.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from classify.errors import ClassifyError, EmbedderError, ModelError, TrainingDataError

if TYPE_CHECKING:
    from classify.classifier import Classifier, Result
    from classify.embed import DEFAULT_MODEL, Embedder, get_embedder
    from classify.model import ClaimModel, Example, ModelParams, Prediction

_LAZY = {
    "Classifier": "classify.classifier",
    "Result": "classify.classifier",
    "DEFAULT_MODEL": "classify.embed",
    "Embedder": "classify.embed",
    "get_embedder": "classify.embed",
    "ClaimModel": "classify.model",
    "Example": "classify.model",
    "ModelParams": "classify.model",
    "Prediction": "classify.model",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'classify' has no attribute {name!r}")


__all__ = [
    "DEFAULT_MODEL",
    "ClaimModel",
    "Classifier",
    "ClassifyError",
    "Embedder",
    "EmbedderError",
    "Example",
    "ModelError",
    "ModelParams",
    "Prediction",
    "Result",
    "TrainingDataError",
    "get_embedder",
]
