"""Bluesky: createSession, then searchPosts with cursor paging; disabled without credentials."""

from __future__ import annotations

import json

import pytest

from ingest import SourceConfigError, SourceSpec, build_source, run_source
from store import PostFilter, queries

from .conftest import Reply, fixture_bytes

CREDENTIALS = {"identifier": "tillit-demo.bsky.social", "password": "app-pass-1234"}


def session(seen):
    body = json.loads(seen.body)
    if body != CREDENTIALS:
        return Reply(
            401, b'{"error":"AuthenticationRequired","message":"Invalid identifier or password"}'
        )
    return Reply(
        body=b'{"accessJwt":"jwt-demo","refreshJwt":"r","handle":"tillit-demo.bsky.social"}'
    )


def search(seen):
    if seen.headers.get("authorization") != "Bearer jwt-demo":
        return Reply(401, b'{"error":"AuthMissing"}')
    page = "bluesky_search_page2.json" if "cursor=2" in seen.path else "bluesky_search_page1.json"
    return Reply(body=fixture_bytes(page), headers={"Content-Type": "application/json"})


def spec(server, credentials=CREDENTIALS) -> SourceSpec:
    return SourceSpec(
        "bsky", "bluesky", url=server.url, query="socialtjänsten", credentials=credentials
    )


def test_search_logs_in_pages_with_the_cursor_and_stores_posts(server, store, client):
    server.route("/xrpc/com.atproto.server.createSession", session)
    server.route("/xrpc/app.bsky.feed.searchPosts", search)
    report = run_source(store, spec(server), client)
    assert report.ok and report.new == 3
    posts = queries.posts(store, PostFilter(), 10).set_index("url")
    first = posts.loc["https://bsky.app/profile/granskaren.bsky.social/post/3lbnewest001"]
    assert "kidnappar inte barn" in first["text"]
    assert json.loads(first["engagement"]) == {"likes": 9, "replies": 1, "reposts": 4}
    assert "cursor=2" in server.seen("/xrpc/app.bsky.feed.searchPosts")[1].path


def test_the_next_run_stops_at_posts_already_seen(server, store, client):
    server.route("/xrpc/com.atproto.server.createSession", session)
    server.route("/xrpc/app.bsky.feed.searchPosts", search)
    run_source(store, spec(server), client)
    again = run_source(store, spec(server), client)
    assert again.ok and again.new == 0
    assert len(server.seen("/xrpc/app.bsky.feed.searchPosts")) == 3  # one page, then stop


def test_a_wrong_app_password_is_a_recorded_error(server, store, client):
    server.route("/xrpc/com.atproto.server.createSession", session)
    report = run_source(store, spec(server, {"identifier": "x", "password": "wrong"}), client)
    assert not report.ok and "app password" in report.error


def test_without_credentials_the_source_says_which_variables_to_set():
    with pytest.raises(SourceConfigError, match="BSKY_APP_PASSWORD"):
        build_source(SourceSpec("bsky", "bluesky", query="soc"))
