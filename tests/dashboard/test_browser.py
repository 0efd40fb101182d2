"""Smoke test in a real browser: `tillit dashboard` serves the overview with the demo's claims.

Headless Debian Chromium driven by Playwright (no browser download: `executable_path`). Installed by
`make setup`; skipped with the reason when Chromium is not on the machine.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
TILLIT = str(Path(sys.executable).with_name("tillit"))
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian chromium is not installed (make setup installs it as root)"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(seeded_config, tmp_path):
    db = tmp_path / "browser.duckdb"
    shutil.copy(seeded_config.store.path, db)
    port = free_port()
    process = subprocess.Popen(
        [TILLIT, "dashboard", "--port", str(port), "--config", str(seeded_config.source_file)],
        env={**__import__("os").environ, "TILLIT_DB": str(db)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    else:
        process.kill()
        process.wait(timeout=30)
        pytest.fail(f"dashboard did not start: {process.stderr.read().decode()[-2000:]}")
    yield url
    process.terminate()
    process.wait(timeout=30)
    process.stderr.close()


def test_overview_renders_the_demo_claims_in_a_real_browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        timings = []
        for _ in range(3):  # the first load also starts the app's session and fills its caches
            start = time.perf_counter()
            page.goto(server, wait_until="domcontentloaded")
            page.get_by_text("Mest spridda påståenden i perioden").wait_for(timeout=60_000)
            timings.append(time.perf_counter() - start)
        text = page.inner_text("body")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)
        browser.close()
    assert "Översikt" in text and "Flaggade inlägg" in text
    labels = [claim.label("sv") for claim in classifier_catalog()]
    assert sum(label in text for label in labels) >= 3, text[:2000]
    print(
        "overview rendered in " + ", ".join(f"{t:.2f}" for t in timings) + " s (cold, warm, warm)"
    )


def classifier_catalog():
    from rebuttals import default_catalog

    return default_catalog()
