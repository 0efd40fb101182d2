"""Errors raised by the classifier.

Hierarchy::

    ClassifyError              base
    ├── EmbedderError          the embedding backend cannot be loaded (unknown spec, missing package)
    ├── ModelError             a saved model folder is missing, incomplete or from another encoder
    └── TrainingDataError      labelled data is missing or malformed (file and line named)
"""


class ClassifyError(Exception):
    """Base class for classifier errors."""


class EmbedderError(ClassifyError):
    pass


class ModelError(ClassifyError):
    pass


class TrainingDataError(ClassifyError):
    pass
