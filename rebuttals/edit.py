"""Change a response's review status in its claim file, keeping the file's layout and comments.

Editors approve or withdraw a response from the dashboard. The claim file stays the single source of
truth (git keeps the history); each change records the date and the editor's role and raises the
claim's version, so an exported ClaimReview identifier (`<claim>:<lang>:<version>`) changes too.
"""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import tomlkit

from rebuttals.catalog import CLAIMS_DIR, default_catalog
from rebuttals.errors import CatalogError
from rebuttals.models import Claim

STATUSES = ("draft", "approved")


def set_status(
    claim_id: str,
    lang: str,
    status: str,
    role: str,
    directory: Path | None = None,
    today: date | None = None,
) -> int:
    """Set `responses.<lang>.status`; returns the claim's new version."""
    if status not in STATUSES:
        raise CatalogError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    path = Path(directory or CLAIMS_DIR) / f"{claim_id}.toml"
    if not path.exists():
        raise CatalogError(f"no claim file {path}")
    doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    responses = doc.get("responses", {})
    if lang not in responses:
        raise CatalogError(f"claim {claim_id!r} has no response in {lang!r}")
    response = responses[lang]
    response["status"] = status
    reviewed = tomlkit.inline_table()
    reviewed.update({"date": (today or date.today()).isoformat(), "role": role})
    response["reviewed"] = reviewed
    doc["version"] = int(doc.get("version", 1)) + 1
    text = tomlkit.dumps(doc)
    Claim.model_validate(tomllib.loads(text))  # never write a file the catalog cannot load
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    default_catalog.cache_clear()
    return int(doc["version"])
