"""Small shared widgets and helpers for the pages (period picker, claim labels, charts)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import auth, data, state
from dashboard.i18n import current, t
from dashboard.state import CURRENT_USER


def claim_label(claim_id: str | None) -> str:
    if not claim_id:
        return "—"
    for claim in data.catalog():
        if claim.id == claim_id:
            return claim.label(current())
    return claim_id


def period_picker(key: str, default_days: int = 70) -> tuple[datetime, datetime] | None:
    """A date range defaulting to the last `default_days` of data; returns [since, until)."""
    first, last = data.date_span()
    if last is None:
        return None
    end = last.date()
    start = max(first.date(), end - timedelta(days=default_days))
    picked = st.date_input(
        t("period"), value=(start, end), min_value=first.date(), max_value=end, key=key
    )
    if isinstance(picked, tuple | list) and len(picked) == 2:
        start, end = picked
    elif isinstance(picked, date):
        start = end = picked
    return datetime.combine(start, datetime.min.time()), datetime.combine(
        end + timedelta(days=1), datetime.min.time()
    )


def trend_chart(timeline: pd.DataFrame, spikes: pd.DataFrame | None = None) -> alt.Chart:
    """Posts per period per claim as lines, spike days as red points."""
    df = timeline.copy()
    df["claim_label"] = df["claim"].map(claim_label)
    lines = (
        alt.Chart(df)
        .mark_line(point=True)
        .encode(
            x=alt.X("period:T", title=t("date")),
            y=alt.Y("posts:Q", title=t("posts")),
            color=alt.Color("claim_label:N", title=t("claim")),
            tooltip=[
                alt.Tooltip("period:T", title=t("date")),
                alt.Tooltip("claim_label:N", title=t("claim")),
                alt.Tooltip("posts:Q", title=t("posts")),
            ],
        )
    )
    if spikes is None or spikes.empty:
        return lines
    marks = spikes.copy()
    marks["claim_label"] = marks["claim"].map(claim_label)
    points = (
        alt.Chart(marks)
        .mark_point(color="red", size=160, filled=True)
        .encode(
            x="period:T",
            y="posts:Q",
            tooltip=["claim_label:N", "period:T", "posts:Q", "baseline:Q"],
        )
    )
    return lines + points


def acting_user(min_role: str = "viewer") -> str:
    """The name to record for this page's actions; stops the page when the role is too low.

    Without login (loopback) several analysts may share the machine, so they type their name;
    with login, the signed-in user is used.
    """
    user = st.session_state[CURRENT_USER]
    if not user.can(min_role):
        st.info(t("needs_role", role=t(f"role_{min_role}")))
        st.stop()
    if auth.mode() == "none":
        return st.text_input(t("reviewer"), key=state.REVIEWER, value="analytiker") or "okänd"
    return user.name


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def escape_markdown(text: str) -> str:
    """Text shown inside st.markdown is taken literally (no links, emphasis or HTML)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
