"""Scheduler, dashboard and CLI on one DuckDB file at the same time, with ingest traffic.

For SOAK_SECONDS (default 60): `tillit schedule` polls six loopback feeds that keep growing and
classifies what is new; a dashboard process renders pages and stores reviews; this test runs
`tillit stats --json` and `tillit export` in a loop. Every command must succeed and every review the
dashboard saved must be in the store.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tillit import pipeline
from tillit.config import load_config

TILLIT = str(Path(sys.executable).with_name("tillit"))
LOOP = Path(__file__).with_name("dashboard_loop.py")
SOAK = float(os.environ.get("TILLIT_SOAK_SECONDS", "60"))


def test_scheduler_dashboard_and_cli_share_the_store_without_failures(
    feeds, tmp_path, model_dir, config_writer
):
    cfg = config_writer(tmp_path, model_dir, feeds.sources_toml(every="1m"))
    subprocess.run([TILLIT, "init", "--config", str(cfg)], check=True, capture_output=True)
    pipeline.classifier(load_config(cfg, environ={}))  # the model is trained before the clock runs
    db = tmp_path / "tillit.duckdb"
    env = {**os.environ, "TILLIT_DB": str(db)}
    scheduler = subprocess.Popen(
        [TILLIT, "schedule", "--config", str(cfg)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    dashboard = subprocess.Popen(
        [sys.executable, str(LOOP), str(SOAK)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    commands = failures = 0
    problems = []
    start = time.monotonic()
    try:
        while time.monotonic() - start < SOAK:
            if time.monotonic() - start > SOAK / 3 and feeds.extra == 0:
                feeds.grow(40)  # new items for the scheduler's next pass
            for args in (
                ["stats", "--json"],
                ["export", "--format", "csv", "--out", str(tmp_path / "export.csv")],
            ):
                result = subprocess.run(
                    [TILLIT, *args, "--config", str(cfg)],
                    capture_output=True,
                    text=True,
                    timeout=120,
                )
                commands += 1
                if result.returncode != 0:
                    failures += 1
                    problems.append(result.stderr.strip())
            time.sleep(0.5)
    finally:
        scheduler.send_signal(signal.SIGTERM)
        scheduler_code = scheduler.wait(timeout=300)
        scheduler_log = scheduler.stderr.read()
        scheduler.stderr.close()
        out, err = dashboard.communicate(timeout=600)

    summary = json.loads(out.strip().splitlines()[-1]) if out.strip() else {"errors": [err[-2000:]]}
    stats = json.loads(
        subprocess.run(
            [TILLIT, "stats", "--json", "--config", str(cfg)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    saved_reviews = con.execute("SELECT count(*) FROM reviews").fetchone()[0]
    con.close()
    print(
        f"{commands} CLI commands ({failures} failed), dashboard {summary.get('rounds')} rounds, "
        f"{summary.get('reviews')} reviews, {stats['documents']} documents"
    )
    assert failures == 0, problems[:3]
    assert scheduler_code == 0 and "scheduler stopped" in scheduler_log, scheduler_log[-2000:]
    records = [json.loads(line) for line in scheduler_log.splitlines() if line.startswith("{")]
    assert records[-1]["msg"] == "scheduler stopped"  # JSON lines when not on a terminal
    assert not summary["errors"], summary["errors"][:3]
    assert summary["reviews"] >= 1 and saved_reviews == summary["reviews"]
    assert stats["documents"] >= 6 * 300 and stats["classified"] > 0
    assert commands >= 10
