"""Errors raised by the store.

Hierarchy::

    StoreError                 base for everything the store raises
    ├── StoreBusy              the database file stayed locked by another process past the timeout
    ├── StoreNotInitialised    the file does not exist or has no schema yet (run `tillit init`)
    └── ExportError            an export could not be written (bad format, path, filter)
"""


class StoreError(Exception):
    """Base class for store errors; messages say what the user can do."""


class StoreBusy(StoreError):
    pass


class StoreNotInitialised(StoreError):
    pass


class ExportError(StoreError):
    pass
