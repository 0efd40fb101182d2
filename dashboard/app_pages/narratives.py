"""Nya narrativ: clusters of relevant posts that match no known claim, growing ones first.

The clusters are computed by `tillit classify` / `tillit narratives` (see `classify.narratives`); this
page only reads them and stores analysts' notes proposing a cluster for the claim catalog.
"""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.i18n import t
from dashboard.state import CURRENT_USER
from dashboard.widgets import acting_user

st.title(t("page_narratives"))
st.caption(t("narratives_intro"))

clusters = data.narratives()
if clusters.empty:
    st.info(t("no_narratives"))
    st.stop()

can_note = st.session_state[CURRENT_USER].can("reviewer")
reviewer = acting_user("reviewer") if can_note else None
for row in clusters.itertuples():
    cluster = int(row.cluster)
    with st.container(border=True):
        st.subheader(t("narrative_title", n=cluster + 1, terms=row.terms or "—"))
        c1, c2, c3, c4 = st.columns(4)
        c1.metric(t("narrative_size"), int(row.size))
        c2.metric(t("narrative_recent"), int(row.recent), delta=int(row.recent) - int(row.previous))
        c3.metric(t("narrative_previous"), int(row.previous))
        c4.metric(t("narrative_notes"), int(row.notes))
        posts = data.narrative_posts(row.run_id, cluster)
        for post in posts.itertuples():
            st.text(post.text)  # plain text: a post's markup is never interpreted
        if reviewer is None:
            continue
        with st.form(f"note-{row.run_id}-{cluster}"):
            title = st.text_input(
                t("note_title"), value=row.terms.split(",")[0] if row.terms else ""
            )
            note = st.text_area(t("note_text"))
            if st.form_submit_button(t("note_save")) and title.strip():
                data.add_narrative_note(row.run_id, cluster, title.strip(), note, reviewer)
                st.toast(t("note_saved"))
                st.rerun()
