"""Classifier v0: embeddings, stance, claim, relevance gate, persistence and the store cache."""

from __future__ import annotations

import re

import numpy as np
import pytest

from classify import ClaimModel, EmbedderError, get_embedder, lang
from classify.lang import detect
from classify.train import HELD_OUT, read_labelled, training_set
from rebuttals import default_catalog
from store import queries
from tillit import pipeline


def test_e5_embeddings_are_normalised_and_multilingual():
    emb = get_embedder("e5-small-q4")
    vectors = emb.embed(
        ["soc kidnappar barn", "social services kidnap children", "Recept på kanelbullar"]
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_unknown_embedder_spec_is_a_clear_error():
    with pytest.raises(EmbedderError, match="unknown"):
        get_embedder("word2vec")


def test_negation_separates_debunking_from_spreading(classifier):
    spreads, debunks = classifier.classify(
        ["soc kidnappar barn", "socialtjänsten kidnappar inte barn"]
    )
    assert (spreads.prediction.stance, spreads.prediction.claim) == ("spreads", "kidnapping")
    assert spreads.prediction.flagged
    assert debunks.prediction.stance == "debunks"
    assert not debunks.prediction.flagged


@pytest.mark.parametrize(
    ("text", "claim"),
    [
        ("السوسيال يخطف أطفال المسلمين ويعطيهم لعائلات مسيحية حتى ينسوا دينهم", "religion_erasure"),
        # One claim per text: "steal kids and never get them back" carried kidnapping as well, and
        # the model's choice between the two flipped with float rounding (0.47 against 0.45).
        (
            "Once social services place your kids in foster care, the parents never get them back. "
            "Never.",
            "no_return",
        ),
        (
            "Familjehemmen tjänar tusentals kronor per barn, det är en ren business för soc",
            "profit_motive",
        ),
    ],
)
def test_spreading_posts_in_several_languages_get_their_claim(classifier, text, claim):
    (result,) = classifier.classify([text])
    assert result.prediction.flagged and result.prediction.claim == claim


def test_off_topic_and_very_short_texts_are_never_flagged(classifier):
    results = classifier.classify(
        [
            "Kidnappningen i Mexiko: turisten släppt efter tre dagar",
            "They totally stole the match from us, refs kidnapped the game lol",
            "soc!!",
            "",
        ]
    )
    assert not any(r.prediction.flagged for r in results)


def test_language_is_detected_for_each_text_alone_and_in_a_batch():
    texts = [
        "soc tar barnen från oss",
        "السوسيال يخطف الأطفال",
        "Sosyal hizmetler çocukları kaçırıyor",
        "👍👍",
        "soc tar barnen från oss",
    ]
    lang.forget()
    together = lang.detect_many(texts, default="en")
    lang.forget()
    assert [detect(t) for t in texts] == ["sv", "ar", "tr", "sv", "sv"]
    assert together == ["sv", "ar", "tr", "en", "sv"]


def test_saved_model_round_trips_with_identical_predictions(classifier, tmp_path):
    texts = ["soc kidnappar barn", "Kommunen söker fler familjehem"]
    vectors = classifier.embedder.embed(texts)
    classifier.model.save(tmp_path / "m")
    loaded = ClaimModel.load(tmp_path / "m", get_embedder("e5-small-q4"))
    assert loaded.version == classifier.version
    assert [p.claim for p in loaded.predict(vectors, texts)] == [
        p.claim for p in classifier.model.predict(vectors, texts)
    ]
    assert (tmp_path / "m" / "config.json").exists() and (tmp_path / "m" / "metrics.json").exists()


def test_validation_metrics_meet_v0_floors(classifier):
    """A floor on held-out validation data (the test split is kept for the evaluation issue)."""
    val = classifier.model.metrics["validation"]
    assert val["n"] >= 100
    assert val["flag_f1"] >= 0.55, val
    assert val["stance_accuracy"] >= 0.6, val


def test_training_never_reads_the_held_out_splits(seeded_config):
    folder = seeded_config.classify.labelled_dir
    train_texts = {e.text for e in training_set(folder, default_catalog())}
    for split in HELD_OUT:
        held = {e.text for e in read_labelled(folder, [split])}
        assert held and not (train_texts & held), split


def _trigrams(text: str) -> set[tuple[str, ...]]:
    words = re.sub(r"\W+", " ", text.lower()).split()
    return {tuple(words[i : i + 3]) for i in range(max(len(words) - 2, 1))}


def test_no_training_post_is_a_near_copy_of_a_held_out_post(seeded_config):
    """Exact overlap is not enough: a test post reworded by one word would still leak its answer.
    Word-trigram Jaccard above 0.35 counts as a near copy (the closest pair today is below it). Both
    held-out splits, the test split and the challenge set, are checked."""
    folder = seeded_config.classify.labelled_dir
    test = [_trigrams(e.text) for e in read_labelled(folder, HELD_OUT)]
    near = []
    for example in read_labelled(folder, ["train", "val"]):
        grams = _trigrams(example.text)
        score = max(len(grams & t) / len(grams | t) for t in test)
        if score > 0.35:
            near.append((round(score, 2), example.origin))
    assert not near, near


def test_classifying_the_store_records_model_version_and_caches_embeddings(seeded_config):
    store = pipeline.open_store(seeded_config)
    stats = queries.stats(store)
    assert stats["classified"] == stats["documents"] >= 400
    assert stats["flagged"] >= 10
    with store.read() as con:
        versions = con.execute("SELECT DISTINCT model_version FROM classifications").fetchall()
        hashes = con.execute("SELECT count(DISTINCT content_hash) FROM documents").fetchone()[0]
        cached = con.execute("SELECT count(*) FROM embeddings").fetchone()[0]
    assert len(versions) == 1 and cached == hashes
    # A second run finds nothing left to do.
    assert pipeline.classify_store(seeded_config)[1] == 0
