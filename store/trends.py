"""Spike detection on per-claim daily counts.

A day is a spike for a claim when its count is at least `factor` times the median of the previous
`window` days and at least `minimum` posts. The median (not the mean) keeps one earlier burst from
hiding the next; the floor keeps "1 → 3 posts" from ringing an alarm.
"""

from __future__ import annotations

import pandas as pd

WINDOW = 14
FACTOR = 3.0
MINIMUM = 5


def daily_counts(timeline: pd.DataFrame) -> pd.DataFrame:
    """Fill missing days with zero for each claim: input columns period, claim, posts."""
    if timeline.empty:
        return pd.DataFrame(columns=["period", "claim", "posts"])
    df = timeline.groupby(["claim", "period"], as_index=False)["posts"].sum()
    days = pd.date_range(df["period"].min(), df["period"].max(), freq="D")
    full = pd.MultiIndex.from_product([df["claim"].unique(), days], names=["claim", "period"])
    return df.set_index(["claim", "period"]).reindex(full, fill_value=0).reset_index()


def by_week(timeline: pd.DataFrame) -> pd.DataFrame:
    """A daily timeline (period, claim, stance, posts) summed into ISO weeks starting on Monday,
    the same periods as DuckDB's `date_trunc('week', ...)`."""
    if timeline.empty:
        return timeline
    period = pd.to_datetime(timeline["period"])
    week = (period - pd.to_timedelta(period.dt.day_of_week, unit="D")).dt.normalize()
    keys = [c for c in ("claim", "stance") if c in timeline.columns]
    out = timeline.assign(period=week).groupby(["period", *keys], as_index=False)["posts"].sum()
    return out.sort_values(["period", *keys], kind="stable").reset_index(drop=True)


def spikes(
    timeline: pd.DataFrame, window: int = WINDOW, factor: float = FACTOR, minimum: int = MINIMUM
) -> pd.DataFrame:
    """Rows (claim, period, posts, baseline) for the spike days in a daily timeline."""
    daily = daily_counts(timeline)
    if daily.empty:
        return daily.assign(baseline=pd.Series(dtype=float))
    daily = daily.sort_values(["claim", "period"])
    daily["baseline"] = daily.groupby("claim")["posts"].transform(
        lambda s: s.shift(1).rolling(window, min_periods=window // 2).median()
    )
    hit = (daily["posts"] >= minimum) & (daily["posts"] >= factor * daily["baseline"].clip(lower=1))
    return daily[hit & daily["baseline"].notna()].reset_index(drop=True)
