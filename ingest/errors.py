"""Errors raised while ingesting.

Hierarchy::

    IngestError              base
    ├── FetchError           a request failed (network, HTTP status, size cap, robots.txt, scheme)
    ├── SourceConfigError    a source's settings cannot work (missing url, credential env var unset)
    └── ParseError           a response or file could not be read as the expected format
"""


class IngestError(Exception):
    """Base class for ingest errors; the runner records them as the source's last error."""


class FetchError(IngestError):
    pass


class SourceConfigError(IngestError):
    pass


class ParseError(IngestError):
    pass
