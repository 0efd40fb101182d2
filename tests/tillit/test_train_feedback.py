"""The feedback loop: analysts' reviews become training data for `tillit train`, and later runs use
that model until the labelled data changes."""

from __future__ import annotations

from store import Review, queries
from tillit import pipeline
from tillit.config import load_config


def test_train_learns_from_reviews_and_classify_uses_the_new_model(tmp_path, config_writer):
    # Heads only (`fine_tune_layers = 0`): the loop is the same code, and each training takes a few
    # minutes instead of the fine-tuned model's 20 or more (the quality gate tests that model).
    config = load_config(
        config_writer(tmp_path, tmp_path / "models"),
        environ={"TILLIT__CLASSIFY__FINE_TUNE_LAYERS": "0"},
    )
    pipeline.init(config)
    pipeline.load_demo(config)
    before, _ = pipeline.classify_store(config)
    store = pipeline.open_store(config)
    queue = queries.review_queue(store, 3)
    assert len(queue) == 3
    queries.add_review(
        store, Review(queue.iloc[0]["id"], "confirm", "a", queue.iloc[0]["claim"], "spreads")
    )
    queries.add_review(store, Review(queue.iloc[1]["id"], "reject", "a", None, "neutral"))
    queries.add_review(store, Review(queue.iloc[2]["id"], "correct", "a", "no_return", "debunks"))

    report = pipeline.train(config)

    assert report.review_examples == 3 and report.version != before
    later = pipeline.classifier(config)
    assert later.version == report.version  # later runs use it
    assert later.model.params.tune_layers == 0  # the config's setting reached the model
    version, done = pipeline.classify_store(config)
    assert version == report.version and done == queries.count_documents(store)
