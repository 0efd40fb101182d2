"""Typed models of the claim catalog: one `Claim` per file in `rebuttals/claims/`.

A claim file holds the claim's name and definition, example phrasings (used to train the classifier and
shown to analysts) and the prepared responses per language with the sources they rest on.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

Stance = Literal["spreads", "debunks", "neutral"]
STANCES: tuple[str, ...] = ("spreads", "debunks", "neutral")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Model):
    id: str
    title: str
    publisher: str
    url: HttpUrl | None = None
    date: str = ""


class Reviewed(_Model):
    date: date
    role: str


class Response(_Model):
    status: Literal["draft", "approved"]
    short: str
    long: str
    sources: tuple[str, ...] = ()
    reviewed: Reviewed


class Examples(_Model):
    spreads: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    debunks: dict[str, tuple[str, ...]] = Field(default_factory=dict)


class Claim(_Model):
    id: str
    version: int = 1
    name: dict[str, str]
    definition: dict[str, str]
    examples: Examples = Field(default_factory=Examples)
    sources: tuple[Source, ...] = ()
    responses: dict[str, Response] = Field(default_factory=dict)

    def label(self, lang: str) -> str:
        return self.name.get(lang) or self.name.get("en") or self.id

    def describe(self, lang: str) -> str:
        return self.definition.get(lang) or self.definition.get("en") or ""

    def sources_for(self, response: Response) -> list[Source]:
        by_id = {s.id: s for s in self.sources}
        return [by_id[i] for i in response.sources if i in by_id]
