"""The PDF summary report and the Report page's downloads, with the export audit log."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.report import gather, render_pdf
from rebuttals import default_catalog
from store import Classification, Document, Store, queries, utcnow

START = datetime(2026, 10, 1)


@pytest.fixture
def small_store(tmp_path):
    store = Store(tmp_path / "r.duckdb")
    queries.init(store)
    docs, labels = [], []
    for i in range(30):
        docs.append(
            Document(
                source="demo-x",
                native_id=str(i),
                text=f"السوسيال يخطف الأطفال {i}" if i % 3 == 0 else f"soc tar barnen {i}",
                platform="x" if i % 2 else "tiktok",
                published_at=START + timedelta(days=i),
            )
        )
        labels.append(("kidnapping", "spreads") if i % 5 else ("no_return", "debunks"))
    queries.add_documents(store, docs)
    queries.add_classifications(
        store,
        [Classification(d.id, "m", c, s, 0.8) for d, (c, s) in zip(docs, labels, strict=True)],
    )
    queries.set_active_model(store, "m")
    queries.record_response_event(store, "kidnapping:sv:1", "kidnapping", "sv", 1, "copied")
    return store


def test_report_counts_spreading_and_debunking_posts_per_claim(small_store):
    report = gather(small_store, default_catalog(), START, START + timedelta(days=30))
    counts = report.per_claim.set_index("claim")
    assert (counts.loc["kidnapping", "spreads"], counts.loc["no_return", "debunks"]) == (24, 6)
    assert counts["spreads"].sum() == 24 and len(counts) == 8
    assert report.documents == 30
    assert set(report.platforms["platform"]) == {"x", "tiktok"}
    assert report.responses.empty  # the response was used today, outside this period
    today = gather(small_store, default_catalog(), START, utcnow() + timedelta(days=1))
    assert list(today.responses["response_id"]) == ["kidnapping:sv:1"]


def test_pdf_report_is_a_real_pdf_with_chart_in_swedish_and_english(small_store):
    report = gather(small_store, default_catalog(), START, START + timedelta(days=30))
    for lang in ("sv", "en"):
        pdf = render_pdf(report, default_catalog(), "Exempelkommunen", lang)
        assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
        assert b"/Subtype /Image" in pdf  # the trend chart
        assert len(pdf) > 20_000


def test_report_page_offers_csv_excel_parquet_and_pdf_downloads(small_store, monkeypatch):
    monkeypatch.setenv("TILLIT_DB", str(small_store.path))
    app = str(__import__("pathlib").Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
    at = AppTest.from_file(app, default_timeout=60).run()
    at.switch_page("app_pages/report.py").run()
    assert not at.exception
    next(b for b in at.button if b.label == "Skapa filer").click().run()
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["CSV (24)", "XLSX (24)", "PARQUET (24)", "PDF"]
