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

from sqlalchemy import Select, or_, union_all, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot import away, blocks
from bot.announce import refresh_card, refresh_homes
from bot.claims import claim, count_sent
from bot.dates import previous_working_day
from bot.db import session_scope
from bot.deliveries import SweepReport, deliver
from bot.dependencies import IDS_PER_QUERY
from bot.health import describe
from bot.models import ChannelSettings, Delivery, Dependency, Health, Milestone, Person, Status
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


@dataclass(frozen=True)
class Candidate:
    """What deciding on a reminder needs of a milestone, read without loading all of it."""

    id: int
    team_id: str
    channel_id: str
    responsible_id: str
    due_date: date


def reminder_on(milestone: Milestone | Candidate, today: date) -> tuple[str, str] | None:
    """The kind and key of the reminder due about `milestone` on `today` (its owner's date)."""
    if milestone.due_date < today:
        return "nudge", f"{milestone.id}:{today}"
    if milestone.due_date > today and previous_working_day(milestone.due_date) == today:
        return "due_soon", f"{milestone.id}:{milestone.due_date}"
    return None


def _person(milestone: Milestone | Candidate) -> PersonKey:
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
    still to be reminded are then looked up afresh (once each), and judged on that. Only the
    milestones finally reminded about are loaded whole.
    """
    with session_scope(runtime.engine) as session:
        silenced = _channels_with_nudges_off(session)
        candidates = [
            Candidate(id_, team_id, channel_id, owner_id or creator_id, due_date)
            for id_, team_id, channel_id, owner_id, creator_id, due_date in session.exec(
                select(
                    Milestone.id,
                    Milestone.team_id,
                    Milestone.channel_id,
                    Milestone.owner_id,
                    Milestone.creator_id,
                    Milestone.due_date,
                ).where(
                    Milestone.status == Status.OPEN,
                    col(Milestone.due_date).is_not(None),
                    col(Milestone.due_date) <= now.date() + LOOKAHEAD,
                )
            ).all()
            if (team_id, channel_id) not in silenced
        ]
    owners = {_person(c) for c in candidates}
    known = _people(runtime, owners, now=now, max_age=FRESH_FOR)
    known_days = {key: runtime.timezones.date_of(known.get(key), now=now) for key in owners}
    found = [
        (candidate, reminder)
        for candidate in candidates
        if (reminder := reminder_on(candidate, known_days[_person(candidate)]))
    ]
    found = _unclaimed(runtime, found)
    fresh = _people(
        runtime, {_person(c) for c, _reminder in found}, now=now, max_age=STATUS_FRESH_FOR
    )
    # Judged again on each owner's zone as Slack gives it now.
    days = {
        key: runtime.timezones.date_of(fresh.get(key), now=now)
        for key in {_person(c) for c, _reminder in found}
    }
    away_now = _away(runtime, days, fresh)
    present = [c for c, _reminder in found if _person(c) not in away_now]
    due = [
        (candidate, reminder)
        for candidate in present
        if (reminder := reminder_on(candidate, days[_person(candidate)])) is not None
    ]
    milestones = _load(runtime, [candidate.id for candidate, _reminder in due])
    return [
        Reminder(kind, key, milestones[candidate.id], days[_person(candidate)])
        for candidate, (kind, key) in due
        if candidate.id in milestones
    ]


def _load(runtime: Runtime, ids: list[int]) -> dict[int, Milestone]:
    found = {}
    with session_scope(runtime.engine) as session:
        for start in range(0, len(ids), IDS_PER_QUERY):
            found.update(
                (m.id, m)
                for m in session.exec(
                    select(Milestone).where(
                        col(Milestone.id).in_(ids[start : start + IDS_PER_QUERY]),
                        # Reached or cancelled since it was found: nothing to remind about.
                        Milestone.status == Status.OPEN,
                    )
                ).all()
            )
    return found


def _channels_with_nudges_off(session: Session) -> set[tuple[str, str]]:
    return set(
        session.exec(
            select(ChannelSettings.team_id, ChannelSettings.channel_id).where(
                ChannelSettings.nudges == "off"
            )
        ).all()
    )


def _unclaimed(
    runtime: Runtime, found: list[tuple[Candidate, tuple[str, str]]]
) -> list[tuple[Candidate, tuple[str, str]]]:
    """Leave out reminders already claimed, so their owners are not looked up for nothing."""
    keys_by_group: dict[tuple[str, str], list[str]] = {}
    for candidate, (kind, key) in found:
        keys_by_group.setdefault((candidate.team_id, kind), []).append(key)
    claimed = set()
    with session_scope(runtime.engine) as session:
        # By workspace and kind, the keys in slices: lookups in the unique key's index.
        for (team_id, kind), keys in keys_by_group.items():
            for start in range(0, len(keys), IDS_PER_QUERY):
                claimed.update(
                    (team_id, kind, key)
                    for key in session.exec(
                        select(Delivery.key).where(
                            Delivery.team_id == team_id,
                            Delivery.kind == kind,
                            col(Delivery.key).in_(keys[start : start + IDS_PER_QUERY]),
                        )
                    ).all()
                )
    return [
        (candidate, (kind, key))
        for candidate, (kind, key) in found
        if (candidate.team_id, kind, key) not in claimed
    ]


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
    for reminder in reminders:
        delivery_id = won.get((reminder.kind, reminder.key))
        if delivery_id is None:
            continue
        milestone = reminder.milestone
        channel_settings = settings[milestone.team_id, milestone.channel_id]
        if reminder.kind == "nudge":
            days = (reminder.today - milestone.due_date).days
            if channel_settings.nudges == "channel":
                send = partial(
                    runtime.messenger.post,
                    milestone.channel_id,
                    blocks.overdue_nudge(milestone, days_overdue=days, in_channel=True),
                    thread_ts=milestone.announcement_ts,
                    broadcast=True,
                )
            else:
                send = partial(
                    runtime.messenger.direct_message,
                    milestone.responsible_id,
                    blocks.overdue_nudge(milestone, days_overdue=days),
                )
        else:
            # A reminder before the due date stays private wherever nudges go.
            send = partial(
                runtime.messenger.direct_message,
                milestone.responsible_id,
                blocks.due_soon_reminder(milestone),
            )
        delivered = deliver(runtime.engine, report, delivery_id, now=now, send=send)
        if delivered and reminder.kind == "nudge":
            _escalate_if_needed(runtime, report, reminder, channel_settings, now=now)
    refreshed = refresh_health_cards(runtime, now=now)
    if refreshed:
        log.info("%d channel cards show a new health", refreshed)
    return report


def _settings(
    session: Session, milestones: list[Milestone]
) -> dict[tuple[str, str], ChannelSettings]:
    by_team: dict[str, set[str]] = {}
    for m in milestones:
        by_team.setdefault(m.team_id, set()).add(m.channel_id)
    saved = {}
    for team_id, channel_ids in by_team.items():
        wanted = sorted(channel_ids)
        for start in range(0, len(wanted), IDS_PER_QUERY):
            saved.update(
                ((s.team_id, s.channel_id), s)
                for s in session.exec(
                    select(ChannelSettings).where(
                        ChannelSettings.team_id == team_id,
                        col(ChannelSettings.channel_id).in_(wanted[start : start + IDS_PER_QUERY]),
                    )
                ).all()
            )
    return {
        (team_id, channel_id): saved.get((team_id, channel_id))
        or ChannelSettings(team_id=team_id, channel_id=channel_id)
        for team_id, channel_ids in by_team.items()
        for channel_id in channel_ids
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
    if settings.escalate_to == "approver" and milestone.approver_id:
        send = partial(
            runtime.messenger.direct_message,
            milestone.approver_id,
            blocks.escalation(milestone, days_overdue=days, nudges=nudges, to_approver=True),
        )
    else:
        send = partial(
            runtime.messenger.post,
            milestone.channel_id,
            blocks.escalation(milestone, days_overdue=days, nudges=nudges),
            thread_ts=milestone.announcement_ts,
            broadcast=True,
        )
    deliver(runtime.engine, report, next(iter(won.values())), now=now, send=send)


def refresh_health_cards(runtime: Runtime, *, now: datetime) -> int:
    """Update the cards of active milestones whose derived health changed; how many were.

    Each is claimed by setting `shown_health` from the value read to the new one in one
    conditional UPDATE, so of two processes only one updates a card. A card that fails to
    update for now gets its old value back, for a later sweep to try again.
    """
    changed = changed_health(runtime, now=now)
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


def changed_health(runtime: Runtime, *, now: datetime) -> list[tuple[Milestone, str | None]]:
    """Active milestones with a card whose health at `now` is not the one the card shows,
    each with its health now."""
    with session_scope(runtime.engine) as session:
        ids = sorted(set(session.exec(_health_may_differ(now)).scalars().all()))
        milestones = [
            milestone
            for start in range(0, len(ids), IDS_PER_QUERY)
            for milestone in session.exec(
                select(Milestone).where(col(Milestone.id).in_(ids[start : start + IDS_PER_QUERY]))
            ).all()
        ]
        # Owners' zones as last looked up, read once per workspace rather than once per owner.
        owners: dict[str, set[str]] = {}
        for milestone in milestones:
            owners.setdefault(milestone.team_id, set()).add(milestone.responsible_id)
        known = {
            (team_id, user_id): person
            for team_id, user_ids in owners.items()
            for user_id, person in runtime.timezones.known(session, team_id, user_ids).items()
        }
        details = describe(
            session,
            milestones,
            today_of=lambda m: runtime.timezones.date_of(known.get(_person(m)), now=now),
        )
    changed = []
    for milestone in milestones:
        health = details[milestone.id].health
        state = health.state if health else None
        if state != milestone.shown_health:
            changed.append((milestone, state))
    return changed


def _health_may_differ(now: datetime) -> Select:
    """The ids of active milestones with a card whose health may differ from what the card
    shows: all but those whose health is certain from their own row and their prerequisites,
    whatever their owner's time zone, and already shown (as `health.assess` would judge them).

    A union of parts that each read a range of ix_milestone_health (or, for those waiting on
    open milestones, start from the dependencies), so that the milestones far from their due
    date and showing their health are never read.
    """
    # Every owner's date at `now` lies within a day of UTC's (zones span -12 to +14 hours).
    earliest, latest = now.date() - timedelta(days=1), now.date() + timedelta(days=1)
    # Five days after any owner's date hold three working days: beyond RISK_WORKING_DAYS.
    beyond_risk = latest + timedelta(days=5)
    shown, marked, due = (
        col(Milestone.shown_health),
        col(Milestone.marked_health),
        col(Milestone.due_date),
    )
    prerequisite = aliased(Milestone)
    waits_on_open = (
        select(Dependency.prerequisite_id)
        .join(prerequisite, col(prerequisite.id) == Dependency.prerequisite_id)
        .where(Dependency.milestone_id == Milestone.id, col(prerequisite.status).in_(Status.ACTIVE))
    )
    cards = select(Milestone.id).where(
        col(Milestone.status).in_(Status.ACTIVE), col(Milestone.announcement_ts).is_not(None)
    )
    on_track = cards.where(shown == Health.ON_TRACK, marked.is_(None))
    return union_all(
        cards.where(shown.is_(None)),
        # Blocked by hand is blocked, whatever else.
        cards.where(shown == Health.BLOCKED, or_(marked.is_(None), marked != Health.BLOCKED)),
        # Overdue for every owner is off track, unless blocked.
        cards.where(
            shown == Health.OFF_TRACK,
            or_(marked == Health.BLOCKED, due.is_(None), due >= earliest),
        ),
        # At risk by hand stays so until overdue.
        cards.where(
            shown == Health.AT_RISK,
            or_(marked.is_(None), marked != Health.AT_RISK, due < latest),
        ),
        cards.where(shown == Health.ON_TRACK, marked.is_not(None)),
        # Otherwise on track: with no due date, or not overdue for anyone and waiting on no
        # open milestone, or that far from due with no open prerequisite due after it.
        on_track.where(due < latest),
        on_track.where(due >= latest, due < beyond_risk, waits_on_open.exists()),
        # A prerequisite due after it: read from the links, far fewer than the milestones.
        on_track.join(Dependency, col(Dependency.milestone_id) == Milestone.id)
        .join(prerequisite, col(prerequisite.id) == Dependency.prerequisite_id)
        .where(
            due >= beyond_risk,
            col(prerequisite.status).in_(Status.ACTIVE),
            col(prerequisite.due_date) > due,
        ),
    )


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
