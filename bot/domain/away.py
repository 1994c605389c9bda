"""Absences: the days someone said they are away, when the bot leaves them in peace."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from bot.domain.errors import AbsenceBackwards, AbsencePast
from bot.store.db import listed
from bot.store.models import Absence, Person

# A Slack status that says its owner is away, by its words (and OOO) or its emoji.
AWAY_WORDS = ("vacation", "holiday", "out of office")
AWAY_EMOJI = (":palm_tree:", ":airplane:", ":beach_with_umbrella:")


def go_away(
    session: Session, *, team_id: str, user_id: str, first_day: date, last_day: date, today: date
) -> Absence:
    if last_day < first_day:
        raise AbsenceBackwards(first_day=first_day, last_day=last_day)
    if last_day < today:
        raise AbsencePast(last_day)
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


def away_until(session: Session, *, team_id: str, days: Mapping[str, date]) -> dict[str, date]:
    """Who of `days` (user id -> their own today) said they are away that day, and until when.

    Absences that follow one another without a day between count as one.
    """
    if not days:
        return {}
    absences = session.exec(
        select(Absence)
        .where(
            Absence.team_id == team_id,
            col(Absence.user_id).in_(listed(days)),
            Absence.last_day >= min(days.values()),
        )
        .order_by(col(Absence.first_day))
    ).all()
    until: dict[str, date] = {}
    for absence in absences:
        today = days[absence.user_id]
        last = until.get(absence.user_id)
        if last is not None and absence.first_day <= last + timedelta(days=1):
            until[absence.user_id] = max(last, absence.last_day)
        elif last is None and absence.first_day <= today <= absence.last_day:
            until[absence.user_id] = absence.last_day
    return until


def who_is_away(
    session: Session,
    *,
    team_id: str,
    days: Mapping[str, date],
    people: Mapping[str, Person],
) -> dict[str, date | None]:
    """Who of `days` (user id -> their own today) is away: until their absence's last day, or
    None when only their Slack status (as last looked up, in `people`) says so."""
    away: dict[str, date | None] = {
        user_id: None
        for user_id, person in people.items()
        if user_id in days and status_says_away(person.status_text, person.status_emoji)
    }
    away.update(away_until(session, team_id=team_id, days=days))
    return away


# "OOO" as a word of its own, so "Zoom" or "cooo" do not count.
_OOO = re.compile(r"\booo\b")


def status_says_away(status_text: str | None, status_emoji: str | None) -> bool:
    text = (status_text or "").lower()
    if any(word in text for word in AWAY_WORDS) or _OOO.search(text):
        return True
    return (status_emoji or "") in AWAY_EMOJI or any(emoji in text for emoji in AWAY_EMOJI)
