"""Absences: the days someone said they are away, when the bot leaves them in peace."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete
from sqlmodel import Session, col, select

from bot.errors import InvalidCommand
from bot.milestones import format_day
from bot.models import Absence

# A Slack status that says its owner is away, by its words or its emoji.
AWAY_WORDS = ("vacation", "holiday", "out of office", "ooo")
AWAY_EMOJI = (":palm_tree:", ":airplane:", ":beach_with_umbrella:")


def go_away(
    session: Session, *, team_id: str, user_id: str, first_day: date, last_day: date, today: date
) -> Absence:
    if last_day < first_day:
        raise InvalidCommand(
            f"The absence would end ({format_day(last_day)}) before it starts "
            f"({format_day(first_day)})."
        )
    if last_day < today:
        raise InvalidCommand(f"{format_day(last_day)} is already past.")
    absence = Absence(team_id=team_id, user_id=user_id, first_day=first_day, last_day=last_day)
    session.add(absence)
    session.flush()
    return absence


def come_back(session: Session, *, team_id: str, user_id: str, today: date) -> None:
    """End the current absence and forget the planned ones."""
    session.execute(
        delete(Absence).where(
            col(Absence.team_id) == team_id,
            col(Absence.user_id) == user_id,
            col(Absence.last_day) >= today,
        )
    )


def away_on(session: Session, *, team_id: str, user_ids: set[str], day: date) -> set[str]:
    """Which of `user_ids` said they are away on `day` (Slack statuses are checked apart)."""
    if not user_ids:
        return set()
    return set(
        session.exec(
            select(Absence.user_id).where(
                Absence.team_id == team_id,
                col(Absence.user_id).in_(user_ids),
                Absence.first_day <= day,
                Absence.last_day >= day,
            )
        ).all()
    )


def status_says_away(status_text: str | None, status_emoji: str | None) -> bool:
    text = (status_text or "").lower()
    if any(word in text for word in AWAY_WORDS if word != "ooo") or "ooo" in text.split():
        return True
    return (status_emoji or "") in AWAY_EMOJI
