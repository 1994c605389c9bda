"""Reading Slack's interactive payloads at the listener's edge: each surface's fields as a
typed value, or StalePayload when one is missing, of the wrong type or names something the
workspace does not have (a button from an old message, or a payload not shaped as Slack's)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import NoReturn, TypeVar

from slack_bolt import BoltRequest, BoltResponse
from sqlmodel import Session

from bot.domain import milestones
from bot.domain.errors import MilestoneNotFound
from bot.metrics import note_refused
from bot.render import blocks, milestone_modal
from bot.store.models import Milestone

log = logging.getLogger(__name__)

Value = TypeVar("Value")
# Ids and revisions are positive and fit PostgreSQL's integer; a bigger one is refused here
# rather than by the database.
MAX_ID = 2**31 - 1


class StalePayload(Exception):
    """A button, form, menu or event the bot cannot act on; the message says why, for the log."""


def well_formed(dispatch: Callable[[BoltRequest], BoltResponse], req: BoltRequest) -> BoltResponse:
    """Dispatches `req`, unless the frame Bolt itself reads to route it (the actions of a
    press, a form's view, a menu's action id, an event) is broken: then nothing is answered,
    with one warning. Checked before any of Bolt's middleware, whose authorization step
    already reads the event (over HTTP the server verified the signature before this)."""
    problem = frame_problem(req.body)
    if problem is None:
        return dispatch(req)
    log.warning("ignored a %s payload: %s", req.body.get("type"), problem)
    note_refused()
    return BoltResponse(status=200, body="")


def frame_problem(body: dict) -> str | None:
    """What is wrong with the frame of a payload Bolt routes, None when nothing is."""
    kind = body.get("type")
    if kind == "block_actions":
        actions = body.get("actions")
        if not (
            isinstance(actions, list)
            and actions
            and all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions)
        ):
            return "its actions are not a list of actions with ids"
    elif kind in ("view_submission", "view_closed"):
        view = body.get("view")
        if not (isinstance(view, dict) and isinstance(view.get("callback_id"), str)):
            return "its view is not a view with a callback id"
    elif kind in ("message_action", "shortcut") and not isinstance(body.get("callback_id"), str):
        return "its callback id is not text"
    elif kind == "block_suggestion" and not isinstance(body.get("action_id"), str):
        return "its action id is not text"
    elif kind == "event_callback":
        event = body.get("event")
        if not (isinstance(event, dict) and isinstance(event.get("type"), str)):
            return "its event is not an event with a type"
    return None


@dataclass(frozen=True)
class Press:
    """A press of a milestone's button (Mark complete, Approve, Reschedule, Edit...)."""

    team_id: str
    user_id: str
    milestone_id: int
    revision: int
    trigger_id: str
    # The channel or DM of the message holding the button; "" on the App Home.
    channel_id: str


@dataclass(frozen=True)
class MessageShortcut:
    """ "Make it a milestone" chosen on a message: who, where, and what the message says
    (Slack's text, escaped as Slack escapes it)."""

    team_id: str
    user_id: str
    channel_id: str
    trigger_id: str
    message_ts: str
    text: str


def read_message_shortcut(body: dict) -> MessageShortcut:
    message = _required(body, "message", dict)
    return MessageShortcut(
        team_id=team_id_of(body),
        user_id=presser(body) or _missing("user.id"),
        channel_id=_required(body.get("channel"), "id", str),
        trigger_id=_required(body, "trigger_id", str),
        message_ts=_optional(body, "message_ts", str) or _required(message, "ts", str),
        text=_optional(message, "text", str) or "",
    )


@dataclass(frozen=True)
class MilestoneForm:
    """A submitted form about one milestone: Reschedule (a date and a reason), Request changes
    (a reason); a field the form does not have, or left empty, is None."""

    team_id: str
    user_id: str
    milestone_id: int
    revision: int
    due_date: date | None
    reason: str | None


@dataclass(frozen=True)
class MilestoneModal:
    """A submitted New or Edit milestone form."""

    team_id: str
    user_id: str
    view_id: str
    metadata: milestone_modal.Metadata
    form: milestone_modal.Submitted


def read_press(body: dict) -> Press:
    actions = body.get("actions")
    action = actions[0] if isinstance(actions, list) and actions else None
    try:
        milestone_id, revision = blocks.parse_button_value(_required(action, "value", str))
    except ValueError as error:
        raise StalePayload(str(error)) from error
    container = body.get("container")
    return Press(
        team_id=team_id_of(body),
        user_id=presser(body) or _missing("user.id"),
        milestone_id=milestone_id,
        revision=revision,
        trigger_id=_required(body, "trigger_id", str),
        channel_id=_optional(container, "channel_id", str) or "",
    )


def read_milestone_form(body: dict, view: dict) -> MilestoneForm:
    metadata = _metadata(view)
    values = _required(_required(view, "state", dict), "values", dict)
    date_input = _input(values, blocks.DATE_BLOCK, blocks.DATE_ACTION)
    selected = _optional(date_input, "selected_date", str)
    try:
        due_date = date.fromisoformat(selected) if selected else None
    except ValueError as error:
        raise StalePayload(f"not a date: {selected!r:.40}") from error
    return MilestoneForm(
        team_id=team_id_of(body),
        user_id=presser(body) or _missing("user.id"),
        milestone_id=_required(metadata, "milestone_id", int),
        revision=_required(metadata, "revision", int),
        due_date=due_date,
        reason=_optional(_input(values, blocks.REASON_BLOCK, blocks.REASON_ACTION), "value", str)
        or None,
    )


def read_milestone_modal(body: dict, view: dict) -> MilestoneModal:
    _metadata(view)  # a JSON object, as the bot wrote it, before milestone_modal.Metadata reads it
    values = _required(_required(view, "state", dict), "values", dict)
    try:
        form = milestone_modal.read_submission(values)
        read = milestone_modal.Metadata.loads(view["private_metadata"])
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        raise StalePayload(f"unreadable form: {type(error).__name__}: {error}") from error
    texts = (form.new_goal, form.owner_id, form.approver_id, form.definition_of_done)
    ids = (read.milestone_id, read.revision, form.goal_id, *form.prerequisite_ids)
    if not (
        isinstance(form.title, str)
        and all(text is None or isinstance(text, str) for text in texts)
        and isinstance(read.channel_id, str)
        and isinstance(read.key, str)
        and (read.source is None or isinstance(read.source, str))
        and all(value is None or _is_id(value) for value in ids)
    ):
        raise StalePayload("a field of the form is of the wrong type")
    return MilestoneModal(
        team_id=team_id_of(body),
        user_id=presser(body) or _missing("user.id"),
        view_id=_required(view, "id", str),
        metadata=read,
        form=form,
    )


@dataclass(frozen=True)
class Search:
    """What someone typed in the "depends on" menu of a form about a channel's milestones."""

    team_id: str
    channel_id: str
    # The milestone edited, which cannot depend on itself; None in the New milestone form.
    milestone_id: int | None
    typed: str


def read_search(body: dict) -> Search:
    metadata = _metadata(_required(body, "view", dict))
    return Search(
        team_id=team_id_of(body),
        channel_id=_required(metadata, "channel_id", str),
        milestone_id=_optional(metadata, "milestone_id", int),
        typed=_optional(body, "value", str) or "",
    )


def event_field(event: dict, key: str, kind: type[Value] = str) -> Value:
    """A field every event of its type has, such as the user of app_home_opened."""
    return _required(event, key, kind)


def team_id_of(body: dict) -> str:
    """The workspace a payload comes from."""
    return (
        _optional(body.get("team"), "id", str)
        or _optional(body.get("user"), "team_id", str)
        or _optional(body, "team_id", str)
        or _missing("team.id")
    )


def milestone_of(session: Session, *, team_id: str, milestone_id: int) -> Milestone:
    """The milestone a payload names, which must be the workspace's own."""
    try:
        return milestones.get(session, team_id=team_id, milestone_id=milestone_id)
    except MilestoneNotFound as error:
        raise StalePayload(f"no milestone {milestone_id} in workspace {team_id}") from error


def milestone_edited(session: Session, modal: MilestoneModal) -> Milestone:
    """The milestone an Edit form is about, which must be of the form's channel."""
    milestone_id = modal.metadata.milestone_id
    if milestone_id is None or modal.metadata.revision is None:
        raise StalePayload("an Edit form without its milestone")
    milestone = milestone_of(session, team_id=modal.team_id, milestone_id=milestone_id)
    if milestone.channel_id != modal.metadata.channel_id:
        raise StalePayload(f"milestone {milestone_id} is not of the form's channel")
    return milestone


def prerequisites_in(
    session: Session, ids: tuple[int, ...], *, team_id: str, channel_id: str
) -> tuple[Milestone, ...]:
    """The milestones chosen under "depends on", which must be of the form's channel."""
    found = tuple(milestone_of(session, team_id=team_id, milestone_id=i) for i in ids)
    if any(milestone.channel_id != channel_id for milestone in found):
        raise StalePayload("a prerequisite of another channel")
    return found


def presser(body: dict) -> str | None:
    """The id of the person who pressed or submitted, None when the payload has none."""
    return _optional(body.get("user"), "id", str)


def _metadata(view: dict) -> dict:
    text = _required(view, "private_metadata", str)
    try:
        metadata = json.loads(text)
    except ValueError as error:
        raise StalePayload("private_metadata is not JSON") from error
    if not isinstance(metadata, dict):
        raise StalePayload("private_metadata is not a JSON object")
    return metadata


def _input(values: dict, block_id: str, action_id: str) -> dict | None:
    """What Slack sends for one input of a form: {"type": ..., "value": ...}."""
    return _optional(_optional(values, block_id, dict), action_id, dict)


def _required(mapping: object, key: str, kind: type[Value]) -> Value:
    value = _optional(mapping, key, kind)
    return _missing(key) if value is None else value


def _optional(mapping: object, key: str, kind: type[Value]) -> Value | None:
    value = mapping.get(key) if isinstance(mapping, dict) else None
    if value is None:
        return None
    if not isinstance(value, kind) or (kind is int and not _is_id(value)):
        raise StalePayload(f"{key} is not a {kind.__name__} the bot could have made")
    return value


def _is_id(value: object) -> bool:
    # JSON's true and false are ints to Python, and never an id.
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ID


def _missing(what: str) -> NoReturn:
    raise StalePayload(f"{what} is missing")
