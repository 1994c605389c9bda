"""Small helpers the listeners share for reading Slack's payloads."""

from __future__ import annotations

from slack_bolt.request import BoltRequest


def is_retry(request: BoltRequest) -> bool:
    """Slack resends a request it thinks went unanswered, with x-slack-retry-num set."""
    return bool(request.headers.get("x-slack-retry-num"))


def team_of(body: dict) -> str:
    team = body.get("team") or {}
    return team.get("id") or body.get("user", {}).get("team_id") or body.get("team_id", "")
