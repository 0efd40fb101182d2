"""Build training data (labelled files + catalog examples) and train or load the claim model.

The model is fitted on the train and val splits together. Thresholds are then chosen on out-of-fold
predictions (k-fold cross-validation over the same examples), which uses every labelled post for both
fitting and tuning without tuning on a post the scoring model saw. On ~1,300 posts this beat fitting
on train alone and tuning on the small val split (test flag F1 0.68 against 0.59). The fixed test
split in `data/labelled/` is never read here, nor is the "challenge" split: only evaluation opens them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed

from classify.embed import Embedder
from classify.errors import TrainingDataError
from classify.model import (
    MODEL_FORMAT,
    STANCES,
    ClaimModel,
    Example,
    ModelParams,
    Prediction,
    joint_label,
    threshold_free,
    tune_thresholds,
)
from rebuttals import Catalog

# "challenge" is a second held-out set, written later than the test split and weighted towards the
# cases cross-validation showed the model getting wrong; like "test", only evaluation reads it.
SPLITS = ("train", "val", "test", "challenge")
HELD_OUT = ("test", "challenge")
FIT_SPLITS = ("train", "val")
CV_FOLDS = 5
log = logging.getLogger("tillit.classify")


def read_labelled(directory: Path, splits: Iterable[str]) -> list[Example]:
    """Examples from every `*.jsonl` in `directory` whose `split` is in `splits`."""
    wanted = set(splits)
    examples = []
    files = sorted(Path(directory).glob("*.jsonl"))
    if not files:
        raise TrainingDataError(f"no labelled data (*.jsonl) in {directory}")
    for path in files:
        with path.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                    if row["split"] not in SPLITS or row["stance"] not in STANCES:
                        raise ValueError(f"split {row['split']!r} / stance {row['stance']!r}")
                    if row["split"] not in wanted:
                        continue
                    examples.append(
                        Example(
                            text=str(row["text"]),
                            stance=row["stance"],
                            claim=row.get("claim"),
                            relevant=bool(row.get("relevant", True)),
                            lang=row.get("lang"),
                            origin=f"{path.name}:{number}",
                        )
                    )
                except (ValueError, KeyError, TypeError) as exc:
                    raise TrainingDataError(f"{path}:{number}: bad labelled row ({exc})") from exc
    return examples


def catalog_examples(catalog: Catalog) -> list[Example]:
    """The example phrasings in the claim files, as training examples."""
    out = []
    for claim in catalog:
        for stance, by_lang in (
            ("spreads", claim.examples.spreads),
            ("debunks", claim.examples.debunks),
        ):
            for lang, texts in by_lang.items():
                out.extend(
                    Example(t, stance, claim.id, True, lang, f"catalog:{claim.id}") for t in texts
                )
    return out


# Settings added after models were saved, with the value that leaves a model as it was: at that
# value they stay out of the hash, so adding a setting does not rename (and retrain) every model.
_HASHED_ONLY_WHEN_SET = {"plain_share": 0.0, "plain_top_layers": 6}


def data_hash(examples: Sequence[Example], encoder: str, params: ModelParams) -> str:
    digest = hashlib.sha256()
    digest.update(f"{encoder}|format={MODEL_FORMAT}".encode())
    settings = {
        k: v for k, v in asdict(params).items() if _HASHED_ONLY_WHEN_SET.get(k, object()) != v
    }
    digest.update(json.dumps(settings, sort_keys=True).encode())
    for e in sorted(examples, key=lambda e: (e.text, e.stance, e.claim or "")):
        digest.update(json.dumps([e.text, e.stance, e.claim, e.relevant]).encode())
    return digest.hexdigest()


def version_for(encoder: str, digest: str) -> str:
    slug = "".join(ch if ch.isalnum() else "-" for ch in encoder.split("/")[-1]).strip("-")
    return f"{slug}-{digest[:10]}"


def training_set(
    labelled_dir: Path, catalog: Catalog, extra: Sequence[Example] = ()
) -> list[Example]:
    return [*read_labelled(labelled_dir, FIT_SPLITS), *catalog_examples(catalog), *extra]


def train(
    embedder: Embedder,
    examples: Sequence[Example],
    params: ModelParams | None = None,
    folds: int = CV_FOLDS,
    tuned=None,
) -> ClaimModel:
    """Fit on every example, then choose per-claim thresholds on out-of-fold predictions.

    Catalog phrasings stay in every training fold and are never held out: they are the claim
    definitions' own examples, not posts the model will meet.

    With fine-tuning, a stratified share of the posts (`ModelParams.tune_holdout`) is kept out of
    the encoder's training. The heads are still fitted on every example, but thresholds and the
    validation metrics come only from the out-of-fold predictions for those held-out posts: the
    tuned encoder has learned the others by heart (out-of-fold flag F1 0.999 on them), so
    thresholds chosen there all fell to the bottom of the grid and the suggest band vanished.

    `tuned` reuses layers fine-tuned earlier on the same examples with the same tuning settings,
    so an experiment can compare head settings without tuning again (`bench/tuning_proxy.py`).
    """
    params = params or ModelParams()
    digest = data_hash(examples, embedder.name, params)
    version = version_for(embedder.name, digest)
    unseen = _tuning_holdout(examples, params)
    if tuned is None:
        tuned = _tune(embedder, [e for i, e in enumerate(examples) if i not in unseen], params)
    if tuned is not None:
        # The heads are fitted on the tuned encoder's embeddings, which is what they will read.
        from classify.tuning import TunedE5Embedder

        embedder = TunedE5Embedder(
            embedder,
            tuned,
            version,
            beside_plain=params.plain_share > 0,
            plain_layers=params.plain_top_layers,
        )
    else:
        unseen = set()
        # Without tuned layers there is no second encoder to blend in.
        params = replace(params, plain_share=0.0)
    vectors = embedder.embed([e.text for e in examples])
    base_name = getattr(embedder, "base", embedder).name
    model = ClaimModel.fit(base_name, version, vectors, examples, params, digest)
    model.tuned = tuned
    model.metrics = {"training_examples": len(examples)}
    method = f"{folds}-fold cross-validation on the train and val splits"
    if tuned is not None:
        model.metrics["tuned"] = {
            "layers": params.tune_layers,
            "epochs": params.tune_epochs,
            "runs": params.tune_runs,
            "seed": params.tune_seed,
            "restyle": params.tune_restyle,
            "dropout": params.tune_dropout,
            "examples": len(examples) - len(unseen),
            "held_out": len(unseen),
            "final_loss": tuned.loss,
            "seconds": tuned.seconds,
        }
        method += f", scored on the {len(unseen)} posts the encoder was not tuned on"
    held, oof = _out_of_fold(model, vectors, examples, params, folds)
    if unseen:
        kept = [k for k, i in enumerate(held) if i in unseen]
        held, oof = [held[k] for k in kept], [oof[k] for k in kept]
    if held:
        held_examples = [examples[i] for i in held]
        model.params = tune_thresholds(params, oof, held_examples)
        decided = [model.decide(p) for p in oof]
        model.metrics["validation"] = {
            "method": method,
            **_prediction_metrics(decided, held_examples),
        }
        model.metrics["thresholds"] = {
            "flag": model.params.flag_thresholds,
            "suggest": model.params.suggest_thresholds,
        }
    return model


def _tuning_holdout(examples: Sequence[Example], params: ModelParams) -> set[int]:
    """Indices of the labelled posts kept out of fine-tuning (stratified by label, seeded)."""
    from sklearn.model_selection import train_test_split

    posts = [i for i, e in enumerate(examples) if not e.origin.startswith("catalog:")]
    labels = [joint_label(examples[i]) for i in posts]
    if (
        params.tune_layers <= 0
        or params.tune_holdout <= 0
        or min((labels.count(x) for x in set(labels)), default=0) < 2
    ):
        return set()
    _, held = train_test_split(
        posts, test_size=params.tune_holdout, stratify=labels, random_state=0
    )
    return set(held)


def _tune(embedder: Embedder, examples: Sequence[Example], params: ModelParams):
    """Fine-tuned top encoder layers, or None where tuning is off or impossible."""
    runtime = getattr(embedder, "runtime", None)
    if params.tune_layers <= 0 or runtime is None or len(examples) < params.tune_min_examples:
        return None
    from classify.tuning import fine_tune

    return fine_tune(
        runtime,
        [e.text for e in examples],
        [joint_label(e) for e in examples],
        layers=params.tune_layers,
        epochs=params.tune_epochs,
        lr=params.tune_lr,
        seeds=tuple(range(params.tune_seed, params.tune_seed + params.tune_runs)),
        restyled=params.tune_restyle,
        dropout=params.tune_dropout,
    )


def _out_of_fold(
    model: ClaimModel,
    vectors: np.ndarray,
    examples: Sequence[Example],
    params: ModelParams,
    folds: int,
) -> tuple[list[int], list[Prediction]]:
    """Threshold-free predictions for each labelled example from a model that did not see it.

    Returns ([], []) when the data is too small to fold (a few examples per stance): the defaults
    in `params` are used then.
    """
    from sklearn.model_selection import StratifiedKFold

    foldable = [i for i, e in enumerate(examples) if not e.origin.startswith("catalog:")]
    stances = [examples[i].stance for i in foldable]
    if folds < 2 or min((stances.count(s) for s in set(stances)), default=0) < folds:
        return [], []
    fixed = [i for i, e in enumerate(examples) if e.origin.startswith("catalog:")]
    probe = threshold_free(params)
    splits = [
        ([foldable[i] for i in fit_idx] + fixed, [foldable[i] for i in held_idx])
        for fit_idx, held_idx in StratifiedKFold(folds, shuffle=True, random_state=0).split(
            foldable, stances
        )
    ]
    # Folds are independent: one process per core roughly halves training time on 2 cores.
    scored = Parallel(n_jobs=min(folds, os.cpu_count() or 1))(
        delayed(_fit_and_score)(
            model.encoder,
            vectors[fit],
            [examples[i] for i in fit],
            vectors[held],
            [examples[i].text for i in held],
            probe,
        )
        for fit, held in splits
    )
    predictions: dict[int, Prediction] = {}
    for (_, held), fold_predictions in zip(splits, scored, strict=True):
        predictions.update(zip(held, fold_predictions, strict=True))
    order = sorted(predictions)
    return order, [predictions[i] for i in order]


def _fit_and_score(
    encoder: str,
    fit_vectors: np.ndarray,
    fit_examples: list[Example],
    held_vectors: np.ndarray,
    held_texts: list[str],
    params: ModelParams,
) -> list[Prediction]:
    fold_model = ClaimModel.fit(encoder, "fold", fit_vectors, fit_examples, params)
    return fold_model.predict(held_vectors, held_texts)


def quick_metrics(model: ClaimModel, vectors: np.ndarray, examples: Sequence[Example]) -> dict:
    """Flag precision/recall/F1 and stance accuracy: enough to see a bad model at a glance."""
    return _prediction_metrics(model.predict(vectors, [e.text for e in examples]), examples)


def _prediction_metrics(preds: Sequence[Prediction], examples: Sequence[Example]) -> dict:
    gold = np.array([e.stance == "spreads" and e.claim is not None for e in examples])
    got = np.array([p.flagged for p in preds])
    correct_claim = np.array([p.claim == e.claim for p, e in zip(preds, examples, strict=True)])
    tp = int(np.sum(gold & got & correct_claim))
    precision = tp / max(int(got.sum()), 1)
    recall = tp / max(int(gold.sum()), 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)
    stance_acc = float(
        np.mean([p.stance == e.stance for p, e in zip(preds, examples, strict=True)])
    )
    return {
        "n": len(examples),
        "flag_precision": round(precision, 4),
        "flag_recall": round(recall, 4),
        "flag_f1": round(f1, 4),
        "stance_accuracy": round(stance_acc, 4),
    }


def review_examples(rows: Iterable[tuple[str, str | None, str]]) -> list[Example]:
    """Analysts' reviews as training examples: confirmations and corrections teach the claim and
    stance they state; a rejection teaches 'relevant but not this claim' (neutral)."""
    out = []
    for text, claim, stance in rows:
        if stance not in STANCES or not text:
            continue
        out.append(
            Example(text, stance, claim if stance != "neutral" else None, True, None, "review")
        )
    return out


def _pointer(model_dir: Path, encoder: str) -> Path:
    return Path(model_dir) / f"current-{version_for(encoder, '')}.json"


def load_or_train(
    embedder: Embedder,
    model_dir: Path,
    labelled_dir: Path,
    catalog: Catalog,
    params: ModelParams | None = None,
    extra: Sequence[Example] = (),
    force: bool = False,
) -> ClaimModel:
    """The model for this encoder and training data: loaded if saved, else trained and saved.

    Keyed by the data hash, so editing labelled data or the catalog retrains on the next run.
    """
    params = params or ModelParams()
    base = training_set(labelled_dir, catalog)
    base_hash = data_hash(base, embedder.name, params)
    pointer = _pointer(model_dir, embedder.name)
    if not extra and not force and pointer.exists():
        # `tillit train` may have added analysts' reviews; use that model while the base data
        # (labelled files, catalog, params) it was trained on is unchanged.
        current = json.loads(pointer.read_text(encoding="utf-8"))
        folder = Path(model_dir) / current.get("version", "")
        if current.get("base_hash") == base_hash and (folder / "config.json").exists():
            return ClaimModel.load(folder, embedder)
    examples = [*base, *extra]
    digest = data_hash(examples, embedder.name, params)
    folder = Path(model_dir) / version_for(embedder.name, digest)
    if (folder / "config.json").exists() and not force:
        return ClaimModel.load(folder, embedder)
    log.info("training model %s on %d examples", folder.name, len(examples))
    model = train(embedder, examples, params)
    model.metrics["review_examples"] = len(extra)
    model.save(folder)
    if extra or force:
        pointer.write_text(
            json.dumps({"version": model.version, "base_hash": base_hash, "reviews": len(extra)}),
            encoding="utf-8",
        )
    return model
