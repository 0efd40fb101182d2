"""Flaggade inlägg: a filterable table of posts; the filters live in the URL query string."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import streamlit as st

from dashboard import data, state
from dashboard.i18n import t
from dashboard.widgets import claim_label
from store import PostFilter

STANCES = ("spreads", "debunks", "neutral")
LIMIT = 500

st.title(t("page_flagged"))
st.caption(t("share_view"))

params = st.query_params
options = data.filter_options()
claim_ids = list(data.catalog().ids)


def _from_query(name: str, allowed: list[str], default: list[str]) -> list[str]:
    values = [v for v in params.get_all(name) if v in allowed]
    return values or default


def _date_from_query(name: str) -> date | None:
    try:
        return date.fromisoformat(params.get(name, ""))
    except ValueError:
        return None


first, last = data.date_span()
if last is None:
    st.info(t("no_data"))
    st.stop()

with st.container(border=True):
    c1, c2, c3 = st.columns(3)
    claims = c1.multiselect(
        t("claim"), claim_ids, _from_query(state.Q_CLAIM, claim_ids, []), format_func=claim_label
    )
    stances = c2.multiselect(
        t("stance"),
        list(STANCES),
        _from_query(state.Q_STANCE, list(STANCES), ["spreads"]),
        format_func=t,
    )
    platforms = c3.multiselect(
        t("platform"), options["platforms"], _from_query(state.Q_PLATFORM, options["platforms"], [])
    )
    c4, c5, c6 = st.columns(3)
    langs = c4.multiselect(
        t("lang"), options["langs"], _from_query(state.Q_LANG, options["langs"], [])
    )
    sources = c5.multiselect(
        t("source"), options["sources"], _from_query(state.Q_SOURCE, options["sources"], [])
    )
    try:
        min_score_default = min(max(float(params.get(state.Q_MIN_SCORE, 0.0)), 0.0), 1.0)
    except ValueError:
        min_score_default = 0.0
    min_score = c6.slider(t("min_score"), 0.0, 1.0, min_score_default, 0.05)
    c7, c8 = st.columns([1, 2])
    since_default = _date_from_query(state.Q_SINCE) or first.date()
    until_default = _date_from_query(state.Q_UNTIL) or last.date()
    period = c7.date_input(t("period"), (since_default, until_default))
    search = c8.text_input(t("search"), params.get(state.Q_SEARCH, ""))

since_day, until_day = (
    period
    if isinstance(period, tuple | list) and len(period) == 2
    else (since_default, until_default)
)

# Write the filters back into the URL so the view can be bookmarked and shared.
st.query_params.from_dict(
    {
        state.Q_CLAIM: claims,
        state.Q_STANCE: stances,
        state.Q_PLATFORM: platforms,
        state.Q_LANG: langs,
        state.Q_SOURCE: sources,
        state.Q_MIN_SCORE: f"{min_score:.2f}",
        state.Q_SINCE: since_day.isoformat(),
        state.Q_UNTIL: until_day.isoformat(),
        state.Q_SEARCH: search,
    }
)

flt = PostFilter(
    claims=tuple(claims),
    stances=tuple(stances),
    platforms=tuple(platforms),
    langs=tuple(langs),
    sources=tuple(sources),
    since=datetime.combine(since_day, datetime.min.time()),
    until=datetime.combine(until_day + timedelta(days=1), datetime.min.time()),
    min_score=min_score,
    search=search,
    flagged_only=stances == ["spreads"],
)
total = data.count_posts(flt)
rows = data.posts(flt, LIMIT)
st.write(t("posts_shown", shown=len(rows), total=total))

table = rows.assign(
    claim=rows["claim"].map(claim_label),
    stance=rows["stance"].map(lambda s: t(s) if isinstance(s, str) else "—"),
)
table = table[
    [
        "published_at",
        "claim",
        "stance",
        "score",
        "platform",
        "lang",
        "source",
        "text",
        "url",
        "duplicates",
    ]
]
# st.dataframe renders every cell as plain text: post text is never interpreted as markup.
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_config={
        "published_at": st.column_config.DatetimeColumn(t("date"), format="YYYY-MM-DD HH:mm"),
        "claim": t("claim"),
        "stance": t("stance"),
        "score": st.column_config.ProgressColumn(
            t("score"), min_value=0.0, max_value=1.0, format="%.2f"
        ),
        "platform": t("platform"),
        "lang": t("lang"),
        "source": t("source"),
        "text": st.column_config.TextColumn(t("text"), width="large"),
        "url": st.column_config.LinkColumn(t("link"), validate=r"^https?://", display_text="↗"),
        "duplicates": st.column_config.NumberColumn(t("duplicates")),
    },
)
