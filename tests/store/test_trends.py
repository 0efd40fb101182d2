"""Overview aggregates: the one-scan breakdowns and weekly sums must equal the per-query versions."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd

from store import Classification, Document, PostFilter, Store, queries, trends

CLAIMS = ["kidnapping", "no_return", "profit_motive"]


def seeded(tmp_path) -> Store:
    store = Store(tmp_path / "trends.duckdb")
    queries.init(store)
    start = datetime(2026, 9, 1, 8)
    docs, cls = [], []
    for i in range(300):
        d = Document(
            source=f"src-{i % 4}",
            native_id=str(i),
            text=f"inlägg {i}",
            platform=["x", "telegram", "news"][i % 3],
            lang=["sv", "ar"][i % 2],
            published_at=start + timedelta(hours=7 * i),
        )
        docs.append(d)
        stance = ["spreads", "debunks", "neutral", "spreads"][i % 4]
        claim = CLAIMS[i % 3] if stance != "neutral" else None
        cls.append(Classification(d.id, "m1", claim, stance, 0.9))
    queries.add_documents(store, docs)
    queries.add_classifications(store, cls)
    queries.set_active_model(store, "m1")
    return store


def test_breakdowns_in_one_scan_equal_each_breakdown(tmp_path):
    store = seeded(tmp_path)
    flt = PostFilter(flagged_only=True)
    tables = queries.breakdowns(store, flt)
    assert set(tables) == {"platform", "lang", "source"}
    for column, table in tables.items():
        single = queries.breakdown(store, flt, column)
        assert table["posts"].sum() == single["posts"].sum() == queries.count_posts(store, flt)
        assert dict(zip(table[column], table["posts"], strict=True)) == dict(
            zip(single[column], single["posts"], strict=True)
        )
        assert table["posts"].is_monotonic_decreasing


def test_weekly_sums_of_a_daily_timeline_equal_the_weekly_query(tmp_path):
    store = seeded(tmp_path)
    flt = PostFilter(stances=("spreads", "debunks"))
    daily = queries.timeline(store, flt, "day")
    weekly = queries.timeline(store, flt, "week")
    summed = trends.by_week(daily)
    pd.testing.assert_frame_equal(
        summed.reset_index(drop=True), weekly.reset_index(drop=True), check_dtype=False
    )
    assert (summed["period"].dt.day_of_week == 0).all()
