"""Mastodon hashtag timelines: paging with min_id and Link headers, boosts unwrapped, closed servers."""

from __future__ import annotations

import json

from ingest import SourceSpec, run_source
from store import PostFilter, queries

from .conftest import Reply, fixture_bytes


def spec(server, *servers) -> SourceSpec:
    return SourceSpec(
        "mastodon-soc",
        "mastodon",
        options={"servers": [server.url + s for s in servers], "tags": ["socialtjänsten", "soc"]},
    )


NEWEST = "113500000000000150"
TAG_PATH = "/a/api/v1/timelines/tag/socialtj%C3%A4nsten"


def timeline(seen):
    """Newest page first; with min_id the newer page, whose Link header points further forward."""
    if f"min_id={NEWEST}" in seen.path:
        return Reply(body=b"[]", headers={"Content-Type": "application/json"})
    if "min_id=113500000000000103" in seen.path:
        forward = f"http://{seen.headers['host']}{TAG_PATH}?min_id={NEWEST}"
        return Reply(
            body=fixture_bytes("mastodon_tag_page2.json"),
            headers={
                "Content-Type": "application/json",
                "Link": f'<http://127.0.0.1/x?max_id=1>; rel="next", <{forward}>; rel="prev"',
            },
        )
    return Reply(
        body=fixture_bytes("mastodon_tag_page1.json"), headers={"Content-Type": "application/json"}
    )


def test_statuses_are_stored_as_text_with_boosts_unwrapped(server, store, client):
    server.route("/a/api/v1/timelines/tag/socialtj%C3%A4nsten", timeline)
    report = run_source(store, spec(server, "/a"), client)
    assert report.ok and report.new == 3
    posts = queries.posts(store, PostFilter(), 10)
    texts = " | ".join(posts["text"])
    assert "barnrov" in texts and "<" not in texts and "alert" not in texts
    assert "Om familjehem" in texts  # the content warning is part of the text
    boosted = posts[posts["text"].str.contains("barnrov")].iloc[0]
    assert boosted["url"] == "https://social.example.org/@fritanke/113499990000000001"
    first = posts[posts["text"].str.contains("kidnappar inte")].iloc[0]
    assert json.loads(first["engagement"]) == {"likes": 11, "replies": 2, "reposts": 5}
    query = server.seen("/a/api/v1/timelines/tag/socialtj%C3%A4nsten")[0].path
    assert "any%5B%5D=soc" in query and "limit=40" in query


def test_the_next_run_asks_only_for_newer_statuses_and_follows_link_prev(server, store, client):
    server.route("/a/api/v1/timelines/tag/socialtj%C3%A4nsten", timeline)
    run_source(store, spec(server, "/a"), client)
    second = run_source(store, spec(server, "/a"), client)
    assert second.ok and second.new == 1
    paths = [s.path for s in server.seen("/a/api/v1/timelines/tag/socialtj%C3%A4nsten")]
    assert "min_id=113500000000000103" in paths[1] and "min_id=113500000000000150" in paths[2]
    state = queries.get_source_state(store, "mastodon-soc")
    assert json.loads(state.cursor) == {server.url + "/a": "113500000000000150"}


def test_a_server_that_closed_its_timeline_is_an_error_the_others_still_count(
    server, store, client
):
    server.route("/a/api/v1/timelines/tag/socialtj%C3%A4nsten", timeline)
    server.route(
        "/closed/api/v1/timelines/tag/socialtj%C3%A4nsten",
        Reply(401, b'{"error":"This API requires an authenticated user"}'),
    )
    server.route("/empty/api/v1/timelines/tag/socialtj%C3%A4nsten", Reply(body=b"[]"))
    report = run_source(store, spec(server, "/closed", "/a", "/empty"), client)
    assert report.new == 3
    assert not report.ok and "HTTP 401" in report.error and "/closed" in report.error


def test_every_server_failing_stores_nothing_and_records_the_error(server, store, client):
    server.route("/closed/api/v1/timelines/tag/socialtj%C3%A4nsten", Reply(401, b"{}"))
    report = run_source(store, spec(server, "/closed"), client)
    assert report.new == 0 and "HTTP 401" in report.error
    assert queries.get_source_state(store, "mastodon-soc").last_ok_at is None
