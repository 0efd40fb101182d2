"""Källor: health per source, so a broken feed is noticed."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.i18n import t

st.title(t("page_sources"))
health = pd.DataFrame(data.source_health())
if health.empty:
    st.info(t("no_data"))
    st.stop()
broken = int(health["last_error"].notna().sum())
if broken:
    st.warning(t("broken_sources", n=broken))
st.dataframe(
    health,
    hide_index=True,
    width="stretch",
    column_config={
        "name": t("source"),
        "kind": t("kind"),
        "last_fetch_at": st.column_config.DatetimeColumn(
            t("last_fetch"), format="YYYY-MM-DD HH:mm"
        ),
        "last_ok_at": st.column_config.DatetimeColumn(t("last_ok"), format="YYYY-MM-DD HH:mm"),
        "last_error": st.column_config.TextColumn(t("last_error"), width="large"),
        "documents": t("documents"),
        "documents_last_day": t("per_day"),
    },
)
