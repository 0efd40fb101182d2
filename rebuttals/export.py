"""Exports of the rebuttal library for other agencies: ClaimReview JSON-LD, Markdown, HTML and CSV.

Every exported response carries the identifier `<claim id>:<lang>:<version>`, so an agency that copies
a text can tell later whether it has changed.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rebuttals.catalog import Catalog
from rebuttals.models import Claim, Response

EXPORT_FORMATS = ("claimreview", "markdown", "html", "csv")
RTL_LANGS = frozenset({"ar", "fa", "ur", "he"})
LANG_NAMES = {"sv": "Svenska", "en": "English", "ar": "العربية", "so": "Soomaali", "fa": "فارسی"}
# What ClaimReview's reviewRating.alternateName says, per language.
VERDICT = {"sv": "Falskt", "en": "False", "ar": "خطأ", "so": "Been", "fa": "نادرست"}


@dataclass(frozen=True)
class Organisation:
    """The publishing organisation named in exports and appended to responses."""

    name: str
    url: str
    contact: str = ""


def response_id(claim: Claim, lang: str) -> str:
    return f"{claim.id}:{lang}:{claim.version}"


def with_contact(text: str, org: Organisation) -> str:
    return f"{text}\n\n{org.name} — {org.contact}" if org.contact else text


def _responses(catalog: Catalog, approved_only: bool) -> list[tuple[Claim, str, Response]]:
    return [
        (claim, lang, response)
        for claim in catalog
        for lang, response in claim.responses.items()
        if response.status == "approved" or not approved_only
    ]


def claim_review(
    claim: Claim,
    lang: str,
    org: Organisation,
    appearances: Sequence[str] = (),
) -> dict:
    """One schema.org ClaimReview object for a claim's response in one language."""
    response = claim.responses[lang]
    item: dict = {"@type": "Claim", "name": claim.label(lang)}
    if appearances:
        item["appearance"] = [{"@type": "CreativeWork", "url": url} for url in appearances]
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "identifier": response_id(claim, lang),
        "url": f"{org.url.rstrip('/')}/tillit/claims/{claim.id}#{lang}",
        "datePublished": response.reviewed.date.isoformat(),
        "inLanguage": lang,
        "claimReviewed": claim.label(lang),
        "itemReviewed": item,
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": 1,
            "worstRating": 1,
            "bestRating": 5,
            "alternateName": VERDICT.get(lang, VERDICT["en"]),
        },
        "author": {"@type": "Organization", "name": org.name, "url": org.url},
        "reviewBody": with_contact(response.short, org),
        "citation": [
            {"@type": "CreativeWork", "name": s.title, "publisher": s.publisher, "url": str(s.url)}
            for s in claim.sources_for(response)
        ],
    }


def to_claimreview(
    catalog: Catalog,
    org: Organisation,
    appearances: Mapping[str, Sequence[str]] | None = None,
    approved_only: bool = True,
) -> str:
    appearances = appearances or {}
    items = [
        claim_review(claim, lang, org, appearances.get(claim.id, ()))
        for claim, lang, _ in _responses(catalog, approved_only)
    ]
    return json.dumps(items, ensure_ascii=False, indent=2)


def response_markdown(claim: Claim, lang: str, org: Organisation | None = None) -> str:
    """One response as Markdown: heading, meta line, short and long text, sources, contact."""
    response = claim.responses[lang]
    lines = [
        f"### {LANG_NAMES.get(lang, lang)} — {claim.label(lang)}",
        "",
        f"*{response_id(claim, lang)} · reviewed {response.reviewed.date.isoformat()} by "
        f"{response.reviewed.role} · {response.status}*",
        "",
        "**Short**",
        "",
        f"> {response.short}",
        "",
        "**Long**",
        "",
        response.long.strip(),
        "",
        "**Sources**",
        "",
    ]
    lines += [
        f"- {s.title}, {s.publisher}{', ' + s.date if s.date else ''}: <{s.url}>"
        for s in claim.sources_for(response)
    ]
    lines.append("")
    if org is not None and org.contact:
        lines += [f"*{org.name} — {org.contact}*", ""]
    return "\n".join(lines)


def to_markdown(catalog: Catalog, org: Organisation, approved_only: bool = True) -> str:
    lines = [f"# {org.name}: responses to false claims about social services", ""]
    for claim in catalog:
        langs = [lang for c, lang, _ in _responses(catalog, approved_only) if c.id == claim.id]
        if not langs:
            continue
        lines += [f"## {claim.label('en')} (`{claim.id}`, version {claim.version})", ""]
        lines += [response_markdown(claim, lang) for lang in langs]
        if org.contact:
            lines += [f"*{org.name} — {org.contact}*", ""]
    return "\n".join(lines)


_CSS = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
section.response{border:1px solid #ccc;border-radius:6px;padding:1rem;margin:1rem 0}
section[dir=rtl]{text-align:right}
.meta{color:#555;font-size:.9em}
blockquote{margin:0;padding:.5rem 1rem;background:#f4f4f4;border-inline-start:4px solid #2a6}
"""


def to_html(catalog: Catalog, org: Organisation, approved_only: bool = True) -> str:
    """A self-contained page (inline CSS, no scripts); right-to-left sections for Arabic/Persian."""
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="sv"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(org.name)} — svar på falska påståenden</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{e(org.name)}</h1>",
    ]
    for claim in catalog:
        entries = [
            (lang, r) for c, lang, r in _responses(catalog, approved_only) if c.id == claim.id
        ]
        if not entries:
            continue
        parts.append(f'<article id="{e(claim.id)}"><h2>{e(claim.label("sv"))}</h2>')
        for lang, response in entries:
            direction = "rtl" if lang in RTL_LANGS else "ltr"
            parts += [
                f'<section class="response" lang="{e(lang)}" dir="{direction}" '
                f'id="{e(claim.id)}-{e(lang)}">',
                f"<h3>{e(LANG_NAMES.get(lang, lang))} — {e(claim.label(lang))}</h3>",
                f'<p class="meta">{e(response_id(claim, lang))} · {e(response.status)} · '
                f"{e(response.reviewed.date.isoformat())} · {e(response.reviewed.role)}</p>",
                f"<blockquote>{e(response.short)}</blockquote>",
            ]
            parts += [f"<p>{e(p.strip())}</p>" for p in response.long.split("\n\n") if p.strip()]
            parts.append("<ul>")
            parts += [
                f'<li><a href="{e(str(s.url))}" rel="noopener">{e(s.title)}</a> — '
                f"{e(s.publisher)}{' · ' + e(s.date) if s.date else ''}</li>"
                for s in claim.sources_for(response)
            ]
            parts.append("</ul></section>")
        parts.append("</article>")
    contact = f" — {e(org.contact)}" if org.contact else ""
    parts.append(f'<footer><p><a href="{e(org.url)}">{e(org.name)}</a>{contact}</p></footer>')
    parts.append("</body></html>")
    return "\n".join(parts)


def to_csv(catalog: Catalog, org: Organisation, approved_only: bool = True) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "identifier",
            "claim",
            "version",
            "lang",
            "status",
            "reviewed",
            "reviewer_role",
            "short",
            "long",
            "source_urls",
            "organisation",
        ]
    )
    for claim, lang, r in _responses(catalog, approved_only):
        writer.writerow(
            [
                response_id(claim, lang),
                claim.id,
                claim.version,
                lang,
                r.status,
                r.reviewed.date.isoformat(),
                r.reviewed.role,
                r.short,
                r.long.strip(),
                " ".join(str(s.url) for s in claim.sources_for(r)),
                org.name,
            ]
        )
    return buffer.getvalue()


def export(
    catalog: Catalog,
    fmt: str,
    org: Organisation,
    appearances: Mapping[str, Sequence[str]] | None = None,
    approved_only: bool = True,
) -> str:
    if fmt == "claimreview":
        return to_claimreview(catalog, org, appearances, approved_only)
    if fmt == "markdown":
        return to_markdown(catalog, org, approved_only)
    if fmt == "html":
        return to_html(catalog, org, approved_only)
    if fmt == "csv":
        return to_csv(catalog, org, approved_only)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
