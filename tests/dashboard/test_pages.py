"""One AppTest per dashboard page against the seeded demo database, plus escaping of post text."""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from store import Classification, Document, Store, queries

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
HOSTILE = (
    '<script>alert("x")</script> **fet** [klicka](javascript:alert(1)) <img src=x onerror=alert(1)>'
)


@pytest.fixture
def app(seeded_config, tmp_path, monkeypatch):
    """The app on a copy of the seeded database: pages log response views, so they write."""
    copy = tmp_path / "app.duckdb"
    shutil.copy(seeded_config.store.path, copy)
    monkeypatch.setenv("TILLIT_DB", str(copy))
    monkeypatch.delenv("TILLIT_LANG", raising=False)
    return AppTest.from_file(APP, default_timeout=60)


def open_page(at: AppTest, page: str) -> AppTest:
    """Run the app once, then switch: before the first run AppTest cannot match a page that
    `st.navigation` registers with a custom url_path (documented in `AppTest.switch_page`)."""
    at.run()
    return at.switch_page(page).run()


def rendered_text(at: AppTest) -> str:
    parts = (
        [e.value for e in at.markdown]
        + [e.value for e in at.title]
        + [e.value for e in at.subheader]
        + [e.value for e in at.caption]
        + [e.value for e in at.text]
    )
    return "\n".join(str(p) for p in parts)


def test_overview_shows_trend_metrics_and_spike_in_swedish(app):
    at = app.run()
    assert not at.exception
    assert "Översikt" in rendered_text(at)
    flagged = next(m for m in at.metric if m.label == "Flaggade inlägg")
    assert int(flagged.value) >= 10
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    assert "Toppar i perioden" in rendered_text(at)


def test_overview_switches_to_english(app):
    at = app.run()
    at.sidebar.selectbox[0].select("en").run()
    assert not at.exception
    assert "Overview" in rendered_text(at)
    assert any(m.label == "Flagged posts" for m in at.metric)


def test_flagged_page_filters_by_claim_from_the_query_string(app):
    at = app
    at.query_params["claim"] = "kidnapping"
    open_page(at, "app_pages/flagged.py")
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) > 0
    assert at.multiselect[0].value == ["kidnapping"]
    assert at.query_params["claim"] == ["kidnapping"] or at.query_params["claim"] == "kidnapping"


def test_flagged_page_text_search_narrows_the_table(app):
    at = open_page(app, "app_pages/flagged.py")
    before = len(at.dataframe[0].value)
    at.text_input[0].input("zzzz-not-in-any-post").run()
    assert not at.exception
    assert before > 0 and len(at.dataframe[0].value) == 0


def test_claim_page_shows_responses_in_swedish_english_and_arabic(app):
    at = app
    at.query_params["claim"] = "no_return"
    open_page(at, "app_pages/claim.py")
    assert not at.exception
    text = rendered_text(at)
    for heading in ("Svenska", "English", "العربية"):
        assert heading in text
    codes = [c.value for c in at.code]
    assert len(codes) >= 6 and any(any("\u0600" <= ch <= "\u06ff" for ch in c) for c in codes)


def test_claim_page_logs_which_response_version_was_shown_and_used(app):
    at = app
    at.query_params["claim"] = "no_return"
    open_page(at, "app_pages/claim.py")
    next(b for b in at.button if b.label == "Jag har använt svaret").click().run()
    at.run()  # a rerun must not log the same views again
    assert not at.exception
    store = Store(Path(os.environ["TILLIT_DB"]))
    usage = queries.response_usage(store)
    shown = usage[usage["action"] == "shown"]
    assert set(shown["lang"]) >= {"sv", "en", "ar"} and (shown["n"] == 1).all()
    assert set(shown["response_id"]) >= {"no_return:sv:1", "no_return:ar:1"}
    copied = usage[usage["action"] == "copied"]
    assert list(copied["response_id"]) == ["no_return:sv:1"]


def test_hostile_post_text_is_shown_as_plain_text_only(tmp_path, monkeypatch):
    store = Store(tmp_path / "h.duckdb")
    queries.init(store)
    doc = Document(
        source="evil",
        native_id="1",
        text=HOSTILE + " soc kidnappar barn",
        platform="x",
        url="javascript:alert(1)",
        published_at=datetime(2026, 11, 1),
    )
    queries.add_documents(store, [doc])
    queries.add_classifications(store, [Classification(doc.id, "m", "kidnapping", "spreads", 0.9)])
    queries.set_active_model(store, "m")
    monkeypatch.setenv("TILLIT_DB", str(store.path))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["claim"] = "kidnapping"
    for page in ("app_pages/flagged.py", "app_pages/claim.py"):
        open_page(at, page)
        assert not at.exception
        assert "<script" not in rendered_text(at) and "javascript:" not in rendered_text(at)
        cells = at.dataframe[-1].value
        assert HOSTILE in cells["text"].iloc[0]  # shown verbatim, as text


@pytest.fixture
def writable_app(seeded_config, tmp_path, monkeypatch):
    """The app on a copy of the seeded database, for pages that write (reviews)."""
    copy = tmp_path / "copy.duckdb"
    shutil.copy(seeded_config.store.path, copy)
    monkeypatch.setenv("TILLIT_DB", str(copy))
    return AppTest.from_file(APP, default_timeout=60), Store(copy)


def test_review_confirm_stores_a_review_and_moves_to_the_next_post(writable_app):
    at, store = writable_app
    open_page(at, "app_pages/review.py")
    assert not at.exception
    first = at.text[0].value
    queue_before = len(queries.review_queue(store, 1000))
    at.text_input[0].input("analytiker-7").run()
    next(b for b in at.button if b.label == "Bekräfta").click().run()
    assert not at.exception
    reviews = queries.reviews(store)
    assert len(reviews) == 1
    assert (reviews.loc[0, "verdict"], reviews.loc[0, "reviewer"]) == ("confirm", "analytiker-7")
    assert len(queries.review_queue(store, 1000)) == queue_before - 1
    assert at.text[0].value != first
    assert next(m for m in at.metric if m.label == "Granskade").value == "1"


def test_review_correction_records_the_new_claim_and_stance(writable_app):
    at, store = writable_app
    open_page(at, "app_pages/review.py")
    next(s for s in at.selectbox if s.label == "Påstående").select("no_return")
    next(s for s in at.selectbox if s.label == "Hållning").select("debunks")
    at.button[-1].click().run()
    assert not at.exception
    row = queries.reviews(store).iloc[0]
    assert (row["verdict"], row["claim"], row["stance"]) == ("correct", "no_return", "debunks")


def test_sources_page_lists_each_source_with_its_health(app):
    at = open_page(app, "app_pages/sources.py")
    assert not at.exception
    table = at.dataframe[0].value
    assert "demo-telegram" in set(table["name"]) and (table["documents"] > 0).all()


def test_narratives_page_lists_clusters_and_stores_a_catalog_note(tmp_path, monkeypatch):
    store = Store(tmp_path / "n.duckdb")
    queries.init(store)
    docs = [
        Document(
            source="t",
            native_id=str(i),
            text=f"Soc sätter GPS-chip i barnen nr {i} <b>",
            published_at=datetime(2026, 11, 1 + i),
        )
        for i in range(6)
    ]
    queries.add_documents(store, docs)
    queries.save_narratives(
        store,
        "run1",
        [
            queries.Narrative(
                0,
                6,
                4,
                2,
                "gps, chip",
                docs[0].published_at,
                docs[-1].published_at,
                tuple(d.id for d in docs[:3]),
            )
        ],
    )
    monkeypatch.setenv("TILLIT_DB", str(store.path))
    at = open_page(AppTest.from_file(APP, default_timeout=60), "app_pages/narratives.py")
    assert not at.exception
    assert "Grupp 1: gps, chip" in rendered_text(at)
    assert [m.value for m in at.metric][:3] == ["6", "4", "2"]
    assert sum("GPS-chip" in e.value for e in at.text) == 3
    at.text_input[1].input("GPS-chip i barn")
    at.text_area[0].input("Växer snabbt på TikTok")
    at.button[0].click().run()
    assert not at.exception
    note = queries.narrative_notes(store).iloc[0]
    assert (note["title"], note["cluster"], note["reviewer"]) == (
        "GPS-chip i barn",
        0,
        "analytiker",
    )
