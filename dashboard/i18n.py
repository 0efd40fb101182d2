"""User-facing dashboard text in Swedish (default) and English. Code and identifiers stay English."""

from __future__ import annotations

import streamlit as st

from dashboard.state import LANG

LANGUAGES = {"sv": "Svenska", "en": "English"}

TEXT: dict[str, dict[str, str]] = {
    "app_title": {"sv": "Tillit — lägesbild", "en": "Tillit — situation report"},
    "language": {"sv": "Språk", "en": "Language"},
    "page_overview": {"sv": "Översikt", "en": "Overview"},
    "page_flagged": {"sv": "Flaggade inlägg", "en": "Flagged posts"},
    "page_claim": {"sv": "Påstående", "en": "Claim"},
    "no_data": {
        "sv": "Inga dokument ännu. Kör `tillit demo` och `tillit classify`.",
        "en": "No documents yet. Run `tillit demo` and `tillit classify`.",
    },
    "no_db": {
        "sv": "Ingen databas hittades. Kör `tillit init`.",
        "en": "No database found. Run `tillit init`.",
    },
    "period": {"sv": "Period", "en": "Period"},
    "granularity": {"sv": "Upplösning", "en": "Granularity"},
    "day": {"sv": "Dag", "en": "Day"},
    "week": {"sv": "Vecka", "en": "Week"},
    "flagged_total": {"sv": "Flaggade inlägg", "en": "Flagged posts"},
    "debunks_total": {"sv": "Motinlägg (avfärdar)", "en": "Counter-speech (debunks)"},
    "counter_share": {"sv": "Andel motinlägg", "en": "Counter-speech share"},
    "documents_total": {"sv": "Dokument i perioden", "en": "Documents in period"},
    "trend_title": {"sv": "Flaggade inlägg per påstående", "en": "Flagged posts per claim"},
    "spike_note": {
        "sv": "Röd punkt = topp: dagens antal är minst 3 gånger medianen för de 14 föregående "
        "dagarna och minst 5 inlägg.",
        "en": "Red dot = spike: the day's count is at least 3 times the median of the previous 14 "
        "days and at least 5 posts.",
    },
    "spikes_now": {"sv": "Toppar i perioden", "en": "Spikes in the period"},
    "no_spikes": {"sv": "Inga toppar i perioden.", "en": "No spikes in the period."},
    "by_platform": {"sv": "Per plattform", "en": "By platform"},
    "by_lang": {"sv": "Per språk", "en": "By language"},
    "by_source": {"sv": "Per källa", "en": "By source"},
    "stance_split": {
        "sv": "Sprider och avfärdar per påstående",
        "en": "Spreading and debunking per claim",
    },
    "claim": {"sv": "Påstående", "en": "Claim"},
    "stance": {"sv": "Hållning", "en": "Stance"},
    "platform": {"sv": "Plattform", "en": "Platform"},
    "lang": {"sv": "Språk", "en": "Language"},
    "source": {"sv": "Källa", "en": "Source"},
    "score": {"sv": "Poäng", "en": "Score"},
    "min_score": {"sv": "Lägsta poäng", "en": "Minimum score"},
    "search": {"sv": "Sök i text", "en": "Search text"},
    "date": {"sv": "Datum", "en": "Date"},
    "text": {"sv": "Text", "en": "Text"},
    "link": {"sv": "Länk", "en": "Link"},
    "duplicates": {"sv": "Kopior", "en": "Copies"},
    "posts_shown": {
        "sv": "{shown} av {total} inlägg visas",
        "en": "Showing {shown} of {total} posts",
    },
    "share_view": {
        "sv": "Filtren sparas i adressen: kopiera den för att dela vyn.",
        "en": "Filters live in the address bar: copy it to share this view.",
    },
    "spreads": {"sv": "sprider", "en": "spreads"},
    "debunks": {"sv": "avfärdar", "en": "debunks"},
    "neutral": {"sv": "neutral", "en": "neutral"},
    "posts": {"sv": "Inlägg", "en": "Posts"},
    "definition": {"sv": "Definition", "en": "Definition"},
    "responses": {"sv": "Förberedda svar", "en": "Prepared responses"},
    "short_reply": {"sv": "Kort svar (sociala medier)", "en": "Short reply (social media)"},
    "long_reply": {"sv": "Längre förklaring", "en": "Longer explanation"},
    "sources_title": {"sv": "Källor", "en": "Sources"},
    "reviewed": {"sv": "Granskad {date} av {role}", "en": "Reviewed {date} by {role}"},
    "status": {"sv": "Status", "en": "Status"},
    "no_response": {
        "sv": "Inget svar på detta språk ännu.",
        "en": "No response in this language yet.",
    },
    "top_posts": {"sv": "Senaste inlägg som sprider påståendet", "en": "Latest posts spreading it"},
    "copy_hint": {
        "sv": "Kopiera med knappen uppe till höger i rutan.",
        "en": "Copy with the button at the top right of the box.",
    },
    "trend": {"sv": "Utveckling", "en": "Trend"},
    "all": {"sv": "alla", "en": "all"},
    "page_review": {"sv": "Granskning", "en": "Review queue"},
    "page_sources": {"sv": "Källor", "en": "Sources"},
    "reviewer": {"sv": "Granskare", "en": "Reviewer"},
    "queue_empty": {"sv": "Inget att granska just nu.", "en": "Nothing to review right now."},
    "queue_left": {"sv": "{n} inlägg väntar på granskning", "en": "{n} posts wait for review"},
    "reviewed_count": {"sv": "Granskade", "en": "Reviewed"},
    "model_precision": {
        "sv": "Modellens precision (granskade)",
        "en": "Model precision (reviewed)",
    },
    "model_says": {
        "sv": "Modellen: {claim} · {stance} · {score:.2f}",
        "en": "Model: {claim} · {stance} · {score:.2f}",
    },
    "confirm": {"sv": "Bekräfta", "en": "Confirm"},
    "reject": {"sv": "Avvisa (sprider inte)", "en": "Reject (does not spread)"},
    "correct": {"sv": "Spara ändring", "en": "Save change"},
    "saved": {"sv": "Granskning sparad.", "en": "Review saved."},
    "last_fetch": {"sv": "Senaste hämtning", "en": "Last fetch"},
    "last_ok": {"sv": "Senast lyckad", "en": "Last success"},
    "last_error": {"sv": "Senaste fel", "en": "Last error"},
    "documents": {"sv": "Dokument", "en": "Documents"},
    "per_day": {"sv": "Senaste dygnet", "en": "Last 24 h"},
    "kind": {"sv": "Typ", "en": "Kind"},
    "download_markdown": {"sv": "Ladda ner (Markdown)", "en": "Download (Markdown)"},
    "download_claimreview": {
        "sv": "Ladda ner ClaimReview (JSON-LD)",
        "en": "Download ClaimReview (JSON-LD)",
    },
    "mark_used": {"sv": "Jag har använt svaret", "en": "I used this response"},
    "marked_used": {"sv": "Användningen är noterad.", "en": "Use recorded."},
    "page_report": {"sv": "Rapport", "en": "Report"},
    "report_count": {
        "sv": "{n} flaggade inlägg i perioden.",
        "en": "{n} flagged posts in the period.",
    },
    "prepare_files": {"sv": "Skapa filer", "en": "Prepare files"},
    "signed_in": {"sv": "Inloggad: {name} ({role})", "en": "Signed in: {name} ({role})"},
    "sign_out": {"sv": "Logga ut", "en": "Sign out"},
    "role_viewer": {"sv": "läsare", "en": "viewer"},
    "role_reviewer": {"sv": "granskare", "en": "reviewer"},
    "role_editor": {"sv": "redaktör", "en": "editor"},
    "needs_role": {
        "sv": "Den här delen kräver rollen {role} eller högre.",
        "en": "This part needs the {role} role or higher.",
    },
    "set_status": {"sv": "Status", "en": "Status"},
    "save_status": {"sv": "Spara status", "en": "Save status"},
    "status_saved": {
        "sv": "Status sparad i påståendets fil (version {version}).",
        "en": "Status saved in the claim file (version {version}).",
    },
    "top_claims": {
        "sv": "Mest spridda påståenden i perioden",
        "en": "Most spread claims in the period",
    },
    "page_narratives": {"sv": "Nya narrativ", "en": "New narratives"},
    "narratives_intro": {
        "sv": "Grupper av relevanta inlägg som inte matchar något känt påstående. Tillväxt = inlägg "
        "de senaste 7 dagarna jämfört med de 7 dagarna före.",
        "en": "Groups of relevant posts that match no known claim. Growth = posts in the last 7 "
        "days against the 7 days before.",
    },
    "no_narratives": {
        "sv": "Inga nya narrativ hittades. Kör `tillit narratives` efter nästa klassificering.",
        "en": "No new narratives found. Run `tillit narratives` after the next classification.",
    },
    "narrative_title": {"sv": "Grupp {n}: {terms}", "en": "Cluster {n}: {terms}"},
    "narrative_size": {"sv": "Inlägg", "en": "Posts"},
    "narrative_recent": {"sv": "Senaste 7 dagarna", "en": "Last 7 days"},
    "narrative_previous": {"sv": "7 dagarna före", "en": "7 days before"},
    "narrative_notes": {"sv": "Noteringar", "en": "Notes"},
    "note_title": {"sv": "Förslag på namn", "en": "Proposed name"},
    "note_text": {"sv": "Anteckning", "en": "Note"},
    "note_save": {"sv": "Notera för katalogen", "en": "Note for the catalog"},
    "note_saved": {"sv": "Noterad för katalogen.", "en": "Noted for the catalog."},
    "broken_sources": {
        "sv": "{n} källor har fel vid senaste hämtningen.",
        "en": "{n} sources failed at their last fetch.",
    },
}

RESPONSE_LANGS = {
    "sv": "Svenska",
    "en": "English",
    "ar": "العربية",
    "so": "Soomaali",
    "fa": "فارسی",
}


def current() -> str:
    return st.session_state.get(LANG, "sv")


def t(key: str, **values: object) -> str:
    text = TEXT[key].get(current()) or TEXT[key]["en"]
    return text.format(**values) if values else text
