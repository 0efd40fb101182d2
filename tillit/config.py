"""One typed configuration: built-in defaults, a user TOML file on top, then environment overrides.

Lookup: `--config FILE`, else `./tillit.toml` if present, else the defaults alone. Relative paths in a
file are resolved against that file's folder; defaults against the working directory. Environment:
`TILLIT_DB` sets `[store] path`; `TILLIT__<SECTION>__<KEY>` sets any scalar key (e.g.
`TILLIT__CLASSIFY__MODEL=sentence-transformers:/models/minilm`). Unknown keys are errors, so a typo
cannot silently fall back to a default.
"""

from __future__ import annotations

import os
import re
import secrets
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ingest import kinds
from tillit.errors import ConfigError

SOURCE_KINDS = ("rss", "google_news", "mastodon", "bluesky", "reddit", "telegram", "file")
_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: str) -> int:
    """'15m' -> 900 seconds. Units: s, m, h, d."""
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"{value!r} is not a duration like '90s', '15m', '6h' or '1d'")
    return int(match.group(1)) * _UNITS[match.group(2)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class StoreConfig(_Section):
    path: Path = Field(Path("data/tillit.duckdb"), description="DuckDB database file.")
    lock_timeout: float = Field(
        30.0, gt=0, description="Seconds to wait for another process's lock before giving up."
    )


class ClassifyConfig(_Section):
    model: str = Field(
        "e5-small-q4",
        description="Encoder: 'e5-small-q4' (bundled) or 'sentence-transformers:<name or path>'.",
    )
    model_dir: Path = Field(Path("data/models"), description="Where trained model folders live.")
    labelled_dir: Path = Field(Path("data/labelled"), description="Labelled training data.")
    report_dir: Path = Field(Path("data/reports"), description="Where `tillit evaluate` saves.")
    fine_tune_layers: int = Field(
        6,
        ge=0,
        le=12,
        description="Top encoder layers fine-tuned when training (e5-small-q4 only); 0 fits only the"
        " heads on frozen embeddings: minutes instead of about 25, at lower quality.",
    )
    plain_share: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="Share of the heads on the plain encoder's embeddings, blended with the heads"
        " on the fine-tuned ones; 0 turns them off (needs fine_tune_layers above 0).",
    )
    plain_top_layers: int = Field(
        6,
        ge=0,
        le=12,
        description="Encoder top layers run for the plain heads' embedding (fine_tune_layers or"
        " more: all of them); 0 pools the layers below the tuned ones, at no extra encoder cost.",
    )
    batch_size: int = Field(256, ge=1, le=10000, description="Documents per classify batch.")
    default_lang: str = Field(
        "sv", min_length=2, max_length=2, description="Language assumed for texts with no letters."
    )

    @field_validator("model")
    @classmethod
    def _known_model(cls, value: str) -> str:
        if value != "e5-small-q4" and not (
            value.startswith("sentence-transformers:") and value.split(":", 1)[1].strip()
        ):
            raise ValueError(
                "must be 'e5-small-q4' or 'sentence-transformers:<model name or local path>'"
            )
        return value


class SourceConfig(_Section):
    name: str = Field(description="Unique name; documents and health are recorded under it.")
    kind: str = Field(
        description="Source kind: rss | google_news | mastodon | telegram | telegram_export | file "
        "| bluesky | youtube | reddit."
    )
    url: str | None = Field(None, description="Feed, API base or file URL/path.")
    query: str | None = Field(None, description="Search query or hashtag, for search sources.")
    every: str = Field("15m", description="Polling interval, e.g. '15m'.")
    enabled: bool = Field(True, description="Set false to keep a source configured but idle.")
    platform: str | None = Field(None, description="Platform label for stored documents.")
    credentials: dict[str, str] = Field(
        default_factory=dict, description="Credential name -> environment variable holding it."
    )
    options: dict[str, object] = Field(
        default_factory=dict, description="Kind-specific settings (see README)."
    )

    @field_validator("kind")
    @classmethod
    def _kind_ok(cls, value: str) -> str:
        available = kinds()
        if value not in available:
            raise ValueError(f"unknown source kind {value!r}; available: {', '.join(available)}")
        return value

    @field_validator("name")
    @classmethod
    def _name_ok(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}", value):
            raise ValueError(
                "use letters, digits, '-', '_', '.' or ':' (at most 64), e.g. 'svt-inrikes'"
            )
        return value

    @field_validator("every")
    @classmethod
    def _every_ok(cls, value: str) -> str:
        if parse_duration(value) < 60:
            raise ValueError("poll at most once a minute (e.g. '15m'); sources ask for politeness")
        return value

    @property
    def interval_seconds(self) -> int:
        return parse_duration(self.every)


class IngestConfig(_Section):
    user_agent: str = Field(
        "Tillit/0.1 (+https://github.com/tillit; social-services disinformation monitor)",
        description="User-Agent sent with every request.",
    )
    timeout: float = Field(20.0, gt=0, description="Seconds for connect and read timeouts.")
    max_bytes: int = Field(10_000_000, gt=0, description="Largest response body accepted.")
    allow_private: bool = Field(
        False,
        description="Allow fetching private/loopback addresses (internal feeds, tests); "
        "off by default against SSRF.",
    )


class DashboardConfig(_Section):
    host: str = Field("127.0.0.1", description="Address to bind; only loopback without auth.")
    port: int = Field(8501, ge=1, le=65535, description="Port (PORT env also works).")
    language: Literal["sv", "en"] = Field("sv", description="Default UI language.")
    auth: Literal["none", "password", "oidc"] = Field(
        "none",
        description="Login: none (127.0.0.1 only), password (users in .streamlit/secrets.toml) "
        "or oidc (st.login).",
    )
    local_role: Literal["viewer", "reviewer", "editor"] = Field(
        "editor", description="Role of the local user when auth is none."
    )
    secrets: Path = Field(
        Path(".streamlit/secrets.toml"),
        description="Streamlit secrets file with [users] (password) or [auth] and [roles] (oidc).",
    )


class PrivacyConfig(_Section):
    salt_env: str = Field(
        "TILLIT_AUTHOR_SALT", description="Env var holding the secret salt for author hashes."
    )
    salt_file: Path = Field(
        Path("data/.author_salt"),
        description="Used when the env var is unset; created with a random salt on first use.",
    )
    retain: str | None = Field(
        "180d",
        description="Erase documents older than this (applied by `tillit purge` and the "
        "scheduler); empty keeps everything.",
    )

    @field_validator("retain")
    @classmethod
    def _retain_ok(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if parse_duration(value) < 86400:
            raise ValueError("keep documents at least one day (e.g. '180d')")
        return value


class OrganisationConfig(_Section):
    name: str = Field(
        "Tillit (demo)",
        min_length=1,
        description="Publishing organisation named in exports and responses.",
    )
    url: str = Field(
        "https://example.org",
        pattern=r"^https?://",
        description="The organisation's web address (http or https).",
    )
    contact: str = Field("", description="Contact line appended to responses, e.g. a phone number.")


class RebuttalsConfig(_Section):
    required_langs: list[str] = Field(
        ["sv", "en", "ar"], min_length=1, description="Languages every claim must answer in."
    )
    max_review_age: str = Field(
        "365d", description="A response reviewed longer ago than this fails `rebuttals check`."
    )

    @field_validator("max_review_age")
    @classmethod
    def _age_ok(cls, value: str) -> str:
        parse_duration(value)
        return value


class AlertsConfig(_Section):
    webhooks: list[str] = Field(
        [], description="Slack/Teams-compatible incoming-webhook URLs to post spike alerts to."
    )
    webhook_envs: list[str] = Field(
        [], description="Names of env vars holding webhook URLs (keeps secrets out of the file)."
    )
    log: Path | None = Field(
        Path("data/alerts.log"), description="File each alert is appended to (empty: none)."
    )
    window_days: int = Field(14, ge=3, description="Baseline: median of this many earlier days.")
    factor: float = Field(3.0, gt=1, description="A spike is at least this times the baseline.")
    minimum: int = Field(5, ge=1, description="...and at least this many flagged posts.")
    lookback_days: int = Field(
        2, ge=1, description="Only spikes on the last N days alert (older ones were missed)."
    )
    dashboard_url: str = Field(
        "http://127.0.0.1:8501", description="Link to the dashboard put in each alert."
    )

    @field_validator("webhooks")
    @classmethod
    def _http_only(cls, value: list[str]) -> list[str]:
        for url in value:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"webhook {url!r} must be an http(s) URL")
        return value


class DemoConfig(_Section):
    path: Path = Field(Path("data/demo"), description="Folder of the bundled demo corpus.")


class Config(_Section):
    store: StoreConfig = Field(default_factory=StoreConfig)
    classify: ClassifyConfig = Field(default_factory=ClassifyConfig)
    ingest: IngestConfig = Field(default_factory=IngestConfig)
    dashboard: DashboardConfig = Field(default_factory=DashboardConfig)
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig)
    demo: DemoConfig = Field(default_factory=DemoConfig)
    organisation: OrganisationConfig = Field(default_factory=OrganisationConfig)
    rebuttals: RebuttalsConfig = Field(default_factory=RebuttalsConfig)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    sources: list[SourceConfig] = Field(default_factory=list)

    source_file: Path | None = Field(None, exclude=True, description="File this was read from.")

    @model_validator(mode="after")
    def _unique_sources(self) -> Config:
        names = [s.name for s in self.sources]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"source names must be unique; repeated: {', '.join(dupes)}")
        return self

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "none configured"
        raise ConfigError(f"no source named {name!r} in the config (known: {known})")

    def author_salt(self) -> bytes:
        """The secret salt for author hashes: env var, else a local file created on first use."""
        value = os.environ.get(self.privacy.salt_env)
        if value:
            return value.encode("utf-8")
        path = self.privacy.salt_file
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32), encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip().encode("utf-8")


_PATH_KEYS = (
    ("store", "path"),
    ("classify", "model_dir"),
    ("classify", "labelled_dir"),
    ("classify", "report_dir"),
    ("privacy", "salt_file"),
    ("demo", "path"),
    ("alerts", "log"),
    ("dashboard", "secrets"),
)


def _env_overrides(raw: dict, environ: dict[str, str]) -> dict:
    for key, value in environ.items():
        if not key.startswith("TILLIT__"):
            continue
        parts = key[len("TILLIT__") :].lower().split("__")
        if len(parts) != 2:
            raise ConfigError(f"environment variable {key}: use TILLIT__<SECTION>__<KEY>")
        section, name = parts
        raw.setdefault(section, {})
        if not isinstance(raw[section], dict):
            raise ConfigError(f"environment variable {key}: [{section}] is not a section")
        raw[section][name] = value
    if environ.get("TILLIT_DB"):
        # An env var is read relative to the working directory, not to the config file.
        raw.setdefault("store", {})["path"] = str(Path(environ["TILLIT_DB"]).resolve())
    return raw


def _format_error(exc: ValidationError, origin: str) -> str:
    lines = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key; check the spelling against the README's configuration section"
        elif err["type"] == "literal_error":
            msg = f"{err.get('input')!r} is not allowed; {msg.lower()}"
        lines.append(f"{loc}: {msg}")
    return f"config error in {origin}: " + "; ".join(lines)


def load_config(path: str | Path | None = None, environ: dict[str, str] | None = None) -> Config:
    """Load and validate the configuration; raises ConfigError with the file, key and the fix."""
    environ = dict(os.environ if environ is None else environ)
    file: Path | None = None
    if path is not None:
        file = Path(path)
        if not file.is_file():
            raise ConfigError(f"config file {file} not found; pass an existing --config FILE")
    elif Path("tillit.toml").is_file():
        file = Path("tillit.toml")
    raw: dict = {}
    if file is not None:
        try:
            raw = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config error in {file}: not valid TOML ({exc})") from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(f"config error in {file}: not UTF-8 text") from exc
    raw = _env_overrides(raw, environ)
    origin = str(file) if file else "built-in defaults (with environment overrides)"
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_format_error(exc, origin)) from exc
    base = file.parent.resolve() if file else Path.cwd()
    for section, key in _PATH_KEYS:
        part = getattr(config, section)
        value = getattr(part, key)
        if value is not None and not value.is_absolute():
            setattr(part, key, (base / value).resolve())
    config.source_file = file.resolve() if file else None
    return config
