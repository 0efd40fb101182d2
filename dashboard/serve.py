"""Entry point `tillit dashboard` execs: the Streamlit server with the dashboard's modules imported.

Streamlit imports a page's modules only when the first visitor's session runs the script, so the
first page view used to pay for pandas, Altair, the store and the claim catalog (about 0.7 s of a
2.3 s cold load). Importing them here, before the server starts, moves that cost to start-up.
Usage (what the CLI runs): `python -m dashboard.serve run dashboard/app.py --server.port ...`.
"""

from __future__ import annotations

import sys


def preload() -> None:
    """Import what every page needs, and read the claim catalog once."""
    import altair  # noqa: F401
    import pandas  # noqa: F401

    from dashboard import auth, data, i18n, widgets  # noqa: F401
    from rebuttals import default_catalog
    from store import trends  # noqa: F401

    default_catalog()


def main() -> int:
    preload()
    from streamlit.web import cli

    sys.argv = ["streamlit", *sys.argv[1:]]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
