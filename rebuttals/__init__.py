"""The claim catalog and the reviewed library of factual responses."""

from rebuttals.catalog import CLAIM_IDS, CLAIMS_DIR, Catalog, default_catalog, load_catalog
from rebuttals.errors import CatalogError, RebuttalError
from rebuttals.models import STANCES, Claim, Response, Reviewed, Source

__all__ = [
    "CLAIMS_DIR",
    "CLAIM_IDS",
    "STANCES",
    "Catalog",
    "CatalogError",
    "Claim",
    "RebuttalError",
    "Response",
    "Reviewed",
    "Source",
    "default_catalog",
    "load_catalog",
]
