"""Analysts' exports (CSV or JSONL) from other tools, read with a column mapping.

Options: `format` ("csv" | "jsonl", default from the file extension), `mapping` from Tillit's fields
(`id`, `text`, `title`, `url`, `author`, `published_at`, `lang`, `platform`) to the file's column names.
A bad row is reported with its line number and skipped; the good rows are kept.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

import httpx

from ingest.errors import ParseError, SourceConfigError
from ingest.sources.base import Cursor, SourceSpec
from ingest.text import canonical_url
from store import Document

FIELDS = ("id", "text", "title", "url", "author", "published_at", "lang", "platform")


def parse_time(value) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), tz=UTC).replace(tzinfo=None)
    text = str(value).strip()
    if text.isdigit():
        return parse_time(int(text))
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ParseError(f"unreadable time {text!r} (use ISO 8601 or Unix seconds)") from exc


class FileSource:
    kind: ClassVar[str] = "file"

    def __init__(self, spec: SourceSpec) -> None:
        if not spec.url:
            raise SourceConfigError(
                f"source {spec.name!r}: kind 'file' needs url = \"path/to/export.csv\""
            )
        path = urlsplit(spec.url).path if spec.url.startswith("file://") else spec.url
        self.path = Path(path)
        self.spec = spec
        fmt = str(spec.options.get("format") or self.path.suffix.lstrip(".")).lower()
        if fmt not in ("csv", "jsonl", "ndjson"):
            raise SourceConfigError(
                f"source {spec.name!r}: cannot tell the format of {self.path.name}; "
                "set options.format to 'csv' or 'jsonl'"
            )
        self.format = "jsonl" if fmt == "ndjson" else fmt
        mapping = dict(spec.options.get("mapping") or {})
        unknown = sorted(set(mapping) - set(FIELDS))
        if unknown:
            raise SourceConfigError(
                f"source {spec.name!r}: options.mapping has unknown fields {unknown}; "
                f"known: {', '.join(FIELDS)}"
            )
        self.mapping = {f: mapping.get(f, f) for f in FIELDS}
        self.problems: list[str] = []

    def _rows(self) -> Iterator[tuple[int, dict]]:
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            raise SourceConfigError(
                f"source {self.spec.name!r}: cannot read {self.path}: {exc.strerror}"
            ) from exc
        text = raw.decode("utf-8-sig", errors="replace")
        if self.format == "csv":
            reader = csv.DictReader(io.StringIO(text, newline=""))
            for row in reader:
                yield reader.line_num, row
            return
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                self.problems.append(f"line {number}: not JSON ({exc.msg})")
                continue
            if not isinstance(row, dict):
                self.problems.append(f"line {number}: not a JSON object")
                continue
            yield number, row

    def fetch(self, client: httpx.Client, state: Cursor) -> Iterator[Document]:
        self.problems = []
        m = self.mapping
        for number, row in self._rows():
            text = str(row.get(m["text"]) or "").strip()
            title = str(row.get(m["title"]) or "").strip() or None
            if not text and not title:
                self.problems.append(f"line {number}: no text (column {m['text']!r})")
                continue
            try:
                published = parse_time(row.get(m["published_at"]))
            except ParseError as exc:
                self.problems.append(f"line {number}: {exc}")
                continue
            native = row.get(m["id"]) or hashlib.sha1(f"{title}\n{text}".encode()).hexdigest()
            url = str(row.get(m["url"]) or "").strip() or None
            yield Document(
                source=self.spec.name,
                native_id=str(native),
                text=text or title or "",
                title=title,
                url=canonical_url(url),
                author=str(row.get(m["author"]) or "") or None,
                lang=str(row.get(m["lang"]) or "")[:2].lower() or None,
                platform=str(row.get(m["platform"]) or self.spec.platform or "file"),
                published_at=published,
            )
