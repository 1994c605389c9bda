"""The timeline of a channel's plan posted as an image: for `/milestone chart` and in the
thread of the weekly status."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain import plan
from bot.domain.people import local_date
from bot.metrics import FAILURES
from bot.render import timeline
from bot.runtime import Runtime
from bot.store.db import session_scope
from bot.store.models import Goal

log = logging.getLogger("bot.charts")


def draw(
    runtime: Runtime,
    *,
    team_id: str,
    channel_id: str,
    now: datetime,
    zone: ZoneInfo,
    goal: Goal | None = None,
) -> timeline.Timeline:
    """The timeline of the channel (or of `goal`) at `now`, dated on the channel's calendar,
    each milestone's health judged on its owner's as last looked up."""
    with session_scope(runtime.engine) as session:
        milestones_plan = plan.gather(
            session,
            team_id=team_id,
            channel_id=channel_id,
            goal=goal,
            today_of=runtime.timezones.today_of(now),
        )
    today = local_date(now, zone)
    return timeline.build(
        milestones_plan, today=today, title=timeline.title_of(today=today, goal=goal)
    )


def post_chart(
    runtime: Runtime,
    team_id: str,
    channel_id: str,
    drawn: timeline.Timeline,
    *,
    thread_ts: str | None = None,
    awaited: bool = True,
) -> str:
    """Upload the timeline's picture to the channel (in a thread when `thread_ts` is given);
    the file's id. Slack's refusals are raised as the Messenger's typed errors. `awaited`:
    whether someone is waiting for it (drawn before a sweep's charts when so)."""
    # Imported when a chart is first drawn, not when the bot starts: matplotlib takes a while
    # to import, and scans the fonts the first time.
    from bot.render import chart

    picture = chart.picture(drawn, awaited=awaited)
    return runtime.messenger(team_id).upload(
        channel_id,
        filename=picture.filename,
        content=picture.png,
        title=picture.title,
        alt_text=picture.alt_text,
        thread_ts=thread_ts,
    )


def post_status_chart(
    runtime: Runtime,
    team_id: str,
    channel_id: str,
    *,
    thread_ts: str,
    now: datetime,
    zone: ZoneInfo,
    awaited: bool = True,
) -> None:
    """The timeline in the thread of a status just posted, when anything has a due date;
    `awaited` false for a sweep's, which let drawings someone waits for go first.

    The status is out already: a chart that fails is logged and counted, never retried, so
    that the status is not posted again for it.
    """
    try:
        drawn = draw(runtime, team_id=team_id, channel_id=channel_id, now=now, zone=zone)
        if not drawn.is_empty:
            post_chart(runtime, team_id, channel_id, drawn, thread_ts=thread_ts, awaited=awaited)
    except Exception:
        log.exception("the status's chart was not posted in %s", channel_id)
        FAILURES.labels("status_chart").inc()
