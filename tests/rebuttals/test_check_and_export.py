"""`rebuttals check` rules and the exports other agencies reuse (ClaimReview, Markdown, HTML, CSV)."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest

from rebuttals import CLAIM_IDS, CLAIMS_DIR, load_catalog
from rebuttals.check import check_catalog
from rebuttals.export import Organisation, export

ORG = Organisation("Exempelkommunen", "https://kommun.example.org", "Ring 0771-000 000")


def test_the_shipped_library_passes_every_rule():
    assert check_catalog(load_catalog(), today=date(2026, 11, 24)) == []


@pytest.fixture
def broken(tmp_path):
    for path in CLAIMS_DIR.glob("*.toml"):
        shutil.copy(path, tmp_path)
    kid = tmp_path / "kidnapping.toml"
    text = kid.read_text(encoding="utf-8")
    start = text.index("[responses.sv]")
    short_at = text.index("short = ", start)
    end = text.index("\n", short_at)
    text = text[:short_at] + 'short = "' + "x" * 300 + '"' + text[end:]
    text = text.replace("[responses.ar]", "[responses.ar_removed]", 1)
    kid.write_text(text, encoding="utf-8")
    return load_catalog(tmp_path)


def test_a_broken_library_lists_each_problem(broken):
    problems = [str(p) for p in check_catalog(broken, today=date(2026, 11, 24))]
    assert any(p.startswith("kidnapping:sv: short text has 300 characters") for p in problems)
    assert "kidnapping:ar: no response in this required language" in problems


def test_an_old_review_date_fails_the_check():
    later = date(2026, 11, 24) + timedelta(days=800)
    problems = check_catalog(load_catalog(), today=later)
    assert problems and all("re-check the facts" in p.message for p in problems)


REQUIRED_CLAIMREVIEW = {
    "@context",
    "@type",
    "claimReviewed",
    "itemReviewed",
    "reviewRating",
    "author",
    "url",
    "datePublished",
    "inLanguage",
    "identifier",
}


def test_claimreview_export_is_valid_json_ld_with_required_fields():
    appearances = {"kidnapping": ["https://example.org/post/1"]}
    items = json.loads(export(load_catalog(), "claimreview", ORG, appearances))
    assert len(items) >= 3 * len(CLAIM_IDS)
    for item in items:
        assert set(item) >= REQUIRED_CLAIMREVIEW
        assert item["@context"] == "https://schema.org" and item["@type"] == "ClaimReview"
        assert item["itemReviewed"]["@type"] == "Claim"
        rating = item["reviewRating"]
        assert rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]
        assert rating["alternateName"]
        assert item["author"] == {"@type": "Organization", "name": ORG.name, "url": ORG.url}
        claim, lang, version = item["identifier"].split(":")
        assert claim in CLAIM_IDS and lang == item["inLanguage"] and version.isdigit()
        date.fromisoformat(item["datePublished"])
    kid = next(i for i in items if i["identifier"].startswith("kidnapping:sv:"))
    assert kid["itemReviewed"]["appearance"] == [
        {"@type": "CreativeWork", "url": "https://example.org/post/1"}
    ]


class _Sections(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sections: list[dict] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        if tag == "section":
            self.sections.append(dict(attrs))
        if tag == "script":
            self.scripts += 1


def test_html_export_is_self_contained_and_arabic_is_right_to_left():
    page = export(load_catalog(), "html", ORG)
    parser = _Sections()
    parser.feed(page)
    arabic = [s for s in parser.sections if s.get("lang") == "ar"]
    assert len(arabic) == len(CLAIM_IDS) and all(s["dir"] == "rtl" for s in arabic)
    assert all(s["dir"] == "ltr" for s in parser.sections if s.get("lang") == "sv")
    assert parser.scripts == 0 and "<link" not in page
    assert ORG.contact in page


def test_markdown_and_csv_exports_carry_identifiers_and_sources():
    md = export(load_catalog(), "markdown", ORG)
    assert "kidnapping:ar:" in md and "https://" in md
    rows = list(csv.DictReader(io.StringIO(export(load_catalog(), "csv", ORG))))
    assert {r["lang"] for r in rows} >= {"sv", "en", "ar"}
    assert all(r["source_urls"].startswith("http") for r in rows)
