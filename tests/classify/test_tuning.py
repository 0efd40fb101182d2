"""Fine-tuned top layers: they learn the labels, leave the shared encoder alone, and travel with the
saved model."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch", reason="torch comes with the optional `st` extra")

import torch

from classify import ClaimModel, ModelError, ModelParams, get_embedder
from classify.e5_torch import mean_pool
from classify.model import STANCES
from classify.train import catalog_examples, read_labelled, train
from classify.tuning import TunedE5Embedder, TunedLayers, _lower_states, fine_tune
from rebuttals import default_catalog

REPO = Path(__file__).resolve().parents[2]


def _separation(vectors: np.ndarray, labels: list[str]) -> float:
    """Mean cosine within a label minus mean cosine across labels."""
    sims = vectors @ vectors.T
    same = np.equal.outer(labels, labels)
    off_diagonal = ~np.eye(len(labels), dtype=bool)
    return float(sims[same & off_diagonal].mean() - sims[~same].mean())


def test_tuned_layers_pull_same_stance_posts_together_and_leave_the_encoder_unchanged(tmp_path):
    swedish = [e for e in read_labelled(REPO / "data" / "labelled", ["train"]) if e.lang == "sv"]
    examples = [e for stance in STANCES for e in [x for x in swedish if x.stance == stance][:16]]
    texts, stances = [e.text for e in examples], [e.stance for e in examples]
    base = get_embedder("e5-small-q4")
    frozen_before = base.embed(texts)

    tuned = fine_tune(base.runtime, texts, stances, layers=2, epochs=3, lr=5e-4)
    embedder = TunedE5Embedder(base, tuned, "test-version")
    vectors = embedder.embed(texts)

    assert np.array_equal(base.embed(texts), frozen_before)  # the shared encoder is untouched
    assert vectors.shape == frozen_before.shape
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert _separation(vectors, stances) > _separation(frozen_before, stances) + 0.02
    assert embedder.name == "e5-small-q4+tuned-test-version" != base.name  # own cache rows

    tuned.save(tmp_path)
    reloaded = TunedE5Embedder(base, TunedLayers.load(tmp_path, base.runtime), "test-version")
    assert np.allclose(reloaded.embed(texts), vectors, atol=1e-6)


def test_several_seeds_give_the_mean_of_their_runs_weights():
    """A soup of two runs is the element-wise mean of the two runs' layers, not either run."""
    swedish = [e for e in read_labelled(REPO / "data" / "labelled", ["train"]) if e.lang == "sv"]
    examples = [e for stance in STANCES for e in [x for x in swedish if x.stance == stance][:6]]
    texts, stances = [e.text for e in examples], [e.stance for e in examples]
    runtime = get_embedder("e5-small-q4").runtime

    def weights(seeds: tuple[int, ...]) -> dict:
        tuned = fine_tune(runtime, texts, stances, layers=1, epochs=1, lr=5e-4, seeds=seeds)
        return tuned.layers.state_dict()

    first, second, soup = weights((0,)), weights((1,)), weights((0, 1))
    name = next(k for k in soup if k.endswith("weight"))
    assert not np.allclose(first[name].numpy(), second[name].numpy(), atol=1e-6)
    for key, value in soup.items():
        assert np.allclose(value.numpy(), ((first[key] + second[key]) / 2).numpy(), atol=1e-5)
    with pytest.raises(ModelError, match="at least one seed"):
        fine_tune(runtime, texts, stances, layers=1, seeds=())


def test_restyled_reads_and_dropout_change_training_but_never_classifying():
    """Rewrites and dropout are training-time only: the returned layers are in eval mode with no
    dropout, so the same text always gets the same vector."""
    swedish = [e for e in read_labelled(REPO / "data" / "labelled", ["train"]) if e.lang == "sv"]
    examples = [e for stance in STANCES for e in [x for x in swedish if x.stance == stance][:6]]
    texts, stances = [e.text for e in examples], [e.stance for e in examples]
    base = get_embedder("e5-small-q4")

    def tuned(**options) -> TunedLayers:
        return fine_tune(base.runtime, texts, stances, layers=1, epochs=1, lr=5e-4, **options)

    plain, regularised = tuned(), tuned(restyled=0.5, dropout=0.1)
    name = next(k for k in plain.layers.state_dict() if k.endswith("weight"))
    assert not np.allclose(
        plain.layers.state_dict()[name].numpy(),
        regularised.layers.state_dict()[name].numpy(),
        atol=1e-6,
    )
    assert all(layer.dropout == 0.0 and not layer.training for layer in regularised.layers)
    embedder = TunedE5Embedder(base, regularised, "test-version")
    assert np.array_equal(embedder.embed(texts[:3]), embedder.embed(texts[:3]))

    layer = regularised.layers[0]
    x, mask = torch.randn(2, 5, base.runtime.dim), torch.ones(2, 1, 1, 5, dtype=torch.bool)
    layer.dropout = 0.1
    layer.train()
    assert not torch.allclose(layer(x, mask), layer(x, mask))  # dropout draws anew each call
    layer.eval()
    assert torch.equal(layer(x, mask), layer(x, mask))


def test_lower_layer_states_do_not_depend_on_the_batch_a_text_is_padded_in():
    """Fine-tuning computes the frozen layers' states in padded batches of similar length; each
    text must get the states it would get alone, cut to its own length."""
    runtime = get_embedder("e5-small-q4").runtime
    texts = ["soc", "socialtjänsten tar inte barn utan ett beslut i domstol", "السوسيال خطف ولدي"]
    batched = _lower_states(runtime, texts, shared=3)
    for text, states in zip(texts, batched, strict=True):
        ids, mask = runtime.tokenizer.batch([text])
        alone = runtime.encoder(ids, mask, layers=3)[0]
        assert states.shape == alone.shape
        assert np.allclose(states.numpy(), alone.detach().numpy(), atol=1e-4)


def test_the_default_model_is_tuned_and_reloads_with_its_layers(classifier, tmp_path):
    """The session model is trained on the full labelled data, so it has tuned layers; a reload
    must give the same vectors, not silently fall back to the plain encoder."""
    assert classifier.model.tuned is not None
    metrics = classifier.model.metrics
    assert metrics["tuned"]["layers"] == classifier.model.params.tune_layers
    assert metrics["tuned"]["runs"] == classifier.model.params.tune_runs
    assert metrics["tuned"]["restyle"] == classifier.model.params.tune_restyle > 0
    # Thresholds and validation numbers come only from posts the encoder was not tuned on.
    assert metrics["tuned"]["held_out"] >= 500
    assert metrics["validation"]["n"] == metrics["tuned"]["held_out"]
    texts = ["soc tar inte barn utan skäl", "de tar våra barn och säljer dem"]
    classifier.model.save(tmp_path / "m")
    base = get_embedder("e5-small-q4")
    loaded = ClaimModel.load(tmp_path / "m", base)
    assert np.allclose(
        loaded.embedder_for(base).embed(texts), classifier.embedder.embed(texts), atol=1e-6
    )
    with pytest.raises(ModelError, match="needs the e5 embedder with torch"):
        ClaimModel.load(tmp_path / "m")


def test_plain_heads_read_the_plain_embedding_beside_the_tuned_one_and_reload_with_it(tmp_path):
    """With `plain_share`, one encoder pass yields the tuned and the plain embedding side by side
    (the plain half equal to the plain encoder's own vector, or with `plain_top_layers = 0` to the
    pooled states the tuned layers start from), a second set of heads reads the plain half, and the
    saved model reloads both."""
    labelled = read_labelled(REPO / "data" / "labelled", ["train"])
    examples = [
        e
        for lang in ("sv", "en")
        for stance in STANCES
        for e in [x for x in labelled if x.lang == lang and x.stance == stance][:40]
    ] + catalog_examples(default_catalog())
    base = get_embedder("e5-small-q4")
    params = ModelParams(
        tune_layers=1, tune_epochs=1, tune_min_examples=50, plain_share=0.5, plain_top_layers=1
    )
    model = train(base, examples, params)
    alone = train(base, examples, replace(params, plain_share=0.0), tuned=model.tuned)

    texts = ["soc tar inte barn utan skäl", "de tar våra barn och säljer dem", "bra match igår"]
    embedder = model.embedder_for(base)
    vectors = embedder.embed(texts)
    assert model.companion is not None and alone.companion is None
    assert vectors.shape == (3, 2 * base.dim)
    assert np.allclose(vectors[:, : base.dim], alone.embedder_for(base).embed(texts), atol=1e-5)
    assert np.allclose(vectors[:, base.dim :], base.embed(texts), atol=1e-5)
    blended = [p.stance_probabilities for p in model.predict(vectors, texts)]
    assert blended != [p.stance_probabilities for p in alone.predict(vectors[:, : base.dim], texts)]

    # Both sets of heads read the same texts' n-grams through one vectoriser, saved once.
    assert model.companion._ngrams is model._ngrams

    model.save(tmp_path / "m")
    loaded = ClaimModel.load(tmp_path / "m", base)
    assert loaded.companion is not None and loaded.companion._ngrams is loaded._ngrams
    assert loaded.predict(loaded.embedder_for(base).embed(texts), texts) == model.predict(
        vectors, texts
    )

    # With no plain top layers, the plain half pools the shared lower layers' states as they are.
    pooled = train(base, examples, replace(params, plain_top_layers=0), tuned=model.tuned)
    shallow = pooled.embedder_for(base).embed(texts)
    assert np.allclose(shallow[:, : base.dim], vectors[:, : base.dim], atol=1e-5)
    runtime = base.runtime
    for row, text in zip(shallow, texts, strict=True):
        ids, mask = runtime.tokenizer.pad([runtime.tokenizer.ids(text)])
        with torch.inference_mode():
            lower = mean_pool(runtime.encoder(ids, mask, layers=11), mask)[0].numpy()
        assert np.allclose(row[base.dim :], lower / np.linalg.norm(lower), atol=1e-5)
    pooled.save(tmp_path / "p")
    assert ClaimModel.load(tmp_path / "p", base).embedder_for(base).plain_layers == 0
