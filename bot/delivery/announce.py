"""Telling Slack about a change: the channel card, celebrations, approval DMs, a replaced
approver, and changes to a channel's settings.

Runs on the background worker, after the HTTP answer; it re-reads the milestone so the card
always shows the latest state, whatever order changes arrived in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.delivery.deliveries import Claimed, Recipient, SweepReport, deliver, send_to
from bot.delivery.fanout import Job, fan_out
from bot.delivery.status_sweep import PROFILE_FRESH_FOR
from bot.domain import channels, dashboard, workspaces
from bot.domain.dependencies import dependents_of
from bot.domain.health import describe
from bot.domain.milestones import Change, record_announcement, record_approval_request
from bot.logs import log_context
from bot.render import blocks
from bot.render.home import home_view
from bot.runtime import Runtime
from bot.slack.client import ChannelGone
from bot.store.claims import claim, taken
from bot.store.db import reading, session_scope
from bot.store.models import (
    ChannelSettings,
    DeliveryKind,
    EventKind,
    Goal,
    Milestone,
    MilestoneEvent,
    Status,
)

log = logging.getLogger("bot.announce")


def announce(
    runtime: Runtime,
    change: Change,
    *,
    on_channel_gone: Callable[[str], None] | None = None,
    goal: Goal | None = None,
) -> None:
    """Queue the Slack side of `change`; `on_channel_gone` hears if the channel is out of reach.

    `goal`: a declared milestone's goal, when the caller read it, for its card (which reads it
    otherwise), as the declaration's prerequisites are.
    """
    if change.repeated:
        return

    def deliver() -> None:
        try:
            if change.kind == EventKind.DECLARED:
                gone = post_card(
                    runtime,
                    change.milestone,
                    now=runtime.clock(),
                    read=Read(prerequisites=change.prerequisites, goal=goal),
                )
                if gone and on_channel_gone is not None:
                    on_channel_gone(gone)
            else:
                _deliver(runtime, change)
        except ChannelGone as gone:
            if on_channel_gone is None:
                raise
            on_channel_gone(gone.code)
        finally:
            # Saved whatever became of the channel's messages: the Homes show it.
            waiting = change.slipped + change.ready
            # A replaced approver's Home no longer shows it.
            replaced = {change.approver_was} if change.approver_was else set()
            refresh_homes(
                runtime,
                change.milestone,
                also={change.actor_id, *replaced, *(d.responsible_id for d in waiting)},
            )

    milestone = change.milestone
    # The background work, its failures included, is logged with the milestone's ids.
    with log_context(
        team_id=milestone.team_id, channel_id=milestone.channel_id, milestone_id=milestone.id
    ):
        runtime.background.submit(milestone.channel_id, deliver)


def refresh_card(runtime: Runtime, milestone_id: int, *, now: datetime | None = None) -> Milestone:
    """Show the milestone's latest state, health included, on its channel card.

    `now` is when its health is judged: a sweep's instant, or by default the clock's.
    """
    now = now or runtime.clock()
    with session_scope(runtime.engine) as session:
        milestone = session.get(Milestone, milestone_id)
        detail = describe(session, [milestone], today_of=runtime.timezones.today_of(now))[
            milestone.id
        ]
        shown = detail.health.state if detail.health else None
        if milestone.shown_health != shown:
            milestone.shown_health = shown
            session.add(milestone)
    if milestone.announcement_ts:
        runtime.messenger(milestone.team_id).update(
            milestone.channel_id, milestone.announcement_ts, blocks.announcement(milestone, detail)
        )
    return milestone


# How the approver's request message ends, by the change that ends it.
DECISIONS = {
    EventKind.REACHED: "approved",
    EventKind.CHANGES_REQUESTED: "changes requested",
    EventKind.CANCELLED: "cancelled",
}


@dataclass(frozen=True)
class Read:
    """What the request that declared a milestone read of it, for its card: its prerequisites,
    and its goal if the request had it."""

    prerequisites: tuple[Milestone, ...]
    goal: Goal | None = None


def post_card(
    runtime: Runtime,
    milestone: Milestone,
    *,
    now: datetime,
    report: SweepReport | None = None,
    read: Read | None = None,
) -> str | None:
    """Post a declared milestone's channel card, once, whether the request's background work
    or a later sweep posts it; what the request `read` is not read again.

    Returns why the channel is out of reach (such as "not_in_channel"), or None.
    """

    def send() -> tuple[str, str | None]:
        # Learn the owner's time zone now (their health is judged on their calendar), here
        # after the ack rather than in a later list or status that must not wait on Slack.
        runtime.timezones.name(milestone.team_id, milestone.responsible_id, now=now)
        with session_scope(runtime.engine) as session:
            detail = describe(
                session,
                [milestone],
                today_of=runtime.timezones.today_of(now),
                prerequisites={milestone.id: list(read.prerequisites)} if read else None,
                goals={read.goal.id: read.goal} if read and read.goal else None,
            )[milestone.id]
        message = blocks.announcement(milestone, detail)
        ts = runtime.messenger(milestone.team_id).post(milestone.channel_id, message)
        return ts, detail.health.state if detail.health else None

    def record(session: Session, posted: tuple[str, str | None]) -> None:
        ts, shown_health = posted
        record_announcement(session, milestone_id=milestone.id, ts=ts, shown_health=shown_health)

    to = Recipient(milestone.team_id, channel_id=milestone.channel_id)
    sent = _send_once(
        runtime,
        milestone,
        DeliveryKind.ANNOUNCEMENT,
        to,
        send,
        now=now,
        report=report,
        on_sent=record,
    )
    if sent is not False:
        return None
    with session_scope(runtime.engine) as session:
        return channels.settings_for(
            session, team_id=milestone.team_id, channel_id=milestone.channel_id
        ).paused_reason


def ask_approver(
    runtime: Runtime, milestone: Milestone, *, now: datetime, report: SweepReport | None = None
) -> None:
    """Send the approver their request to approve `milestone` as it stands, once."""

    def send() -> tuple[str, str]:
        messenger = runtime.messenger(milestone.team_id)
        return messenger.direct_message(milestone.approver_id, blocks.approval_request(milestone))

    def record(session: Session, posted: tuple[str, str]) -> None:
        dm, ts = posted
        record_approval_request(session, milestone_id=milestone.id, channel=dm, ts=ts)

    to = Recipient(milestone.team_id, user_id=milestone.approver_id)
    _send_once(
        runtime, milestone, DeliveryKind.APPROVAL, to, send, now=now, report=report, on_sent=record
    )


def celebrate(
    runtime: Runtime, milestone: Milestone, *, now: datetime, report: SweepReport | None = None
) -> None:
    """Celebrate a reached milestone under its card, once."""

    def send() -> None:
        runtime.messenger(milestone.team_id).post(
            milestone.channel_id, blocks.celebration(milestone), thread_ts=milestone.announcement_ts
        )

    to = Recipient(milestone.team_id, channel_id=milestone.channel_id)
    _send_once(runtime, milestone, DeliveryKind.CELEBRATION, to, send, now=now, report=report)


@dataclass(frozen=True)
class Noted:
    """What a note about a change tells, read from the change as it happened or from the event
    the history recorded (when a sweep sends a note its process did not)."""

    actor_id: str
    reason: str | None = None
    old_due_date: date | None = None
    old_approver_id: str | None = None


def noted(change: Change) -> Noted:
    return Noted(
        actor_id=change.actor_id,
        reason=change.reason,
        old_due_date=change.old_due_date,
        old_approver_id=change.approver_was,
    )


def note_change(
    runtime: Runtime,
    milestone: Milestone,
    kind: DeliveryKind,
    what: Noted,
    *,
    now: datetime,
    report: SweepReport | None = None,
) -> None:
    """Tell of a reschedule, a cancellation or a change of approver, once per change: under the
    card, where the channel sees it too (but for the new approver, whom the card itself shows),
    or, for the approver replaced or removed, privately."""
    team_id, channel_id = milestone.team_id, milestone.channel_id
    to = Recipient(team_id, channel_id=channel_id)
    match kind:
        case DeliveryKind.RESCHEDULED:
            message = blocks.rescheduled(
                milestone, old_due_date=what.old_due_date, reason=what.reason
            )
        case DeliveryKind.CANCELLED:
            message = blocks.cancelled(milestone, actor_id=what.actor_id, reason=what.reason)
        case DeliveryKind.APPROVER_CHANGED:
            message = blocks.approver_changed(
                milestone, actor_id=what.actor_id, old_approver_id=what.old_approver_id
            )
        case DeliveryKind.APPROVER_REPLACED:
            message = blocks.no_longer_approver(milestone, actor_id=what.actor_id)
            to = Recipient(team_id, user_id=what.old_approver_id)
        case _:
            raise ValueError(f"{kind} is not a note about a change")

    def send() -> None:
        messenger = runtime.messenger(team_id)
        if to.user_id:
            messenger.direct_message(to.user_id, message)
        else:
            messenger.post(
                channel_id,
                message,
                thread_ts=milestone.announcement_ts,
                broadcast=kind != DeliveryKind.APPROVER_CHANGED,
            )

    _send_once(runtime, milestone, kind, to, send, now=now, report=report)


def announce_settings_change(
    runtime: Runtime,
    *,
    before: ChannelSettings,
    after: ChannelSettings,
    actor_id: str,
    on_channel_gone: Callable[[str], None],
) -> None:
    """Tell the channel who changed which of its settings (old value → new), after the answer.

    People are @-mentioned only where the channel's (new) settings allow mentions; elsewhere
    they are shown by name, as in the weekly status.
    """
    team_id, channel_id = after.team_id, after.channel_id

    def post() -> None:
        person = blocks.user
        if not after.mentions:
            shown = {actor_id, *channels.managers_of(before), *channels.managers_of(after)}
            found = runtime.timezones.people(
                team_id, shown, now=runtime.clock(), max_age=PROFILE_FRESH_FOR
            )
            person = blocks.plain_names({user_id: p.display_name for user_id, p in found.items()})
        message = blocks.settings_changed(
            before,
            after,
            actor_id=actor_id,
            default_timezone=runtime.settings.default_timezone,
            person=person,
            default_week=runtime.settings.working_week,
        )
        if message is None:
            return
        try:
            runtime.messenger(team_id).post(channel_id, message)
        except ChannelGone as gone:
            on_channel_gone(gone.code)

    runtime.background.submit(channel_id, post)


# The announcements that must go out once even if the process that should have sent them
# stopped first are each claimed like a scheduled delivery, under a key of their own.
def _key(kind: DeliveryKind, milestone: Milestone) -> str:
    # A new request for approval (after changes were asked for), another move of the due
    # date, or another change of approver, is a new message: each change has a revision of
    # its own.
    if kind in (
        DeliveryKind.APPROVAL,
        DeliveryKind.RESCHEDULED,
        DeliveryKind.APPROVER_CHANGED,
        DeliveryKind.APPROVER_REPLACED,
    ):
        return f"{milestone.id}:{milestone.revision}"
    return str(milestone.id)


def _send_once(
    runtime: Runtime,
    milestone: Milestone,
    kind: DeliveryKind,
    to: Recipient,
    send: Callable[[], object],
    *,
    now: datetime,
    report: SweepReport | None,
    on_sent: Callable[[Session, object], object] | None = None,
) -> bool | None:
    """Claim, then send; None when someone else had claimed it, else whether it went out."""
    with session_scope(runtime.engine) as session:
        won = claim(
            session,
            [
                {
                    "team_id": milestone.team_id,
                    "kind": kind,
                    "key": _key(kind, milestone),
                    "milestone_id": milestone.id,
                    "channel_id": milestone.channel_id,
                    "claimed_at": now,
                }
            ],
        )
    if not won:
        return None
    delivery = Claimed(next(iter(won.values())), kind, to, send, milestone_id=milestone.id)
    return deliver(runtime.engine, report or SweepReport(), delivery, now=now, on_sent=on_sent)


# An announcement not sent this long after its change is sent by the sweep: the process that
# should have sent it stopped first, or Slack failed it.
ANNOUNCEMENT_OVERDUE_AFTER = timedelta(minutes=2)
# Celebrations are worth sending this long after the milestone was reached, no longer.
CELEBRATE_WITHIN = timedelta(hours=2)


def run_announcement_sweep(runtime: Runtime, *, now: datetime) -> SweepReport:
    """Send the announcements that did not go out: cards of active milestones that have none,
    approval requests no approver has, celebrations of milestones reached just now, and the
    notes of recent reschedules, cancellations and approver changes."""
    with session_scope(runtime.engine) as session:
        unposted = session.exec(
            select(Milestone).where(
                col(Milestone.status).in_(Status.ACTIVE),
                col(Milestone.announcement_ts).is_(None),
                col(Milestone.created_at) <= now - ANNOUNCEMENT_OVERDUE_AFTER,
            )
        ).all()
        unasked = session.exec(
            select(Milestone).where(
                Milestone.status == Status.AWAITING_APPROVAL,
                col(Milestone.approval_ts).is_(None),
                col(Milestone.approver_id).is_not(None),
            )
        ).all()
        reached = session.exec(
            select(Milestone).where(
                Milestone.status == Status.REACHED,
                col(Milestone.reached_at) >= now - CELEBRATE_WITHIN,
                col(Milestone.reached_at) <= now - ANNOUNCEMENT_OVERDUE_AFTER,
            )
        ).all()
        work = [(DeliveryKind.ANNOUNCEMENT, m) for m in unposted] + [
            (DeliveryKind.APPROVAL, m) for m in unasked
        ]
        work += [(DeliveryKind.CELEBRATION, m) for m in reached]
        notes = _recent_notes(session, now=now)
        work += [(kind, m) for kind, m, _event in notes]
        events = {(kind, m.id): event for kind, m, event in notes}
        departed = workspaces.departed(session)
        paused = channels.paused(session)
        work = [
            (kind, m)
            for kind, m in work
            if m.team_id not in departed and (m.team_id, m.channel_id) not in paused
        ]
        settled = taken(session, [(m.team_id, kind, _key(kind, m)) for kind, m in work], now=now)
    report = SweepReport()

    def job(kind: DeliveryKind, m: Milestone) -> Callable[[], object]:
        event = events.get((kind, m.id))
        if event is not None:
            what = Noted(
                actor_id=event.actor_id or m.responsible_id,
                reason=event.reason,
                old_due_date=event.old_due_date,
                old_approver_id=event.old_approver_id,
            )
            return partial(note_change, runtime, m, kind, what, now=now, report=report)
        send = {
            DeliveryKind.ANNOUNCEMENT: post_card,
            DeliveryKind.APPROVAL: ask_approver,
            DeliveryKind.CELEBRATION: celebrate,
        }[kind]
        return partial(send, runtime, m, now=now, report=report)

    jobs = [
        Job(Recipient(m.team_id, channel_id=m.channel_id).key, job(kind, m))
        for kind, m in work
        if (m.team_id, kind, _key(kind, m)) not in settled
    ]
    fan_out(jobs, pacer=runtime.slack.pacer, stopping=runtime.stopping)
    return report


def _recent_notes(
    session: Session, *, now: datetime
) -> list[tuple[DeliveryKind, Milestone, MilestoneEvent]]:
    """Reschedules, cancellations and approver changes of the last CELEBRATE_WITHIN that are
    each milestone's latest change (an earlier one's note would be out of date), as the
    notes they call for, with their events."""
    recent = session.exec(
        select(MilestoneEvent).where(
            col(MilestoneEvent.kind).in_(
                (EventKind.RESCHEDULED, EventKind.CANCELLED, EventKind.APPROVER_CHANGED)
            ),
            col(MilestoneEvent.at) >= now - CELEBRATE_WITHIN,
            col(MilestoneEvent.at) <= now - ANNOUNCEMENT_OVERDUE_AFTER,
        )
    ).all()
    if not recent:
        return []
    ids = list({event.milestone_id for event in recent})
    latest = dict(
        session.exec(
            select(MilestoneEvent.milestone_id, func.max(MilestoneEvent.id))
            .where(col(MilestoneEvent.milestone_id).in_(ids))
            .group_by(MilestoneEvent.milestone_id)
        ).all()
    )
    found = {m.id: m for m in session.exec(select(Milestone).where(col(Milestone.id).in_(ids)))}
    notes = []
    for event in recent:
        if latest.get(event.milestone_id) != event.id or event.milestone_id not in found:
            continue
        milestone = found[event.milestone_id]
        if event.kind != EventKind.APPROVER_CHANGED:
            notes.append((DeliveryKind(event.kind), milestone, event))
        elif event.old_approver_id:
            # Replaced or removed: the channel and the old approver hear of it. An approver
            # added where there was none replaces nobody.
            notes += [
                (DeliveryKind.APPROVER_CHANGED, milestone, event),
                (DeliveryKind.APPROVER_REPLACED, milestone, event),
            ]
    return notes


def _deliver(runtime: Runtime, change: Change) -> None:
    messenger = runtime.messenger(change.milestone.team_id)
    milestone = refresh_card(runtime, change.milestone.id)
    # The change as it happened, for the messages below (the card shows the latest state).
    changed = change.milestone
    if change.kind == EventKind.COMPLETION_REQUESTED:
        ask_approver(runtime, changed, now=runtime.clock())
        return
    # A decision, or a cancellation, closes the approver's request wherever it was pressed.
    decision = DECISIONS.get(change.kind)
    if decision and milestone.approval_ts:
        reason = change.reason if change.kind == EventKind.CHANGES_REQUESTED else None
        messenger.update(
            milestone.approval_channel,
            milestone.approval_ts,
            blocks.approval_decided(changed, decision=decision, reason=reason),
        )
        with session_scope(runtime.engine) as session:
            record_approval_request(session, milestone_id=changed.id, channel=None, ts=None)
    match change.kind:
        case EventKind.REACHED:
            # Under the card, wherever it is now (posted meanwhile by the sweep, say).
            changed.announcement_ts = milestone.announcement_ts
            celebrate(runtime, changed, now=runtime.clock())
            _tell_dependents(runtime, change)
        case EventKind.CHANGES_REQUESTED:
            messenger.direct_message(
                changed.responsible_id,
                blocks.changes_requested(
                    changed, approver_id=change.actor_id, reason=change.reason
                ),
            )
        case EventKind.RESCHEDULED:
            changed.announcement_ts = milestone.announcement_ts
            note_change(
                runtime, changed, DeliveryKind.RESCHEDULED, noted(change), now=runtime.clock()
            )
            _tell_dependents(runtime, change)
        case EventKind.EDITED:
            if change.approver_was:
                changed.announcement_ts = milestone.announcement_ts
                for kind in (DeliveryKind.APPROVER_CHANGED, DeliveryKind.APPROVER_REPLACED):
                    note_change(runtime, changed, kind, noted(change), now=runtime.clock())
            if change.slipped:
                # An edit that moves the due date can leave dependents due before it, as a
                # reschedule does.
                _tell_dependents(runtime, change)
        case EventKind.CANCELLED:
            changed.announcement_ts = milestone.announcement_ts
            note_change(
                runtime, changed, DeliveryKind.CANCELLED, noted(change), now=runtime.clock()
            )
            _tell_dependents(runtime, change)


def _tell_dependents(runtime: Runtime, change: Change) -> None:
    """Cards of the milestones that wait on this one, and their owners when it matters to them.

    A slip past a dependent's due date is told once per slip (per revision of the prerequisite,
    which each reschedule bumps), and readiness once, both claimed like scheduled deliveries so
    a change delivered twice says nothing twice.
    """
    prerequisite = change.milestone
    now = runtime.clock()
    with session_scope(runtime.engine) as session:
        dependents = dependents_of(session, prerequisite)
    notes = [
        (
            DeliveryKind.SLIP,
            f"{d.id}:{prerequisite.id}:{prerequisite.revision}",
            d,
            blocks.prerequisite_slipped(d, prerequisite),
        )
        for d in change.slipped
    ] + [
        (
            DeliveryKind.READY,
            f"{d.id}:{prerequisite.id}",
            d,
            blocks.ready_for_next_step(d, prerequisite),
        )
        for d in change.ready
    ]
    with session_scope(runtime.engine) as session:
        won = claim(
            session,
            [
                {
                    "team_id": d.team_id,
                    "kind": kind,
                    "key": key,
                    "milestone_id": d.id,
                    "channel_id": d.channel_id,
                    "claimed_at": now,
                }
                for kind, key, d, _ in notes
            ],
        )
    report = SweepReport()
    for kind, key, dependent, message in notes:
        if (kind, key) in won:
            to = Recipient(dependent.team_id, user_id=dependent.responsible_id)
            send = send_to(runtime.messenger(dependent.team_id), to, message)
            delivery = Claimed(won[kind, key], kind, to, send, milestone_id=dependent.id)
            deliver(runtime.engine, report, delivery, now=now)
    for dependent in dependents:
        refresh_card(runtime, dependent.id)


def publish_home(
    runtime: Runtime, *, team_id: str, user_id: str, notice: str | None = None
) -> None:
    """Publish the person's App Home, after the current request, in order with their others.

    `notice` (the bot's own words) is shown at the top, for an answer that has nowhere else
    to go, such as a refused press of a button on the Home.
    """

    def publish() -> None:
        now = runtime.clock()
        today = runtime.timezones.today(team_id, user_id, now=now)
        with session_scope(runtime.engine) as session:
            content = dashboard.gather(
                session,
                team_id=team_id,
                user_id=user_id,
                today=today,
                now=now,
                today_of=runtime.timezones.today_of(now),
            )
        runtime.messenger(team_id).publish_home(user_id, home_view(content, notice=notice))

    runtime.background.submit(user_id, publish)


def refresh_homes(runtime: Runtime, milestone: Milestone, *, also: set[str] = frozenset()) -> None:
    """Re-publish the Home of each person `milestone` concerns (and `also`), if they have ever
    opened it."""
    with reading(runtime.engine) as connection:
        viewers = dashboard.home_viewers_concerned(connection, milestone=milestone, also=also)
    for user_id in viewers:
        publish_home(runtime, team_id=milestone.team_id, user_id=user_id)
