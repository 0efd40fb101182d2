"""Spike alerts: tell the communications team when a claim's volume jumps.

The spike rule is the dashboard's (`store.trends.spikes`: a day with at least `factor` times the median
of the previous `window_days` days, and at least `minimum` flagged posts). Only spikes on the last
`lookback_days` days alert, each once per channel (recorded in the store), so the scheduler can call
this after every pass. Webhook bodies are `{"text": ...}`, which Slack and Teams incoming webhooks
both accept. A failing webhook is reported and retried on the next run; it never stops the others.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import httpx

from ingest import HttpSettings, IngestError, build_client
from rebuttals import Catalog, default_catalog
from store import PostFilter, Store, queries, trends, utcnow
from tillit.config import Config


@dataclass(frozen=True)
class Spike:
    claim: str
    day: date
    posts: int
    baseline: float


@dataclass(frozen=True)
class Delivery:
    spike: Spike
    channel: str
    ok: bool
    error: str | None = None


def find_spikes(
    store: Store, config: Config, now: datetime | None = None, since: datetime | None = None
) -> list[Spike]:
    """Spike days of flagged posts per claim, from `since` (default: the lookback) to `now`."""
    a = config.alerts
    now = now or utcnow()
    since = since or (now - timedelta(days=a.lookback_days))
    history = since - timedelta(days=a.window_days + 1)
    daily = queries.timeline(
        store, PostFilter(stances=("spreads",), since=history, until=now), "day"
    )
    found = trends.spikes(daily, a.window_days, a.factor, a.minimum)
    return [
        Spike(str(row.claim), row.period.date(), int(row.posts), float(row.baseline))
        for row in found.itertuples()
        if row.period >= since.replace(hour=0, minute=0, second=0, microsecond=0)
    ]


def message(spike: Spike, catalog: Catalog, dashboard_url: str) -> str:
    claim = catalog.get(spike.claim)
    label = claim.label("sv") if claim else spike.claim
    link = f"{dashboard_url.rstrip('/')}/pastaende?claim={spike.claim}"
    return (
        f'Tillit: topp för påståendet "{label}" ({spike.claim}) {spike.day.isoformat()}: '
        f"{spike.posts} flaggade inlägg mot normalt {spike.baseline:g} per dag "
        f"(median av föregående dagar). Svar och inlägg: {link}"
    )


def _webhooks(config: Config) -> list[str]:
    urls = list(config.alerts.webhooks)
    urls += [os.environ[name] for name in config.alerts.webhook_envs if os.environ.get(name)]
    return urls


def send_alerts(
    store: Store,
    config: Config,
    now: datetime | None = None,
    since: datetime | None = None,
    catalog: Catalog | None = None,
    client: httpx.Client | None = None,
) -> list[Delivery]:
    """Deliver every new spike to the log and each webhook; returns what was attempted."""
    catalog = catalog or default_catalog()
    spikes = find_spikes(store, config, now, since)
    channels = [f"webhook:{i}" for i in range(len(_webhooks(config)))]
    if config.alerts.log:
        channels.insert(0, "log")
    if not spikes or not channels:
        return []
    own = client is None
    client = client or build_client(
        HttpSettings(
            user_agent=config.ingest.user_agent,
            timeout=10,
            allow_private=config.ingest.allow_private,
        )
    )
    deliveries = []
    try:
        for spike in spikes:
            text = message(spike, catalog, config.alerts.dashboard_url)
            for channel in channels:
                if queries.alert_sent(store, spike.claim, spike.day, channel):
                    continue
                error = _deliver(config, client, channel, text)
                if error is None:
                    queries.mark_alert_sent(store, spike.claim, spike.day, channel, spike.posts)
                deliveries.append(Delivery(spike, channel, error is None, error))
    finally:
        if own:
            client.close()
    return deliveries


def _deliver(config: Config, client: httpx.Client, channel: str, text: str) -> str | None:
    if channel == "log":
        path = config.alerts.log
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"{utcnow().isoformat(timespec='seconds')}Z {text}\n")
        return None
    url = _webhooks(config)[int(channel.split(":")[1])]
    try:
        response = client.post(url, json={"text": text})
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    except IngestError as exc:  # refused by the outbound guard (private address, bad scheme)
        return str(exc)
    if response.status_code >= 300:
        return f"HTTP {response.status_code}"
    return None
