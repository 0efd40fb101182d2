"""Rapport: the period's flagged posts as CSV, Excel and Parquet, and a PDF summary for a manager.

Files are built only when asked for (a button), not on every rerun, and each download is written to
the export audit log with the name given in the reviewer field.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from dashboard import data
from dashboard.i18n import current, t
from dashboard.report import gather, render_pdf
from dashboard.widgets import acting_user, period_picker
from store import PostFilter, queries

FORMATS = {
    "csv": ("text/csv", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "parquet": ("application/vnd.apache.parquet", "parquet"),
}

st.title(t("page_report"))
period = period_picker("report_period", default_days=30)
if period is None:
    st.info(t("no_data"))
    st.stop()
since, until = period
user = acting_user("viewer")
flt = PostFilter(since=since, until=until, flagged_only=True)
st.write(t("report_count", n=data.count_posts(flt)))


@st.cache_data(ttl=data.TTL, show_spinner=False)
def _export_bytes(path: str, flt: PostFilter, fmt: str) -> tuple[bytes, int]:
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / f"export.{fmt}"
        rows = queries.export(data.store(), target, fmt, flt)
        return target.read_bytes(), rows


def _log(fmt: str, rows: int) -> None:
    queries.record_export(data.store(), user or "okänd", "dashboard", fmt, flt, rows)


if st.button(t("prepare_files"), type="primary"):
    st.session_state["report_ready"] = (since, until)

if st.session_state.get("report_ready") == (since, until):
    stamp = f"{since:%Y%m%d}-{(until.date()):%Y%m%d}"
    columns = st.columns(len(FORMATS) + 1)
    for column, (fmt, (mime, ext)) in zip(columns, FORMATS.items(), strict=False):
        content, rows = _export_bytes(data.db_path(), flt, fmt)
        column.download_button(
            f"{fmt.upper()} ({rows})",
            content,
            file_name=f"tillit-flaggade-{stamp}.{ext}",
            mime=mime,
            on_click=_log,
            args=(fmt, rows),
            key=f"dl-{fmt}",
        )
    report = gather(data.store(), data.catalog(), since, until)
    pdf = render_pdf(report, data.catalog(), data.organisation().name, current())
    columns[-1].download_button(
        "PDF",
        pdf,
        file_name=f"tillit-rapport-{stamp}.pdf",
        mime="application/pdf",
        on_click=_log,
        args=("pdf", report.documents),
        key="dl-pdf",
    )
