"""manifest.yml: valid for Slack, and in step with the listeners and Web API calls in bot/."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import jsonschema
from slack_sdk import WebClient

import bot
from bot.server import EVENTS_PATH
from bot.slack.installations import BOT_SCOPES, REDIRECT_PATH
from tests.support.scopes import COMMAND_SCOPE, EVENT_SCOPES, SCOPES

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "tests/fixtures/manifest-schema/manifest.schema.1.0.0.json"


def web_api_methods_called() -> set[str]:
    """Web API methods named in bot/'s source: client.chat_postMessage(...) is chat.postMessage."""
    client_methods = {name for name in dir(WebClient) if not name.startswith("_")} - {"api_call"}
    called = set()
    for path in Path(bot.__file__).parent.rglob("*.py"):
        source = path.read_text()
        for name in re.findall(r"\.(\w+)\(", source):
            if name in client_methods:
                called.add(name.replace("_", "."))
        called.update(re.findall(r"api_call\(\s*[\"']([\w.]+)[\"']", source))
        if re.search(r"\bsay\(", source):
            called.add("chat.postMessage")  # Bolt's say() posts with chat.postMessage
    return called


def test_manifest_follows_slacks_manifest_schema(manifest):
    validator = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text()))
    broken = copy.deepcopy(manifest)
    broken["features"]["slash_commands"][0]["should_escape"] = "yes"

    assert [error.message for error in validator.iter_errors(manifest)] == []
    assert not validator.is_valid(broken)


def test_the_command_is_milestone_with_escaped_mentions(manifest):
    [command] = manifest["features"]["slash_commands"]

    assert command["command"] == "/milestone"
    assert command["should_escape"] is True
    assert command["url"].endswith(EVENTS_PATH)


def test_every_web_api_call_has_a_scope_decision():
    called = web_api_methods_called()

    assert "chat.postMessage" in called  # the scan finds the bot's calls
    assert called - SCOPES.keys() == set(), "add the new methods to SCOPES with their scope"


def test_bot_scopes_are_exactly_the_scopes_the_code_needs(manifest):
    needed = {SCOPES[method] for method in web_api_methods_called()} - {None}
    needed |= set().union(*EVENT_SCOPES.values())

    assert set(manifest["oauth_config"]["scopes"]["bot"]) == needed | {COMMAND_SCOPE}


def test_an_oauth_install_asks_for_the_manifests_scopes(manifest):
    assert set(BOT_SCOPES) == set(manifest["oauth_config"]["scopes"]["bot"])


def test_the_manifest_redirects_installs_to_the_bots_redirect_path(manifest):
    (redirect,) = manifest["oauth_config"]["redirect_urls"]

    assert redirect.endswith(REDIRECT_PATH)


NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}


def test_the_manifests_comment_counts_the_urls_to_replace():
    text = (ROOT / "manifest.yml").read_text()
    comments = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    said = re.search(r"replace your-host\.example\.com in the (\w+) URLs", comments)
    urls = [
        line
        for line in text.splitlines()
        if not line.lstrip().startswith("#") and "https://your-host.example.com/" in line
    ]

    assert said, comments
    assert NUMBERS[said.group(1)] == len(urls) == 5


def test_the_message_shortcut_is_the_one_the_app_listens_for(manifest):
    from bot.listeners.shortcuts import MAKE_MILESTONE

    [shortcut] = manifest["features"]["shortcuts"]

    assert shortcut["type"] == "message"
    assert shortcut["callback_id"] == MAKE_MILESTONE
    assert shortcut["name"] == "Make it a milestone"


def test_workflow_steps_take_and_give_typed_parameters(manifest):
    def typed(parameters: dict) -> dict:
        assert all(parameter["name"] == name for name, parameter in parameters.items())
        return {name: parameter["type"] for name, parameter in parameters.items()}

    declare = manifest["functions"]["declare_milestone"]
    complete = manifest["functions"]["complete_milestone"]

    assert typed(declare["input_parameters"]) == {
        "user": "slack#/types/user_id",
        "channel": "slack#/types/channel_id",
        "title": "string",
        "owner": "slack#/types/user_id",
        "due_date": "slack#/types/date",
        "approver": "slack#/types/user_id",
        "goal": "string",
    }
    assert typed(declare["output_parameters"]) == {"reference": "string", "permalink": "string"}
    assert typed(complete["input_parameters"]) == {
        "user": "slack#/types/user_id",
        "reference": "string",
    }
    assert typed(complete["output_parameters"]) == {
        "reference": "string",
        "status": "string",
        "sent_for_approval": "boolean",
    }
    required = {
        name for name, parameter in declare["input_parameters"].items() if parameter["is_required"]
    }
    assert required == {"user", "channel", "title"}
