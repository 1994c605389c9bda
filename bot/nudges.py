"""Overdue nudges, due-soon reminders and escalations: found, claimed once, sent.

Nobody hears about a milestone whose owner is away (an absence they declared, or a Slack
status that says so, looked up as the sweep decides). Such a reminder is not claimed, so once
the owner is back a still-overdue milestone gets its nudge, one a day they are present: the
days they were away are skipped, not caught up. The same sweep updates channel cards whose
derived health changed with time (a milestone turning overdue, or at risk).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from sqlalchemy import tuple_, update
from sqlmodel import Session, col, select

from bot import away, blocks, workspaces
from bot.announce import refresh_card, refresh_homes
from bot.channels import paused as paused_channels
from bot.claims import claim, count_sent, taken
from bot.dates import previous_working_day
from bot.db import session_scope
from bot.deliveries import Recipient, SweepReport, deliver, delivery_job
from bot.fanout import fan_out
from bot.health import describe
from bot.models import ChannelSettings, Milestone, Person, Status
from bot.people import FRESH_FOR
from bot.runtime import Runtime
from bot.slack import CHANNEL_GONE, slack_error

log = logging.getLogger(__name__)

# After this many daily nudges about one due date, someone else hears about it once.
ESCALATE_AFTER = 3
# The furthest any time zone is ahead of UTC is 14 hours; with a weekend in front of a due
# date, the reminder's working day can be three days before it.
LOOKAHEAD = timedelta(days=4)
# A Slack status looked up this recently is taken as it is; older, it is asked for again
# before anyone is reminded (sweeps run every 30 minutes, so each asks afresh).
STATUS_FRESH_FOR = timedelta(minutes=5)

PersonKey = tuple[str, str]  # (team_id, user_id)


@dataclass(frozen=True)
class Reminder:
    kind: str  # nudge | due_soon
    key: str
    milestone: Milestone
    today: date


def reminder_on(milestone: Milestone, today: date) -> Reminder | None:
    """The reminder due about `milestone` on `today` (its owner's date), if any."""
    if milestone.due_date < today:
        return Reminder("nudge", f"{milestone.id}:{today}", milestone, today)
    if milestone.due_date > today and previous_working_day(milestone.due_date) == today:
        return Reminder("due_soon", f"{milestone.id}:{milestone.due_date}", milestone, today)
    return None


def _person(milestone: Milestone) -> PersonKey:
    return milestone.team_id, milestone.responsible_id


def _people(
    runtime: Runtime, keys: Iterable[PersonKey], *, now: datetime, max_age: timedelta
) -> dict[PersonKey, Person]:
    """People by (team, user), each asked of Slack at most once here and only when older."""
    by_team: dict[str, set[str]] = {}
    for team_id, user_id in keys:
        by_team.setdefault(team_id, set()).add(user_id)
    found = {}
    for team_id, user_ids in by_team.items():
        people = runtime.timezones.people(team_id, user_ids, now=now, max_age=max_age)
        found.update({(team_id, user_id): person for user_id, person in people.items()})
    return found


def due_reminders(runtime: Runtime, *, now: datetime) -> list[Reminder]:
    """Reminders due at `now` that are not claimed yet, about owners who are not away.

    Candidates are found with what is known of their owners' time zones; the owners of those
    still to be reminded are then looked up afresh (once each), and judged on that.
    """
    with session_scope(runtime.engine) as session:
        candidates = session.exec(
            select(Milestone).where(
                Milestone.status == Status.OPEN,
                col(Milestone.due_date).is_not(None),
                col(Milestone.due_date) <= now.date() + LOOKAHEAD,
            )
        ).all()
        silenced = _channels_with_nudges_off(session, candidates) | paused_channels(session)
        departed = workspaces.departed(session)
    candidates = [
        m
        for m in candidates
        if (m.team_id, m.channel_id) not in silenced and m.team_id not in departed
    ]
    known = _people(runtime, {_person(m) for m in candidates}, now=now, max_age=FRESH_FOR)
    reminders = [
        reminder
        for m in candidates
        if (reminder := reminder_on(m, runtime.timezones.date_of(known.get(_person(m)), now=now)))
    ]
    reminders = _unclaimed(runtime, reminders, now=now)
    fresh = _people(
        runtime, {_person(r.milestone) for r in reminders}, now=now, max_age=STATUS_FRESH_FOR
    )
    # Judged again on each owner's zone as Slack gives it now.
    days = {
        key: runtime.timezones.date_of(fresh.get(key), now=now)
        for key in {_person(r.milestone) for r in reminders}
    }
    away_now = _away(runtime, days, fresh)
    present = [r.milestone for r in reminders if _person(r.milestone) not in away_now]
    return [reminder for m in present if (reminder := reminder_on(m, days[_person(m)])) is not None]


def _channels_with_nudges_off(
    session: Session, milestones: list[Milestone]
) -> set[tuple[str, str]]:
    channels = list({(m.team_id, m.channel_id) for m in milestones})
    if not channels:
        return set()
    return {
        (s.team_id, s.channel_id)
        for s in session.exec(
            select(ChannelSettings).where(
                tuple_(col(ChannelSettings.team_id), col(ChannelSettings.channel_id)).in_(channels),
                ChannelSettings.nudges == "off",
            )
        ).all()
    }


def _unclaimed(runtime: Runtime, reminders: list[Reminder], *, now: datetime) -> list[Reminder]:
    """Leave out reminders already claimed, so their owners are not looked up for nothing."""
    if not reminders:
        return []
    keys = [(r.milestone.team_id, r.kind, r.key) for r in reminders]
    with session_scope(runtime.engine) as session:
        claimed = taken(session, keys, now=now)
    return [r for r in reminders if (r.milestone.team_id, r.kind, r.key) not in claimed]


def _away(
    runtime: Runtime, days: dict[PersonKey, date], people: dict[PersonKey, Person]
) -> set[PersonKey]:
    teams = {team_id for team_id, _ in days}
    found = set()
    with session_scope(runtime.engine) as session:
        for team_id in teams:
            away_here = away.who_is_away(
                session,
                team_id=team_id,
                days={user: day for (team, user), day in days.items() if team == team_id},
                people={user: p for (team, user), p in people.items() if team == team_id},
            )
            found |= {(team_id, user_id) for user_id in away_here}
    return found


def run_nudge_sweep(runtime: Runtime, *, now: datetime) -> SweepReport:
    """Send every nudge and reminder due at `now` that nobody has claimed; refresh cards."""
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
        settings = _settings(session, [r.milestone for r in reminders if (r.kind, r.key) in won])
    report = SweepReport()
    jobs = []
    for reminder in reminders:
        delivery_id = won.get((reminder.kind, reminder.key))
        if delivery_id is None:
            continue
        milestone = reminder.milestone
        channel_settings = settings[milestone.team_id, milestone.channel_id]
        to = Recipient(milestone.team_id, user_id=milestone.responsible_id)
        if reminder.kind == "nudge":
            days = (reminder.today - milestone.due_date).days
            if channel_settings.nudges == "channel":
                to = Recipient(milestone.team_id, channel_id=milestone.channel_id)
                send = partial(
                    runtime.messenger(milestone.team_id).post,
                    milestone.channel_id,
                    blocks.overdue_nudge(milestone, days_overdue=days, in_channel=True),
                    thread_ts=milestone.announcement_ts,
                    broadcast=True,
                )
            else:
                send = partial(
                    runtime.messenger(milestone.team_id).direct_message,
                    milestone.responsible_id,
                    blocks.overdue_nudge(milestone, days_overdue=days),
                )
        else:
            # A reminder before the due date stays private wherever nudges go.
            send = partial(
                runtime.messenger(milestone.team_id).direct_message,
                milestone.responsible_id,
                blocks.due_soon_reminder(milestone),
            )
        then = None
        if reminder.kind == "nudge":
            then = partial(
                _escalate_if_needed, runtime, report, reminder, channel_settings, now=now
            )
        jobs.append(
            delivery_job(
                runtime.engine,
                report,
                delivery_id,
                kind=reminder.kind,
                now=now,
                to=to,
                send=send,
                milestone_id=milestone.id,
                then=then,
            )
        )
    fan_out(jobs, stopping=runtime.stopping)
    refreshed = refresh_health_cards(runtime, now=now)
    if refreshed:
        log.info("%d channel cards show a new health", refreshed)
    return report


def _settings(
    session: Session, milestones: list[Milestone]
) -> dict[tuple[str, str], ChannelSettings]:
    channels = {(m.team_id, m.channel_id) for m in milestones}
    if not channels:
        return {}
    saved = {
        (s.team_id, s.channel_id): s
        for s in session.exec(
            select(ChannelSettings).where(
                tuple_(col(ChannelSettings.team_id), col(ChannelSettings.channel_id)).in_(
                    list(channels)
                )
            )
        ).all()
    }
    return {
        key: saved.get(key) or ChannelSettings(team_id=key[0], channel_id=key[1])
        for key in channels
    }


def _escalate_if_needed(
    runtime: Runtime,
    report: SweepReport,
    reminder: Reminder,
    settings: ChannelSettings,
    *,
    now: datetime,
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
    # Without an approver to tell, the channel hears it.
    to = Recipient(milestone.team_id, channel_id=milestone.channel_id)
    if settings.escalate_to == "approver" and milestone.approver_id:
        to = Recipient(milestone.team_id, user_id=milestone.approver_id)
        send = partial(
            runtime.messenger(milestone.team_id).direct_message,
            milestone.approver_id,
            blocks.escalation(milestone, days_overdue=days, nudges=nudges, to_approver=True),
        )
    else:
        send = partial(
            runtime.messenger(milestone.team_id).post,
            milestone.channel_id,
            blocks.escalation(milestone, days_overdue=days, nudges=nudges),
            thread_ts=milestone.announcement_ts,
            broadcast=True,
        )
    deliver(
        runtime.engine,
        report,
        next(iter(won.values())),
        kind="escalation",
        now=now,
        to=to,
        send=send,
        milestone_id=milestone.id,
    )


def refresh_health_cards(runtime: Runtime, *, now: datetime) -> int:
    """Update the cards of active milestones whose derived health changed; how many were.

    Each is claimed by setting `shown_health` from the value read to the new one in one
    conditional UPDATE, so of two processes only one updates a card. A card that fails to
    update for now gets its old value back, for a later sweep to try again.
    """
    with session_scope(runtime.engine) as session:
        milestones = list(
            session.exec(
                select(Milestone).where(
                    col(Milestone.status).in_(Status.ACTIVE),
                    col(Milestone.announcement_ts).is_not(None),
                )
            ).all()
        )
        departed = workspaces.departed(session)
        paused = paused_channels(session)
        milestones = [
            m
            for m in milestones
            if m.team_id not in departed and (m.team_id, m.channel_id) not in paused
        ]
        details = describe(session, milestones, today_of=runtime.timezones.today_of(now))
    changed = []
    for milestone in milestones:
        health = details[milestone.id].health
        state = health.state if health else None
        if state != milestone.shown_health:
            changed.append((milestone, state))
    # A transaction of its own that starts by writing: each UPDATE sees the latest value.
    with session_scope(runtime.engine) as session:
        claimed = [
            (milestone, state)
            for milestone, state in changed
            if _set_shown_health(session, milestone.id, old=milestone.shown_health, new=state)
        ]
    updated = 0
    for milestone, state in claimed:
        try:
            refresh_card(runtime, milestone.id, now=now)
            refresh_homes(runtime, milestone)
        except Exception as error:
            if slack_error(error) in CHANNEL_GONE:
                log.warning("card of %s not updated: %s", milestone.reference, error)
                continue
            log.exception("card of %s not updated; a later sweep will retry", milestone.reference)
            with session_scope(runtime.engine) as session:
                _set_shown_health(session, milestone.id, old=state, new=milestone.shown_health)
        else:
            updated += 1
    return updated


def _set_shown_health(
    session: Session, milestone_id: int, *, old: str | None, new: str | None
) -> bool:
    shown = col(Milestone.shown_health)
    statement = (
        update(Milestone)
        .where(col(Milestone.id) == milestone_id, shown.is_(None) if old is None else shown == old)
        .values(shown_health=new)
    )
    return session.execute(statement).rowcount == 1
