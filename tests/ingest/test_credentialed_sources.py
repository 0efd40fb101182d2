"""YouTube and Reddit against loopback replays of their APIs; both refuse to run without credentials."""

from __future__ import annotations

import base64
import json

import pytest

from ingest import SourceConfigError, SourceSpec, build_source, run_source
from store import PostFilter, queries

from .conftest import Reply, fixture_bytes

JSON = {"Content-Type": "application/json"}


def yt_routes(server, comments_for_second="youtube_comments_disabled.json", status_second=403):
    server.route(
        "/youtube/v3/search", Reply(body=fixture_bytes("youtube_search.json"), headers=JSON)
    )
    server.route(
        "/youtube/v3/videos", Reply(body=fixture_bytes("youtube_videos.json"), headers=JSON)
    )

    def comments(seen):
        if "key=yt-key" not in seen.path:
            return Reply(400, b"{}")
        if "vidDEMO0002" in seen.path:
            return Reply(status_second, fixture_bytes(comments_for_second), JSON)
        page = (
            "youtube_comments_p2.json"
            if "pageToken=PAGE2" in seen.path
            else "youtube_comments_p1.json"
        )
        return Reply(body=fixture_bytes(page), headers=JSON)

    server.route("/youtube/v3/commentThreads", comments)


def yt_spec(server) -> SourceSpec:
    return SourceSpec(
        "yt",
        "youtube",
        url=server.url + "/youtube/v3",
        query="socialtjänsten",
        credentials={"api_key": "yt-key"},
    )


def test_youtube_reads_videos_and_paged_comments_and_skips_disabled_comments(server, store, client):
    yt_routes(server)
    report = run_source(store, yt_spec(server), client)
    assert report.new == 4  # two videos, two comments on the first
    assert "commentsDisabled" in report.error  # recorded, the rest stored
    texts = set(queries.posts(store, PostFilter(), 10)["text"])
    assert "Soc kidnappar barn, alla vet det <3" in texts
    assert "Nej, det är förvaltningsrätten som beslutar." in texts
    assert "pageToken=PAGE2" in server.seen("/youtube/v3/commentThreads")[1].path


def test_youtube_quota_exceeded_is_reported(server, store, client):
    yt_routes(server, "youtube_quota.json")
    report = run_source(store, yt_spec(server), client)
    assert not report.ok and "quotaExceeded" in report.error


def reddit_routes(server):
    expected = "Basic " + base64.b64encode(b"rid:rsecret").decode()

    def token(seen):
        if seen.headers.get("authorization") != expected or b"client_credentials" not in seen.body:
            return Reply(401, b'{"message": "Unauthorized", "error": 401}')
        return Reply(
            body=b'{"access_token": "rtoken", "token_type": "bearer", "expires_in": 86400}'
        )

    def search(seen):
        if seen.headers.get("authorization") != "bearer rtoken":
            return Reply(401, b"{}")
        page = (
            "reddit_search_p2.json" if "after=t3_demo002" in seen.path else "reddit_search_p1.json"
        )
        return Reply(body=fixture_bytes(page), headers=JSON)

    server.route("/api/v1/access_token", token)
    server.route("/search", search)


def reddit_spec(server, secret="rsecret") -> SourceSpec:
    return SourceSpec(
        "reddit",
        "reddit",
        url=server.url,
        query="socialtjänsten",
        credentials={"client_id": "rid", "client_secret": secret},
    )


def test_reddit_gets_a_token_and_pages_the_listing_with_after(server, store, client):
    reddit_routes(server)
    report = run_source(store, reddit_spec(server), client)
    assert report.ok and report.new == 3
    posts = queries.posts(store, PostFilter(), 10).set_index("title")
    assert (
        posts.loc["Explainer: how LVU care orders work"]["text"]
        == "Explainer: how LVU care orders work"
    )
    assert "after=t3_demo002" in server.seen("/search")[1].path
    question = posts.loc["Varför litar ingen på soc?"]
    assert json.loads(question["engagement"]) == {"replies": 17, "score": 42}
    again = run_source(store, reddit_spec(server), client)
    assert again.new == 0 and len(server.seen("/search")) == 3  # stops at what it has


def test_reddit_with_a_wrong_secret_records_the_error(server, store, client):
    reddit_routes(server)
    report = run_source(store, reddit_spec(server, "wrong"), client)
    assert not report.ok and "HTTP 401" in report.error


@pytest.mark.parametrize(
    ("kind", "variable"), [("youtube", "YOUTUBE_API_KEY"), ("reddit", "REDDIT_CLIENT_ID")]
)
def test_credentialed_sources_are_disabled_until_a_credential_is_set(kind, variable):
    with pytest.raises(SourceConfigError, match=variable):
        build_source(SourceSpec("x", kind, query="soc"))
