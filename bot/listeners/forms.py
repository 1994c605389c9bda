"""The "New milestone" and "Edit milestone" modals: opened from /milestone and the Edit button,
checked and saved in the ack of their submission, with errors shown on the field."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime

from slack_bolt import Ack, App, BoltContext, Respond
from slack_bolt.request import BoltRequest
from sqlmodel import Session

from bot.delivery.announce import announce
from bot.domain import channels, goals, listing, milestones, suggestions
from bot.domain.dates import parse_due_date
from bot.domain.dependencies import prerequisites_of
from bot.domain.errors import (
    InvalidCommand,
    MilestoneError,
    MilestoneNotFound,
    PastDueDate,
    SelfApproval,
)
from bot.domain.milestones import Change, ListScope
from bot.listeners.common import (
    is_retry,
    open_form,
    refuse_stale_form,
    refuse_stale_options,
    refuse_stale_press,
    tell_presser,
)
from bot.listeners.context import runtime_of
from bot.listeners.parsing import Add
from bot.listeners.payloads import (
    MilestoneModal,
    StalePayload,
    milestone_edited,
    milestone_of,
    prerequisites_in,
    read_milestone_modal,
    read_press,
    read_search,
)
from bot.metrics import note_refused
from bot.render import answers, blocks, milestone_modal
from bot.runtime import Runtime
from bot.store.db import session_scope
from bot.store.models import Goal, Milestone


def open_milestone_modal(
    runtime: Runtime,
    *,
    trigger_id: str | None,
    team_id: str,
    channel_id: str,
    user_id: str,
    draft: Add | None,
    now: datetime,
    tell: Callable[[str], None],
    milestone_id: int | None = None,
    revision: int | None = None,
    definition_of_done: str | None = None,
    source: str | None = None,
) -> None:
    """Read what the form needs, build it, and leave views.open to the background worker;
    `tell` answers the person privately if Slack no longer lets it open.

    A new milestone's form may also be given a definition of done and the permalink of the
    message it is made from (`source`), which the card will link to.

    With `milestone_id` it is the Edit form, for the milestone's owner only (at `revision`,
    when the press came from a message showing one). Raises a MilestoneError when the draft
    names a goal, milestone or date that does not work, or the edit is refused, which the
    caller answers privately; StalePayload when the workspace has no such milestone.
    """
    with session_scope(runtime.engine) as session:
        if milestone_id is None:
            view = _new_view(
                session,
                runtime,
                key=trigger_id or uuid.uuid4().hex,
                team_id=team_id,
                channel_id=channel_id,
                user_id=user_id,
                draft=draft or Add(title=""),
                now=now,
                definition_of_done=definition_of_done,
                source=source,
            )
        else:
            milestone = milestone_of(session, team_id=team_id, milestone_id=milestone_id)
            milestones.ensure_can_edit(milestone, user_id=user_id, revision=revision)
            view = _edit_view(session, milestone, key=trigger_id or uuid.uuid4().hex)
    if trigger_id:
        open_form(
            runtime, team_id=team_id, user_id=user_id, trigger_id=trigger_id, view=view, tell=tell
        )


def _new_view(
    session: Session,
    runtime: Runtime,
    *,
    key: str,
    team_id: str,
    channel_id: str,
    user_id: str,
    draft: Add,
    now: datetime,
    definition_of_done: str | None = None,
    source: str | None = None,
) -> dict:
    # The person's date as already known: opening the form never waits on Slack.
    today = runtime.timezones.known_today(team_id, user_id, now=now)
    due_date = (
        milestones.check_due_date(parse_due_date(draft.due_text, today=today), today=today)
        if draft.due_text
        else None
    )
    goal = (
        goals.find_goal(session, team_id=team_id, channel_id=channel_id, text=draft.goal)
        if draft.goal
        else None
    )
    chosen = [
        milestones.find(session, team_id=team_id, channel_id=channel_id, reference=reference)
        for reference in draft.after
    ]
    prefill = milestone_modal.Prefill(
        title=draft.title,
        goal_id=goal.id if goal else None,
        owner_id=draft.owner_id or user_id,
        approver_id=draft.approver_id,
        due_date=due_date,
        definition_of_done=definition_of_done,
        prerequisite_ids=tuple(m.id for m in chosen),
    )
    return milestone_modal.milestone_modal(
        metadata=milestone_modal.Metadata(channel_id=channel_id, key=key, source=source),
        prefill=prefill,
        goals=goals.open_goals(session, team_id=team_id, channel_id=channel_id),
        candidates=_candidates(session, team_id=team_id, channel_id=channel_id, chosen=chosen),
    )


def _edit_view(session: Session, milestone: Milestone, *, key: str) -> dict:
    chosen = prerequisites_of(session, [milestone.id])[milestone.id]
    return milestone_modal.milestone_modal(
        metadata=milestone_modal.Metadata(
            channel_id=milestone.channel_id,
            key=key,
            milestone_id=milestone.id,
            revision=milestone.revision,
        ),
        prefill=milestone_modal.Prefill.of(milestone, chosen),
        goals=goals.open_goals(session, team_id=milestone.team_id, channel_id=milestone.channel_id),
        candidates=_candidates(
            session,
            team_id=milestone.team_id,
            channel_id=milestone.channel_id,
            chosen=chosen,
            editing=milestone.id,
        ),
        reference=milestone.reference,
    )


def _candidates(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    chosen: Sequence[Milestone] = (),
    editing: int | None = None,
) -> list[Milestone]:
    """What "depends on" offers: the channel's open milestones, and those already chosen
    (a reached prerequisite stays), never the milestone being edited."""
    found = listing.list_channel(
        session,
        team_id=team_id,
        channel_id=channel_id,
        scope=ListScope.OPEN,
        user_id="",
        today=date.min,  # only the "overdue" scope reads it
    )
    known = {m.id for m in found}
    found += [m for m in chosen if m.id not in known]
    return [m for m in found if m.id != editing]


class FieldErrors(Exception):
    """What to show on the form's fields: {block_id: message}."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


@contextlib.contextmanager
def on_field(block_id: str) -> Iterator[None]:
    """Show a domain error raised in the block on the field `block_id`."""
    try:
        yield
    except MilestoneError as error:
        raise FieldErrors({block_id: answers.refusal(error)}) from error


def _check_fields(
    form: milestone_modal.Submitted, *, today: date, due_date_before: date | None
) -> None:
    """The checks that need no database, all at once, so every mistake shows together."""
    errors = {}
    checks = [
        (milestone_modal.TITLE_BLOCK, lambda: milestones.check_title(form.title)),
        (milestone_modal.DONE_BLOCK, lambda: milestones.check_definition(form.definition_of_done)),
        (
            milestone_modal.NEW_GOAL_BLOCK,
            lambda: form.new_goal and milestones.check_title(form.new_goal),
        ),
    ]
    if form.due_date != due_date_before:
        # An overdue milestone keeps its date through an edit of something else.
        checks.append(
            (
                milestone_modal.DUE_BLOCK,
                lambda: milestones.check_due_date(form.due_date, today=today),
            )
        )
    for block_id, check in checks:
        try:
            check()
        except MilestoneError as error:
            errors[block_id] = answers.refusal(error)
    if errors:
        raise FieldErrors(errors)


@contextlib.contextmanager
def on_fields(view: dict) -> Iterator[None]:
    """Show what the service refused on the field it concerns."""
    try:
        yield
    except SelfApproval as error:
        raise FieldErrors({milestone_modal.APPROVER_BLOCK: answers.refusal(error)}) from error
    except PastDueDate as error:
        raise FieldErrors({milestone_modal.DUE_BLOCK: answers.refusal(error)}) from error
    except (InvalidCommand, MilestoneNotFound) as error:
        # Fields are checked before: what is left is the choice of prerequisites (a cycle).
        raise FieldErrors(
            {_shown(view, milestone_modal.DEPENDS_BLOCK): answers.refusal(error)}
        ) from error
    except MilestoneError as error:
        raise FieldErrors({milestone_modal.TITLE_BLOCK: answers.refusal(error)}) from error


def _shown(view: dict, block_id: str) -> str:
    """`block_id` if the form has that field, else the title (Slack refuses unknown blocks)."""
    present = {block.get("block_id") for block in view.get("blocks", [])}
    return block_id if block_id in present else milestone_modal.TITLE_BLOCK


def _goal_id(
    session: Session,
    form: milestone_modal.Submitted,
    *,
    team_id: str,
    channel_id: str,
    user_id: str,
    today: date,
    now: datetime,
    current: int | None = None,
) -> int | None:
    """The goal chosen, created when named new; `current` stays when nothing is chosen (a
    Slack menu cannot be emptied, and a closed goal is not offered)."""
    if form.new_goal:
        with on_field(milestone_modal.NEW_GOAL_BLOCK):
            goal = goals.add_goal(
                session,
                team_id=team_id,
                channel_id=channel_id,
                creator_id=user_id,
                name=form.new_goal,
                due_date=None,
                owner_id=None,
                requires_approval=False,
                today=today,
                now=now,
            )
        return goal.id
    if form.goal_id is None or form.goal_id == current:
        return current
    with on_field(milestone_modal.GOAL_BLOCK):
        goal = goals.find_goal(
            session, team_id=team_id, channel_id=channel_id, text=f"G-{form.goal_id}"
        )
    return goal.id


def _after_save(
    runtime: Runtime, change: Change, advice: list, user_id: str, *, new_goal: bool
) -> None:
    """The new goal's announcement if one was named, the card, and the coach's private
    note when it has something to say."""
    milestone = change.milestone
    if new_goal and milestone.goal_id is not None:
        with session_scope(runtime.engine) as session:
            message = blocks.goal_declared(session.get(Goal, milestone.goal_id))
        runtime.background.submit(
            milestone.channel_id,
            lambda: runtime.messenger(milestone.team_id).post(milestone.channel_id, message),
        )

    def channel_gone(error: str) -> None:
        runtime.messenger(milestone.team_id).direct_message(
            user_id,
            blocks.notice(
                f"{milestone.reference} is saved, but I can't post in "
                f"<#{milestone.channel_id}> ({error}). Invite me with `/invite @Milestones`."
            ),
        )

    announce(runtime, change, on_channel_gone=channel_gone)
    if advice:
        note = blocks.coaching(milestone, advice)
        runtime.background.submit(
            milestone.channel_id,
            lambda: runtime.messenger(milestone.team_id).ephemeral(
                milestone.channel_id, user_id, note
            ),
        )


def new_milestone_submitted(ack: Ack, context: BoltContext, body: dict, view: dict) -> None:
    _submitted(ack, runtime_of(context), body, view, _declare)


def edit_submitted(ack: Ack, context: BoltContext, body: dict, view: dict) -> None:
    _submitted(ack, runtime_of(context), body, view, _edit)


# What a submission of the milestone modal saves: (runtime, the modal, its view, now) -> the
# change and the coach's advice on it.
Save = Callable[[Runtime, MilestoneModal, dict, datetime], tuple[Change, list]]


def _submitted(ack: Ack, runtime: Runtime, body: dict, view: dict, save: Save) -> None:
    """Check and save a submitted milestone modal in its ack, mistakes shown on their fields;
    the card and the coach's note follow."""
    now = runtime.clock()
    try:
        modal = read_milestone_modal(body, view)
        change, advice = save(runtime, modal, view, now)
    except StalePayload as error:
        refuse_stale_form(ack, error, block_id=milestone_modal.TITLE_BLOCK)
        return
    except FieldErrors as error:
        ack(response_action="errors", errors=error.errors)
        return
    ack()
    _after_save(runtime, change, advice, modal.user_id, new_goal=bool(modal.form.new_goal))


def _declare(
    runtime: Runtime, modal: MilestoneModal, view: dict, now: datetime
) -> tuple[Change, list]:
    team_id, user_id, form = modal.team_id, modal.user_id, modal.form
    channel_id = modal.metadata.channel_id
    today = runtime.timezones.today(team_id, user_id, now=now)
    _check_fields(form, today=today, due_date_before=None)
    with session_scope(runtime.engine) as session:
        settings = channels.settings_for(session, team_id=team_id, channel_id=channel_id)
        goal_id = _goal_id(
            session,
            form,
            team_id=team_id,
            channel_id=channel_id,
            user_id=user_id,
            today=today,
            now=now,
        )
        with on_fields(view):
            change = milestones.declare(
                session,
                team_id=team_id,
                channel_id=channel_id,
                creator_id=user_id,
                title=form.title,
                due_date=form.due_date,
                owner_id=form.owner_id,
                approver_id=form.approver_id,
                today=today,
                now=now,
                # One opening of the form declares once, however often it is sent.
                request_key=f"modal:{modal.view_id}:{modal.metadata.key}",
                goal_id=goal_id,
                definition_of_done=form.definition_of_done,
                prerequisites=prerequisites_in(
                    session,
                    form.prerequisite_ids,
                    team_id=team_id,
                    channel_id=channel_id,
                ),
                default_owner=False,
                separate_approvals=settings.separate_approvals,
                source_permalink=modal.metadata.source,
            )
        return change, _advice(session, change, today=today)


def _edit(
    runtime: Runtime, modal: MilestoneModal, view: dict, now: datetime
) -> tuple[Change, list]:
    team_id, user_id, form = modal.team_id, modal.user_id, modal.form
    today = runtime.timezones.today(team_id, user_id, now=now)
    with session_scope(runtime.engine) as session:
        milestone = milestone_edited(session, modal)
        _check_fields(form, today=today, due_date_before=milestone.due_date)
        settings = channels.settings_for(session, team_id=team_id, channel_id=milestone.channel_id)
        goal_id = _goal_id(
            session,
            form,
            team_id=team_id,
            channel_id=milestone.channel_id,
            user_id=user_id,
            today=today,
            now=now,
            current=milestone.goal_id,
        )
        with on_fields(view):
            change = milestones.edit(
                session,
                milestone=milestone,
                user_id=user_id,
                title=form.title,
                goal_id=goal_id,
                owner_id=form.owner_id,
                approver_id=form.approver_id,
                due_date=form.due_date,
                definition_of_done=form.definition_of_done,
                prerequisites=prerequisites_in(
                    session,
                    form.prerequisite_ids,
                    team_id=team_id,
                    channel_id=milestone.channel_id,
                ),
                today=today,
                now=now,
                revision=modal.metadata.revision,
                separate_approvals=settings.separate_approvals,
            )
        return change, _advice(session, change, today=today)


def _advice(session: Session, change: Change, *, today: date) -> list:
    """What the coach suggests about a saved milestone; nothing for a repeated submission."""
    if change.repeated:
        return []
    return suggestions.advise(session, milestone=change.milestone, today=today)


def edit_pressed(
    ack: Ack, context: BoltContext, body: dict, respond: Respond, request: BoltRequest
) -> None:
    runtime = runtime_of(context)
    if is_retry(request):
        # The first delivery opened the form; its trigger is spent.
        ack()
        return
    try:
        pressed = read_press(body)
        open_milestone_modal(
            runtime,
            trigger_id=pressed.trigger_id,
            team_id=pressed.team_id,
            channel_id=pressed.channel_id,
            user_id=pressed.user_id,
            draft=None,
            now=runtime.clock(),
            tell=lambda text: tell_presser(runtime, body, respond, text),
            milestone_id=pressed.milestone_id,
            revision=pressed.revision,
        )
    except StalePayload as error:
        refuse_stale_press(runtime, body, ack, respond, error)
        return
    except MilestoneError as error:
        note_refused()
        tell_presser(runtime, body, respond, answers.refusal(error))
    ack()


def prerequisite_options(ack: Ack, context: BoltContext, body: dict) -> None:
    """ "Depends on" in a channel with more than 100 open milestones: the ones matching
    what the person typed."""
    try:
        search = read_search(body)
    except StalePayload as error:
        refuse_stale_options(ack, error)
        return
    with session_scope(runtime_of(context).engine) as session:
        candidates = _candidates(
            session,
            team_id=search.team_id,
            channel_id=search.channel_id,
            editing=search.milestone_id,
        )
    ack(options=milestone_modal.prerequisite_options(candidates, search.typed))


def register(app: App) -> None:
    app.view(milestone_modal.NEW_MILESTONE_VIEW)(new_milestone_submitted)
    app.view(milestone_modal.EDIT_MILESTONE_VIEW)(edit_submitted)
    app.action(blocks.EDIT)(edit_pressed)
    app.options(milestone_modal.DEPENDS_ACTION)(prerequisite_options)
