"""A plan's milestones and their history as files for spreadsheets and programs: CSV and JSON.

The CSV follows RFC 4180 (the csv module's default dialect: quoted where needed, CRLF line
ends), in UTF-8 with a byte order mark so spreadsheet programs read its accents right. A text
cell that a spreadsheet would take for a formula (it begins with = + - @, a tab or a carriage
return) is neutralised with a leading apostrophe, as OWASP advises against CSV injection.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from bot.domain.plan import Plan
from bot.render.timeline import WORDS, standing_of
from bot.store.models import Goal, Milestone, MilestoneEvent, Status

# What a spreadsheet would read as the start of a formula or a command.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Record(StrEnum):
    """What a CSV row is: a milestone, or a line of its history."""

    MILESTONE = "milestone"
    HISTORY = "history"


COLUMNS = (
    "record",
    "reference",
    "title",
    "goal",
    "owner",
    "owner_id",
    "approver",
    "approver_id",
    "state",
    "health",
    "first_due_date",
    "due_date",
    "reached_at",
    "slip_days",
    "times_moved",
    "depends_on",
    "event",
    "event_at",
    "actor",
    "actor_id",
    "old_due_date",
    "new_due_date",
    "reason",
)


@dataclass(frozen=True)
class ExportFile:
    filename: str
    title: str
    content: bytes


def neutralise(cell: Any) -> Any:
    """A text cell made inert for spreadsheets; numbers and empty cells as they are."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def milestone_rows(
    plan: Plan,
    history: Mapping[int, list[MilestoneEvent]],
    names: Mapping[str, str | None],
) -> list[dict[str, Any]]:
    """One row per milestone (by reference number), each followed by its history's rows."""
    goals = {goal.id: goal for goal in plan.goals}
    rows = []
    for milestone in sorted(plan.milestones, key=lambda m: m.id):
        facts = _facts(milestone, plan, goals)
        rows.append(
            {
                "record": Record.MILESTONE.value,
                "reference": milestone.reference,
                "title": milestone.title,
                "goal": facts["goal"],
                "owner": _name(names, milestone.owner_id),
                "owner_id": milestone.owner_id or "",
                "approver": _name(names, milestone.approver_id),
                "approver_id": milestone.approver_id or "",
                "state": facts["state"],
                "health": facts["health"],
                "first_due_date": _iso(milestone.first_due_date),
                "due_date": _iso(milestone.due_date),
                "reached_at": _iso(milestone.reached_at),
                "slip_days": milestone.slip_days,
                "times_moved": milestone.times_moved,
                "depends_on": " ".join(facts["depends_on"]),
            }
        )
        for event in history.get(milestone.id, ()):
            rows.append(
                {
                    "record": Record.HISTORY.value,
                    "reference": milestone.reference,
                    "event": event.kind,
                    "event_at": _iso(event.at),
                    "actor": _name(names, event.actor_id),
                    "actor_id": event.actor_id or "",
                    "old_due_date": _iso(event.old_due_date),
                    "new_due_date": _iso(event.new_due_date),
                    "reason": event.reason or "",
                }
            )
    return rows


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    """The rows as RFC 4180 CSV in UTF-8 with a byte order mark, formulas neutralised."""
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=COLUMNS, restval="", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: neutralise(value) for column, value in row.items()})
    return out.getvalue().encode("utf-8-sig")


def to_json(
    plan: Plan,
    history: Mapping[int, list[MilestoneEvent]],
    names: Mapping[str, str | None],
    *,
    exported_at: datetime,
) -> bytes:
    """The same data as the CSV, each milestone with its history, as UTF-8 JSON."""
    goals = {goal.id: goal for goal in plan.goals}
    milestones = []
    for milestone in sorted(plan.milestones, key=lambda m: m.id):
        facts = _facts(milestone, plan, goals)
        goal = goals.get(milestone.goal_id)
        milestones.append(
            {
                "reference": milestone.reference,
                "title": milestone.title,
                "goal": {"reference": goal.reference, "name": goal.name} if goal else None,
                "owner": _person(names, milestone.owner_id),
                "approver": _person(names, milestone.approver_id),
                "state": facts["state"],
                "health": facts["health"] or None,
                "first_due_date": _iso(milestone.first_due_date) or None,
                "due_date": _iso(milestone.due_date) or None,
                "reached_at": _iso(milestone.reached_at) or None,
                "slip_days": milestone.slip_days,
                "times_moved": milestone.times_moved,
                "depends_on": facts["depends_on"],
                "history": [
                    {
                        "event": event.kind,
                        "at": _iso(event.at),
                        "actor": _person(names, event.actor_id),
                        "old_due_date": _iso(event.old_due_date) or None,
                        "new_due_date": _iso(event.new_due_date) or None,
                        "reason": event.reason,
                    }
                    for event in history.get(milestone.id, ())
                ],
            }
        )
    document = {
        "team_id": plan.team_id,
        "channel_id": plan.channel_id,
        "exported_at": _iso(exported_at),
        "milestones": milestones,
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def export_file(kind: str, content: bytes, *, channel_id: str, today: date) -> ExportFile:
    """The file's name and title for an export of `kind` ("csv" or "json")."""
    return ExportFile(
        filename=f"milestones-{channel_id}-{today.isoformat()}.{kind}",
        title=f"Milestones of this channel on {today.day} {today:%b %Y} ({kind.upper()})",
        content=content,
    )


def comment(channel_id: str, kind: str) -> str:
    """The words sent with the file."""
    return f"The milestones of <#{channel_id}> and their history, as {kind.upper()}."


def _facts(
    milestone: Milestone,
    plan: Plan,
    goals: Mapping[int, Goal],
) -> dict[str, Any]:
    goal = goals.get(milestone.goal_id)
    detail = plan.details.get(milestone.id)
    health = (
        WORDS[standing_of(milestone, detail)]
        if milestone.is_active and detail is not None and detail.health is not None
        else ""
    )
    return {
        "goal": f"{goal.reference} {goal.name}" if goal else "",
        "state": _STATES[milestone.status],
        "health": health,
        "depends_on": [p.reference for p in plan.prerequisites.get(milestone.id, ())],
    }


_STATES = {
    Status.OPEN: "open",
    Status.AWAITING_APPROVAL: "awaiting approval",
    Status.REACHED: "reached",
    Status.CANCELLED: "cancelled",
}


def _name(names: Mapping[str, str | None], user_id: str | None) -> str:
    return (names.get(user_id) or "") if user_id else ""


def _person(names: Mapping[str, str | None], user_id: str | None) -> dict[str, Any] | None:
    return {"id": user_id, "name": names.get(user_id)} if user_id else None


def _iso(value: date | datetime | None) -> str:
    return value.isoformat() if value is not None else ""
