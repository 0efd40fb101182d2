"""Telegram: the public web preview with `before` paging, and Telegram Desktop's result.json."""

from __future__ import annotations

import json

import pytest

from ingest import SourceConfigError, SourceSpec, build_source, run_source
from store import PostFilter, queries

from .conftest import FIXTURES, Reply, fixture_bytes

HTML = {"Content-Type": "text/html; charset=utf-8"}


def preview(seen):
    if "before=1201" in seen.path:
        return Reply(body=fixture_bytes("telegram_preview_older.html"), headers=HTML)
    if "before=" in seen.path:
        return Reply(body=b"<html><body></body></html>", headers=HTML)
    return Reply(body=fixture_bytes("telegram_preview_page1.html"), headers=HTML)


def spec(server) -> SourceSpec:
    return SourceSpec("tg-sawt", "telegram", url=server.url, query="sawt_sweden_demo")


def test_channel_posts_are_read_from_the_preview_and_older_pages(server, store, client):
    server.route("/s/sawt_sweden_demo", preview)
    report = run_source(store, spec(server), client)
    assert report.ok and report.new == 4  # 3 on the first page, 1 older (an empty one skipped)
    posts = queries.posts(store, PostFilter(), 10).set_index("url")
    post = posts.loc["https://t.me/sawt_sweden_demo/1202"]
    assert "القرار صادر عن المحكمة" in post["text"] and "<" not in post["text"]
    assert "alert" not in post["text"]
    assert json.loads(post["engagement"]) == {"views": 1200}
    assert str(post["published_at"]).startswith("2026-11-23 07:40")
    assert "شاركوا قبل الحذف" in posts.loc["https://t.me/sawt_sweden_demo/1201"]["text"]


def test_the_next_run_stops_at_the_newest_post_already_seen(server, store, client):
    server.route("/s/sawt_sweden_demo", preview)
    run_source(store, spec(server), client)
    before = len(server.requests)
    again = run_source(store, spec(server), client)
    assert again.ok and again.new == 0 and len(server.requests) - before == 1
    assert queries.get_source_state(store, "tg-sawt").cursor == "1203"


def test_a_channel_name_is_required():
    with pytest.raises(SourceConfigError, match="public channel name"):
        build_source(SourceSpec("tg", "telegram", query="no spaces allowed"))


def test_a_desktop_export_reads_strings_and_entity_lists_and_unix_times(store, client):
    report = run_source(
        store,
        SourceSpec("tg-export", "telegram_export", url=str(FIXTURES / "telegram_result.json")),
        client,
    )
    assert report.ok and report.new == 2  # the service message and the photo without text skipped
    posts = queries.posts(store, PostFilter(), 10).sort_values("published_at")
    assert list(posts["text"]) == [
        "Soc tar barn från familjer som inte kan svenska. Dela!",
        "Fakta: LVU beslutas av förvaltningsrätten. Läs mer: https://example.org/lvu",
    ]
    assert str(posts.iloc[0]["published_at"]).startswith("2026-11-20 09:30:11")


def test_a_broken_export_is_a_clear_error(tmp_path, store, client):
    bad = tmp_path / "result.json"
    bad.write_text('{"name": "x", "messages": [', encoding="utf-8")
    report = run_source(store, SourceSpec("tg-bad", "telegram_export", url=str(bad)), client)
    assert not report.ok and "not JSON" in report.error and "result.json" in report.error
