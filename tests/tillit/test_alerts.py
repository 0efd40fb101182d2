"""Spike alerts: posted once to Slack/Teams-style webhooks on a loopback receiver and to a log."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from store import Classification, Document, Store, queries
from tillit import cli
from tillit.alerts import find_spikes, send_alerts
from tillit.config import load_config

NOW = datetime(2026, 11, 20, 18, 0)


class Receiver(BaseHTTPRequestHandler):
    """Accepts JSON posts on /ok, fails with 500 on /broken; remembers what it got."""

    received: ClassVar[list[tuple[str, dict]]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((self.path, json.loads(body)))
        self.send_response(204 if self.path == "/ok" else 500)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def spiking(tmp_path, model_dir, config_writer, webhook):
    """Kidnapping posts: 1 a day for three weeks, then 12 on the last day; no_return stays flat."""
    extra = f"""
[ingest]
allow_private = true  # the webhook receiver is on loopback

[alerts]
webhooks = ["{webhook}/ok", "{webhook}/broken"]
log = "{tmp_path / "alerts.log"}"
"""
    config = load_config(config_writer(tmp_path, model_dir, extra), environ={})
    store = Store(config.store.path)
    queries.init(store)
    docs, labels = [], []
    for day in range(21):
        when = NOW - timedelta(days=21 - day)
        docs.append(
            Document(source="x", native_id=f"k{day}", text=f"soc tar barn {day}", published_at=when)
        )
        labels.append("kidnapping")
        docs.append(
            Document(
                source="x", native_id=f"n{day}", text=f"aldrig tillbaka {day}", published_at=when
            )
        )
        labels.append("no_return")
    for i in range(12):
        docs.append(
            Document(
                source="x",
                native_id=f"s{i}",
                text=f"soc kidnappar {i}",
                published_at=NOW - timedelta(hours=i + 1),
            )
        )
        labels.append("kidnapping")
    queries.add_documents(store, docs)
    queries.add_classifications(
        store,
        [Classification(d.id, "m", c, "spreads", 0.9) for d, c in zip(docs, labels, strict=True)],
    )
    queries.set_active_model(store, "m")
    return config, store


def test_only_the_claim_that_jumps_against_its_own_baseline_is_a_spike(spiking):
    config, store = spiking
    spikes = find_spikes(store, config, now=NOW)
    assert [(s.claim, s.day, s.posts) for s in spikes] == [("kidnapping", NOW.date(), 12)]
    assert spikes[0].baseline == 1


def test_a_spike_is_posted_once_and_a_failing_webhook_is_retried_next_run(spiking, webhook):
    config, store = spiking
    first = send_alerts(store, config, now=NOW)
    assert [(d.channel, d.ok) for d in first] == [
        ("log", True),
        ("webhook:0", True),
        ("webhook:1", False),
    ]
    assert first[2].error == "HTTP 500"
    path, body = Receiver.received[0]
    assert path == "/ok" and set(body) == {"text"}
    assert "kidnapping" in body["text"] and "12 flaggade inlägg" in body["text"]
    assert "pastaende?claim=kidnapping" in body["text"]
    assert "kidnapping" in config.alerts.log.read_text(encoding="utf-8")

    second = send_alerts(store, config, now=NOW)
    assert [(d.channel, d.ok) for d in second] == [("webhook:1", False)]  # only the failed one
    assert [p for p, _ in Receiver.received] == ["/ok", "/broken", "/broken"]
    assert len(config.alerts.log.read_text(encoding="utf-8").splitlines()) == 1


def test_alerts_command_reports_deliveries_and_fails_when_a_webhook_fails(spiking, capsys):
    config, _ = spiking
    code = cli.main(["alerts", "--config", str(config.source_file), "--since", "2026-11-19"])
    out = capsys.readouterr().out
    assert code == 1
    assert "kidnapping" in out and "webhook:0 sent" in out and "FAILED (HTTP 500)" in out
