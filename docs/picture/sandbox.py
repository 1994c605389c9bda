"""Make docs/sandbox.png: the sandbox's page on its demo data, as a newcomer first sees it,
with the celebration's thread open.

The sandbox runs here as `milestone-bot sandbox` runs it (a fresh SQLite file, the seeded
demo), and Playwright (a test dependency) drives an installed Chromium (CHROMIUM, default
/usr/bin/chromium: on Debian, `apt-get install chromium fonts-noto-color-emoji`):

    .venv/bin/python docs/picture/sandbox.py
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from bot.sandbox.server import Sandbox

PICTURE = Path(__file__).resolve().parents[1] / "sandbox.png"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        sandbox = Sandbox(Path(folder) / "sandbox.db", port=0).start(seed=True)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM)
                page = browser.new_page(viewport={"width": 1400, "height": 860})
                page.goto(f"{sandbox.url}/?as=U0ALEX")
                card = page.locator("[data-testid=message]", has_text="Design review")
                card.get_by_test_id("replies").click()
                page.locator("#thread").get_by_text("Well done").wait_for()
                page.screenshot(path=str(PICTURE))
                browser.close()
        finally:
            sandbox.stop()
    print(f"wrote {PICTURE}")


if __name__ == "__main__":
    main()
