"""Fixtures of the end-to-end tests only (the shared ones are in tests/conftest.py)."""

import pytest

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
