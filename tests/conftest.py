"""Shared fixtures: a config on temp paths, one trained model per session, a seeded demo database."""

from __future__ import annotations

from pathlib import Path

import pytest

from tillit import pipeline
from tillit.config import Config, load_config

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
FIXTURES = Path(__file__).parent / "fixtures"


def write_config(folder: Path, model_dir: Path, extra: str = "") -> Path:
    """A tillit.toml with every path inside `folder`, except the shared model cache and repo data."""
    path = folder / "tillit.toml"
    path.write_text(
        f"""
[store]
path = "{folder / "tillit.duckdb"}"
lock_timeout = 20

[classify]
model_dir = "{model_dir}"
labelled_dir = "{REPO / "data" / "labelled"}"

[privacy]
salt_file = "{folder / "salt"}"

[demo]
path = "{REPO / "data" / "demo"}"
{extra}
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    """Trained models are cached here for the whole session (training, fine-tuning included, takes
    about 25 minutes on 2 cores)."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture
def config_file(tmp_path, model_dir) -> Path:
    return write_config(tmp_path, model_dir)


@pytest.fixture
def config(config_file) -> Config:
    return load_config(config_file, environ={})


@pytest.fixture(scope="session")
def seeded_config(tmp_path_factory, model_dir) -> Config:
    """A database with the demo corpus loaded and classified; tests must not write to it."""
    folder = tmp_path_factory.mktemp("seeded")
    cfg = load_config(write_config(folder, model_dir), environ={})
    pipeline.init(cfg)
    pipeline.load_demo(cfg)
    pipeline.classify_store(cfg)
    return cfg


@pytest.fixture(scope="session")
def classifier(seeded_config):
    return pipeline.classifier(seeded_config)


@pytest.fixture(scope="session")
def config_writer():
    """`write_config(folder, model_dir, extra="")` for tests that need their own config file."""
    return write_config
