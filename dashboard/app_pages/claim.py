"""Påstående: one claim's definition, trend, latest posts and the prepared responses per language."""

from __future__ import annotations

import json

import streamlit as st

from dashboard import data, state
from dashboard.i18n import RESPONSE_LANGS, current, t
from dashboard.state import CURRENT_USER
from dashboard.widgets import claim_label, period_picker, trend_chart
from rebuttals.edit import STATUSES
from rebuttals.export import claim_review, response_markdown
from store import PostFilter

catalog = data.catalog()
ids = list(catalog.ids)
wanted = st.query_params.get(state.Q_CLAIM)
claim_id = st.selectbox(
    t("claim"), ids, index=ids.index(wanted) if wanted in ids else 0, format_func=claim_label
)
st.query_params[state.Q_CLAIM] = claim_id
claim = catalog.get(claim_id)
user = st.session_state[CURRENT_USER]


def _record_once(lang: str, action: str) -> None:
    """Log that a response version was shown, once per browser session (not on every rerun)."""
    seen = st.session_state.setdefault("responses_shown", set())
    key = (claim.id, lang, claim.version)
    if key not in seen:
        seen.add(key)
        data.record_response_event(claim, lang, action)


st.title(claim.label(current()))
st.markdown(f"**{t('definition')}**")
st.text(claim.describe(current()))

period = period_picker("claim_period")
if period is not None:
    since, until = period
    st.subheader(t("trend"))
    timeline = data.timeline(
        PostFilter(claims=(claim_id,), stances=("spreads", "debunks"), since=since, until=until),
        "week",
    )
    if not timeline.empty:
        timeline = timeline.assign(claim=timeline["stance"])
        st.altair_chart(
            trend_chart(timeline.assign(claim=timeline["claim"].map(t))), width="stretch"
        )

st.subheader(t("responses"))
st.caption(t("copy_hint"))
langs = [lang for lang in RESPONSE_LANGS if lang in claim.responses] or ["sv", "en", "ar"]
for column, lang in zip(st.columns(len(langs)), langs, strict=True):
    with column:
        st.markdown(f"#### {RESPONSE_LANGS.get(lang, lang)}")
        response = claim.responses.get(lang)
        if response is None:
            st.info(t("no_response"))
            continue
        st.caption(
            f"{t('status')}: {response.status} · "
            + t("reviewed", date=response.reviewed.date.isoformat(), role=response.reviewed.role)
        )
        st.markdown(f"**{t('short_reply')}**")
        st.code(response.short, language=None, wrap_lines=True)
        st.markdown(f"**{t('long_reply')}**")
        st.code(response.long, language=None, wrap_lines=True)
        st.markdown(f"**{t('sources_title')}**")
        for source in claim.sources_for(response):
            st.link_button(f"{source.publisher}: {source.title}", str(source.url))
        _record_once(lang, "shown")
        org = data.organisation()
        key = f"{claim.id}-{lang}-{claim.version}"
        st.download_button(
            t("download_markdown"),
            response_markdown(claim, lang, org),
            file_name=f"{claim.id}-{lang}-v{claim.version}.md",
            mime="text/markdown",
            key=f"md-{key}",
            on_click=data.record_response_event,
            args=(claim, lang, "downloaded"),
        )
        st.download_button(
            t("download_claimreview"),
            json.dumps(claim_review(claim, lang, org), ensure_ascii=False, indent=2),
            file_name=f"{claim.id}-{lang}-v{claim.version}.jsonld",
            mime="application/ld+json",
            key=f"jsonld-{key}",
            on_click=data.record_response_event,
            args=(claim, lang, "downloaded"),
        )
        if st.button(t("mark_used"), key=f"used-{key}"):
            data.record_response_event(claim, lang, "copied")
            st.toast(t("marked_used"))
        if user.can("editor"):
            status = st.selectbox(
                t("set_status"), STATUSES, index=STATUSES.index(response.status), key=f"st-{key}"
            )
            if st.button(t("save_status"), key=f"save-{key}") and status != response.status:
                version = data.set_response_status(claim, lang, status, user)
                st.toast(t("status_saved", version=version))
                st.rerun()

st.subheader(t("top_posts"))
posts = data.posts(PostFilter(claims=(claim_id,), stances=("spreads",), flagged_only=True), 20)
st.dataframe(
    posts[["published_at", "platform", "lang", "score", "text", "url"]],
    hide_index=True,
    width="stretch",
    column_config={
        "published_at": st.column_config.DatetimeColumn(t("date"), format="YYYY-MM-DD"),
        "platform": t("platform"),
        "lang": t("lang"),
        "score": st.column_config.NumberColumn(t("score"), format="%.2f"),
        "text": st.column_config.TextColumn(t("text"), width="large"),
        "url": st.column_config.LinkColumn(t("link"), validate=r"^https?://", display_text="↗"),
    },
)
