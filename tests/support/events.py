"""Events API requests as Slack sends them: an event wrapped in its `event_callback` envelope."""

from __future__ import annotations

import json
import time
import uuid

from tests.support.harness import TEAM


def event_callback(event: dict, *, team: str = TEAM, at: float | None = None) -> str:
    """`event` in the envelope Slack posts to the Events API, field for field, as JSON."""
    at = time.time() if at is None else at
    return json.dumps(
        {
            "token": "verification_token",
            "team_id": team,
            "api_app_id": "A111",
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(at),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team,
                    "user_id": "UBOT",
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
    )
