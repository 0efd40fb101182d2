"""The `tillit` command line. Names, flags and JSON shapes here are a contract: extend, never rename.

Every error an organ raises for a user reason prints as one line on stderr with a non-zero exit;
`--debug` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import logging
import os
import sys
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from classify.errors import ClassifyError
from ingest import IngestError
from rebuttals import RebuttalError
from rebuttals.export import EXPORT_FORMATS as REBUTTAL_FORMATS
from store import EXPORT_FORMATS, StoreError
from store.backup import backup, checksums, restore
from tillit import pipeline
from tillit.config import Config, load_config
from tillit.errors import TillitError, UsageError

USER_ERRORS = (TillitError, StoreError, ClassifyError, IngestError, RebuttalError)


def _date(value: str) -> datetime:
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), datetime.min.time())
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a date; use YYYY-MM-DD or an ISO 8601 time"
        ) from exc


class _Parser(argparse.ArgumentParser):
    """argparse, but misuse is one line on stderr (no usage block), exit code 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def _parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    # SUPPRESS: a flag given before or after the command name both count, neither resets the other.
    common.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        default=argparse.SUPPRESS,
        help="config file (default: ./tillit.toml if present, else defaults)",
    )
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks on errors"
    )

    parser = _Parser(
        prog="tillit",
        parents=[common],
        description="Monitor and answer disinformation about Swedish social services.",
    )
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )

    sub.add_parser("init", parents=[common], help="create or migrate the database")
    sub.add_parser("demo", parents=[common], help="load the bundled demo corpus")

    p = sub.add_parser("ingest", parents=[common], help="one pass over the configured sources")
    p.add_argument("--source", metavar="NAME", help="only this source")

    p = sub.add_parser(
        "enrich", parents=[common], help="fetch the articles behind short news items (trafilatura)"
    )
    p.add_argument("--limit", type=int, default=50, help="at most this many pages per run")

    p = sub.add_parser(
        "classify",
        parents=[common],
        help="classify stored documents, or a JSONL file with --in/--out",
    )
    p.add_argument("--in", dest="input", type=Path, metavar="IN.jsonl")
    p.add_argument("--out", dest="output", type=Path, metavar="OUT.jsonl")

    p = sub.add_parser(
        "train", parents=[common], help="retrain the claim model, also from analysts' reviews"
    )

    p = sub.add_parser(
        "narratives", parents=[common], help="cluster relevant posts that match no known claim"
    )
    p.add_argument("--json", action="store_true", help="print the clusters as JSON")

    p = sub.add_parser("evaluate", parents=[common], help="score the model on a held-out split")
    p.add_argument("--json", action="store_true", help="print the full report as JSON")
    p.add_argument(
        "--split",
        # classify.train.HELD_OUT, spelled out: importing it would load scikit-learn for every command.
        choices=("test", "challenge"),
        default="test",
        help="held-out set to score: the fixed test split (default) or the later challenge set",
    )

    p = sub.add_parser(
        "alerts", parents=[common], help="post new claim spikes to the configured webhooks/log"
    )
    p.add_argument(
        "--since", type=_date, metavar="DATE", help="alert spikes from DATE (default: lookback)"
    )

    p = sub.add_parser("stats", parents=[common], help="counts and source health")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("export", parents=[common], help="documents with their classification")
    p.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    p.add_argument("--out", required=True, type=Path, metavar="FILE")
    p.add_argument("--since", type=_date, metavar="DATE", help="published on or after DATE")
    p.add_argument(
        "--until",
        type=_date,
        metavar="DATE",
        help="published before DATE (a bare date includes that whole day)",
    )
    p.add_argument("--flagged-only", action="store_true")

    p = sub.add_parser(
        "report", parents=[common], help="summary report (PDF) or the period's flagged posts"
    )
    p.add_argument("--format", required=True, choices=("pdf", *EXPORT_FORMATS))
    p.add_argument("--out", required=True, type=Path, metavar="FILE")
    p.add_argument("--since", type=_date, metavar="DATE", help="default: 30 days before --until")
    p.add_argument("--until", type=_date, metavar="DATE", help="default: now")
    p.add_argument("--lang", choices=("sv", "en"), default=None, help="report language")

    p = sub.add_parser("backup", parents=[common], help="back the database up into a new folder")
    p.add_argument("path", type=Path, metavar="PATH")
    p = sub.add_parser(
        "restore", parents=[common], help="restore a backup into a new database file"
    )
    p.add_argument("path", type=Path, metavar="PATH", help="the backup folder")
    p.add_argument(
        "--to", type=Path, metavar="FILE", help="new database file (default: [store] path)"
    )
    sub.add_parser("purge", parents=[common], help="erase documents older than [privacy] retain")
    sub.add_parser(
        "hash-password",
        parents=[common],
        help="hash a dashboard password (from the terminal or stdin) for secrets.toml",
    )
    p = sub.add_parser(
        "forget", parents=[common], help="erase a document, an author's posts, or a source"
    )
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--document", metavar="ID", help="a document id (see exports)")
    group.add_argument("--author", metavar="HANDLE", help="an author handle as on the platform")
    group.add_argument("--source", metavar="NAME", help="every document of a source")

    p = sub.add_parser("dashboard", parents=[common], help="start the Streamlit dashboard")
    p.add_argument("--host", help="address to bind (default from config: 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: $PORT, else config, else 8501)")

    p = sub.add_parser("rebuttals", parents=[common], help="check or export the rebuttal library")
    rsub = p.add_subparsers(dest="rebuttals_command", required=True, metavar="ACTION")
    rsub.add_parser("check", parents=[common], help="validate every claim file")
    r = rsub.add_parser("export", parents=[common], help="export the approved responses")
    r.add_argument("--format", required=True, choices=REBUTTAL_FORMATS)
    r.add_argument("--out", required=True, type=Path, metavar="PATH")

    p = sub.add_parser(
        "schedule", parents=[common], help="run the sources on their schedules until stopped"
    )
    p.add_argument("--once", action="store_true", help="run every source once, then exit")
    p.add_argument(
        "--log-format",
        choices=("text", "json"),
        help="log lines for people or for a log collector (default: json unless a terminal)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    args.config = getattr(args, "config", None)
    args.debug = getattr(args, "debug", False)
    _show_training_progress()
    try:
        config = load_config(args.config)
        return COMMANDS[args.command](config, args)
    except USER_ERRORS as exc:
        if args.debug:
            raise
        print(f"tillit: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        if args.debug:
            raise
        print(
            f"tillit: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "),
            file=sys.stderr,
        )
        return 1


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _show_training_progress() -> None:
    """Training with fine-tuning takes minutes, and any command that needs a model may start it:
    its progress lines ("tillit.classify" logger) go to stderr."""
    log = logging.getLogger("tillit.classify")
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("tillit: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)


def cmd_init(config: Config, args) -> int:
    applied = pipeline.init(config)
    state = f"applied {', '.join(applied)}" if applied else "already up to date"
    print(f"database {config.store.path}: {state}")
    return 0


def cmd_demo(config: Config, args) -> int:
    report = pipeline.load_demo(config)
    print(f"demo corpus: {report.documents} documents from {report.files} files, {report.new} new")
    return 0


def cmd_ingest(config: Config, args) -> int:
    if not config.sources and not args.source:
        _say("no [[sources]] configured; see README > Configuration")
        return 0
    if sys.stderr.isatty():
        from tqdm import tqdm

        total = 1 if args.source else sum(s.enabled for s in config.sources)
        with tqdm(total=total, unit="source", desc="ingest", file=sys.stderr) as bar:
            reports = pipeline.ingest(config, args.source, progress=bar.update)
    else:
        reports = pipeline.ingest(config, args.source)
    for r in reports:
        status = "ok" if r.ok else f"ERROR {r.error}"
        print(f"{r.source} ({r.kind}): {r.fetched} fetched, {r.new} new — {status}")
    failed = sum(not r.ok for r in reports)
    fetched, new = sum(r.fetched for r in reports), sum(r.new for r in reports)
    print(
        f"ingest: {len(reports) - failed} sources ok, {failed} failed; {new} new documents, "
        f"{fetched - new} already stored (duplicates)"
    )
    # Like a bulk crawler: one broken source is reported, but the run fails only if most failed.
    return 1 if reports and failed * 2 > len(reports) else 0


def cmd_enrich(config: Config, args) -> int:
    done, failed = pipeline.enrich(config, args.limit)
    print(f"enriched {done} news items with their article text; {failed} pages failed")
    return 0


def _classify_with_progress(config: Config) -> tuple[str, int]:
    """A progress bar when a person watches (stderr is a terminal); quiet in scheduled runs."""
    if not sys.stderr.isatty():
        return pipeline.classify_store(config)
    from tqdm import tqdm

    with tqdm(unit="doc", desc="classify", file=sys.stderr) as bar:
        return pipeline.classify_store(config, progress=bar.update)


def cmd_classify(config: Config, args) -> int:
    if (args.input is None) != (args.output is None):
        raise UsageError("use --in and --out together (or neither, to classify the database)")
    if args.input is not None:
        n = pipeline.classify_file(config, args.input, args.output)
        _say(f"classified {n} lines into {args.output}")
        return 0
    version, done = _classify_with_progress(config)
    print(f"classified {done} documents with model {version}")
    if done:
        found = pipeline.narratives(config)
        print(f"new-narrative candidates: {len(found)} clusters")
    return 0


def _inclusive(until: datetime | None) -> datetime | None:
    """A bare date as --until includes that whole day."""
    if until is not None and until.time() == datetime.min.time():
        return until + timedelta(days=1)
    return until


def cmd_report(config: Config, args) -> int:
    until = _inclusive(args.until)
    written = pipeline.report(
        config, args.format, args.out, since=args.since, until=until, lang=args.lang
    )
    print(f"wrote {args.out} ({written})")
    return 0


def cmd_backup(config: Config, args) -> int:
    store = pipeline.open_store(config)
    folder = backup(store, args.path)
    counts = ", ".join(f"{t} {n}" for t, (n, _) in checksums(store).items())
    print(f"backed up {config.store.path} to {folder} ({counts})")
    return 0


def cmd_restore(config: Config, args) -> int:
    target = restore(args.path, args.to or config.store.path)
    print(f"restored {args.path} into {target}")
    return 0


def cmd_purge(config: Config, args) -> int:
    if not config.privacy.retain:
        print("retention is off ([privacy] retain is empty); nothing erased")
        return 0
    n = pipeline.purge(config)
    print(f"erased {n} documents older than {config.privacy.retain}")
    return 0


def cmd_forget(config: Config, args) -> int:
    n = pipeline.forget(config, args.document, args.author, args.source)
    print(f"erased {n} documents and everything derived from them")
    return 0


def cmd_alerts(config: Config, args) -> int:
    deliveries = pipeline.alerts(config, since=args.since)
    if not deliveries:
        print("no new spikes to alert")
    for d in deliveries:
        state = "sent" if d.ok else f"FAILED ({d.error})"
        print(f"{d.spike.day} {d.spike.claim}: {d.spike.posts} posts → {d.channel} {state}")
    return 1 if any(not d.ok for d in deliveries) else 0


def cmd_narratives(config: Config, args) -> int:
    found = pipeline.narratives(config)
    if args.json:
        rows = [
            {
                "cluster": n.cluster,
                "size": n.size,
                "recent": n.recent,
                "previous": n.previous,
                "terms": n.terms,
                "first_seen": n.first_seen.isoformat() if n.first_seen else None,
                "last_seen": n.last_seen.isoformat() if n.last_seen else None,
                "posts": list(n.posts),
            }
            for n in found
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not found:
        print("no clusters of unmatched posts")
    for n in found:
        print(
            f"#{n.cluster}: {n.size} posts ({n.recent} in the last 7 days, {n.previous} before) — {n.terms}"
        )
    return 0


def cmd_train(config: Config, args) -> int:
    report = pipeline.train(config)
    print(
        f"trained model {report.version} on {report.examples} examples "
        f"({report.review_examples} from analysts' reviews)"
    )
    validation = report.metrics.get("validation")
    if validation:
        print(json.dumps(validation, indent=2))
    return 0


def cmd_evaluate(config: Config, args) -> int:
    from classify.evaluate import format_report  # scikit-learn: only this command pays for it

    report, path = pipeline.evaluate(config, args.split)
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    _say(f"report saved to {path}")
    return 0


def cmd_stats(config: Config, args) -> int:
    result = pipeline.stats(config)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    print(
        f"documents {result['documents']}, classified {result['classified']}, "
        f"flagged {result['flagged']}"
    )
    for claim, n in result["claims"].items():
        print(f"  {claim:<18} {n}")
    for s in result["sources"]:
        err = f"  last error: {s['last_error']}" if s["last_error"] else ""
        print(
            f"  source {s['name']} ({s['kind']}): {s['documents']} documents, "
            f"last ok {s['last_ok_at'] or 'never'}{err}"
        )
    return 0


def cmd_export(config: Config, args) -> int:
    until = _inclusive(args.until)
    if args.since and until and until <= args.since:
        raise UsageError("--until must be after --since")
    n = pipeline.export(config, args.format, args.out, args.since, until, args.flagged_only)
    print(f"exported {n} documents to {args.out}")
    return 0


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_secrets(path: Path, auth: str) -> None:
    """Refuse to start a login-protected dashboard whose secrets cannot log anyone in."""
    import tomllib

    try:
        secrets = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"[dashboard] auth = {auth!r} needs the secrets file {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML ({exc})") from exc
    if auth == "password":
        users = secrets.get("users", {})
        if not users or not all(u.get("password_hash") for u in users.values()):
            raise UsageError(
                f"{path}: add [users.<name>] with password_hash (from `tillit hash-password`) "
                "and role = viewer|reviewer|editor"
            )
    if auth == "oidc" and not secrets.get("auth", {}).get("cookie_secret"):
        raise UsageError(f"{path}: [auth] needs redirect_uri, cookie_secret and a provider")


def cmd_hash_password(config: Config, args) -> int:
    import getpass

    from dashboard.auth import hash_password

    password = getpass.getpass("new password: ") if sys.stdin.isatty() else sys.stdin.readline()
    password = password.rstrip("\n")
    if len(password) < 12:
        raise UsageError("use a password of at least 12 characters")
    print(hash_password(password))
    return 0


def cmd_dashboard(config: Config, args) -> int:
    host = args.host or config.dashboard.host
    port = args.port or int(os.environ.get("PORT") or config.dashboard.port)
    auth = config.dashboard.auth
    if not _is_loopback(host) and auth == "none":
        raise UsageError(
            f"refusing to serve on {host}: the dashboard shows personal data; set [dashboard] "
            'auth = "password" (users from `tillit hash-password`) or "oidc", or bind to '
            "127.0.0.1"
        )
    if auth != "none":
        _check_secrets(config.dashboard.secrets, auth)
    if not config.store.path.exists():
        raise UsageError(f"no database at {config.store.path}; run `tillit init` first")
    import dashboard

    app = Path(dashboard.__file__).with_name("app.py")
    org = config.organisation
    env = dict(
        os.environ,
        TILLIT_DB=str(config.store.path),
        TILLIT_LANG=config.dashboard.language,
        TILLIT_ORG_NAME=org.name,
        TILLIT_ORG_URL=org.url,
        TILLIT_ORG_CONTACT=org.contact,
        TILLIT_AUTH=auth,
        TILLIT_LOCAL_ROLE=config.dashboard.local_role,
    )
    command = [
        sys.executable,
        "-m",
        "dashboard.serve",
        "run",
        str(app),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--secrets.files",
        str(config.dashboard.secrets),
    ]
    _say(f"dashboard on http://{host}:{port}/ (Ctrl-C stops it)")
    sys.stdout.flush()
    sys.stderr.flush()
    # Become the Streamlit server (exec, not a child): SIGTERM and Ctrl-C reach it directly and no
    # orphaned server is left behind when a supervisor stops `tillit dashboard`.
    os.execve(sys.executable, command, env)
    return 0  # pragma: no cover - execve does not return


def cmd_rebuttals(config: Config, args) -> int:
    if args.rebuttals_command == "check":
        problems = pipeline.check_rebuttals(config)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        if problems:
            raise UsageError(f"rebuttal library: {len(problems)} problem(s), listed above")
        print("rebuttal library: all claims pass")
        return 0
    n = pipeline.export_rebuttals(config, args.format, args.out)
    print(f"exported {n} responses as {args.format} to {args.out}")
    return 0


def cmd_schedule(config: Config, args) -> int:
    """Run the enabled sources on their intervals (APScheduler) until SIGTERM or Ctrl-C."""
    from tillit.schedule import run_forever, run_once

    if not any(s.enabled for s in config.sources):
        raise UsageError("no enabled [[sources]] in the config; nothing to schedule")
    log_format = args.log_format or ("text" if sys.stderr.isatty() else "json")
    say = _say if log_format == "text" else _say_json
    if args.once:
        run_once(config, say)
    else:
        run_forever(config, say, threading.Event())
    return 0


def _say_json(message: str) -> None:
    """One JSON object per line (time, level, message): quiet, parseable logs for unattended runs."""
    level = "error" if ("ERROR" in message or "FAILED" in message) else "info"
    record = {"ts": datetime.now(UTC).isoformat(timespec="seconds"), "level": level, "msg": message}
    print(json.dumps(record, ensure_ascii=False), file=sys.stderr, flush=True)


COMMANDS = {
    "init": cmd_init,
    "demo": cmd_demo,
    "ingest": cmd_ingest,
    "classify": cmd_classify,
    "enrich": cmd_enrich,
    "train": cmd_train,
    "narratives": cmd_narratives,
    "alerts": cmd_alerts,
    "report": cmd_report,
    "purge": cmd_purge,
    "backup": cmd_backup,
    "restore": cmd_restore,
    "hash-password": cmd_hash_password,
    "forget": cmd_forget,
    "evaluate": cmd_evaluate,
    "stats": cmd_stats,
    "export": cmd_export,
    "dashboard": cmd_dashboard,
    "schedule": cmd_schedule,
    "rebuttals": cmd_rebuttals,
}

if __name__ == "__main__":
    sys.exit(main())
