"""The coach applied to milestones in the database: what to suggest, for one or a channel."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from bot.domain.coach import Context, Draft, Suggestion, review
from bot.store.models import ChannelSettings, Goal, Milestone, active_status


def draft_of(milestone: Milestone) -> Draft:
    return Draft(
        title=milestone.title,
        due_date=milestone.due_date,
        owner_id=milestone.owner_id,
        approver_id=milestone.approver_id,
        goal_id=milestone.goal_id,
        milestone_id=milestone.id,
    )


_milestone = Milestone.__table__
_goal = Goal.__table__

# Built once, their values bound at each call. Only the columns the rules read: whole Milestone
# objects cost more to load than to review.
_OPEN_MILESTONES = select(
    _milestone.c.id,
    _milestone.c.title,
    _milestone.c.due_date,
    _milestone.c.owner_id,
    _milestone.c.approver_id,
    _milestone.c.goal_id,
).where(
    _milestone.c.team_id == bindparam("team_id"),
    _milestone.c.channel_id == bindparam("channel_id"),
    active_status(_milestone.c.status),
)
_GOALS_REQUIRING_APPROVAL = select(_goal.c.id).where(
    _goal.c.team_id == bindparam("team_id"),
    _goal.c.channel_id == bindparam("channel_id"),
    _goal.c.requires_approval == True,  # noqa: E712  (SQL, not Python truth)
)


def channel_context(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    today: date,
    settings: ChannelSettings | None = None,
    with_open_milestones: bool = True,
    goals: Iterable[Goal] | None = None,
) -> Context:
    """What the rules need to know of the channel; `settings`, if the caller has them already.

    Without `with_open_milestones`, the channel's open milestones are left out: enough for the
    rules that do not compare a milestone with the others. With `goals`, the goals of the
    milestones to be reviewed, the rules know from them which goals ask for approvals, and the
    channel's are not read.
    """
    values = {"team_id": team_id, "channel_id": channel_id}
    session.flush()  # as the ORM's queries would: what the caller changed is read back
    connection = session.connection()
    open_milestones = (
        connection.execute(_OPEN_MILESTONES, values).all() if with_open_milestones else []
    )
    if goals is None:
        requiring_approval = connection.execute(_GOALS_REQUIRING_APPROVAL, values).scalars()
    else:
        requiring_approval = (goal.id for goal in goals if goal.requires_approval)
    settings = settings or session.get(ChannelSettings, (team_id, channel_id))
    disabled = settings.coach_disabled.split(",") if settings and settings.coach_disabled else []
    return Context(
        today=today,
        open_milestones=tuple(
            Draft(
                title=title,
                due_date=due_date,
                owner_id=owner_id,
                approver_id=approver_id,
                goal_id=goal_id,
                milestone_id=milestone_id,
            )
            for milestone_id, title, due_date, owner_id, approver_id, goal_id in open_milestones
        ),
        goals_requiring_approval=frozenset(requiring_approval),
        disabled=frozenset(disabled),
        references={row.id: f"M-{row.id}" for row in open_milestones},
    )


def advise(session: Session, *, milestone: Milestone, today: date) -> list[Suggestion]:
    """The coach's suggestions for a milestone just declared or edited."""
    context = channel_context(
        session, team_id=milestone.team_id, channel_id=milestone.channel_id, today=today
    )
    return advise_in(context, milestone=milestone)


def advise_in(context: Context, *, milestone: Milestone) -> list[Suggestion]:
    """The same, in a context read beforehand: the milestone, saved since or not, is never
    compared with itself, so the context may be read before it is written."""
    return review(draft_of(milestone), context)


def on_completion(session: Session, *, milestone: Milestone, today: date) -> list[Suggestion]:
    """At completion only one rule speaks: a goal asking for approvals, and none given."""
    if milestone.goal_id is None:
        return []  # it speaks of a goal's milestones only: nothing to read
    # That rule compares nothing with the channel's other milestones: they are not read.
    context = channel_context(
        session,
        team_id=milestone.team_id,
        channel_id=milestone.channel_id,
        today=today,
        with_open_milestones=False,
    )
    return [
        suggestion
        for suggestion in advise_in(context, milestone=milestone)
        if suggestion.rule_id == "skipped-approval"
    ]


def review_channel(
    session: Session, *, team_id: str, channel_id: str, today: date
) -> list[tuple[Milestone, list[Suggestion]]]:
    """Every open milestone of the channel that has something to improve, with what."""
    context = channel_context(session, team_id=team_id, channel_id=channel_id, today=today)
    milestones = session.exec(
        select(Milestone)
        .where(col(Milestone.id).in_(list(context.references)))
        .order_by(col(Milestone.id))
    ).all()
    reviewed = [(m, review(draft_of(m), context)) for m in milestones]
    return [(m, suggestions) for m, suggestions in reviewed if suggestions]
