"""Events API listeners: the App Home, published when someone opens it."""

from __future__ import annotations

from slack_bolt import Ack, App
from sqlalchemy.exc import IntegrityError

from bot import home
from bot.announce import publish_home
from bot.db import session_scope
from bot.listeners.common import team_of
from bot.runtime import Runtime

HOME_TAB = "home"


def register(app: App, runtime: Runtime) -> None:
    @app.event("app_home_opened")
    def home_opened(ack: Ack, body: dict, event: dict) -> None:
        ack()
        # The Messages tab fires this event too; it has nothing of ours to show.
        if event.get("tab") != HOME_TAB:
            return
        team_id, user_id = team_of(body), event["user"]
        try:
            with session_scope(runtime.engine) as session:
                home.record_opened(session, team_id=team_id, user_id=user_id, now=runtime.clock())
        except IntegrityError:
            pass  # a retry of this event, handled elsewhere at the same moment, noted it first
        publish_home(runtime, team_id=team_id, user_id=user_id)
