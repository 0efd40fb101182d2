"""Errors of the composition root.

Hierarchy::

    TillitError          base; the CLI prints any of these (and the organs' errors) as one line
    ├── ConfigError      the config file or an env override is invalid (file, key and fix named)
    └── UsageError       a command was called with arguments that cannot work together
"""


class TillitError(Exception):
    """Base class for errors the CLI reports as one line."""


class ConfigError(TillitError):
    pass


class UsageError(TillitError):
    pass
