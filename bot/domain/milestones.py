"""The milestone service: every rule about declaring, completing, approving, rescheduling
and cancelling milestones lives here. No Slack in it: its refusals are errors with fields
(bot.domain.errors), which bot.render.answers words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import bindparam, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.domain.dates import format_day
from bot.domain.dependencies import (
    add_prerequisites,
    dependents_of,
    open_prerequisites,
    prerequisites_of,
    refresh_waits_on_later,
    remove_prerequisites,
    slipped_dependents,
)
from bot.domain.errors import (
    Already,
    AlreadyInState,
    AwaitingApproval,
    MilestoneError,
    MilestoneNotFound,
    MissingTitle,
    NotApprover,
    NotAReference,
    NotInvolved,
    NotOwner,
    NotReady,
    PastDueDate,
    ReasonRequired,
    Role,
    SelfApproval,
    Standing,
    TooLong,
    Waiting,
    Written,
)
from bot.store.models import EventKind, Health, Milestone, MilestoneEvent, Status

# A header block holds 150 characters of plain text; the title is shown in one.
MAX_TITLE_LENGTH = 150
MAX_REASON_LENGTH = 500
MAX_DEFINITION_LENGTH = 2000

_REFERENCE = re.compile(r"^(?:m-?|#)?(\d{1,9})$", re.IGNORECASE)


class ListScope(StrEnum):
    """Which of a channel's milestones `/milestone list` shows."""

    OPEN = "open"
    MINE = "mine"
    OVERDUE = "overdue"
    DONE = "done"
    ALL = "all"


@dataclass(frozen=True)
class Change:
    """What a service call did, for the caller to announce."""

    kind: EventKind
    milestone: Milestone
    actor_id: str
    reason: str | None = None
    old_due_date: date | None = None
    repeated: bool = False  # a retried request: nothing new happened
    # Open milestones that wait on this one and are now due before it (after a reschedule).
    slipped: tuple[Milestone, ...] = ()
    # Open milestones whose last prerequisite this one was (after it was reached).
    ready: tuple[Milestone, ...] = ()
    # The approver an edit replaced or removed: they and the channel are told.
    approver_was: str | None = None
    # A declaration's prerequisites, as it linked them (its card judges its health by them).
    prerequisites: tuple[Milestone, ...] = ()


def parse_reference(text: str) -> int:
    match = _REFERENCE.match(text.strip())
    if not match:
        raise NotAReference(text)
    return int(match.group(1))


def check_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise MissingTitle()
    if len(title) > MAX_TITLE_LENGTH:
        raise TooLong(Written.TITLE, length=len(title), limit=MAX_TITLE_LENGTH)
    return title


def check_reason(reason: str | None) -> str | None:
    if reason is None:
        return None
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON_LENGTH:
        raise TooLong(Written.REASON, length=len(reason), limit=MAX_REASON_LENGTH)
    return reason or None


def check_due_date(due_date: date | None, *, today: date) -> date | None:
    if due_date is not None and due_date < today:
        raise PastDueDate(due_date=due_date, today=today)
    return due_date


def declare(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    creator_id: str,
    title: str,
    due_date: date | None,
    owner_id: str | None,
    approver_id: str | None,
    today: date,
    now: datetime,
    request_key: str | None = None,
    goal_id: int | None = None,
    definition_of_done: str | None = None,
    prerequisites: tuple[Milestone, ...] = (),
    default_owner: bool = True,
    separate_approvals: bool = False,
    source_permalink: str | None = None,
) -> Change:
    """Declare a milestone; without an owner it is the declarer's, unless `default_owner` is off
    (the modal lets someone leave the owner empty on purpose).

    A copy of a request that declared already (Slack's retry, same `request_key`) declares
    nothing and answers with what the first declared, even where the checks would now refuse
    it (a due date become past): the unique key finds it when the insert is refused, rather
    than a look-up before every insert.
    """
    try:
        milestone = Milestone(
            team_id=team_id,
            channel_id=channel_id,
            title=check_title(title),
            owner_id=owner_id or (creator_id if default_owner else None),
            approver_id=approver_id,
            creator_id=creator_id,
            goal_id=goal_id,
            definition_of_done=check_definition(definition_of_done),
            due_date=check_due_date(due_date, today=today),
            created_at=now,
            request_key=request_key,
            source_permalink=check_permalink(source_permalink),
        )
        milestone.first_due_date = milestone.due_date
        check_approver(milestone, separate_approvals=separate_approvals)
    except MilestoneError:
        existing = _declared_by(session, request_key)
        if existing is None:
            raise
        return Change(EventKind.DECLARED, existing, creator_id, repeated=True)
    session.add(milestone)
    try:
        session.flush()
    except IntegrityError:
        if not request_key:
            raise
        session.rollback()
        existing = _declared_by(session, request_key)
        if existing is None:
            raise
        return Change(EventKind.DECLARED, existing, creator_id, repeated=True)
    _check_prerequisites_here(milestone, prerequisites)
    if prerequisites:
        add_prerequisites(session, milestone, list(prerequisites))
        refresh_waits_on_later(session, milestone)
    _record(
        session, milestone, EventKind.DECLARED, creator_id, now, new_due_date=milestone.due_date
    )
    return Change(EventKind.DECLARED, milestone, creator_id, prerequisites=prerequisites)


def _declared_by(session: Session, request_key: str | None) -> Milestone | None:
    if not request_key:
        return None
    return session.exec(select(Milestone).where(Milestone.request_key == request_key)).first()


def check_permalink(url: str | None) -> str | None:
    """A Slack message's permalink, kept only when it is a plain https address short enough
    to store (the card puts it in a link's markup, which <, > and | would break)."""
    if not url or not url.startswith("https://") or len(url) > 500:
        return None
    if any(character in url for character in "<>| \n\t"):
        return None
    return url


def check_approver(milestone: Milestone, *, separate_approvals: bool) -> None:
    # Without an owner, the person who declared it answers for it, and may not approve it either.
    approver = milestone.approver_id
    if separate_approvals and approver and approver == milestone.responsible_id:
        raise SelfApproval()


def check_definition(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    if len(text) > MAX_DEFINITION_LENGTH:
        raise TooLong(Written.DEFINITION, length=len(text), limit=MAX_DEFINITION_LENGTH)
    return text.strip()


def _check_prerequisites_here(milestone: Milestone, prerequisites: tuple[Milestone, ...]) -> None:
    for prerequisite in prerequisites:
        if (prerequisite.team_id, prerequisite.channel_id) != (
            milestone.team_id,
            milestone.channel_id,
        ):
            raise MilestoneNotFound(prerequisite.reference, as_prerequisite=True)


def find(session: Session, *, team_id: str, channel_id: str, reference: str) -> Milestone:
    """The milestone of this channel named by `reference`; another channel's is not found."""
    number = parse_reference(reference)
    milestone = session.get(Milestone, number)
    if milestone is None or milestone.team_id != team_id or milestone.channel_id != channel_id:
        raise MilestoneNotFound(f"M-{number}")
    return milestone


def find_in_workspace(session: Session, *, team_id: str, reference: str) -> Milestone:
    """The workspace's milestone named by `reference`, whichever its channel (a workflow step
    names a milestone without a channel)."""
    number = parse_reference(reference)
    milestone = session.get(Milestone, number)
    if milestone is None or milestone.team_id != team_id:
        raise MilestoneNotFound(f"M-{number}", in_workspace=True)
    return milestone


def get(session: Session, *, team_id: str, milestone_id: int) -> Milestone:
    milestone = session.get(Milestone, milestone_id)
    if milestone is None or milestone.team_id != team_id:
        raise MilestoneNotFound()
    return milestone


def request_completion(
    session: Session,
    *,
    milestone: Milestone,
    user_id: str,
    now: datetime,
    revision: int | None = None,
) -> Change:
    """The owner says it is done: reached at once, or sent to the approver."""
    _check_current(milestone, revision)
    if milestone.status == Status.AWAITING_APPROVAL:
        raise AwaitingApproval(standing(milestone))
    _check_active(milestone)
    _check_responsible(milestone, user_id, "mark", "complete")
    waiting_on = open_prerequisites(session, milestone)
    if waiting_on:
        raise NotReady(
            milestone.reference, tuple(Waiting(m.reference, m.title) for m in waiting_on)
        )
    if milestone.approver_id:
        _transition(session, milestone, Status.AWAITING_APPROVAL, now=now)
        _record(session, milestone, EventKind.COMPLETION_REQUESTED, user_id, now)
        return Change(EventKind.COMPLETION_REQUESTED, milestone, user_id)
    return _reach(session, milestone, user_id, now)


def _reach(session: Session, milestone: Milestone, user_id: str, now: datetime) -> Change:
    _transition(session, milestone, Status.REACHED, now=now)
    refresh_waits_on_later(session, milestone)
    _record(session, milestone, EventKind.REACHED, user_id, now)
    ready = tuple(
        d for d in dependents_of(session, milestone) if not open_prerequisites(session, d)
    )
    return Change(EventKind.REACHED, milestone, user_id, ready=ready)


def approve(
    session: Session, *, milestone: Milestone, user_id: str, now: datetime, revision: int
) -> Change:
    _check_current(milestone, revision)
    _check_awaiting(milestone, user_id)
    _record(session, milestone, EventKind.APPROVED, user_id, now)
    return _reach(session, milestone, user_id, now)


def request_changes(
    session: Session,
    *,
    milestone: Milestone,
    user_id: str,
    reason: str,
    now: datetime,
    revision: int,
) -> Change:
    reason_text = check_reason(reason)
    if not reason_text:
        raise ReasonRequired()
    _check_current(milestone, revision)
    _check_awaiting(milestone, user_id)
    _transition(session, milestone, Status.OPEN, now=now)
    _record(session, milestone, EventKind.CHANGES_REQUESTED, user_id, now, reason=reason_text)
    return Change(EventKind.CHANGES_REQUESTED, milestone, user_id, reason=reason_text)


def ensure_can_decide(milestone: Milestone, *, user_id: str, revision: int) -> None:
    """Raise unless `user_id` may approve or send back this request now."""
    _check_current(milestone, revision)
    _check_awaiting(milestone, user_id)


def ensure_can_reschedule(milestone: Milestone, *, user_id: str, revision: int | None) -> None:
    """Raise unless `user_id` may reschedule this milestone now (the button checks this too)."""
    _ensure_can_change(
        milestone, user_id=user_id, revision=revision, verb="reschedule", done="rescheduled"
    )


def _ensure_can_change(
    milestone: Milestone, *, user_id: str, revision: int | None, verb: str, done: str
) -> None:
    _check_current(milestone, revision)
    _check_active(milestone)
    _check_responsible(milestone, user_id, verb)
    if milestone.status == Status.AWAITING_APPROVAL:
        # The approver is deciding on the milestone as it stands; changing it now would leave
        # their request pointing at something else.
        raise AwaitingApproval(standing(milestone), then=done)


def reschedule(
    session: Session,
    *,
    milestone: Milestone,
    user_id: str,
    new_due_date: date,
    reason: str | None,
    today: date,
    now: datetime,
    revision: int | None = None,
) -> Change:
    ensure_can_reschedule(milestone, user_id=user_id, revision=revision)
    reason_text = check_reason(reason)
    check_due_date(new_due_date, today=today)
    if new_due_date == milestone.due_date:
        raise AlreadyInState(Already.SAME_DUE_DATE, standing(milestone))
    old_due_date = milestone.due_date
    _transition(session, milestone, milestone.status, now=now, due_date=new_due_date)
    if old_due_date is None:
        milestone.first_due_date = new_due_date
    else:
        milestone.times_moved += 1
    session.add(milestone)
    refresh_waits_on_later(session, milestone)
    _record(
        session,
        milestone,
        EventKind.RESCHEDULED,
        user_id,
        now,
        old_due_date=old_due_date,
        new_due_date=new_due_date,
        reason=reason_text,
    )
    return Change(
        EventKind.RESCHEDULED,
        milestone,
        user_id,
        reason=reason_text,
        old_due_date=old_due_date,
        slipped=slipped_dependents(
            session, milestone, old_due_date=old_due_date, new_due_date=new_due_date
        ),
    )


def ensure_can_edit(milestone: Milestone, *, user_id: str, revision: int | None) -> None:
    """Raise unless `user_id` may edit this milestone now (the Edit button checks this too)."""
    _ensure_can_change(milestone, user_id=user_id, revision=revision, verb="edit", done="edited")


def edit(
    session: Session,
    *,
    milestone: Milestone,
    user_id: str,
    title: str,
    goal_id: int | None,
    owner_id: str | None,
    approver_id: str | None,
    due_date: date | None,
    definition_of_done: str | None,
    prerequisites: tuple[Milestone, ...],
    today: date,
    now: datetime,
    revision: int | None,
    separate_approvals: bool = False,
) -> Change:
    """Change any of a milestone's fields at once (the Edit modal); an empty owner means
    nobody owns it yet. A new due date counts as a move, as with `reschedule`. A new approver
    is an event of its own in the history (approver_changed); while a completion waits for
    approval nothing can be edited, so the approver deciding is never swapped under them."""
    ensure_can_edit(milestone, user_id=user_id, revision=revision)
    title = check_title(title)
    definition = check_definition(definition_of_done)
    if due_date != milestone.due_date:
        # An overdue milestone keeps its date through an edit of something else.
        check_due_date(due_date, today=today)
    check_approver(
        Milestone(owner_id=owner_id, approver_id=approver_id),
        separate_approvals=separate_approvals,
    )
    _check_prerequisites_here(milestone, prerequisites)
    old_prerequisites = {m.id for m in prerequisites_of(session, [milestone.id])[milestone.id]}
    new_prerequisites = {m.id for m in prerequisites}
    old_due_date = milestone.due_date
    changed = [
        name
        for name, old, new in (
            ("title", milestone.title, title),
            ("goal", milestone.goal_id, goal_id),
            ("owner", milestone.owner_id, owner_id),
            ("definition of done", milestone.definition_of_done, definition),
            ("depends on", old_prerequisites, new_prerequisites),
        )
        if old != new
    ]
    if due_date != old_due_date:
        changed.append(
            f"due date from {format_day(old_due_date) if old_due_date else 'none'} "
            f"to {format_day(due_date) if due_date else 'none'}"
        )
    old_approver_id = milestone.approver_id
    if not changed and approver_id == old_approver_id:
        # Saved as it was: nothing to record or announce.
        return Change(EventKind.EDITED, milestone, user_id, repeated=True)
    _transition(session, milestone, milestone.status, now=now)
    if new_prerequisites != old_prerequisites:
        remove_prerequisites(session, milestone)
        add_prerequisites(session, milestone, list(prerequisites))
    if due_date != old_due_date and due_date is not None:
        if milestone.first_due_date is None:
            milestone.first_due_date = due_date
        else:
            milestone.times_moved += 1
    milestone.title = title
    milestone.goal_id = goal_id
    milestone.owner_id = owner_id
    milestone.approver_id = approver_id
    milestone.due_date = due_date
    milestone.definition_of_done = definition
    session.add(milestone)
    if due_date != old_due_date or new_prerequisites != old_prerequisites:
        refresh_waits_on_later(session, milestone)
    if changed:
        _record(
            session,
            milestone,
            EventKind.EDITED,
            user_id,
            now,
            reason="changed " + ", ".join(changed),
            **(
                {"old_due_date": old_due_date, "new_due_date": due_date}
                if due_date != old_due_date
                else {}
            ),
        )
    if approver_id != old_approver_id:
        _record(
            session,
            milestone,
            EventKind.APPROVER_CHANGED,
            user_id,
            now,
            old_approver_id=old_approver_id,
            new_approver_id=approver_id,
        )
    approver_was = old_approver_id if approver_id != old_approver_id else None
    if due_date == old_due_date:
        return Change(EventKind.EDITED, milestone, user_id, approver_was=approver_was)
    return Change(
        EventKind.EDITED,
        milestone,
        user_id,
        old_due_date=old_due_date,
        slipped=slipped_dependents(
            session, milestone, old_due_date=old_due_date, new_due_date=due_date
        ),
        approver_was=approver_was,
    )


def cancel(
    session: Session,
    *,
    milestone: Milestone,
    user_id: str,
    reason: str | None,
    now: datetime,
) -> Change:
    _check_active(milestone)
    _check_responsible(milestone, user_id, "cancel")
    reason_text = check_reason(reason)
    _transition(session, milestone, Status.CANCELLED, now=now)
    refresh_waits_on_later(session, milestone)
    _record(session, milestone, EventKind.CANCELLED, user_id, now, reason=reason_text)
    return Change(EventKind.CANCELLED, milestone, user_id, reason=reason_text)


# One milestone's columns set from the values given at each call (their keys name them), on
# the session's connection: after the message went out, in a transaction of its own, where no
# loaded milestone needs them; as an ORM update this cost several times as much.
_UPDATE_BY_ID = update(Milestone.__table__).where(
    Milestone.__table__.c.id == bindparam("milestone_id")
)


def record_approval_request(
    session: Session, *, milestone_id: int, channel: str | None, ts: str | None
) -> None:
    """Remember the approver's request message (None once it is answered)."""
    session.connection().execute(
        _UPDATE_BY_ID,
        {"milestone_id": milestone_id, "approval_channel": channel, "approval_ts": ts},
    )


def record_announcement(
    session: Session, *, milestone_id: int, ts: str, shown_health: str | None
) -> None:
    """Where the card was posted, and the health it shows (a sweep updates it when that changes)."""
    session.connection().execute(
        _UPDATE_BY_ID,
        {"milestone_id": milestone_id, "announcement_ts": ts, "shown_health": shown_health},
    )


def standing(milestone: Milestone) -> Standing:
    """Where `milestone` stands now, for a refusal."""
    return Standing(
        reference=milestone.reference,
        status=Status(milestone.status),
        approver_id=milestone.approver_id,
        due_date=milestone.due_date,
    )


def _check_responsible(milestone: Milestone, user_id: str, verb: str, rest: str = "") -> None:
    if user_id != milestone.responsible_id:
        role = Role.OWNER if milestone.owner_id else Role.DECLARER
        what = f"{verb} {milestone.reference}" + (f" {rest}" if rest else "")
        raise NotOwner(person_id=milestone.responsible_id, role=role, action=what)


def set_health(
    session: Session,
    *,
    milestone: Milestone,
    user_id: str,
    state: str | None,
    reason: str | None,
    now: datetime,
) -> Change:
    """block / risk (with a reason) or unblock: health said by hand, recorded in the history."""
    _check_active(milestone)
    if user_id not in (milestone.responsible_id, milestone.approver_id, milestone.creator_id):
        raise NotInvolved(milestone.reference)
    reason_text = check_reason(reason)
    if state is None and milestone.marked_health is None:
        raise AlreadyInState(Already.NOT_MARKED, standing(milestone))
    if state == milestone.marked_health and reason_text == milestone.health_reason:
        raise AlreadyInState(Already.SAME_MARK, standing(milestone))
    kind = {
        Health.BLOCKED: EventKind.BLOCKED,
        Health.AT_RISK: EventKind.AT_RISK,
        None: EventKind.UNBLOCKED,
    }[state]
    _transition(session, milestone, milestone.status, now=now)
    milestone.marked_health = state
    milestone.health_reason = reason_text if state else None
    session.add(milestone)
    _record(session, milestone, kind, user_id, now, reason=reason_text)
    return Change(kind, milestone, user_id, reason=reason_text)


def add_dependencies(
    session: Session,
    *,
    milestone: Milestone,
    prerequisites: list[Milestone],
    user_id: str,
    now: datetime,
) -> Change:
    _check_active(milestone)
    _check_responsible(milestone, user_id, "change what", "waits on")
    add_prerequisites(session, milestone, prerequisites)
    _transition(session, milestone, milestone.status, now=now)
    refresh_waits_on_later(session, milestone)
    names = ", ".join(p.reference for p in prerequisites)
    _record(session, milestone, EventKind.EDITED, user_id, now, reason=f"now waits on {names}")
    return Change(EventKind.EDITED, milestone, user_id)


def remove_dependencies(
    session: Session, *, milestone: Milestone, user_id: str, now: datetime
) -> Change:
    _check_active(milestone)
    _check_responsible(milestone, user_id, "change what", "waits on")
    if not remove_prerequisites(session, milestone):
        raise AlreadyInState(Already.NO_PREREQUISITES, standing(milestone))
    _transition(session, milestone, milestone.status, now=now)
    refresh_waits_on_later(session, milestone)
    _record(session, milestone, EventKind.EDITED, user_id, now, reason="no longer waits on others")
    return Change(EventKind.EDITED, milestone, user_id)


def history(session: Session, *, milestone: Milestone) -> list[MilestoneEvent]:
    return list(
        session.exec(
            select(MilestoneEvent)
            .where(MilestoneEvent.milestone_id == milestone.id)
            .order_by(col(MilestoneEvent.at), col(MilestoneEvent.id))
        ).all()
    )


def _check_current(milestone: Milestone, revision: int | None) -> None:
    if revision is not None and revision != milestone.revision:
        raise AlreadyInState(Already.OUT_OF_DATE, standing(milestone))


def _check_active(milestone: Milestone) -> None:
    if not milestone.is_active:
        raise AlreadyInState(Already.SETTLED, standing(milestone))


def _check_awaiting(milestone: Milestone, user_id: str) -> None:
    if milestone.status != Status.AWAITING_APPROVAL:
        raise AlreadyInState(Already.SETTLED, standing(milestone))
    if user_id != milestone.approver_id:
        raise NotApprover(reference=milestone.reference, approver_id=milestone.approver_id)


def _transition(
    session: Session,
    milestone: Milestone,
    status: str,
    *,
    now: datetime,
    due_date: date | None = None,
) -> None:
    """Move to `status` only if nobody changed the milestone since it was read.

    The revision check in the UPDATE is what turns double clicks, retries and racing
    requests into exactly one change: the loser matches no row.
    """
    values: dict = {"status": status, "revision": milestone.revision + 1}
    if status == Status.REACHED:
        values["reached_at"] = now
    if status == Status.CANCELLED:
        values["cancelled_at"] = now
    if due_date is not None:
        values["due_date"] = due_date
    # RETURNING the whole row refreshes `milestone` from the same statement (what a
    # session.refresh after it read with one more SELECT).
    updated = session.execute(
        update(Milestone)
        .where(col(Milestone.id) == milestone.id, col(Milestone.revision) == milestone.revision)
        .values(**values)
        .returning(Milestone),
        execution_options={"populate_existing": True, "synchronize_session": False},
    ).first()
    if updated is None:
        session.rollback()
        current = session.get(Milestone, milestone.id, populate_existing=True)
        raise AlreadyInState(Already.SETTLED, standing(current))


def _record(
    session: Session,
    milestone: Milestone,
    kind: EventKind,
    actor_id: str | None,
    now: datetime,
    **details,
) -> None:
    # A plain INSERT on the session's connection: no event object is read back, and building
    # one and flushing it through the ORM cost several times the INSERT.
    session.connection().execute(
        _RECORD,
        {"milestone_id": milestone.id, "kind": kind, "actor_id": actor_id, "at": now, **details},
    )


_RECORD = insert(MilestoneEvent.__table__)
