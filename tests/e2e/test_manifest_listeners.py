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
    """What the app's listeners of `kind` ("command", "event" or "function") answer to; the
    events include function_executed when a function (a Workflow Builder step) is listened to.

    Read from Bolt's built-in matchers: a command matcher checks `is_slash_command` against
    the command it closes over, an event matcher `is_event` against the event type, a
    function matcher `is_function` against the callback id.
    """
    names = set()
    for listener in app._listeners:
        for matcher in listener.matchers:
            closure = inspect.getclosurevars(matcher.func)
            found = closure.nonlocals
            if kind == "function" and "is_function" in closure.globals:
                names.add(str(found["callback_id"]))
            elif kind == "event" and "is_function" in closure.globals:
                names.add("function_executed")
            elif kind == "command" and "is_slash_command" in closure.globals:
                names.add(str(found["command"]))
            elif kind == "event" and "is_event" in closure.globals:
                names.add(str(found.get("event_type") or found["constraints"]["type"]))
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


def test_manifest_functions_are_the_registered_workflow_steps(manifest, app):
    assert (
        listened(app, "function")
        == manifest["functions"].keys()
        == {
            "declare_milestone",
            "complete_milestone",
        }
    )


def test_workflow_steps_are_org_ready_and_run_by_the_bot(manifest):
    settings = manifest["settings"]

    assert settings["org_deploy_enabled"] is True
    assert settings["function_runtime"] == "remote"
    assert "function_executed" in settings["event_subscriptions"]["bot_events"]
