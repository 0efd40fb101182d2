"""Cached access to the store for the pages. Pages call these, never SQL.

The database path comes from `TILLIT_DB` (set by `tillit dashboard`). Query results are cached for a
minute with `st.cache_data`, keyed by the filter values, so reruns from widget changes stay fast while
new ingests still show up soon.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard.auth import User
from rebuttals import Catalog, Claim, default_catalog, load_catalog
from rebuttals.edit import set_status
from rebuttals.export import Organisation, response_id
from store import PostFilter, Review, Store, queries

TTL = 60


def db_path() -> str:
    return os.environ.get("TILLIT_DB", "data/tillit.duckdb")


@st.cache_resource
def _store(path: str) -> Store:
    return Store(path, lock_timeout=10.0)


def store() -> Store:
    return _store(db_path())


def available() -> bool:
    return store().exists()


def claims_dir() -> Path | None:
    """The claim files: `TILLIT_CLAIMS_DIR`, else the library shipped in `rebuttals/claims`."""
    value = os.environ.get("TILLIT_CLAIMS_DIR")
    return Path(value) if value else None


@st.cache_resource
def _catalog(directory: str | None) -> Catalog:
    return load_catalog(Path(directory)) if directory else default_catalog()


def catalog() -> Catalog:
    folder = claims_dir()
    return _catalog(str(folder) if folder else None)


def set_response_status(claim: Claim, lang: str, status: str, user: User) -> int:
    """An editor approves or withdraws a response; the claim file changes and is reloaded."""
    version = set_status(claim.id, lang, status, f"{user.role}: {user.name}", claims_dir())
    _catalog.clear()
    return version


@st.cache_data(ttl=TTL, show_spinner=False)
def _posts(path: str, flt: PostFilter, limit: int = 500) -> pd.DataFrame:
    return queries.posts(_store(path), flt, limit=limit)


def posts(flt: PostFilter, limit: int = 500) -> pd.DataFrame:
    return _posts(db_path(), flt, limit)


@st.cache_data(ttl=TTL, show_spinner=False)
def _count_posts(path: str, flt: PostFilter) -> int:
    return queries.count_posts(_store(path), flt)


def count_posts(flt: PostFilter) -> int:
    return _count_posts(db_path(), flt)


@st.cache_data(ttl=TTL, show_spinner=False)
def _timeline(path: str, flt: PostFilter, granularity: str) -> pd.DataFrame:
    return queries.timeline(_store(path), flt, granularity)


def timeline(flt: PostFilter, granularity: str) -> pd.DataFrame:
    return _timeline(db_path(), flt, granularity)


@st.cache_data(ttl=TTL, show_spinner=False)
def _breakdowns(path: str, flt: PostFilter) -> dict[str, pd.DataFrame]:
    return queries.breakdowns(_store(path), flt)


def breakdowns(flt: PostFilter) -> dict[str, pd.DataFrame]:
    """Platform, language and source breakdowns from one query."""
    return _breakdowns(db_path(), flt)


@st.cache_data(ttl=TTL, show_spinner=False)
def _filter_options(path: str) -> dict[str, list[str]]:
    return queries.filter_options(_store(path))


def filter_options() -> dict[str, list[str]]:
    return _filter_options(db_path())


@st.cache_data(ttl=TTL, show_spinner=False)
def _date_span(path: str) -> tuple[datetime | None, datetime | None]:
    return queries.date_span(_store(path))


def date_span() -> tuple[datetime | None, datetime | None]:
    return _date_span(db_path())


# Reviews change with every click, so they are read fresh (they are small) and never cached.
def review_queue(limit: int = 50) -> pd.DataFrame:
    return queries.review_queue(store(), limit)


def review_summary() -> dict:
    return queries.review_summary(store())


def add_review(review: Review) -> int:
    rid = queries.add_review(store(), review)
    st.cache_data.clear()
    return rid


@st.cache_data(ttl=TTL, show_spinner=False)
def _source_health(path: str) -> list[dict]:
    return queries.source_health(_store(path))


def source_health() -> list[dict]:
    return _source_health(db_path())


@st.cache_data(ttl=TTL, show_spinner=False)
def _narratives(path: str) -> pd.DataFrame:
    return queries.narratives(_store(path))


def narratives() -> pd.DataFrame:
    return _narratives(db_path())


@st.cache_data(ttl=TTL, show_spinner=False)
def _narrative_posts(path: str, run_id: str, cluster: int) -> pd.DataFrame:
    return queries.narrative_posts(_store(path), run_id, cluster)


def narrative_posts(run_id: str, cluster: int) -> pd.DataFrame:
    return _narrative_posts(db_path(), run_id, cluster)


def add_narrative_note(run_id: str, cluster: int, title: str, note: str, reviewer: str) -> int:
    nid = queries.add_narrative_note(store(), run_id, cluster, title, note or None, reviewer)
    st.cache_data.clear()
    return nid


def organisation() -> Organisation:
    """The publishing organisation, passed in by `tillit dashboard` from the config."""
    return Organisation(
        os.environ.get("TILLIT_ORG_NAME", "Tillit (demo)"),
        os.environ.get("TILLIT_ORG_URL", "https://example.org"),
        os.environ.get("TILLIT_ORG_CONTACT", ""),
    )


def record_response_event(claim: Claim, lang: str, action: str, user: str | None = None) -> None:
    queries.record_response_event(
        store(), response_id(claim, lang), claim.id, lang, claim.version, action, user
    )
