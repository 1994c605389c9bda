"""A headless Chromium for the tests of the bot's web pages, driven by Playwright: the
system's browser (CHROMIUM, default /usr/bin/chromium), never one Playwright downloads. A page
checked in `looking_at` is saved as a screenshot when the check fails."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

from playwright.sync_api import Browser, Page

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu"]
# Where a failed check's screenshot goes (the CI keeps build/ as an artifact).
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


@contextlib.contextmanager
def looking_at(browser: Browser, url: str, *, name: str) -> Iterator[Page]:
    """`url` opened in a new page (JavaScript off, as for a reader without it); a screenshot
    of the page is saved under build/screenshots/`name`.png if the block raises."""
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1100, "height": 900}
    )
    page = context.new_page()
    try:
        page.goto(url)
        yield page
    except BaseException:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / (re.sub(r"[^\w.-]+", "_", name) + ".png")
        page.screenshot(path=str(path), full_page=True)
        print(f"screenshot of the failed page: {path}")
        raise
    finally:
        context.close()


def focus_order(page: Page, presses: int) -> list[dict]:
    """What the keyboard reaches, Tab after Tab: each focused element's tag, link target and
    whether its focus is drawn (an outline that is not none)."""
    reached = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate(
                """() => {
                    const element = document.activeElement;
                    const style = getComputedStyle(element);
                    return {tag: element.tagName, href: element.getAttribute('href'),
                            outline: style.outlineStyle, width: style.outlineWidth};
                }"""
            )
        )
    return reached
