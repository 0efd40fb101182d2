"""Experiment: what does fine-tuning the encoder's top layers buy? (not in `make bench`)

Trains the production model (`classify.train.train`) on the *train* split and the catalog, once with
the encoder frozen and once per `--layers` value with that many top layers fine-tuned
(`classify.tuning`), and scores each on the *val* split. The test and challenge splits are never
read. Prints flag precision/recall/F1, stance accuracy, the share of debunks flagged, per-language
flag F1 and the training time.

Usage: python bench/tuning_proxy.py [--layers 0 6] [--epochs 4] [--runs N]
Takes about 3 minutes for the frozen model and 10 for each tuned one on 2 cores.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from classify import Classifier, ModelParams, get_embedder
from classify.train import _prediction_metrics, catalog_examples, read_labelled, train
from rebuttals import default_catalog

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--layers", type=int, nargs="+", default=[0, 6])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--runs", type=int, default=ModelParams().tune_runs)
    args = parser.parse_args()
    labelled = REPO / "data" / "labelled"
    examples = read_labelled(labelled, ["train"]) + catalog_examples(default_catalog())
    val = read_labelled(labelled, ["val"])
    embedder = get_embedder("e5-small-q4")
    print(f"trained on {len(examples)} examples, scored on {len(val)} val posts")
    for layers in args.layers:
        params = replace(
            ModelParams(), tune_layers=layers, tune_epochs=args.epochs, tune_runs=args.runs
        )
        start = time.perf_counter()
        model = train(embedder, examples, params)
        seconds = time.perf_counter() - start
        results = Classifier(embedder, model).classify([e.text for e in val])
        preds = [r.prediction for r in results]
        m = _prediction_metrics(preds, val)
        debunks = [p.flagged for p, e in zip(preds, val, strict=True) if e.stance == "debunks"]
        langs = {
            lang: _prediction_metrics(
                [p for p, e in zip(preds, val, strict=True) if e.lang == lang],
                [e for e in val if e.lang == lang],
            )["flag_f1"]
            for lang in sorted({e.lang for e in val})
        }
        print(
            f"tuned layers {layers}: flag P {m['flag_precision']:.3f} R {m['flag_recall']:.3f} "
            f"F1 {m['flag_f1']:.3f}  stance {m['stance_accuracy']:.3f}  "
            f"debunks flagged {np.mean(debunks):.3f}  training {seconds:.0f} s"
        )
        print("  per language: " + ", ".join(f"{k} {v:.2f}" for k, v in langs.items()))
        held = model.metrics.get("validation")
        if held:
            print(
                f"  out-of-fold on the {held['n']} posts kept out of tuning: "
                f"flag F1 {held['flag_f1']:.3f}  stance {held['stance_accuracy']:.3f}"
            )


if __name__ == "__main__":
    main()
