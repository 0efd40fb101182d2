"""The feedback loop: analysts' reviews become training data for `tillit train`, and later runs use
that model until the labelled data changes."""

from __future__ import annotations

import shutil

from store import Review, queries
from tillit import pipeline
from tillit.config import load_config


def test_train_learns_from_reviews_and_classify_uses_the_new_model(
    seeded_config, tmp_path, config_writer
):
    models = tmp_path / "models"
    shutil.copytree(seeded_config.classify.model_dir, models)
    config = load_config(config_writer(tmp_path, models), environ={})
    shutil.copy(seeded_config.store.path, config.store.path)
    store = pipeline.open_store(config)
    queue = queries.review_queue(store, 3)
    assert len(queue) == 3
    before = pipeline.classifier(config).version
    queries.add_review(
        store, Review(queue.iloc[0]["id"], "confirm", "a", queue.iloc[0]["claim"], "spreads")
    )
    queries.add_review(store, Review(queue.iloc[1]["id"], "reject", "a", None, "neutral"))
    queries.add_review(store, Review(queue.iloc[2]["id"], "correct", "a", "no_return", "debunks"))

    report = pipeline.train(config)

    assert report.review_examples == 3 and report.version != before
    assert pipeline.classifier(config).version == report.version  # later runs use it
    version, done = pipeline.classify_store(config)
    assert version == report.version and done == queries.count_documents(store)
