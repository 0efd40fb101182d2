"""Crash safety: `tillit ingest` and `tillit classify` killed with SIGKILL at random points, then
restarted, end with exactly the documents of a clean run, each classified once per model version."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
from pathlib import Path

import duckdb

TILLIT = str(Path(sys.executable).with_name("tillit"))
KILLS = 4


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([TILLIT, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def kill_at_random(args: list[str], rng: random.Random, low: float, high: float) -> bool:
    """Run, SIGKILL after a random delay; True if it was killed before finishing."""
    process = start(*args)
    try:
        process.wait(timeout=rng.uniform(low, high))
        return False
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        return True
    finally:
        process.stderr.close()


def run(*args: str) -> str:
    result = subprocess.run([TILLIT, *args], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    return result.stdout


def rows(db: Path, sql: str):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_killed_ingest_and_classify_lose_nothing_and_duplicate_nothing(
    feeds, tmp_path, model_dir, config_writer
):
    rng = random.Random()
    (tmp_path / "crashed").mkdir()
    (tmp_path / "clean").mkdir()
    crashed = config_writer(tmp_path / "crashed", model_dir, feeds.sources_toml())
    clean = config_writer(tmp_path / "clean", model_dir, feeds.sources_toml())
    for cfg in (crashed, clean):
        run("init", "--config", str(cfg))

    kills = sum(
        kill_at_random(["ingest", "--config", str(crashed)], rng, 0.3, 3.0) for _ in range(KILLS)
    )
    run("stats", "--json", "--config", str(crashed))  # the store opens after every crash
    run("ingest", "--config", str(crashed))
    run("ingest", "--config", str(clean))

    crashed_db = tmp_path / "crashed" / "tillit.duckdb"
    clean_db = tmp_path / "clean" / "tillit.duckdb"
    ids = rows(crashed_db, "SELECT id FROM documents ORDER BY id")
    assert len(ids) == 6 * 300 and ids == rows(clean_db, "SELECT id FROM documents ORDER BY id")

    classify_kills = sum(
        kill_at_random(["classify", "--config", str(crashed)], rng, 4.0, 12.0) for _ in range(3)
    )
    run("classify", "--config", str(crashed))
    per_doc = rows(
        crashed_db,
        """SELECT count(*), count(DISTINCT document_id), count(DISTINCT model_version)
           FROM classifications""",
    )[0]
    assert per_doc == (len(ids), len(ids), 1)
    print(f"ingest killed {kills}/{KILLS} times, classify killed {classify_kills}/3 times")
    assert kills + classify_kills >= 3  # the random delays did land mid-run
