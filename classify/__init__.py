"""Multilingual, stance-aware claim detection on sentence embeddings. Never touches HTTP."""

from classify.classifier import Classifier, Result
from classify.embed import DEFAULT_MODEL, Embedder, get_embedder
from classify.errors import ClassifyError, EmbedderError, ModelError, TrainingDataError
from classify.model import ClaimModel, Example, ModelParams, Prediction

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
