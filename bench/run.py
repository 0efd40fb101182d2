"""Store query latency on a generated store (default 1,000,000 documents, 5 % = 50,000 flagged).

Prints medians of 7 runs per query the dashboard pages call. Usage: `python bench/run.py
--documents 1000000`; `make bench` runs this, `classify_bench.py` and `ingest_bench.py`.
Target (dashboard issue): every page query <= 300 ms median.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from rebuttals import CLAIM_IDS
from store import PostFilter, Store, queries


def median_ms(fn, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def generate(store: Store, n: int, flagged_share: float = 0.05) -> None:
    """Bulk-insert n documents and classifications through the store's own insert functions."""
    from store import Classification, Document

    rng = random.Random(7)
    start = datetime(2026, 1, 1)
    platforms = ["x", "facebook", "telegram", "tiktok", "news", "mastodon"]
    langs = ["sv", "ar", "en", "so", "fa", "tr"]
    chunk = 50_000
    for offset in range(0, n, chunk):
        docs, cls = [], []
        for i in range(offset, min(n, offset + chunk)):
            d = Document(
                source=f"src-{i % 20}",
                native_id=str(i),
                text=f"post {i} om socialtjänsten {rng.random():.6f}",
                platform=rng.choice(platforms),
                lang=rng.choice(langs),
                url=f"https://example.org/{i}",
                published_at=start + timedelta(minutes=rng.randrange(0, 60 * 24 * 320)),
            )
            docs.append(d)
            flagged = rng.random() < flagged_share
            cls.append(
                Classification(
                    d.id,
                    "bench",
                    rng.choice(CLAIM_IDS) if flagged else None,
                    "spreads" if flagged else rng.choice(["neutral", "debunks"]),
                    rng.random(),
                )
            )
        queries.add_documents(store, docs)
        queries.add_classifications(store, cls)
    queries.set_active_model(store, "bench")


def bench_store(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.duckdb")
        queries.init(store)
        t0 = time.perf_counter()
        generate(store, n)
        print(f"generated {n} documents in {time.perf_counter() - t0:.1f} s")
        _, last = queries.date_span(store)
        period = PostFilter(since=last - timedelta(days=70), until=last, flagged_only=True)
        cases = {
            "stats": lambda: queries.stats(store),
            "count_posts(flagged, 70d)": lambda: queries.count_posts(store, period),
            "timeline(day, 70d)": lambda: queries.timeline(store, period, "day"),
            "posts(flagged, 500)": lambda: queries.posts(store, period, 500),
            "posts(search 'socialtjänsten 0.5')": lambda: queries.posts(
                store, PostFilter(search="0.5", flagged_only=True), 500
            ),
            "breakdown(platform)": lambda: queries.breakdown(store, period, "platform"),
            "filter_options": lambda: queries.filter_options(store),
            "date_span": lambda: queries.date_span(store),
            "review_queue(50)": lambda: queries.review_queue(store, 50),
            "review_summary": lambda: queries.review_summary(store),
            "source_health": lambda: queries.source_health(store),
            "narratives": lambda: queries.narratives(store),
            "response_usage": lambda: queries.response_usage(store),
        }
        for name, fn in cases.items():
            print(f"  {name:<40} median {median_ms(fn):8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=1_000_000)
    args = parser.parse_args()
    bench_store(args.documents)


if __name__ == "__main__":
    main()
