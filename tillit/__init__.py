"""Tillit's composition root: the CLI, the typed config and the pipeline that wires the organs."""

__version__ = "0.1.0"
