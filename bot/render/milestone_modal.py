"""The "New milestone" and "Edit milestone" modal: a pure Block Kit builder and the reader of
what Slack sends back when it is submitted (no Slack calls, no database)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.render.text import shorten
from bot.store.models import Goal, Milestone

NEW_MILESTONE_VIEW = "milestone_new_view"
EDIT_MILESTONE_VIEW = "milestone_edit_view"

TITLE_BLOCK, TITLE_ACTION = "title", "title_input"
GOAL_BLOCK, GOAL_ACTION = "goal", "goal_select"
NEW_GOAL_BLOCK, NEW_GOAL_ACTION = "new_goal", "new_goal_input"
OWNER_BLOCK, OWNER_ACTION = "owner", "owner_select"
APPROVER_BLOCK, APPROVER_ACTION = "approver", "approver_select"
DUE_BLOCK, DUE_ACTION = "due", "due_date_picker"
DONE_BLOCK, DONE_ACTION = "definition_of_done", "definition_of_done_input"
DEPENDS_BLOCK, DEPENDS_ACTION = "depends_on", "depends_on_select"

# Slack's limits: options in a static menu, characters in an option's text, a modal's title.
MAX_OPTIONS = 100
MAX_OPTION_TEXT = 75
MAX_MODAL_TITLE = 24
MAX_TITLE_INPUT = 150  # milestones.MAX_TITLE_LENGTH
MAX_DEFINITION_INPUT = 2000  # milestones.MAX_DEFINITION_LENGTH


def draft_from_message(text: str) -> tuple[str, str | None]:
    """A message's words (plain text, Slack's markup already made readable) as a title and a
    definition of done: its first line that has words, and the lines after it, each within
    the form's limits."""
    lines = text.strip().splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return "", None
    title = shorten(" ".join(lines[0].split()), MAX_TITLE_INPUT)
    rest = "\n".join(lines[1:]).strip()
    return title, shorten(rest, MAX_DEFINITION_INPUT) if rest else None


@dataclass(frozen=True)
class Prefill:
    """What the form shows when it opens: a draft from the command, or the milestone edited."""

    title: str = ""
    goal_id: int | None = None
    owner_id: str | None = None
    approver_id: str | None = None
    due_date: date | None = None
    definition_of_done: str | None = None
    prerequisite_ids: tuple[int, ...] = ()

    @classmethod
    def of(cls, milestone: Milestone, prerequisites: Sequence[Milestone]) -> Prefill:
        return cls(
            title=milestone.title,
            goal_id=milestone.goal_id,
            owner_id=milestone.owner_id,
            approver_id=milestone.approver_id,
            due_date=milestone.due_date,
            definition_of_done=milestone.definition_of_done,
            prerequisite_ids=tuple(p.id for p in prerequisites),
        )


@dataclass(frozen=True)
class Metadata:
    """What the form carries through Slack in private_metadata.

    `key` is unique to one opening of the form: with the view id it makes the declaration's
    request key, so a doubled submission declares once.
    """

    channel_id: str
    key: str
    milestone_id: int | None = None
    revision: int | None = None
    # The permalink of the message a new milestone is made from ("Make it a milestone").
    source: str | None = None

    def dumps(self) -> str:
        values: dict = {"channel_id": self.channel_id, "key": self.key}
        if self.milestone_id is not None:
            values |= {"milestone_id": self.milestone_id, "revision": self.revision}
        if self.source is not None:
            values["source"] = self.source
        return json.dumps(values)

    @classmethod
    def loads(cls, text: str) -> Metadata:
        values = json.loads(text)
        return cls(
            channel_id=values["channel_id"],
            key=values["key"],
            milestone_id=values.get("milestone_id"),
            revision=values.get("revision"),
            source=values.get("source"),
        )


@dataclass(frozen=True)
class Submitted:
    """The form as submitted; empty fields are None (or empty), nothing is validated yet."""

    title: str
    goal_id: int | None
    new_goal: str | None
    owner_id: str | None
    approver_id: str | None
    due_date: date | None
    definition_of_done: str | None
    prerequisite_ids: tuple[int, ...]


def milestone_modal(
    *,
    metadata: Metadata,
    prefill: Prefill,
    goals: Sequence[Goal],
    candidates: Sequence[Milestone],
    reference: str | None = None,
) -> dict:
    """The modal: "New milestone", or "Edit M-12" when `reference` is given.

    `candidates` are the milestones it may depend on; more than Slack's 100 options switch
    "depends on" to options loaded as the person types (see `prerequisite_options`).
    """
    editing = reference is not None
    blocks = [
        _input(
            TITLE_BLOCK,
            "Title",
            {
                "type": "plain_text_input",
                "action_id": TITLE_ACTION,
                "max_length": MAX_TITLE_INPUT,
                "placeholder": _plain("A verifiable result, like “Beta version shipped”"),
                **({"initial_value": prefill.title} if prefill.title else {}),
            },
        ),
        *_goal_blocks(prefill, goals),
        _input(
            OWNER_BLOCK,
            "Owner",
            {
                "type": "users_select",
                "action_id": OWNER_ACTION,
                "placeholder": _plain("Nobody owns it yet"),
                **({"initial_user": prefill.owner_id} if prefill.owner_id else {}),
            },
            optional=True,
        ),
        _input(
            APPROVER_BLOCK,
            "Approver",
            {
                "type": "users_select",
                "action_id": APPROVER_ACTION,
                "placeholder": _plain("Reached without approval"),
                **({"initial_user": prefill.approver_id} if prefill.approver_id else {}),
            },
            optional=True,
            hint="With an approver, completion waits for their approval.",
        ),
        _input(
            DUE_BLOCK,
            "Due date",
            {
                "type": "datepicker",
                "action_id": DUE_ACTION,
                **({"initial_date": prefill.due_date.isoformat()} if prefill.due_date else {}),
            },
            optional=True,
        ),
        _input(
            DONE_BLOCK,
            "Definition of done",
            {
                "type": "plain_text_input",
                "action_id": DONE_ACTION,
                "multiline": True,
                "max_length": MAX_DEFINITION_INPUT,
                "placeholder": _plain("How will everyone know it is reached?"),
                **(
                    {"initial_value": prefill.definition_of_done}
                    if prefill.definition_of_done
                    else {}
                ),
            },
            optional=True,
        ),
        *_depends_blocks(prefill, candidates),
    ]
    title = f"Edit {reference}" if editing else "New milestone"
    return {
        "type": "modal",
        "callback_id": EDIT_MILESTONE_VIEW if editing else NEW_MILESTONE_VIEW,
        "title": _plain(shorten(title, MAX_MODAL_TITLE)),
        "submit": _plain("Save" if editing else "Declare"),
        "close": _plain("Cancel"),
        "private_metadata": metadata.dumps(),
        "blocks": blocks,
    }


def _goal_blocks(prefill: Prefill, goals: Sequence[Goal]) -> list[dict]:
    new_goal = _input(
        NEW_GOAL_BLOCK,
        "Or a new goal" if goals else "Goal",
        {
            "type": "plain_text_input",
            "action_id": NEW_GOAL_ACTION,
            "max_length": MAX_TITLE_INPUT,
            "placeholder": _plain("The name of a new goal for this channel"),
        },
        optional=True,
        hint="A name here creates the goal and puts the milestone under it.",
    )
    if not goals:
        # A static menu needs at least one option.
        return [new_goal]
    options = [_option(f"{g.reference} · {g.name}", g.id) for g in goals[:MAX_OPTIONS]]
    chosen = [o for o in options if o["value"] == str(prefill.goal_id)]
    select = {
        "type": "static_select",
        "action_id": GOAL_ACTION,
        "placeholder": _plain("No goal"),
        "options": options,
        **({"initial_option": chosen[0]} if chosen else {}),
    }
    return [_input(GOAL_BLOCK, "Goal", select, optional=True), new_goal]


def _depends_blocks(prefill: Prefill, candidates: Sequence[Milestone]) -> list[dict]:
    if not candidates:
        return []
    chosen = [m for m in candidates if m.id in prefill.prerequisite_ids]
    element: dict = {"action_id": DEPENDS_ACTION, "placeholder": _plain("Nothing")}
    if len(candidates) > MAX_OPTIONS:
        element |= {"type": "multi_external_select", "min_query_length": 0}
    else:
        element |= {"type": "multi_static_select", "options": prerequisite_options(candidates)}
    if chosen:
        element["initial_options"] = prerequisite_options(chosen)
    hint = "It cannot be marked complete before these are reached."
    return [_input(DEPENDS_BLOCK, "Depends on", element, optional=True, hint=hint)]


def prerequisite_options(
    candidates: Sequence[Milestone], typed: str = "", *, limit: int = MAX_OPTIONS
) -> list[dict]:
    """Options for "depends on": those whose reference or title holds `typed` (any case)."""
    typed = typed.strip().lower()
    found = [
        m
        for m in candidates
        if not typed or typed in m.reference.lower() or typed in m.title.lower()
    ]
    return [_option(f"{m.reference} · {m.title}", m.id) for m in found[:limit]]


def read_submission(values: dict) -> Submitted:
    """The form's fields from a view's state.values, as Slack sends them."""

    def field(block_id: str, action_id: str) -> dict:
        return (values.get(block_id) or {}).get(action_id) or {}

    def text(block_id: str, action_id: str) -> str | None:
        value = field(block_id, action_id).get("value")
        return value if value and value.strip() else None

    goal = field(GOAL_BLOCK, GOAL_ACTION).get("selected_option")
    due = field(DUE_BLOCK, DUE_ACTION).get("selected_date")
    selected = field(DEPENDS_BLOCK, DEPENDS_ACTION).get("selected_options") or []
    return Submitted(
        title=field(TITLE_BLOCK, TITLE_ACTION).get("value") or "",
        goal_id=int(goal["value"]) if goal else None,
        new_goal=text(NEW_GOAL_BLOCK, NEW_GOAL_ACTION),
        owner_id=field(OWNER_BLOCK, OWNER_ACTION).get("selected_user") or None,
        approver_id=field(APPROVER_BLOCK, APPROVER_ACTION).get("selected_user") or None,
        due_date=date.fromisoformat(due) if due else None,
        definition_of_done=text(DONE_BLOCK, DONE_ACTION),
        prerequisite_ids=tuple(int(option["value"]) for option in selected),
    )


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text}


def _option(text: str, value: int | None) -> dict:
    return {"text": _plain(shorten(text, MAX_OPTION_TEXT)), "value": str(value)}


def _input(
    block_id: str, label: str, element: dict, *, optional: bool = False, hint: str | None = None
) -> dict:
    block = {
        "type": "input",
        "block_id": block_id,
        "label": _plain(label),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = _plain(hint)
    return block
