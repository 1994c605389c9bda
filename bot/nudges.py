"""Overdue nudges, due-soon reminders and escalations: found, claimed once, sent."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from sqlmodel import col, select

from bot import blocks
from bot.claims import claim, count_sent
from bot.dates import previous_working_day
from bot.db import session_scope
from bot.deliveries import SweepReport, deliver
from bot.models import Milestone, Status
from bot.runtime import Runtime

log = logging.getLogger(__name__)

# After this many daily nudges about one due date, the channel hears about it once.
ESCALATE_AFTER = 3
# The furthest any time zone is ahead of UTC is 14 hours; with a weekend in front of a due
# date, the reminder's working day can be three days before it.
LOOKAHEAD = timedelta(days=4)


@dataclass(frozen=True)
class Reminder:
    kind: str  # nudge | due_soon
    key: str
    milestone: Milestone
    today: date


def due_reminders(runtime: Runtime, *, now: datetime) -> list[Reminder]:
    with session_scope(runtime.engine) as session:
        candidates = session.exec(
            select(Milestone).where(
                Milestone.status == Status.OPEN,
                col(Milestone.due_date).is_not(None),
                col(Milestone.due_date) <= now.date() + LOOKAHEAD,
            )
        ).all()
    reminders = []
    for milestone in candidates:
        # A calendar day in the owner's own time zone.
        today = runtime.timezones.today(milestone.team_id, milestone.owner_id, now=now)
        if milestone.due_date < today:
            reminders.append(Reminder("nudge", f"{milestone.id}:{today}", milestone, today))
        elif milestone.due_date > today and previous_working_day(milestone.due_date) == today:
            key = f"{milestone.id}:{milestone.due_date}"
            reminders.append(Reminder("due_soon", key, milestone, today))
    return reminders


def run_nudge_sweep(runtime: Runtime, *, now: datetime) -> SweepReport:
    """Send every nudge and reminder due at `now` that nobody has claimed."""
    reminders = due_reminders(runtime, now=now)
    with session_scope(runtime.engine) as session:
        won = claim(
            session,
            [
                {
                    "team_id": r.milestone.team_id,
                    "kind": r.kind,
                    "key": r.key,
                    "milestone_id": r.milestone.id,
                    "channel_id": r.milestone.channel_id,
                    "due_date": r.milestone.due_date,
                    "claimed_at": now,
                }
                for r in reminders
            ],
        )
    report = SweepReport()
    for reminder in reminders:
        delivery_id = won.get((reminder.kind, reminder.key))
        if delivery_id is None:
            continue
        milestone = reminder.milestone
        if reminder.kind == "nudge":
            days = (reminder.today - milestone.due_date).days
            message = blocks.overdue_nudge(milestone, days_overdue=days)
        else:
            message = blocks.due_soon_reminder(milestone)
        send = partial(runtime.messenger.direct_message, milestone.owner_id, message)
        delivered = deliver(runtime.engine, report, delivery_id, now=now, send=send)
        if delivered and reminder.kind == "nudge":
            _escalate_if_needed(runtime, report, reminder, now=now)
    return report


def _escalate_if_needed(
    runtime: Runtime, report: SweepReport, reminder: Reminder, *, now: datetime
) -> None:
    milestone = reminder.milestone
    with session_scope(runtime.engine) as session:
        nudges = count_sent(
            session, milestone_id=milestone.id, kind="nudge", due_date=milestone.due_date
        )
        if nudges < ESCALATE_AFTER:
            return
        won = claim(
            session,
            [
                {
                    "team_id": milestone.team_id,
                    "kind": "escalation",
                    "key": f"{milestone.id}:{milestone.due_date}",
                    "milestone_id": milestone.id,
                    "channel_id": milestone.channel_id,
                    "due_date": milestone.due_date,
                    "claimed_at": now,
                }
            ],
        )
    if not won:
        return
    days = (reminder.today - milestone.due_date).days
    message = blocks.escalation(milestone, days_overdue=days, nudges=nudges)
    deliver(
        runtime.engine,
        report,
        next(iter(won.values())),
        now=now,
        send=partial(
            runtime.messenger.post,
            milestone.channel_id,
            message,
            thread_ts=milestone.announcement_ts,
            broadcast=True,
        ),
    )
