"""What the picture scripts share: example milestones made in memory, and a page rendered in an
installed Chromium (CHROMIUM, default /usr/bin/chromium; Playwright is a test dependency and
never downloads a browser here) and saved as a PNG."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from bot.store.models import Milestone

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
TEAM, CHANNEL = "T0TEAM", "C0LAUNCH"


def example_milestone(
    number: int, title: str, owner: str, due: date, *, declared: datetime, **fields
) -> Milestone:
    """M-`number` in the example channel, owned and declared by `owner`; its first due date is
    `due` unless `first_due_date` says otherwise."""
    return Milestone(
        id=number,
        team_id=TEAM,
        channel_id=CHANNEL,
        title=title,
        owner_id=owner,
        creator_id=owner,
        due_date=due,
        first_due_date=fields.pop("first_due_date", due),
        created_at=declared,
        **fields,
    )


def screenshot(
    document: str,
    path: Path,
    *,
    width: int,
    height: int,
    scale: int = 1,
    selector: str | None = None,
) -> None:
    """`document` rendered in Chromium and saved to `path`: the element `selector` if given,
    else the whole page."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        view = browser.new_page(
            viewport={"width": width, "height": height}, device_scale_factor=scale
        )
        view.set_content(document)
        if selector:
            view.locator(selector).screenshot(path=str(path))
        else:
            view.screenshot(path=str(path), full_page=True)
        browser.close()


def make_picture(
    description: str, picture: Path, document: Callable[[], str], shoot: Callable[[str, Path], None]
) -> None:
    """The command line of a picture script: --out (default `picture`), --html to keep the page."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--html", type=Path, help="also write the page to this file")
    parser.add_argument("--out", type=Path, default=picture, help=f"default: {picture}")
    args = parser.parse_args()
    page = document()
    if args.html:
        args.html.write_text(page)
    shoot(page, args.out)
    print(f"wrote {args.out}")
