"""Running the bot's Workflow Builder steps the way Slack does: signed event_callback requests
carrying function_executed events, and reading how each step ended from the fake Slack."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import requests
import yaml

from tests.support.events import event_callback
from tests.support.harness import TEAM

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"
# The short-lived token Slack gives each function execution; Bolt completes the step with it.
STEP_TOKEN = "xwfp-workflow-token"
# The headers of Slack's retry of an event it did not hear answered in time.
RETRIED = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


def function_executed_body(
    callback_id: str, inputs: dict, *, execution_id: str, team: str = TEAM
) -> str:
    """A function_executed event for the step `callback_id`, as manifest.yml declares it."""
    declared = yaml.safe_load(MANIFEST.read_text())["functions"][callback_id]
    now = time.time()
    event = {
        "type": "function_executed",
        "function": {
            "id": f"Fn{uuid.uuid4().hex[:10].upper()}",
            "callback_id": callback_id,
            "title": declared["title"],
            "description": declared["description"],
            "type": "app",
            "input_parameters": list(declared["input_parameters"].values()),
            "output_parameters": list(declared["output_parameters"].values()),
            "app_id": "A111",
            "date_created": int(now) - 86400,
            "date_updated": int(now) - 86400,
            "date_deleted": 0,
        },
        "inputs": inputs,
        "function_execution_id": execution_id,
        "workflow_execution_id": f"Wx{uuid.uuid4().hex[:10].upper()}",
        "event_ts": f"{now:.6f}",
        "bot_access_token": STEP_TOKEN,
    }
    return event_callback(event, team=team, at=now)


def run_step(
    bot,
    callback_id: str,
    inputs: dict,
    *,
    execution_id: str | None = None,
    retry: bool = False,
    team: str = TEAM,
) -> requests.Response:
    """Run the step once (or Slack's retry of the same execution) and wait for its effects."""
    body = function_executed_body(
        callback_id,
        inputs,
        execution_id=execution_id or f"Fx{uuid.uuid4().hex[:10].upper()}",
        team=team,
    )
    response = bot.post(body, content_type="application/json", headers=RETRIED if retry else None)
    assert response.status_code == 200, response.text
    return response


def completed(slack) -> list[dict]:
    """The outputs of every step ended with functions.completeSuccess, oldest first (the fake
    Slack reads the JSON that slack_sdk sends them as)."""
    return [call.params["outputs"] for call in slack.calls_to("functions.completeSuccess")]


def failed(slack) -> list[str]:
    """The message of every step ended with functions.completeError, oldest first."""
    return [call.params["error"] for call in slack.calls_to("functions.completeError")]
