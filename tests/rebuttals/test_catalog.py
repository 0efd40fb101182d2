"""The claim catalog: the fixed ids, one file per claim, responses in sv/en/ar with sources."""

from __future__ import annotations

import shutil

import pytest

from rebuttals import CLAIM_IDS, CLAIMS_DIR, CatalogError, load_catalog


def test_catalog_has_exactly_the_contract_claim_ids_in_order():
    catalog = load_catalog()
    assert (
        catalog.ids
        == CLAIM_IDS
        == (
            "kidnapping",
            "targets_muslims",
            "religion_erasure",
            "profit_motive",
            "abuse_in_care",
            "no_return",
            "no_due_process",
            "trivial_reasons",
        )
    )


@pytest.mark.parametrize("claim_id", CLAIM_IDS)
def test_each_claim_has_definition_examples_and_sourced_responses(claim_id):
    claim = load_catalog().get(claim_id)
    for lang in ("sv", "en", "ar"):
        assert claim.name[lang] and claim.definition[lang]
        assert len(claim.examples.spreads.get(lang, ())) >= 3
        assert claim.examples.debunks.get(lang)
        response = claim.responses[lang]
        assert len(response.short) <= 280
        assert 120 <= len(response.long.split()) <= 300
        sources = claim.sources_for(response)
        assert sources and len(sources) == len(response.sources)
        assert all(str(s.url).startswith(("http://", "https://")) for s in sources)


def test_a_missing_claim_file_is_reported_by_name(tmp_path):
    for path in CLAIMS_DIR.glob("*.toml"):
        shutil.copy(path, tmp_path)
    (tmp_path / "no_return.toml").unlink()
    with pytest.raises(CatalogError, match="no_return"):
        load_catalog(tmp_path)


def test_a_broken_claim_file_names_the_file_and_field(tmp_path):
    for path in CLAIMS_DIR.glob("*.toml"):
        shutil.copy(path, tmp_path)
    broken = tmp_path / "kidnapping.toml"
    broken.write_text(
        broken.read_text(encoding="utf-8").replace('status = "approved"', 'status = "maybe"', 1)
    )
    with pytest.raises(CatalogError, match=r"kidnapping\.toml: responses\.\w+\.status"):
        load_catalog(tmp_path)
