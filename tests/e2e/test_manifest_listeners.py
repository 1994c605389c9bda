"""manifest.yml in step with the listeners the app registers (built with its runtime and
database); the rest of manifest.yml's checks are in tests/unit/test_manifest.py."""

from __future__ import annotations

import inspect

import pytest

from bot.app import build_app
from bot.runtime import build_runtime
from bot.server import EVENTS_PATH
from tests.support.harness import make_settings
from tests.support.scopes import EVENT_SCOPES


@pytest.fixture
def app(database_url, slack):
    runtime = build_runtime(make_settings(database_url, slack))
    yield build_app(runtime)
    runtime.background.shutdown()
    runtime.engine.dispose()


def listened(app, kind: str) -> set[str]:
    """What the app's listeners of `kind` ("command" or "event") answer to.

    Read from Bolt's built-in matchers: a command matcher checks `is_slash_command` against
    the command it closes over, an event matcher `is_event` against the event type.
    """
    check = {"command": "is_slash_command", "event": "is_event"}[kind]
    names = set()
    for listener in app._listeners:
        for matcher in listener.matchers:
            closure = inspect.getclosurevars(matcher.func)
            if check not in closure.globals:
                continue
            found = closure.nonlocals
            name = found.get("command") or found.get("event_type") or found["constraints"]["type"]
            names.add(str(name))
    return names


def test_interactivity_is_enabled_for_the_buttons_and_modals(manifest, app):
    interactivity = manifest["settings"]["interactivity"]

    assert interactivity["is_enabled"] is True
    assert interactivity["request_url"].endswith(EVENTS_PATH)
    assert any(
        "_block_action" in inspect.getclosurevars(matcher.func).globals
        for listener in app._listeners
        for matcher in listener.matchers
    )


def test_manifest_commands_are_the_registered_commands(manifest, app):
    declared = {command["command"] for command in manifest["features"]["slash_commands"]}

    assert listened(app, "command") == declared == {"/milestone"}


def test_manifest_events_are_the_registered_events(manifest, app):
    subscriptions = manifest["settings"].get("event_subscriptions") or {}
    declared = set(subscriptions.get("bot_events") or [])

    assert listened(app, "event") == declared


def test_every_event_has_a_scope_decision(app):
    assert listened(app, "event") == EVENT_SCOPES.keys()
