"""Classifier throughput: cold posts (embedding computed) and repeated posts (embedding cached by
content hash), on 2,000 posts, median of 3 runs; peak RSS of the classifying process (training,
fine-tuning included, runs in a process of its own and reports its own peak).

Targets (classifier issue): >= 40 cold posts/s, >= 2,000 repeated posts/s, peak RSS <= 1.5 GB.
Usage: python bench/classify_bench.py [--posts 2000] [--runs 3] [--models DIR]
--models reuses a folder of trained models (e.g. data/models after `make run`) and skips the
training measurement, so throughput alone takes minutes instead of a quarter of an hour.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path

from classify import Classifier, get_embedder, lang
from classify.train import load_or_train
from rebuttals import default_catalog
from store import Document, Store, queries

REPO = Path(__file__).resolve().parents[1]


def corpus(n: int) -> list[str]:
    """Real-looking texts: the labelled and demo posts, varied until there are n distinct ones."""
    texts = []
    for path in sorted((REPO / "data").glob("*/*.jsonl")):
        lines = path.read_text(encoding="utf-8").splitlines()
        texts += [json.loads(line)["text"] for line in lines if line.strip()]
    out, i = [], 0
    while len(out) < n:
        base = texts[i % len(texts)]
        out.append(base if i < len(texts) else f"{base} ({i // len(texts)})")
        i += 1
    return out


def run(clf: Classifier, texts: list[str], source: str, folder: Path, store: Store) -> float:
    docs = [
        Document(source=source, native_id=str(i), text=t, published_at=datetime(2026, 11, 1))
        for i, t in enumerate(texts)
    ]
    queries.add_documents(store, docs)
    start = time.perf_counter()
    done = clf.classify_store(store, batch_size=256)
    elapsed = time.perf_counter() - start
    assert done == len(texts), (done, len(texts))
    return len(texts) / elapsed


def train_model(model_dir: Path) -> tuple[int, float, float]:
    """Train and save the default model; (examples, seconds, peak RSS in MB) of this process."""
    start = time.perf_counter()
    model = load_or_train(
        get_embedder("e5-small-q4"), model_dir, REPO / "data" / "labelled", default_catalog()
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return model.metrics.get("training_examples", 0), time.perf_counter() - start, rss


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--models", type=Path, help="reuse trained models here (trains into it if none fits)"
    )
    args = parser.parse_args()
    texts = corpus(args.posts)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        models = args.models or folder / "models"
        if args.models is None:
            # Training (with fine-tuning) runs in its own process: its peak memory is reported
            # apart from the classifying process's, which the 1.5 GB target is about.
            with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
                examples, seconds, train_rss = pool.submit(train_model, models).result()
            print(
                f"training (cold, {examples} examples): {seconds:.1f} s, "
                f"peak RSS {train_rss:.0f} MB (own process)"
            )
        emb = get_embedder("e5-small-q4")
        model = load_or_train(emb, models, REPO / "data" / "labelled", default_catalog())
        clf = Classifier(emb, model)
        cold, warm = [], []
        for r in range(args.runs):
            store = Store(folder / f"bench{r}.duckdb")
            queries.init(store)
            # Cold texts: no word and no language remembered from a run before.
            lang.forget()
            if emb.runtime is not None:
                emb.runtime.tokenizer.forget()
            cold.append(run(clf, texts, "cold", folder, store))
            warm.append(run(clf, texts, "repost", folder, store))  # same texts: cached
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"cold posts/s     median {statistics.median(cold):8.1f}  (runs: "
        f"{', '.join(f'{x:.1f}' for x in cold)}; {args.posts} posts)"
    )
    print(
        f"repeated posts/s median {statistics.median(warm):8.1f}  (runs: "
        f"{', '.join(f'{x:.1f}' for x in warm)})"
    )
    print(f"peak RSS         {rss_mb:8.0f} MB")


if __name__ == "__main__":
    main()
