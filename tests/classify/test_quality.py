"""Quality gate on the held-out splits: floors that a regression must not cross.

The fixed test split (237 posts) is the one the issue's targets are read on. The challenge set is
larger, so its numbers move less by chance. It has four waves, each with its own floors: the
`posts3` files (1,080 posts, weighted towards the hard cases: indirect targets_muslims posts,
one-line replies, debunks in the claim's own words) and the `posts6` files (898 posts by writers
told to write unlike the training files: rotated personas, debunks that state the fact without
negation, neighbouring-claim pairs). The second wave measures how the model holds up on writers it
has not seen, which is what an outside held-out set tests. The third, the `posts9` files (628
posts), was written as training data aimed at the errors on unseen writers (sarcastic and
testimonial debunks, hedged and second-hand spreads, loose Somali spelling); it lowered the
train -> val proxy, so it became held-out posts too. The fourth, `ar_posts12` (119 posts), is
Arabic written in Latin letters and digits (Arabizi), the sub-population the model reads worst.

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
    # Measured 2026-12-04 on 237 test posts, model with heads on the plain encoder blended in
    # (`plain_share` 0.5); with the tuned heads alone: 0.837, 0.888, 0.916, 0.057, 0.611, lowest
    # language 0.714 (so). Before posts8: 0.798, 0.854, 0.903, 0.075, 0.573, lowest language 0.667
    # (so); before posts7: 0.800, 0.875, 0.924, 0.075, 0.575, 0.696 (sv); before restyling: 0.802,
    # 0.840, 0.920, 0.094, 0.577, 0.667 (so); before posts5: 0.776, 0.847, 0.920, 0.113, 0.551,
    # 0.706; before fine-tuning: 0.783, 0.866, 0.878, 0.094, 0.558, 0.710. On this split two
    # fine-tuned models differed by 0.085 flag F1 (see the classifier issue's note): 237 posts
    # cannot tell tuned models apart more finely.
    "flag_f1": 0.82,  # measured 0.861
    "claim_macro_f1": 0.87,  # measured 0.900
    "stance_accuracy": 0.91,  # measured 0.928
    "debunks_wrongly_flagged_max": 0.06,  # measured 0.038
    "margin_over_keywords": 0.60,  # measured 0.636
    "language_flag_f1": 0.74,  # each language with >= 8 spreading test posts; lowest 0.769 (so)
}
CHALLENGE_FLOORS = {
    # Measured 2026-12-04 on the 1,080 challenge posts (keyword baseline: flag F1 0.032), same
    # model; tuned heads alone: 0.855, 0.922, 0.933, 0.056, lowest language 0.752; before posts8:
    # 0.840, 0.908, 0.931, 0.066, lowest language 0.745; before posts7:
    # 0.833, 0.905, 0.919, 0.089, 0.784; before restyling: 0.815, 0.900, 0.915, 0.102, 0.751;
    # before posts5: 0.808, 0.880, 0.908, 0.099, 0.737; before fine-tuning: 0.695, 0.826, 0.791,
    # 0.234, 0.619.
    "flag_f1": 0.84,  # measured 0.870
    "claim_macro_f1": 0.91,  # measured 0.934
    "stance_accuracy": 0.91,  # measured 0.931
    "debunks_wrongly_flagged_max": 0.08,  # measured 0.056
    "language_flag_f1": 0.77,  # lowest 0.798 (ar)
    "margin_over_keywords": 0.81,  # measured 0.838
}
WAVE6_FLOORS = {
    # Measured 2026-12-04 on the 898 posts6 challenge posts, same model (keyword baseline: flag F1
    # 0.034); tuned heads alone: 0.812, 0.874, 0.903, 0.050, lowest language 0.726; before posts8:
    # 0.793, 0.846, 0.877, 0.089, lowest language 0.709; before posts7:
    # 0.770, 0.825, 0.837, 0.111, 0.686; before restyling: 0.748, 0.811, 0.835, 0.125, 0.660.
    # Tried first as training data, they lowered the train -> val proxy (flag F1, mean of two
    # fine-tuning seeds, 0.871 -> 0.841), so they became held-out posts instead.
    "flag_f1": 0.80,  # measured 0.833
    "claim_macro_f1": 0.85,  # measured 0.885
    "stance_accuracy": 0.88,  # measured 0.904
    "debunks_wrongly_flagged_max": 0.08,  # measured 0.050
    "language_flag_f1": 0.70,  # lowest 0.731 (ar; fa 0.777)
    "margin_over_keywords": 0.77,  # measured 0.799
}
WAVE9_FLOORS = {
    # Measured 2026-12-05 on the 628 posts9 challenge posts, same model (keyword baseline: flag F1
    # 0.111). Per language: ar 0.784, en 0.825, fa 0.815, so 0.693, sv 0.769, tr 0.895. The model
    # refitted with ngram_weight 2.0 scored 0.801 but flagged 0.102 of the debunks.
    "flag_f1": 0.76,  # measured 0.789
    "claim_macro_f1": 0.82,  # measured 0.855
    "stance_accuracy": 0.82,  # measured 0.855
    "debunks_wrongly_flagged_max": 0.12,  # measured 0.090
    "language_flag_f1": 0.66,  # lowest 0.693 (so)
    "margin_over_keywords": 0.64,  # measured 0.678
}
WAVE12_FLOORS = {
    # Measured 2026-12-05 on the 119 Arabizi posts of ar_posts12 (47 spreading), same model
    # (keyword baseline: flag F1 0.075; its Arabic keywords are in Arabic script). Precision 0.758,
    # recall 0.532. One spreading post moves flag F1 by about 0.015, so the floors sit lower.
    "flag_f1": 0.57,  # measured 0.625
    "claim_macro_f1": 0.68,  # measured 0.734
    "stance_accuracy": 0.75,  # measured 0.798
    "debunks_wrongly_flagged_max": 0.11,  # measured 0.062
    "language_flag_f1": 0.57,  # Arabic only: 0.625
    "margin_over_keywords": 0.49,  # measured 0.550
}

# The challenge set's waves (the file name's `_postsN` part, described in the module docstring):
# the fewest posts each must hold, and its floors.
CHALLENGE_WAVES = {
    "posts3": (1000, CHALLENGE_FLOORS),
    "posts6": (850, WAVE6_FLOORS),
    "posts9": (600, WAVE9_FLOORS),
    "posts12": (110, WAVE12_FLOORS),
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


@pytest.fixture(scope="module")
def challenge(classifier, seeded_config):
    """The challenge set scored one wave at a time (the wave is the file name's `_postsN` part)."""
    examples = read_labelled(seeded_config.classify.labelled_dir, ["challenge"])
    waves = {}
    for wave in CHALLENGE_WAVES:
        part = [e for e in examples if e.origin.split(":")[0].endswith(f"_{wave}.jsonl")]
        waves[wave] = evaluate(classifier, part, CLAIM_IDS, "challenge")
        print(wave, format_report(waves[wave]))
    assert sum(w["model"]["n"] for w in waves.values()) == len(examples), "a post in no wave"
    return waves


def _assert_floors(result: dict, floors: dict) -> None:
    model = result["model"]
    assert model["flag"]["f1"] >= floors["flag_f1"], model["flag"]
    assert model["claim_macro_f1"] >= floors["claim_macro_f1"]
    assert model["stance_accuracy"] >= floors["stance_accuracy"]
    assert model["debunks_wrongly_flagged"] <= floors["debunks_wrongly_flagged_max"]
    for lang, scores in model["per_language"].items():
        assert scores["f1"] >= floors["language_flag_f1"], (lang, scores)
    margin = model["flag"]["f1"] - result["keyword_baseline"]["flag"]["f1"]
    assert margin >= floors["margin_over_keywords"], margin


@pytest.mark.parametrize("wave", CHALLENGE_WAVES)
def test_every_challenge_wave_keeps_its_floors(challenge, wave):
    minimum_posts, floors = CHALLENGE_WAVES[wave]
    assert challenge[wave]["model"]["n"] >= minimum_posts
    _assert_floors(challenge[wave], floors)
