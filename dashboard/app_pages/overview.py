"""Översikt: flagged posts per claim over time, spikes, counter-speech share and breakdowns."""

from __future__ import annotations

import altair as alt
import streamlit as st

from dashboard import data
from dashboard.i18n import t
from dashboard.widgets import claim_label, escape_markdown, period_picker, trend_chart
from store import PostFilter, trends

st.title(t("page_overview"))

left, right = st.columns([3, 1])
with left:
    period = period_picker("overview_period")
with right:
    granularity = st.radio(
        t("granularity"),
        ["day", "week"],
        format_func=t,
        horizontal=True,
        key="overview_granularity",
    )
if period is None:
    st.info(t("no_data"))
    st.stop()
since, until = period

spreading = PostFilter(since=since, until=until, stances=("spreads",), flagged_only=True)

# One daily timeline of spreading and debunking posts feeds the counts, the trend (weeks are summed
# here), the spikes and the stance split: on a large store each extra query costs ~0.1 s.
both = data.timeline(PostFilter(since=since, until=until, stances=("spreads", "debunks")), "day")
daily = both[both["stance"] == "spreads"]
flagged_n = int(daily["posts"].sum())
debunk_n = int(
    both.loc[(both["stance"] == "debunks") & both["claim"].isin(data.catalog().ids), "posts"].sum()
)
all_n = data.count_posts(PostFilter(since=since, until=until))
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("documents_total"), all_n)
c2.metric(t("flagged_total"), flagged_n)
c3.metric(t("debunks_total"), debunk_n)
share = debunk_n / (debunk_n + flagged_n) if (debunk_n + flagged_n) else 0.0
c4.metric(t("counter_share"), f"{share:.0%}")

st.subheader(t("trend_title"))
timeline = daily if granularity == "day" else trends.by_week(daily)
found = trends.spikes(daily)
if timeline.empty:
    st.info(t("no_data"))
else:
    marks = found if granularity == "day" else None
    st.altair_chart(trend_chart(timeline, marks), width="stretch")
    st.caption(t("spike_note"))
    totals = timeline.groupby("claim")["posts"].sum().sort_values(ascending=False)
    st.markdown(f"**{t('top_claims')}**")
    st.markdown(
        "\n".join(
            f"{i}. {escape_markdown(claim_label(c))}: {int(n)}"
            for i, (c, n) in enumerate(totals.items(), 1)
        )
    )

st.subheader(t("spikes_now"))
if found.empty:
    st.write(t("no_spikes"))
else:
    table = found.assign(claim=found["claim"].map(claim_label))
    st.dataframe(
        table.rename(columns={"claim": t("claim"), "period": t("date"), "posts": t("posts")}),
        hide_index=True,
        width="stretch",
    )

st.subheader(t("stance_split"))
if not both.empty:
    split = both.groupby(["claim", "stance"], as_index=False)["posts"].sum()
    split["claim_label"] = split["claim"].map(claim_label)
    split["stance_label"] = split["stance"].map(t)
    st.altair_chart(
        alt.Chart(split)
        .mark_bar()
        .encode(
            y=alt.Y("claim_label:N", title=t("claim")),
            x=alt.X("posts:Q", title=t("posts")),
            color=alt.Color("stance_label:N", title=t("stance")),
        ),
        width="stretch",
    )

cols = st.columns(3)
tables = data.breakdowns(spreading)
for col, (column, title) in zip(
    cols, [("platform", "by_platform"), ("lang", "by_lang"), ("source", "by_source")], strict=True
):
    with col:
        st.markdown(f"**{t(title)}**")
        st.dataframe(tables[column], hide_index=True, width="stretch")
