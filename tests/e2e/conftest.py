"""Fixtures of the end-to-end tests only (the shared ones are in tests/conftest.py)."""

import pytest
from playwright.sync_api import sync_playwright

from tests.support.browser import CHROMIUM, LAUNCH_ARGS
from tests.support.socketmode import SocketModeServer, slash_command_envelope


@pytest.fixture
def socket_mode(slack):
    server = SocketModeServer(
        [
            slash_command_envelope("e1", "help", slack),
            slash_command_envelope("e2", 'add "Beta shipped" due 2099-01-15', slack),
        ]
    )
    slack.answer("apps.connections.open", {"ok": True, "url": server.url})
    yield server
    server.close()


@pytest.fixture(scope="session")
def browser():
    """The system's Chromium, headless, for the whole run."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield launched
        launched.close()
