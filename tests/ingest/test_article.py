"""Article enrichment: page text via trafilatura through our own client, robots.txt honoured."""

from __future__ import annotations

from datetime import datetime

import pytest

from ingest import FetchError, ParseError
from ingest.article import fetch_article
from store import Classification, Document, PostFilter, queries
from tillit import pipeline
from tillit.config import load_config

from .conftest import Reply, fixture_bytes

HTML = {"Content-Type": "text/html; charset=utf-8"}


def test_article_text_is_extracted_without_navigation_ads_or_comments(server, client):
    url = server.route(
        "/nyheter/ryktena", Reply(body=fixture_bytes("article_socialtjansten.html"), headers=HTML)
    )
    article = fetch_article(client, url)
    assert article.title == "Socialtjänsten svarar på ryktena om omhändertaganden"
    assert "förvaltningsrätten" in article.text and "offentligt biträde" in article.text
    for noise in ("vinterdäck", "Logga in", "Soc är värst", "cookies"):
        assert noise not in article.text
    assert article.author == "Karin Exempel" and article.date == "2026-11-23"


def test_robots_txt_that_disallows_the_path_is_honoured(server, client):
    server.route(
        "/robots.txt",
        Reply(body=b"User-agent: *\nDisallow: /privat/\n", headers={"Content-Type": "text/plain"}),
    )
    url = server.route(
        "/privat/sida", Reply(body=fixture_bytes("article_socialtjansten.html"), headers=HTML)
    )
    with pytest.raises(FetchError, match=r"robots\.txt"):
        fetch_article(client, url)
    assert not server.seen("/privat/sida")


def test_a_page_without_article_text_or_not_html_is_a_clear_error(server, client):
    empty = server.route(
        "/tom", Reply(body=b"<html><body><nav>Start</nav></body></html>", headers=HTML)
    )
    pdf = server.route(
        "/fil.pdf", Reply(body=b"%PDF-1.7", headers={"Content-Type": "application/pdf"})
    )
    with pytest.raises(ParseError, match="no article text"):
        fetch_article(client, empty)
    with pytest.raises(ParseError, match="not an HTML page"):
        fetch_article(client, pdf)


def test_enrich_replaces_a_headline_with_the_article_and_queues_it_for_classification(
    server, tmp_path, model_dir, config_writer
):
    config = load_config(
        config_writer(tmp_path, model_dir, "[ingest]\nallow_private = true\n"), environ={}
    )
    pipeline.init(config)
    store = pipeline.open_store(config)
    server.route(
        "/nyheter/ryktena", Reply(body=fixture_bytes("article_socialtjansten.html"), headers=HTML)
    )
    # A news-search lead points at a redirect; enrichment follows it and keeps where it led.
    url = server.route("/rss/articles/CBMi123", Reply(302, b"", {"Location": "/nyheter/ryktena"}))
    lead = Document(
        source="gn",
        native_id="1",
        text="Socialtjänsten svarar",
        title="Socialtjänsten svarar",
        platform="news",
        url=url,
        published_at=datetime(2026, 11, 23),
    )
    queries.add_documents(store, [lead])
    queries.add_classifications(store, [Classification(lead.id, "m", None, "neutral", 0.9)])
    assert pipeline.enrich(config) == (1, 0)
    post = queries.posts(store, PostFilter(), 5).iloc[0]
    assert "offentligt biträde" in post["text"]
    assert post["url"] == server.url + "/nyheter/ryktena"
    assert queries.pending_documents(store, "m", 10)  # re-classified on the next run
    assert pipeline.enrich(config) == (0, 0)  # fetched once
