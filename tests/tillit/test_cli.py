"""End to end: the `tillit` console script on a temp database, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from rebuttals import CLAIM_IDS

TILLIT = str(Path(sys.executable).with_name("tillit"))


def run(*args: str, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run([TILLIT, *args], capture_output=True, text=True, timeout=600, env=env)
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory, model_dir, config_writer):
    folder = tmp_path_factory.mktemp("cli")
    cfg = str(config_writer(folder, model_dir))
    run("init", "--config", cfg)
    first = run("demo", "--config", cfg)
    second = run("demo", "--config", cfg)
    run("classify", "--config", cfg)
    return cfg, folder, first.stdout, second.stdout


def test_init_twice_is_idempotent(cli_db):
    cfg, *_ = cli_db
    assert "already up to date" in run("init", "--config", cfg).stdout


def test_demo_twice_gives_the_same_counts(cli_db):
    cfg, _, first, second = cli_db
    assert " 0 new" in second and " 0 new" not in first
    assert json.loads(run("stats", "--json", "--config", cfg).stdout)["documents"] >= 400


def test_stats_json_follows_the_contract(cli_db):
    cfg, *_ = cli_db
    stats = json.loads(run("stats", "--json", "--config", cfg).stdout)
    assert set(stats) == {"documents", "classified", "flagged", "claims", "sources"}
    assert stats["documents"] >= 100 and stats["flagged"] >= 10
    assert stats["classified"] == stats["documents"]
    assert list(stats["claims"]) == list(CLAIM_IDS)
    assert sum(stats["claims"].values()) == stats["flagged"]
    assert stats["sources"] and all(
        set(s) == {"name", "kind", "last_fetch_at", "last_ok_at", "last_error", "documents"}
        for s in stats["sources"]
    )
    assert sum(s["documents"] for s in stats["sources"]) == stats["documents"]


def test_classify_in_out_keeps_ids_and_order_and_follows_the_shape(cli_db, tmp_path):
    cfg, *_ = cli_db
    rows = [
        {"id": 7, "text": "soc kidnappar barn", "extra": "ignored"},
        {"id": "b", "text": "socialtjänsten kidnappar inte barn"},
        {"id": None, "text": ""},
        {"id": [1, 2], "text": "Kommunen söker familjehem till syskon"},
        {"id": "no-text"},
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n")
    out = tmp_path / "out.jsonl"
    run("classify", "--in", str(src), "--out", str(out), "--config", cfg)
    got = [json.loads(line) for line in out.read_text().splitlines()]
    assert [g["id"] for g in got] == [r["id"] for r in rows]
    for g in got:
        assert set(g) == {"id", "claim", "stance", "score", "lang"}
        assert g["claim"] is None or g["claim"] in CLAIM_IDS
        assert g["stance"] in ("spreads", "debunks", "neutral")
        assert 0.0 <= g["score"] <= 1.0
        assert isinstance(g["lang"], str) and len(g["lang"]) == 2
    assert (got[0]["claim"], got[0]["stance"]) == ("kidnapping", "spreads")
    assert got[1]["stance"] == "debunks"


def test_classify_in_out_reports_a_bad_line_and_writes_nothing(cli_db, tmp_path):
    cfg, *_ = cli_db
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": 1, "text": "ok"}\n{not json\n')
    out = tmp_path / "out.jsonl"
    result = run("classify", "--in", str(src), "--out", str(out), "--config", cfg, check=False)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "in.jsonl:2" in result.stderr
    assert not out.exists() and not list(tmp_path.glob(".out.jsonl*"))


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "xlsx", "parquet"])
def test_export_writes_flagged_posts_in_the_period(cli_db, tmp_path, fmt):
    cfg, *_ = cli_db
    out = tmp_path / f"flagged.{fmt}"
    run(
        "export",
        "--format",
        fmt,
        "--out",
        str(out),
        "--since",
        "2026-10-01",
        "--until",
        "2026-10-31",
        "--flagged-only",
        "--config",
        cfg,
    )
    reader = {
        "csv": pd.read_csv,
        "xlsx": pd.read_excel,
        "parquet": pd.read_parquet,
        "jsonl": lambda p: pd.read_json(p, lines=True),
    }[fmt]
    df = reader(out)
    assert len(df) > 0 and set(df["stance"]) == {"spreads"}
    published = pd.to_datetime(df["published_at"], utc=fmt == "jsonl")
    assert published.min().month == 10 and published.max().month == 10


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "--format", "csv", "--out", "/nonexistent/dir/x.csv"], "does not exist"),
        (["classify", "--in", "x.jsonl"], "use --in and --out together"),
        (["classify", "--in", "/nope.jsonl", "--out", "o.jsonl"], "not found"),
        (["ingest", "--source", "nope"], "no source named 'nope'"),
        (["dashboard", "--host", "0.0.0.0"], "refusing to serve on 0.0.0.0"),
    ],
)
def test_user_errors_print_one_line_without_traceback(cli_db, args, message):
    cfg, *_ = cli_db
    result = run(*args, "--config", cfg, check=False)
    assert result.returncode != 0
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_missing_database_tells_the_user_to_run_init(tmp_path, model_dir, config_writer):
    result = run(
        "stats", "--json", "--config", str(config_writer(tmp_path, model_dir)), check=False
    )
    assert result.returncode == 1 and "tillit init" in result.stderr


def test_bad_config_is_one_line_naming_file_and_key(tmp_path):
    bad = tmp_path / "tillit.toml"
    bad.write_text("[store]\npathh = 'x'\n")
    result = run("stats", "--config", str(bad), check=False)
    assert result.returncode == 1 and "store.pathh" in result.stderr and str(bad) in result.stderr
    assert "Traceback" not in result.stderr


def test_rebuttals_check_passes_and_claimreview_links_flagged_posts(cli_db, tmp_path):
    cfg, *_ = cli_db
    assert "all claims pass" in run("rebuttals", "check", "--config", cfg).stdout
    out = tmp_path / "claimreview.json"
    run("rebuttals", "export", "--format", "claimreview", "--out", str(out), "--config", cfg)
    items = json.loads(out.read_text(encoding="utf-8"))
    assert {i["inLanguage"] for i in items} >= {"sv", "en", "ar"}
    assert any(i["itemReviewed"].get("appearance") for i in items)


def test_rebuttals_check_fails_with_a_list_on_an_impossible_language(
    cli_db, tmp_path, config_writer, model_dir
):
    cfg = config_writer(tmp_path, model_dir, '[rebuttals]\nrequired_langs = ["sv", "xx"]\n')
    result = run("rebuttals", "check", "--config", str(cfg), check=False)
    assert result.returncode == 1
    assert "kidnapping:xx: no response in this required language" in result.stderr
    assert "8 problem" in result.stderr or "problem(s)" in result.stderr


def test_evaluate_scores_the_challenge_set_and_saves_its_own_report(cli_db, tmp_path):
    cfg, *_ = cli_db
    env = {**os.environ, "TILLIT__CLASSIFY__REPORT_DIR": str(tmp_path)}
    report = json.loads(
        run("evaluate", "--split", "challenge", "--json", "--config", cfg, env=env).stdout
    )
    assert report["split"] == "challenge" and report["model"]["n"] >= 1000
    assert set(report) == {"model_version", "split", "model", "keyword_baseline"}
    saved = tmp_path / f"evaluation-{report['model_version']}-challenge.json"
    assert json.loads(saved.read_text(encoding="utf-8")) == report
    refused = run("evaluate", "--split", "train", "--config", cfg, check=False)
    assert refused.returncode == 2 and "invalid choice" in refused.stderr
