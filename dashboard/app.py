"""Tillit's Streamlit app: language switch, navigation, and the thin pages in `app_pages/`.

Run it with `tillit dashboard` (which sets TILLIT_DB and binds to 127.0.0.1).
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from dashboard import auth, data
from dashboard.i18n import LANGUAGES, t
from dashboard.state import CURRENT_USER, LANG

PAGES = Path(__file__).parent / "app_pages"

st.set_page_config(page_title="Tillit", layout="wide")

if LANG not in st.session_state:
    st.session_state[LANG] = os.environ.get("TILLIT_LANG", "sv")
st.sidebar.selectbox("Språk / Language", list(LANGUAGES), format_func=LANGUAGES.get, key=LANG)

user = auth.current_user()  # shows a login and stops here when nobody is signed in
st.session_state[CURRENT_USER] = user
if auth.mode() != "none":
    st.sidebar.caption(t("signed_in", name=user.name, role=t(f"role_{user.role}")))
    st.sidebar.button(t("sign_out"), on_click=auth.sign_out)

page = st.navigation(
    [
        st.Page(PAGES / "overview.py", title=t("page_overview"), url_path="oversikt", default=True),
        st.Page(PAGES / "flagged.py", title=t("page_flagged"), url_path="flaggade"),
        st.Page(PAGES / "claim.py", title=t("page_claim"), url_path="pastaende"),
        st.Page(PAGES / "review.py", title=t("page_review"), url_path="granskning"),
        st.Page(PAGES / "narratives.py", title=t("page_narratives"), url_path="narrativ"),
        st.Page(PAGES / "report.py", title=t("page_report"), url_path="rapport"),
        st.Page(PAGES / "sources.py", title=t("page_sources"), url_path="kallor"),
    ]
)

if not data.available():
    st.warning(t("no_db"))
    st.stop()
page.run()
