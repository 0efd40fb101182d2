"""Hostile text from posts and feeds is shown as text: ingested through the real RSS path, rendered
by every page that shows posts, never interpreted as HTML or Markdown."""

from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from streamlit.testing.v1 import AppTest

from ingest import HttpSettings, SourceSpec, build_client, run_source
from store import Classification, Store, queries
from tests.ingest.conftest import ReplayServer, Reply

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "dashboard" / "app.py")
SHARED_UNSAFE = (
    REPO.parent
    / "shared"
    / "fixtures"
    / "feedparser"
    / "wellformed"
    / "http"
    / ("headers_content_location-unsafe.xml")
)

# Script-injection vectors of the kind feedparser's sanitizer tests cover, plus Markdown tricks.
VECTORS = [
    "<script>alert('xss')</script>soc tar barn",
    "<img src=x onerror=alert(1)>soc tar barn",
    '<a href="javascript:alert(1)">klicka</a> soc tar barn',
    "<svg onload=alert(1)>soc tar barn",
    '<iframe src="https://evil.example"></iframe>soc tar barn',
    "<body onload=alert(1)>soc tar barn",
    '<div style="background:url(javascript:alert(1))">soc tar barn</div>',
    '<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></object>soc',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">soc tar barn',
    "<style>body{display:none}</style>soc tar barn",
    "&lt;script&gt;alert(1)&lt;/script&gt;soc tar barn",
    "&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;soc tar barn",
    "[klicka här](javascript:alert(1)) soc tar barn",
    "**fet** _kursiv_ <b>soc</b> tar barn",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>soc tar barn',
    '<form action="javascript:alert(1)"><input type=submit></form>soc tar barn',
]
TAGS = re.compile(r"<\s*(script|img|svg|iframe|object|meta|style|form|body|math|a\s)", re.I)
DANGER = re.compile(TAGS.pattern + r"|\]\(javascript:", re.I)  # also a Markdown script link


def hostile_feed() -> bytes:
    items = "".join(
        f"<item><title>{escape(v)}</title><guid>v{i}</guid>"
        f"<link>javascript:alert({i})</link><description>{escape(v)}</description></item>"
        for i, v in enumerate(VECTORS)
    )
    head = '<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>'
    return f"{head}{items}</channel></rss>".encode()


@pytest.fixture
def hostile_store(tmp_path):
    store = Store(tmp_path / "hostile.duckdb")
    queries.init(store)
    with ReplayServer() as server, build_client(HttpSettings(allow_private=True)) as client:
        url = server.route(
            "/feed", Reply(body=hostile_feed(), headers={"Content-Type": "application/rss+xml"})
        )
        assert run_source(store, SourceSpec("hostile", "rss", url=url), client).new == len(VECTORS)
        if SHARED_UNSAFE.exists():
            unsafe = server.route("/unsafe", Reply(body=SHARED_UNSAFE.read_bytes()))
            run_source(store, SourceSpec("feedparser-unsafe", "rss", url=unsafe), client)
    ids = [row[0] for row in queries.pending_documents(store, "m", 1000)]
    queries.add_classifications(
        store, [Classification(i, "m", "kidnapping", "spreads", 0.9) for i in ids]
    )
    queries.set_active_model(store, "m")
    return store


def test_no_markup_or_script_link_is_stored(hostile_store):
    with hostile_store.read() as con:
        rows = con.execute("SELECT title, text, url FROM documents").fetchall()
    assert len(rows) >= len(VECTORS)
    for title, text, url in rows:
        # Literal text such as "[x](javascript:...)" may be stored: it is shown as text, never
        # rendered; what must never be stored is HTML markup.
        assert not TAGS.search(f"{title or ''} {text}"), (title, text)
        assert url is None or url.startswith(("http://", "https://"))


@pytest.mark.parametrize(
    "page", ["app_pages/flagged.py", "app_pages/claim.py", "app_pages/review.py"]
)
def test_pages_show_hostile_posts_as_plain_text(hostile_store, monkeypatch, page):
    monkeypatch.setenv("TILLIT_DB", str(hostile_store.path))
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.query_params["claim"] = "kidnapping"
    at.switch_page(page).run()
    assert not at.exception
    markdown = " ".join(str(m.value) for m in at.markdown)
    assert not DANGER.search(markdown)
    shown = [str(e.value) for e in at.text] + [
        str(v) for df in at.dataframe for v in df.value.get("text", [])
    ]
    assert shown  # the posts are there, as text (the review page shows one at a time)
    if page != "app_pages/review.py":
        assert sum("soc tar barn" in s for s in shown) >= len(VECTORS) - 1


def test_the_dashboard_never_renders_raw_html():
    code = " ".join(p.read_text(encoding="utf-8") for p in (REPO / "dashboard").rglob("*.py"))
    assert "unsafe_allow_html" not in code and "st.html(" not in code
    assert "components.html" not in code
