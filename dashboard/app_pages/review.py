"""Granskning: analysts confirm, reject or correct the model's flags, one post at a time.

Reviews are stored with time and reviewer; `tillit train` learns from them.
"""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.i18n import t
from dashboard.widgets import acting_user, claim_label
from store import Review

STANCES = ["spreads", "debunks", "neutral"]

st.title(t("page_review"))
summary = data.review_summary()
c1, c2 = st.columns(2)
c1.metric(t("reviewed_count"), summary["reviewed"])
c2.metric(
    t("model_precision"), "—" if summary["precision"] is None else f"{summary['precision']:.0%}"
)

reviewer = acting_user("reviewer")
queue = data.review_queue(50)
if queue.empty:
    st.info(t("queue_empty"))
    st.stop()
st.caption(t("queue_left", n=len(queue)))

post = queue.iloc[0]
with st.container(border=True):
    when = post["published_at"]
    stamp = when.strftime("%Y-%m-%d %H:%M") if hasattr(when, "strftime") and when == when else "—"
    st.caption(f"{stamp} · {post['platform']} · {post['lang']}")
    if isinstance(post["title"], str) and post["title"]:
        st.text(post["title"])
    st.text(post["text"])  # plain text: a post's markup is never interpreted
    if isinstance(post["url"], str) and post["url"].startswith(("http://", "https://")):
        st.link_button(t("link"), post["url"])
    st.write(
        t(
            "model_says",
            claim=claim_label(post["claim"]),
            stance=t(post["stance"]),
            score=float(post["score"]),
        )
    )


def _save(verdict: str, claim: str | None, stance: str | None) -> None:
    data.add_review(
        Review(
            document_id=post["id"],
            verdict=verdict,
            reviewer=reviewer or "okänd",
            claim=claim,
            stance=stance,
            model_version=post["model_version"],
        )
    )
    st.toast(t("saved"))


b1, b2 = st.columns(2)
if b1.button(t("confirm"), type="primary", disabled=post["claim"] is None):
    _save("confirm", post["claim"], "spreads")
    st.rerun()
if b2.button(t("reject")):
    _save("reject", None, "neutral")
    st.rerun()

with st.form("correct"):
    ids = list(data.catalog().ids)
    new_claim = st.selectbox(
        t("claim"),
        ids,
        format_func=claim_label,
        index=ids.index(post["claim"]) if post["claim"] in ids else 0,
    )
    new_stance = st.selectbox(t("stance"), STANCES, format_func=t)
    if st.form_submit_button(t("correct")):
        _save("correct", new_claim, new_stance)
        st.rerun()
