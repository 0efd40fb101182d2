"""Bad input gets one clear line and a non-zero exit, never a traceback, and loses no data.

A table of CLI misuse, broken config files, broken input files and impossible requests, each run
through the real entry point (`tillit.cli.main`).
"""

from __future__ import annotations

import json

import pytest

from store import queries
from tillit import cli, pipeline
from tillit.config import load_config

GOOD_ROW = '{"id": 1, "text": "soc tar barn"}\n'

# (name, args or callable building them from the temp folder, text expected in the error)
CASES = [
    ("unknown command", ["frobnicate"], "invalid choice"),
    ("no command", [], "required"),
    ("export without format", ["export", "--out", "x.csv"], "--format"),
    ("export bad format", ["export", "--format", "doc", "--out", "x"], "invalid choice"),
    (
        "export bad date",
        ["export", "--format", "csv", "--out", "x", "--since", "yesterday"],
        "not a date",
    ),
    (
        "export until before since",
        [
            "export",
            "--format",
            "csv",
            "--out",
            "{tmp}/x.csv",
            "--since",
            "2026-11-02",
            "--until",
            "2026-11-01",
        ],
        "after --since",
    ),
    (
        "export into missing folder",
        ["export", "--format", "csv", "--out", "/nonexistent/dir/x.csv"],
        "does not exist",
    ),
    ("classify --in without --out", ["classify", "--in", "{tmp}/in.jsonl"], "together"),
    (
        "classify missing input",
        ["classify", "--in", "{tmp}/none.jsonl", "--out", "{tmp}/o.jsonl"],
        "not found",
    ),
    (
        "classify broken json line",
        ["classify", "--in", "{tmp}/broken.jsonl", "--out", "{tmp}/o.jsonl"],
        ":2: not valid JSON",
    ),
    (
        "classify non-object line",
        ["classify", "--in", "{tmp}/array.jsonl", "--out", "{tmp}/o.jsonl"],
        "expected a JSON object",
    ),
    (
        "classify binary input",
        ["classify", "--in", "{tmp}/binary.jsonl", "--out", "{tmp}/o.jsonl"],
        "not UTF-8",
    ),
    ("ingest unknown source", ["ingest", "--source", "nope"], "no source named 'nope'"),
    ("dashboard on all interfaces", ["dashboard", "--host", "0.0.0.0"], "refusing to serve"),
    ("dashboard bad port", ["dashboard", "--port", "http"], "invalid int"),
    ("forget without target", ["forget"], "one of the arguments"),
    ("forget two targets", ["forget", "--author", "a", "--source", "b"], "not allowed with"),
    ("report bad format", ["report", "--format", "docx", "--out", "x"], "invalid choice"),
    (
        "report empty period",
        [
            "report",
            "--format",
            "pdf",
            "--out",
            "{tmp}/r.pdf",
            "--since",
            "2026-11-10",
            "--until",
            "2026-11-01",
        ],
        "before --until",
    ),
    ("rebuttals without action", ["rebuttals"], "required"),
    (
        "restore a non-backup",
        ["restore", "{tmp}", "--to", "{tmp}/new.duckdb"],
        "not a Tillit backup",
    ),
    ("restore over the live db", ["restore", "{tmp}/bk", "--to", "{db}"], "refusing to overwrite"),
    ("backup into a full folder", ["backup", "{tmp}"], "not empty"),
    ("schedule without sources", ["schedule", "--once"], "no enabled [[sources]]"),
    ("config missing", ["stats", "--config", "{tmp}/nope.toml"], "nope.toml"),
    ("config unknown key", ["stats", "--config", "{tmp}/typo.toml"], "store.pathh"),
    ("config bad toml", ["stats", "--config", "{tmp}/broken.toml"], "broken.toml"),
    ("config bad interval", ["stats", "--config", "{tmp}/interval.toml"], "at most once a minute"),
    ("config bad kind", ["stats", "--config", "{tmp}/kind.toml"], "unknown source kind"),
    ("config bad retention", ["stats", "--config", "{tmp}/retain.toml"], "retain"),
]


@pytest.fixture(scope="module")
def setup(tmp_path_factory, model_dir, config_writer):
    tmp = tmp_path_factory.mktemp("bad")
    cfg = config_writer(tmp, model_dir)
    config = load_config(cfg, environ={})
    pipeline.init(config)
    store = pipeline.open_store(config)
    from store.backup import backup

    backup(store, tmp / "bk")
    (tmp / "in.jsonl").write_text(GOOD_ROW)
    (tmp / "broken.jsonl").write_text(GOOD_ROW + "{not json\n")
    (tmp / "array.jsonl").write_text("[1, 2]\n")
    (tmp / "binary.jsonl").write_bytes(b"\xff\xfe\x00garbage\x81")
    (tmp / "typo.toml").write_text("[store]\npathh = 'x'\n")
    (tmp / "broken.toml").write_text("[store\npath = \n")
    (tmp / "interval.toml").write_text(
        "[[sources]]\nname='a'\nkind='rss'\nurl='https://x'\nevery='5s'\n"
    )
    (tmp / "kind.toml").write_text("[[sources]]\nname='a'\nkind='myspace'\n")
    (tmp / "retain.toml").write_text("[privacy]\nretain = 'forever'\n")
    return tmp, cfg, config


@pytest.mark.parametrize(("name", "args", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_clear_line_and_a_non_zero_exit(setup, capsys, name, args, expected):
    tmp, cfg, config = setup
    documents_before = queries.count_documents(pipeline.open_store(config))
    argv = [a.format(tmp=tmp, db=config.store.path) for a in args]
    if "--config" not in argv:
        argv += ["--config", str(cfg)]
    try:
        code = cli.main(argv)
    except SystemExit as exit_:  # argparse exits on misuse
        code = exit_.code
    err = capsys.readouterr().err.strip()
    assert code not in (0, None), name
    assert expected in err, err
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert queries.count_documents(pipeline.open_store(config)) == documents_before
    assert not (tmp / "o.jsonl").exists()  # a failed classify leaves no half-written output


def test_the_table_has_at_least_twenty_cases():
    assert len(CASES) >= 20
    assert json.dumps([c[0] for c in CASES])  # names are unique, readable ids
    assert len({c[0] for c in CASES}) == len(CASES)
