"""Collectors for the places these claims spread; every source yields one normalised Document type."""

from ingest.errors import FetchError, IngestError, ParseError, SourceConfigError
from ingest.http import HttpSettings, build_client
from ingest.runner import RunReport, run_source, run_sources
from ingest.sources import SOURCES, Cursor, SourceSpec, build_source, kinds

__all__ = [
    "SOURCES",
    "Cursor",
    "FetchError",
    "HttpSettings",
    "IngestError",
    "ParseError",
    "RunReport",
    "SourceConfigError",
    "SourceSpec",
    "build_client",
    "build_source",
    "kinds",
    "run_source",
    "run_sources",
]
