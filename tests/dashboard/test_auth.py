"""Login and roles: viewer reads, reviewer reviews, editor changes a response's status."""

from __future__ import annotations

import shutil
import tomllib
from datetime import datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.auth import User, hash_password, verify_password
from rebuttals import CLAIMS_DIR
from store import Classification, Document, Store, queries

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
PASSWORD = "rätt-häst-batteri-klammer"


@pytest.fixture(scope="module")
def users():
    hashed = hash_password(PASSWORD, iterations=1000)  # few iterations: fast tests
    return {
        name: {"password_hash": hashed, "role": name} for name in ("viewer", "reviewer", "editor")
    }


@pytest.fixture
def app(tmp_path, monkeypatch, users):
    store = Store(tmp_path / "a.duckdb")
    queries.init(store)
    doc = Document(
        source="x", native_id="1", text="soc kidnappar barn", published_at=datetime(2026, 11, 2)
    )
    queries.add_documents(store, [doc])
    queries.add_classifications(store, [Classification(doc.id, "m", "kidnapping", "spreads", 0.9)])
    queries.set_active_model(store, "m")
    claims = tmp_path / "claims"
    shutil.copytree(CLAIMS_DIR, claims)
    monkeypatch.setenv("TILLIT_DB", str(store.path))
    monkeypatch.setenv("TILLIT_CLAIMS_DIR", str(claims))
    monkeypatch.setenv("TILLIT_AUTH", "password")
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["users"] = users
    return at, claims


def login(at: AppTest, name: str, password: str = PASSWORD) -> AppTest:
    at.run()
    at.text_input[0].input(name)
    at.text_input[1].input(password)
    at.button[0].click().run()
    return at


def test_password_hashes_verify_only_the_right_password():
    stored = hash_password("ett långt lösenord", iterations=1000)
    assert verify_password("ett långt lösenord", stored)
    assert not verify_password("fel lösenord", stored)
    assert not verify_password("ett långt lösenord", "md5$nonsense")


def test_nobody_sees_data_before_signing_in(app):
    at, _ = app
    at.run()
    assert not at.exception
    assert not at.metric and not at.dataframe  # only the login form
    login(at, "viewer", "wrong password")
    assert any("Fel användarnamn" in e.value for e in at.error)
    assert not at.metric


def test_viewer_reads_the_overview_but_cannot_review(app):
    at, _ = app
    login(at, "viewer")
    assert not at.exception and at.metric  # the overview
    at.switch_page("app_pages/review.py").run()
    assert any("granskare" in i.value for i in at.info)
    assert not any(b.label == "Bekräfta" for b in at.button)


def test_reviewer_can_review_but_not_change_a_response_status(app):
    at, _ = app
    login(at, "reviewer")
    at.switch_page("app_pages/review.py").run()
    next(b for b in at.button if b.label == "Bekräfta").click().run()
    assert not at.exception
    review = queries.reviews(Store(Path(at_db()))).iloc[0]
    assert (review["reviewer"], review["verdict"]) == ("reviewer", "confirm")
    at.switch_page("app_pages/claim.py").run()
    assert not any(s.label == "Status" for s in at.selectbox)


def test_editor_changes_a_response_status_in_the_claim_file(app):
    at, claims = app
    login(at, "editor")
    at.query_params["claim"] = "kidnapping"
    at.switch_page("app_pages/claim.py").run()
    assert not at.exception
    status = next(s for s in at.selectbox if s.label == "Status")
    status.select("draft").run()
    next(b for b in at.button if b.label == "Spara status").click().run()
    assert not at.exception
    saved = tomllib.loads((claims / "kidnapping.toml").read_text(encoding="utf-8"))
    assert saved["responses"]["sv"]["status"] == "draft" and saved["version"] == 2
    assert saved["responses"]["sv"]["reviewed"]["role"] == "editor: editor"
    assert User("e", "editor").can("reviewer") and not User("v", "viewer").can("reviewer")


def at_db() -> str:
    import os

    return os.environ["TILLIT_DB"]
