"""Evaluation on a held-out split (the fixed test split, or the later "challenge" set), with the
keyword-alert baseline scored the same way.

A post counts as correctly flagged only when both are flagged *and* the claim matches. Numbers:
flag precision/recall/F1, claim macro-F1 (over posts that carry a claim), stance accuracy, the share of
debunking posts wrongly flagged, per-language and per-claim flag scores, and a claim confusion matrix.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sklearn.metrics import confusion_matrix, f1_score

from classify.baseline import keyword_alert
from classify.classifier import Classifier
from classify.model import Example

NONE = "none"


@dataclass(frozen=True)
class Outcome:
    claim: str | None
    stance: str

    @property
    def flagged(self) -> bool:
        return self.stance == "spreads" and self.claim is not None


def _prf(gold: Sequence[Outcome], pred: Sequence[Outcome]) -> dict[str, float]:
    tp = sum(
        g.flagged and p.flagged and g.claim == p.claim for g, p in zip(gold, pred, strict=True)
    )
    n_pred = sum(p.flagged for p in pred)
    n_gold = sum(g.flagged for g in gold)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "support": n_gold,
    }


def score(examples: Sequence[Example], pred: Sequence[Outcome], claim_ids: Sequence[str]) -> dict:
    gold = [Outcome(e.claim, e.stance) for e in examples]
    with_claim = [i for i, g in enumerate(gold) if g.claim is not None]
    debunks = [i for i, g in enumerate(gold) if g.stance == "debunks"]
    labels = [*claim_ids, NONE]
    flagged_gold = [g.claim if g.flagged else NONE for g in gold]
    flagged_pred = [p.claim if p.flagged else NONE for p in pred]
    langs = sorted({e.lang or "?" for e in examples})
    return {
        "n": len(examples),
        "flag": _prf(gold, pred),
        "claim_macro_f1": round(
            float(
                f1_score(
                    [gold[i].claim for i in with_claim],
                    [pred[i].claim or NONE for i in with_claim],
                    labels=list(claim_ids),
                    average="macro",
                    zero_division=0,
                )
            ),
            4,
        ),
        "stance_accuracy": round(
            sum(g.stance == p.stance for g, p in zip(gold, pred, strict=True)) / len(gold), 4
        ),
        "debunks_wrongly_flagged": round(sum(pred[i].flagged for i in debunks) / len(debunks), 4)
        if debunks
        else 0.0,
        "per_language": {
            lang: _prf(
                [g for g, e in zip(gold, examples, strict=True) if (e.lang or "?") == lang],
                [p for p, e in zip(pred, examples, strict=True) if (e.lang or "?") == lang],
            )
            for lang in langs
        },
        "per_claim": {
            cid: _prf(
                [Outcome(g.claim if g.claim == cid else None, g.stance) for g in gold],
                [Outcome(p.claim if p.claim == cid else None, p.stance) for p in pred],
            )
            for cid in claim_ids
        },
        "confusion": {
            "labels": labels,
            "matrix": confusion_matrix(flagged_gold, flagged_pred, labels=labels).tolist(),
        },
    }


def evaluate(
    classifier: Classifier,
    examples: Sequence[Example],
    claim_ids: Sequence[str],
    split: str = "test",
) -> dict:
    texts = [e.text for e in examples]
    model = [Outcome(r.prediction.claim, r.prediction.stance) for r in classifier.classify(texts)]
    baseline = [Outcome(b.claim, b.stance) for b in map(keyword_alert, texts)]
    return {
        "model_version": classifier.version,
        "split": split,
        "model": score(examples, model, claim_ids),
        "keyword_baseline": score(examples, baseline, claim_ids),
    }


def format_report(report: dict) -> str:
    m, b = report["model"], report["keyword_baseline"]
    rows = [
        ("flag precision", m["flag"]["precision"], b["flag"]["precision"]),
        ("flag recall", m["flag"]["recall"], b["flag"]["recall"]),
        ("flag F1", m["flag"]["f1"], b["flag"]["f1"]),
        ("claim macro-F1", m["claim_macro_f1"], b["claim_macro_f1"]),
        ("stance accuracy", m["stance_accuracy"], b["stance_accuracy"]),
        ("debunks wrongly flagged", m["debunks_wrongly_flagged"], b["debunks_wrongly_flagged"]),
    ]
    lines = [
        f"Evaluation of {report['model_version']} on {m['n']} {report.get('split', 'test')} posts",
        "",
        f"{'metric':<26}{'model':>10}{'keywords':>10}",
    ]
    lines += [f"{name:<26}{mv:>10.3f}{bv:>10.3f}" for name, mv, bv in rows]
    lines += ["", f"{'flag F1 per language':<26}{'model':>10}{'keywords':>10}{'support':>9}"]
    for lang, s in m["per_language"].items():
        lines.append(
            f"{lang:<26}{s['f1']:>10.3f}{b['per_language'][lang]['f1']:>10.3f}{s['support']:>9}"
        )
    lines += ["", f"{'flag F1 per claim':<26}{'model':>10}{'keywords':>10}{'support':>9}"]
    for cid, s in m["per_claim"].items():
        lines.append(
            f"{cid:<26}{s['f1']:>10.3f}{b['per_claim'][cid]['f1']:>10.3f}{s['support']:>9}"
        )
    labels = m["confusion"]["labels"]
    lines += [
        "",
        "flagged-claim confusion (rows gold, columns predicted):",
        " " * 17 + "".join(f"{label[:7]:>8}" for label in labels),
    ]
    for label, row in zip(labels, m["confusion"]["matrix"], strict=True):
        lines.append(f"{label[:16]:<17}" + "".join(f"{v:>8}" for v in row))
    return "\n".join(lines)


def save_report(report: dict, folder: Path) -> Path:
    """`evaluation-<version>.json/.txt` for the test split, `evaluation-<version>-<split>.*` else."""
    folder.mkdir(parents=True, exist_ok=True)
    split = report.get("split", "test")
    stem = f"evaluation-{report['model_version']}" + ("" if split == "test" else f"-{split}")
    path = folder / f"{stem}.json"
    path.write_text(json.dumps(report, indent=2), encoding="utf-8")
    (folder / f"{stem}.txt").write_text(format_report(report) + "\n", encoding="utf-8")
    return path
