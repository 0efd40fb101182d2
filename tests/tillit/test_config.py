"""Config: defaults, TOML on top, env overrides, and errors that name the file, key and fix."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from tillit.config import Config, SourceConfig, load_config, parse_duration
from tillit.errors import ConfigError

README = Path(__file__).resolve().parents[2] / "README.md"


def test_defaults_apply_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = load_config(environ={})
    assert cfg.store.path == tmp_path / "data" / "tillit.duckdb"
    assert cfg.classify.model == "e5-small-q4"
    assert cfg.dashboard.host == "127.0.0.1" and cfg.sources == []


def test_a_file_layers_over_defaults_and_resolves_paths_against_its_folder(tmp_path):
    (tmp_path / "conf").mkdir()
    path = tmp_path / "conf" / "tillit.toml"
    path.write_text(
        '[store]\npath = "db/x.duckdb"\n[[sources]]\nname = "svt-inrikes"\nkind = "rss"\n'
        'url = "https://www.svt.se/nyheter/inrikes/rss.xml"\nevery = "15m"\n'
    )
    cfg = load_config(path, environ={})
    assert cfg.store.path == tmp_path / "conf" / "db" / "x.duckdb"
    assert cfg.sources[0].interval_seconds == 900


def test_tillit_db_and_double_underscore_env_vars_override_the_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = load_config(environ={"TILLIT_DB": "other.duckdb", "TILLIT__DASHBOARD__PORT": "9000"})
    assert cfg.store.path == tmp_path / "other.duckdb"
    assert cfg.dashboard.port == 9000


def test_default_model_settings_are_the_model_defaults_and_an_override_changes_the_model_hash():
    """The default config must reuse the model `make run` trained; another setting is another model."""
    from classify import ModelParams
    from classify.train import data_hash
    from tillit import pipeline

    default = pipeline.model_params(load_config(environ={}))
    frozen = pipeline.model_params(load_config(environ={"TILLIT__CLASSIFY__FINE_TUNE_LAYERS": "0"}))
    other = pipeline.model_params(load_config(environ={"TILLIT__CLASSIFY__PLAIN_SHARE": "0.25"}))
    assert default == ModelParams() and frozen.tune_layers == 0 and other.plain_share == 0.25
    hashes = {data_hash([], "e5", p) for p in (default, frozen, other)}
    assert len(hashes) == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[store]\npathh = 'x'\n", r"store\.pathh: unknown key"),
        (
            "[[sources]]\nname='a'\nkind='rsss'\n",
            r"sources\.0\.kind: .*unknown source kind 'rsss'; available: rss",
        ),
        ("[[sources]]\nname='a'\nkind='rss'\nevery='5'\n", r"sources\.0\.every: '5' is not a dur"),
        ("[[sources]]\nname='a'\nkind='rss'\nevery='10s'\n", r"at most once a minute"),
        ("[[sources]]\nname='a b'\nkind='rss'\n", r"sources\.0\.name: use letters"),
        ("[[sources]]\nname='a'\nkind='rss'\n[[sources]]\nname='a'\nkind='rss'\n", "unique"),
        ("[classify]\nmodel = 'bert'\n", r"classify\.model: must be 'e5-small-q4'"),
        (
            "[classify]\nfine_tune_layers = 13\n",
            r"classify\.fine_tune_layers: .*less than or equal to 12",
        ),
        ("[classify]\nplain_share = 1.5\n", r"classify\.plain_share: .*less than or equal to 1"),
        (
            "[classify]\nplain_top_layers = 13\n",
            r"classify\.plain_top_layers: .*less than or equal to 12",
        ),
        ("[dashboard]\nport = 0\n", r"dashboard\.port"),
        ("[store\n", "not valid TOML"),
    ],
)
def test_bad_config_names_the_file_and_key(tmp_path, text, expected):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(path, environ={})
    assert str(path) in str(err.value)
    assert re.search(expected, str(err.value)), str(err.value)


def test_missing_config_file_is_an_error():
    with pytest.raises(ConfigError, match="not found"):
        load_config("/nonexistent/tillit.toml", environ={})


def test_duration_parser_accepts_units():
    assert [parse_duration(v) for v in ("90s", "15m", "6h", "1d")] == [90, 900, 21600, 86400]


def test_author_salt_is_created_once_and_env_wins(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = load_config(environ={})
    first = cfg.author_salt()
    assert first == cfg.author_salt() and len(first) == 64
    monkeypatch.setenv("TILLIT_AUTHOR_SALT", "from-env")
    assert cfg.author_salt() == b"from-env"


def _readme_config() -> dict:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Configuration") :]
    start = section.index("```toml") + len("```toml")
    block = section[start : section.index("```", start)]
    return tomllib.loads(block)


def test_every_option_is_described_and_shown_in_the_readme_example():
    example = _readme_config()
    load_config_from = Config.model_validate(example)  # the README example itself is valid
    assert load_config_from.sources
    for section, field in Config.model_fields.items():
        if field.exclude:
            continue
        assert section in example, f"README config lacks [{section}]"
        model = SourceConfig if section == "sources" else field.annotation
        shown = example[section][0] if section == "sources" else example[section]
        for name, sub in model.model_fields.items():
            assert sub.description, f"{section}.{name} has no description"
            assert name in shown, f"README config example lacks {section}.{name}"
