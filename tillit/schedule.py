"""`tillit schedule`: each source on its own interval, then classify, narratives, alerts, retention.

APScheduler (3.x) runs one interval job per enabled source with jitter (so twenty feeds configured
"every 15m" do not all fire in the same second), `max_instances=1` (a slow source never overlaps
itself) and `coalesce` (runs missed while the machine slept collapse into one). After a source's run
the pipeline classifies what is new; a lock keeps two sources from classifying at the same time.
One failing source is logged and recorded in its health; it never stops the others. SIGTERM and
Ctrl-C stop the scheduler after the running jobs finish.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from tillit import pipeline
from tillit.config import Config, SourceConfig

log = logging.getLogger("tillit.schedule")

PURGE_EVERY = 3600.0


class Runner:
    """What one tick does; separate from APScheduler so `--once` and tests call it directly."""

    def __init__(self, config: Config, say: Callable[[str], None]) -> None:
        self.config = config
        self.say = say
        self._after = threading.Lock()
        self._next_purge = 0.0

    def run_source(self, source: SourceConfig) -> None:
        try:
            for r in pipeline.ingest(self.config, source.name):
                status = "ok" if r.ok else f"ERROR {r.error}"
                self.say(f"{r.source}: {r.fetched} fetched, {r.new} new — {status}")
        except Exception as exc:
            log.exception("source %s failed", source.name)
            self.say(f"{source.name}: FAILED {type(exc).__name__}: {exc}")
        self.after_ingest()

    def after_ingest(self) -> None:
        with self._after:
            try:
                version, done = pipeline.classify_store(self.config)
                if done:
                    self.say(f"classified {done} documents with {version}")
                    clusters = pipeline.narratives(self.config)
                    self.say(f"new-narrative clusters: {len(clusters)}")
                if time.monotonic() >= self._next_purge:
                    erased = pipeline.purge(self.config)
                    if erased:
                        self.say(f"retention: erased {erased} documents")
                    self._next_purge = time.monotonic() + PURGE_EVERY
                for d in pipeline.alerts(self.config):
                    state = "sent" if d.ok else f"FAILED ({d.error})"
                    self.say(f"alert {d.spike.claim} {d.spike.day} → {d.channel}: {state}")
            except Exception as exc:
                log.exception("post-ingest step failed")
                self.say(f"classify/alerts: FAILED {type(exc).__name__}: {exc}")


def run_forever(config: Config, say: Callable[[str], None], stop: threading.Event) -> None:
    sources = [s for s in config.sources if s.enabled]
    runner = Runner(config, say)
    scheduler = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(max_workers=min(4, max(1, len(sources))))},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        timezone="UTC",
    )
    for source in sources:
        every = source.interval_seconds
        scheduler.add_job(
            runner.run_source,
            IntervalTrigger(seconds=every, jitter=min(60, every // 10)),
            args=[source],
            id=source.name,
            name=f"ingest {source.name}",
            next_run_time=_now(),  # first run right away, then on the interval
        )
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)
    }
    scheduler.start()
    say(f"scheduling {len(sources)} sources; SIGTERM or Ctrl-C stops")
    try:
        stop.wait()
    finally:
        scheduler.shutdown(wait=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        say("scheduler stopped")


def run_once(config: Config, say: Callable[[str], None]) -> None:
    runner = Runner(config, say)
    for source in (s for s in config.sources if s.enabled):
        try:
            for r in pipeline.ingest(config, source.name):
                status = "ok" if r.ok else f"ERROR {r.error}"
                say(f"{r.source}: {r.fetched} fetched, {r.new} new — {status}")
        except Exception as exc:
            say(f"{source.name}: FAILED {type(exc).__name__}: {exc}")
    runner.after_ingest()


def _now():
    from datetime import UTC, datetime

    return datetime.now(UTC)
