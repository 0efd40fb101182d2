"""Validation of the rebuttal library beyond the schema: the rules an editor must keep.

`check_catalog` returns every problem at once (not just the first), so an editor can fix a file in one
pass. Rules: each claim has an approved response in every required language; a short reply fits in 280
characters; a long explanation has 120–300 words; every cited source exists and has an http(s) URL;
no review is older than the allowed age (laws change).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from rebuttals.catalog import Catalog

SHORT_MAX_CHARS = 280
LONG_MIN_WORDS = 120
LONG_MAX_WORDS = 300


@dataclass(frozen=True)
class Problem:
    claim: str
    lang: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.claim}:{self.lang}" if self.lang else self.claim
        return f"{where}: {self.message}"


def check_catalog(
    catalog: Catalog,
    required_langs: tuple[str, ...] = ("sv", "en", "ar"),
    max_review_age: timedelta = timedelta(days=365),
    today: date | None = None,
    require_approved: bool = True,
) -> list[Problem]:
    today = today or date.today()
    problems: list[Problem] = []
    for claim in catalog:
        known = {s.id: s for s in claim.sources}
        for source in claim.sources:
            if source.url is None or not str(source.url).startswith(("http://", "https://")):
                problems.append(
                    Problem(claim.id, None, f"source {source.id!r} lacks an http(s) URL")
                )
        for lang in required_langs:
            if lang not in claim.responses:
                problems.append(Problem(claim.id, lang, "no response in this required language"))
            if lang not in claim.name or lang not in claim.definition:
                problems.append(Problem(claim.id, lang, "no name or definition in this language"))
        for lang, response in claim.responses.items():
            if require_approved and lang in required_langs and response.status != "approved":
                problems.append(
                    Problem(claim.id, lang, f"status is {response.status}, not approved")
                )
            if len(response.short) > SHORT_MAX_CHARS:
                problems.append(
                    Problem(
                        claim.id,
                        lang,
                        f"short text has {len(response.short)} characters "
                        f"(at most {SHORT_MAX_CHARS})",
                    )
                )
            words = len(response.long.split())
            if not LONG_MIN_WORDS <= words <= LONG_MAX_WORDS:
                problems.append(
                    Problem(
                        claim.id,
                        lang,
                        f"long text has {words} words (needs {LONG_MIN_WORDS}–{LONG_MAX_WORDS})",
                    )
                )
            if not response.sources:
                problems.append(Problem(claim.id, lang, "cites no sources"))
            for source_id in response.sources:
                if source_id not in known:
                    problems.append(Problem(claim.id, lang, f"cites unknown source {source_id!r}"))
            age = today - response.reviewed.date
            if age > max_review_age:
                problems.append(
                    Problem(
                        claim.id,
                        lang,
                        f"reviewed {response.reviewed.date.isoformat()}, "
                        f"{age.days} days ago (max {max_review_age.days}); "
                        "re-check the facts and update `reviewed`",
                    )
                )
    return problems
