"""Google News RSS search: query parameters per language, headline and outlet stored as a lead."""

from __future__ import annotations

import pytest

from ingest import SourceConfigError, SourceSpec, build_source, run_source
from store import PostFilter, queries

from .conftest import Reply, fixture_bytes


def test_search_stores_headlines_with_outlet_and_link(server, store, client):
    url = server.route(
        "/rss/search",
        Reply(
            body=fixture_bytes("google_news_socialtjansten.rss"),
            headers={"Content-Type": "application/xml"},
        ),
    )
    spec = SourceSpec(
        "gn-sv", "google_news", url=url, query="socialtjänsten", options={"lang": "sv"}
    )
    report = run_source(store, spec, client)
    assert report.ok and report.new == 2
    query = server.seen("/rss/search")[0].path
    assert "q=socialtj%C3%A4nsten" in query and "hl=sv" in query and "gl=SE" in query
    assert "ceid=SE%3Asv" in query
    posts = queries.posts(store, PostFilter(), 10).set_index("title")
    lead = posts.loc["Socialtjänsten svarar på ryktena om omhändertaganden"]
    assert lead["platform"] == "news" and lead["url"].startswith(
        "https://news.google.com/rss/articles/"
    )
    assert lead["text"] == "Socialtjänsten svarar på ryktena om omhändertaganden"


def test_arabic_search_uses_arabic_interface_parameters(server, store, client):
    url = server.route("/rss/search", Reply(body=fixture_bytes("google_news_socialtjansten.rss")))
    spec = SourceSpec("gn-ar", "google_news", url=url, query="السوسيال", options={"lang": "ar"})
    run_source(store, spec, client)
    query = server.seen("/rss/search")[0].path
    assert "hl=ar" in query and "ceid=SE%3Aar" in query


def test_a_search_source_without_query_is_a_config_error():
    with pytest.raises(SourceConfigError, match="needs query"):
        build_source(SourceSpec("gn", "google_news"))
