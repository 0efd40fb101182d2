"""Overview render time in a real browser on a generated store (default 1,000,000 documents).

The query benchmark (`run.py`) times the store functions; this one times what an officer waits for:
`tillit dashboard` serving the overview to headless Chromium until the top-claims list is on screen.
The first load includes the app's start and empty caches; later loads hit `st.cache_data`.
Target (dashboard issue): the overview renders in <= 2 s. Usage: `python bench/browser_bench.py
--documents 1000000`; needs Debian `chromium` (`make browser`) and prints a skip reason without it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from run import generate

from store import Store, queries

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TILLIT = str(Path(sys.executable).with_name("tillit"))
READY_TEXT = "Mest spridda påståenden i perioden"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"dashboard exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.5)
    raise SystemExit("dashboard did not start in time")


def render_times(url: str, loads: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        for _ in range(loads):
            start = time.perf_counter()
            page.goto(url, wait_until="domcontentloaded")
            page.get_by_text(READY_TEXT).wait_for(timeout=120_000)
            times.append(time.perf_counter() - start)
        browser.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--loads", type=int, default=6)
    args = parser.parse_args()
    if CHROMIUM is None:
        print(
            "browser bench skipped: Debian chromium is not installed (run `make browser` as root)"
        )
        return
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        store = Store(db)
        queries.init(store)
        t0 = time.perf_counter()
        generate(store, args.documents)
        print(f"generated {args.documents} documents in {time.perf_counter() - t0:.1f} s")
        del store
        port = free_port()
        process = subprocess.Popen(
            [TILLIT, "dashboard", "--port", str(port)],
            env={**os.environ, "TILLIT_DB": str(db)},
            cwd=tmp,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url, process)
            times = render_times(url, args.loads)
        finally:
            process.terminate()
            process.wait(timeout=30)
    cold, warm = times[0], times[1:]
    print(f"overview in Chromium, {args.documents} documents:")
    print(f"  cold (first load, empty caches)          {cold:8.2f} s")
    print(f"  warm median of {len(warm)}                     {statistics.median(warm):8.2f} s")


if __name__ == "__main__":
    main()
