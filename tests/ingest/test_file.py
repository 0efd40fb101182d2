"""Analysts' CSV and JSONL exports with a column mapping: bad rows reported by line, good rows kept."""

from __future__ import annotations

import pytest

from ingest import SourceConfigError, SourceSpec, build_source, run_source
from store import PostFilter, queries

from .conftest import FIXTURES

CSV_MAPPING = {
    "id": "Post ID",
    "text": "Message",
    "title": "Headline",
    "url": "Link",
    "author": "Account",
    "published_at": "Created",
    "lang": "Language",
    "platform": "Network",
}


def test_csv_export_keeps_good_rows_and_reports_bad_ones_with_line_numbers(store, client):
    spec = SourceSpec(
        "crowdtangle",
        "file",
        url=str(FIXTURES / "analyst_export.csv"),
        options={"mapping": CSV_MAPPING},
    )
    report = run_source(store, spec, client)
    assert report.new == 3
    assert len(report.problems) == 2
    assert any(p.startswith("line 4: no text") for p in report.problems)
    assert any(p.startswith("line 5:") and "igår kl 10" in p for p in report.problems)
    assert "2 problem(s), the rest was stored" in report.error
    posts = queries.posts(store, PostFilter(), 10).set_index("text")
    first = posts.loc["Soc tar barn från familjer som inte kan svenska. Dela!"]
    assert first["platform"] == "facebook" and first["url"].endswith("/posts/001")  # no fbclid
    with store.read() as con:  # author handles are stored only as salted hashes
        hashes = [r[0] for r in con.execute("SELECT author_hash FROM documents").fetchall()]
    assert all(h and "mamma" not in h for h in hashes)


def test_jsonl_export_with_unix_times_and_broken_lines(store, client):
    spec = SourceSpec(
        "tool-x",
        "file",
        url=str(FIXTURES / "analyst_export.jsonl"),
        platform="x",
        options={"mapping": {"id": "uid", "text": "body", "published_at": "when"}},
    )
    report = run_source(store, spec, client)
    assert report.new == 3
    assert [p.split(":")[0] for p in report.problems] == ["line 3", "line 4", "line 5"]
    posts = queries.posts(store, PostFilter(), 10).set_index("text")
    assert str(posts.loc["They steal kids in Sweden!!"]["published_at"]).startswith("2025-11-20")
    assert set(posts["platform"]) == {"x"}


def test_running_the_same_export_twice_adds_nothing(store, client):
    spec = SourceSpec(
        "crowdtangle",
        "file",
        url=str(FIXTURES / "analyst_export.csv"),
        options={"mapping": CSV_MAPPING},
    )
    run_source(store, spec, client)
    assert run_source(store, spec, client).new == 0


@pytest.mark.parametrize(
    ("options", "url", "message"),
    [
        ({"mapping": {"txet": "Message"}}, "x.csv", "unknown fields"),
        ({}, "export.xlsx", "cannot tell the format"),
        ({}, None, "needs url"),
    ],
)
def test_misconfigured_file_sources_say_what_to_fix(options, url, message):
    with pytest.raises(SourceConfigError, match=message):
        build_source(SourceSpec("f", "file", url=url, options=options))
