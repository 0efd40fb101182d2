"""Load the claim catalog from TOML files (one per claim) and check it covers the fixed claim ids."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from rebuttals.errors import CatalogError
from rebuttals.models import Claim

CLAIMS_DIR = Path(__file__).parent / "claims"

# The claim taxonomy is a contract with outside checks: extend it, never rename an id.
CLAIM_IDS: tuple[str, ...] = (
    "kidnapping",
    "targets_muslims",
    "religion_erasure",
    "profit_motive",
    "abuse_in_care",
    "no_return",
    "no_due_process",
    "trivial_reasons",
)


@dataclass(frozen=True)
class Catalog:
    claims: tuple[Claim, ...]

    def __iter__(self) -> Iterator[Claim]:
        return iter(self.claims)

    def __len__(self) -> int:
        return len(self.claims)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.claims)

    def get(self, claim_id: str) -> Claim:
        for claim in self.claims:
            if claim.id == claim_id:
                return claim
        raise CatalogError(f"unknown claim id {claim_id!r}; known: {', '.join(self.ids)}")


def load_claim(path: Path) -> Claim:
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except OSError as exc:
        raise CatalogError(f"cannot read claim file {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{path}: not valid TOML: {exc}") from exc
    try:
        claim = Claim.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise CatalogError(f"{path}: {where}: {first['msg']}") from exc
    if claim.id != path.stem:
        raise CatalogError(f"{path}: id {claim.id!r} must match the file name {path.stem!r}")
    return claim


def load_catalog(directory: Path | None = None) -> Catalog:
    """Load every claim file, in the fixed id order; fail if a known claim is missing."""
    directory = Path(directory) if directory is not None else CLAIMS_DIR
    claims = {p.stem: load_claim(p) for p in sorted(directory.glob("*.toml"))}
    missing = [cid for cid in CLAIM_IDS if cid not in claims]
    if missing:
        raise CatalogError(
            f"claim catalog in {directory} lacks files for: {', '.join(missing)} "
            "(one <claim id>.toml per claim)"
        )
    ordered = [claims[cid] for cid in CLAIM_IDS] + [
        c for cid, c in claims.items() if cid not in CLAIM_IDS
    ]
    return Catalog(tuple(ordered))


@lru_cache(maxsize=4)
def default_catalog() -> Catalog:
    return load_catalog(CLAIMS_DIR)
