"""The pipeline: wires config to the organs (ingest → store → classify) for the CLI and the scheduler.

Each function is what one CLI command does, minus argument parsing and printing, so tests can call the
same code the commands run.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from ingest import HttpSettings, IngestError, RunReport, SourceSpec, build_client, run_sources
from ingest.article import fetch_article
from rebuttals import Catalog, default_catalog
from rebuttals.check import Problem, check_catalog
from rebuttals.export import Organisation
from rebuttals.export import export as export_library
from store import Document, PostFilter, Store, queries, utcnow
from store.queries import Narrative
from tillit.alerts import Delivery, send_alerts
from tillit.config import Config, SourceConfig, parse_duration
from tillit.errors import UsageError

if TYPE_CHECKING:
    from classify import Classifier, ModelParams

# The classifier (scikit-learn) and the PDF report (matplotlib, fpdf) are imported inside the
# functions that use them: together they cost about 4 s, which every `tillit stats` paid before.


def open_store(config: Config) -> Store:
    return Store(
        config.store.path, author_salt=config.author_salt(), lock_timeout=config.store.lock_timeout
    )


def init(config: Config) -> list[str]:
    store = open_store(config)
    applied = queries.init(store)
    for source in config.sources:
        queries.register_source(store, source.name, source.kind)
    return applied


# ------------------------------------------------------------------------------------------------ demo
@dataclass(frozen=True)
class DemoReport:
    files: int
    documents: int
    new: int


def _demo_documents(path: Path) -> Iterator[Document]:
    for file in sorted(path.glob("*.jsonl")):
        with file.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                    yield Document(
                        source=row["source"],
                        native_id=row["id"],
                        text=row["text"],
                        title=row.get("title"),
                        platform=row.get("platform") or "web",
                        url=row.get("url"),
                        author=row.get("author"),
                        lang=row.get("lang"),
                        published_at=datetime.fromisoformat(
                            row["published_at"].replace("Z", "+00:00")
                        ),
                    )
                except (KeyError, ValueError, TypeError) as exc:
                    raise UsageError(f"{file}:{number}: bad demo row ({exc})") from exc


def load_demo(config: Config) -> DemoReport:
    """Load the bundled demo corpus; idempotent because document ids are stable."""
    path = config.demo.path
    files = sorted(path.glob("*.jsonl"))
    if not files:
        raise UsageError(f"no demo corpus (*.jsonl) in {path}; run from the project folder")
    store = open_store(config)
    queries.init(store)
    docs = list(_demo_documents(path))
    for name in sorted({d.source for d in docs}):
        queries.register_source(store, name, "file")
    new = queries.add_documents(store, docs)
    return DemoReport(len(files), len(docs), new)


# ---------------------------------------------------------------------------------------------- ingest
def source_spec(source: SourceConfig) -> SourceSpec:
    credentials = {}
    for key, env_name in source.credentials.items():
        value = os.environ.get(env_name)
        if value:
            credentials[key] = value
    return SourceSpec(
        name=source.name,
        kind=source.kind,
        url=source.url,
        query=source.query,
        platform=source.platform,
        options=dict(source.options),
        credentials=credentials,
    )


def http_settings(config: Config) -> HttpSettings:
    return HttpSettings(
        user_agent=config.ingest.user_agent,
        timeout=config.ingest.timeout,
        max_bytes=config.ingest.max_bytes,
        allow_private=config.ingest.allow_private,
    )


def ingest(
    config: Config,
    source_name: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[RunReport]:
    """One pass over the enabled sources (or just the named one, enabled or not)."""
    sources = (
        [config.source(source_name)] if source_name else [s for s in config.sources if s.enabled]
    )
    store = open_store(config)
    queries.init(store)
    with build_client(http_settings(config)) as client:
        return run_sources(store, [source_spec(s) for s in sources], client, progress=progress)


def enrich(config: Config, limit: int = 50) -> tuple[int, int]:
    """Fetch the article behind short news items and store its text; returns (enriched, failed)."""
    store = open_store(config)
    queries.init(store)
    done = failed = 0
    with build_client(http_settings(config)) as client:
        for doc_id, url in queries.enrichment_candidates(store, limit):
            try:
                article = fetch_article(client, url)
            except IngestError as exc:
                queries.save_enrichment(store, doc_id, url, error=str(exc))
                failed += 1
                continue
            queries.save_enrichment(
                store, doc_id, url, article.text, article.title, resolved_url=article.url
            )
            done += 1
    return done, failed


# -------------------------------------------------------------------------------------------- classify
def model_params(config: Config) -> ModelParams:
    """The model settings the config chooses; the rest are `ModelParams` defaults. They are part of
    the model's data hash, so changing one trains (or loads) another model."""
    from classify import ModelParams

    return ModelParams(
        tune_layers=config.classify.fine_tune_layers,
        plain_share=config.classify.plain_share,
        plain_top_layers=config.classify.plain_top_layers,
    )


def classifier(config: Config, catalog: Catalog | None = None) -> Classifier:
    """The current model: the last `tillit train` result, else trained once from the labelled data."""
    from classify import Classifier, get_embedder
    from classify.train import load_or_train

    embedder = get_embedder(config.classify.model)
    model = load_or_train(
        embedder,
        config.classify.model_dir,
        config.classify.labelled_dir,
        catalog or default_catalog(),
        model_params(config),
    )
    return Classifier(embedder, model, config.classify.default_lang)


@dataclass(frozen=True)
class TrainReport:
    version: str
    examples: int
    review_examples: int
    metrics: dict


def train(config: Config, catalog: Catalog | None = None) -> TrainReport:
    """Retrain from the labelled data, the catalog and analysts' reviews in the store (the feedback
    loop); later `tillit classify` runs use this model."""
    from classify import get_embedder
    from classify.train import load_or_train, review_examples

    feedback = []
    if config.store.path.exists():
        store = open_store(config)
        queries.init(store)
        feedback = review_examples(queries.review_labels(store))
    embedder = get_embedder(config.classify.model)
    model = load_or_train(
        embedder,
        config.classify.model_dir,
        config.classify.labelled_dir,
        catalog or default_catalog(),
        model_params(config),
        extra=feedback,
        force=True,
    )
    return TrainReport(
        model.version, model.metrics.get("training_examples", 0), len(feedback), model.metrics
    )


def classify_store(
    config: Config, progress: Callable[[int], None] | None = None
) -> tuple[str, int]:
    store = open_store(config)
    queries.init(store)
    clf = classifier(config)
    done = clf.classify_store(store, config.classify.batch_size, progress)
    return clf.version, done


def narratives(config: Config) -> list[Narrative]:
    """Cluster relevant posts that match no known claim (see `classify.narratives`) and save the run."""
    from classify import get_embedder
    from classify.narratives import find_narratives

    store = open_store(config)
    queries.init(store)
    return find_narratives(store, get_embedder(config.classify.model))


def alerts(config: Config, since: datetime | None = None) -> list[Delivery]:
    """Post spikes not yet alerted to the configured log and webhooks (see `tillit.alerts`)."""
    store = open_store(config)
    queries.init(store)
    return send_alerts(store, config, since=since)


def classify_file(config: Config, source: Path, target: Path, batch: int = 256) -> int:
    """Classify a JSONL file of {"id", "text"} lines into `target`; never touches the database.

    The output is written to a temporary file and renamed at the end, so a bad line leaves no half file.
    """
    if not source.is_file():
        raise UsageError(f"input file {source} not found")
    clf = classifier(config)
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            for chunk in _jsonl_chunks(source, batch):
                ids = [row.get("id") for row in chunk]
                texts = [_text_of(row) for row in chunk]
                for doc_id, result in zip(ids, clf.classify(texts), strict=True):
                    out.write(json.dumps(result.as_contract(doc_id), ensure_ascii=False) + "\n")
                    written += 1
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return written


def _text_of(row: dict) -> str:
    text = row.get("text")
    if text is None:
        return ""
    return text if isinstance(text, str) else json.dumps(text, ensure_ascii=False)


def _jsonl_chunks(path: Path, size: int) -> Iterator[list[dict]]:
    chunk: list[dict] = []
    with path.open(encoding="utf-8-sig", errors="strict") as fh:
        try:
            for number, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise UsageError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
                if not isinstance(row, dict):
                    raise UsageError(f"{path}:{number}: expected a JSON object with id and text")
                chunk.append(row)
                if len(chunk) >= size:
                    yield chunk
                    chunk = []
        except UnicodeDecodeError as exc:
            raise UsageError(f"{path}: not UTF-8 text") from exc
    if chunk:
        yield chunk


def evaluate(config: Config, split: str = "test") -> tuple[dict, Path]:
    """Score the current model and the keyword baseline on a held-out split; save the report."""
    from classify.evaluate import evaluate as evaluate_model
    from classify.evaluate import save_report
    from classify.train import read_labelled

    clf = classifier(config)
    examples = read_labelled(config.classify.labelled_dir, [split])
    report = evaluate_model(clf, examples, default_catalog().ids, split)
    return report, save_report(report, config.classify.report_dir)


# ------------------------------------------------------------------------------------ stats and export
def stats(config: Config, catalog: Catalog | None = None) -> dict:
    """`tillit stats --json`; every catalog claim is listed, with 0 when nothing is flagged."""
    result = queries.stats(open_store(config))
    counts = result["claims"]
    ids = (catalog or default_catalog()).ids
    result["claims"] = {cid: int(counts.get(cid, 0)) for cid in ids} | {
        k: v for k, v in counts.items() if k not in ids
    }
    return result


def export(
    config: Config,
    fmt: str,
    out: Path,
    since: datetime | None = None,
    until: datetime | None = None,
    flagged_only: bool = False,
) -> int:
    flt = PostFilter(since=since, until=until, flagged_only=flagged_only)
    store = open_store(config)
    rows = queries.export(store, out, fmt, flt)
    queries.record_export(store, _actor(), "cli", fmt, flt, rows, str(out))
    return rows


def purge(config: Config, now: datetime | None = None) -> int:
    """Apply the retention policy ([privacy] retain); returns how many documents were erased."""
    if not config.privacy.retain:
        return 0
    store = open_store(config)
    queries.init(store)
    cutoff = (now or utcnow()) - timedelta(seconds=parse_duration(config.privacy.retain))
    return queries.purge_older_than(store, cutoff, _actor())


def forget(
    config: Config,
    document: str | None = None,
    author: str | None = None,
    source: str | None = None,
) -> int:
    """Erase one document, an author's documents, or a source's documents (`tillit forget`)."""
    if sum(x is not None for x in (document, author, source)) != 1:
        raise UsageError("give exactly one of --document, --author or --source")
    store = open_store(config)
    queries.init(store)
    return queries.forget(store, document_id=document, author=author, source=source, actor=_actor())


def _actor() -> str:
    """The OS user running the CLI, for the export audit log."""
    try:
        return os.getlogin()
    except OSError:
        return os.environ.get("USER") or os.environ.get("USERNAME") or f"uid:{os.getuid()}"


def report(
    config: Config,
    fmt: str,
    out: Path,
    since: datetime | None = None,
    until: datetime | None = None,
    lang: str | None = None,
) -> str:
    """The PDF summary for a period, or that period's flagged posts as csv/jsonl/xlsx/parquet."""
    from dashboard.report import gather as gather_report
    from dashboard.report import render_pdf

    until = until or utcnow()
    since = since or until - timedelta(days=30)
    if since >= until:
        raise UsageError("--since must be before --until")
    store = open_store(config)
    if fmt != "pdf":
        flt = PostFilter(since=since, until=until, flagged_only=True)
        n = queries.export(store, out, fmt, flt)
        queries.record_export(store, _actor(), "cli", fmt, flt, n, str(out))
        return f"{n} flagged posts"
    catalog = default_catalog()
    data = gather_report(store, catalog, since, until)
    pdf = render_pdf(data, catalog, config.organisation.name, lang or config.dashboard.language)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pdf)
    queries.record_export(
        store, _actor(), "cli", "pdf", {"since": since, "until": until}, data.documents, str(out)
    )
    return f"PDF, {len(pdf) // 1024} KiB"


# ------------------------------------------------------------------------------------------- rebuttals
def organisation(config: Config) -> Organisation:
    org = config.organisation
    return Organisation(org.name, org.url, org.contact)


def check_rebuttals(config: Config, catalog: Catalog | None = None) -> list[Problem]:
    return check_catalog(
        catalog or default_catalog(),
        tuple(config.rebuttals.required_langs),
        timedelta(seconds=parse_duration(config.rebuttals.max_review_age)),
    )


def export_rebuttals(config: Config, fmt: str, out: Path, catalog: Catalog | None = None) -> int:
    """Write the library in `fmt`; ClaimReview gets example post links from the store if it exists."""
    catalog = catalog or default_catalog()
    appearances = {}
    store = open_store(config)
    if fmt == "claimreview" and store.exists():
        appearances = queries.example_urls(store)
    if not out.parent.exists():
        raise UsageError(f"the folder {out.parent} does not exist; create it or pick another --out")
    out.write_text(
        export_library(catalog, fmt, organisation(config), appearances), encoding="utf-8"
    )
    return sum(len(c.responses) for c in catalog)
