"""Errors raised by the rebuttal library.

Hierarchy::

    RebuttalError            base
    └── CatalogError         a claim file is missing, unreadable or does not match the schema
"""


class RebuttalError(Exception):
    """Base class for rebuttal-library errors."""


class CatalogError(RebuttalError):
    pass
