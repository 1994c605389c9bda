"""The sandbox for tests: started on a free port over a fresh SQLite file, Chromium (Debian's,
driven by Playwright) to look at it, and screenshots of each step kept for when a test fails."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

from bot.sandbox.server import Sandbox

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artifacts"
ALEX, SAM, KIM, LEE = "U0ALEX", "U0SAM", "U0KIM", "U0LEE"


@contextlib.contextmanager
def running_sandbox(folder: Path, *, seed: bool = True) -> Iterator[Sandbox]:
    sandbox = Sandbox(folder / "sandbox.db", port=0).start(seed=seed)
    try:
        yield sandbox
    finally:
        sandbox.stop()


class Steps:
    """A screenshot after each step of a browser test, written to build/test-artifacts/<test>/
    only if the test fails."""

    def __init__(self, page, test_name: str) -> None:
        self.page = page
        self.folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)
        self.shots: list[tuple[str, bytes]] = []

    def done(self, name: str) -> None:
        self.shots.append((name, self.page.screenshot(full_page=True)))

    def save(self) -> Path:
        with contextlib.suppress(Exception):  # the page may be what broke
            self.done("at-failure")
        self.folder.mkdir(parents=True, exist_ok=True)
        for index, (name, picture) in enumerate(self.shots, start=1):
            (self.folder / f"{index:02d}-{name}.png").write_bytes(picture)
        return self.folder
