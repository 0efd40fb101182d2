"""Drive the dashboard like an analyst for a while (used by test_concurrency as a separate process).

Renders the overview and flagged pages and confirms one post on the review page per round, through
Streamlit's AppTest against the real database. Prints a JSON summary: rounds, reviews saved, errors.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


def main(seconds: float) -> None:
    rounds = reviews = 0
    errors: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        rounds += 1
        at = AppTest.from_file(APP, default_timeout=120).run()
        for page in ("app_pages/flagged.py", "app_pages/review.py"):
            at.switch_page(page).run()
            if at.exception:
                errors.append(f"{page}: {at.exception[0].message}")
        confirm = [b for b in at.button if b.label == "Bekräfta" and not b.disabled]
        if confirm:
            confirm[0].click().run()
            if at.exception:
                errors.append(f"review: {at.exception[0].message}")
            else:
                reviews += 1
        time.sleep(0.5)
    print(json.dumps({"rounds": rounds, "reviews": reviews, "errors": errors}))


if __name__ == "__main__":
    main(float(sys.argv[1]))
