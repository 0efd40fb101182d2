"""The PDF summary report a communications officer sends to a manager.

One page or two: the period's counts per claim (spreading and debunking), a weekly trend chart, the
platforms, the new-narrative clusters, and which prepared responses were used. Built from the same
store queries as the dashboard; used by the Rapport page and by `tillit report --format pdf`.

fpdf2 writes the PDF and matplotlib draws the chart (Altair needs a browser engine to render
offline). Text uses the DejaVu Sans font that ships inside matplotlib, so Swedish, Arabic and Persian
characters print; uharfbuzz shapes Arabic right to left.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import matplotlib
import pandas as pd
from fpdf import FPDF

from rebuttals import Catalog
from store import PostFilter, Store, queries, utcnow

matplotlib.use("Agg")
from matplotlib import pyplot as plt  # after use("Agg"): no display on a server

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"

LABELS = {
    "sv": {
        "title": "Tillit — lägesrapport",
        "period": "Period",
        "org": "Organisation",
        "totals": "Dokument: {docs} · flaggade (sprider): {flagged} · motinlägg: {debunks}",
        "per_claim": "Per påstående",
        "claim": "Påstående",
        "spreads": "Sprider",
        "debunks": "Avfärdar",
        "trend": "Flaggade inlägg per vecka",
        "platforms": "Plattformar (flaggade inlägg)",
        "narratives": "Nya narrativ (grupper utan känt påstående)",
        "no_narratives": "Inga nya narrativ i senaste körningen.",
        "responses": "Använda svar",
        "no_responses": "Inga svar visades eller användes under perioden.",
        "generated": "Skapad {when} UTC av Tillit.",
    },
    "en": {
        "title": "Tillit — situation report",
        "period": "Period",
        "org": "Organisation",
        "totals": "Documents: {docs} · flagged (spreading): {flagged} · debunking: {debunks}",
        "per_claim": "Per claim",
        "claim": "Claim",
        "spreads": "Spreads",
        "debunks": "Debunks",
        "trend": "Flagged posts per week",
        "platforms": "Platforms (flagged posts)",
        "narratives": "New narratives (clusters with no known claim)",
        "no_narratives": "No new narratives in the latest run.",
        "responses": "Responses used",
        "no_responses": "No responses were shown or used in the period.",
        "generated": "Generated {when} UTC by Tillit.",
    },
}


@dataclass(frozen=True)
class ReportData:
    since: datetime
    until: datetime
    documents: int
    per_claim: pd.DataFrame  # claim, spreads, debunks
    weekly: pd.DataFrame  # period, claim, posts (spreading)
    platforms: pd.DataFrame  # platform, posts
    narratives: pd.DataFrame
    responses: pd.DataFrame


def gather(store: Store, catalog: Catalog, since: datetime, until: datetime) -> ReportData:
    """Everything the report shows, for posts published in [since, until)."""
    period = PostFilter(since=since, until=until)
    with_claim = PostFilter(since=since, until=until, stances=("spreads", "debunks"))
    weekly_all = queries.timeline(store, with_claim, "week")
    per_claim = (
        weekly_all.pivot_table(index="claim", columns="stance", values="posts", aggfunc="sum")
        .reindex(index=list(catalog.ids), columns=["spreads", "debunks"])
        .fillna(0)
        .astype(int)
        .reset_index()
        if not weekly_all.empty
        else pd.DataFrame({"claim": list(catalog.ids), "spreads": 0, "debunks": 0})
    )
    weekly = weekly_all[weekly_all["stance"] == "spreads"] if not weekly_all.empty else weekly_all
    return ReportData(
        since=since,
        until=until,
        documents=queries.count_posts(store, period),
        per_claim=per_claim,
        weekly=weekly,
        platforms=queries.breakdown(
            store, PostFilter(since=since, until=until, flagged_only=True), "platform"
        ),
        narratives=queries.narratives(store),
        responses=queries.response_usage(store, since, until),
    )


def trend_png(weekly: pd.DataFrame, catalog: Catalog, lang: str) -> bytes | None:
    if weekly.empty:
        return None
    table = weekly.pivot_table(index="period", columns="claim", values="posts", aggfunc="sum")
    table = table.fillna(0).rename(
        columns=lambda c: catalog.get(c).label(lang) if catalog.get(c) else c
    )
    fig, ax = plt.subplots(figsize=(8, 3.2), dpi=150)
    table.plot(ax=ax, marker="o", linewidth=1.5)
    ax.set_xlabel("")
    ax.set_ylabel(LABELS[lang]["spreads"])
    ax.legend(fontsize=6, ncols=2, frameon=False)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


class _Pdf(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4")
        self.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_text_shaping(True)  # uharfbuzz: Arabic and Persian joined and right to left
        self.set_auto_page_break(True, margin=15)
        self.add_page()

    def heading(self, text: str, size: int = 13) -> None:
        self.ln(3)
        self.set_font("DejaVu", "B", size)
        self.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font("DejaVu", "", 10)

    def line_text(self, text: str) -> None:
        self.multi_cell(0, 5.5, text, new_x="LMARGIN", new_y="NEXT")


def render_pdf(report: ReportData, catalog: Catalog, organisation: str, lang: str = "sv") -> bytes:
    words = LABELS.get(lang, LABELS["en"])
    pdf = _Pdf()
    pdf.heading(words["title"], 16)
    pdf.line_text(
        f"{words['period']}: {report.since:%Y-%m-%d} – {report.until:%Y-%m-%d} · "
        f"{words['org']}: {organisation}"
    )
    spreads = int(report.per_claim["spreads"].sum())
    debunks = int(report.per_claim["debunks"].sum())
    pdf.line_text(words["totals"].format(docs=report.documents, flagged=spreads, debunks=debunks))

    pdf.heading(words["per_claim"])
    with pdf.table(col_widths=(70, 15, 15), text_align=("LEFT", "RIGHT", "RIGHT")) as table:
        table.row([words["claim"], words["spreads"], words["debunks"]])
        for row in report.per_claim.sort_values("spreads", ascending=False).itertuples():
            claim = catalog.get(row.claim)
            table.row(
                [claim.label(lang) if claim else row.claim, str(row.spreads), str(row.debunks)]
            )

    image = trend_png(report.weekly, catalog, lang)
    if image:
        pdf.heading(words["trend"])
        pdf.image(io.BytesIO(image), w=pdf.epw)

    if not report.platforms.empty:
        pdf.heading(words["platforms"])
        pdf.line_text(" · ".join(f"{r.platform}: {r.posts}" for r in report.platforms.itertuples()))

    pdf.heading(words["narratives"])
    if report.narratives.empty:
        pdf.line_text(words["no_narratives"])
    for row in report.narratives.head(5).itertuples():
        pdf.line_text(
            f"#{int(row.cluster) + 1}: {row.size} ({row.recent} / {row.previous}) — {row.terms}"
        )

    pdf.heading(words["responses"])
    if report.responses.empty:
        pdf.line_text(words["no_responses"])
    for row in report.responses.head(15).itertuples():
        pdf.line_text(f"{row.response_id} — {row.action}: {row.n}")

    pdf.ln(4)
    pdf.set_font("DejaVu", "", 8)
    pdf.line_text(words["generated"].format(when=utcnow().strftime("%Y-%m-%d %H:%M")))
    return bytes(pdf.output())
