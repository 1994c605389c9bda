"""Claiming scheduled deliveries in the database, so each goes out once across processes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from bot.models import Delivery

CLAIMS_PER_STATEMENT = 1000


def claim(session: Session, rows: list[dict]) -> dict[tuple[str, str], int]:
    """Insert claims for `rows` (team_id, kind, key, ...); return {(kind, key): id} of those won.

    INSERT ... ON CONFLICT DO NOTHING RETURNING: a key already claimed, by an earlier run or
    by another process at the same moment, comes back as not won.
    """
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    won = {}
    # In slices: one statement's bound values must stay under the databases' limits (32,766
    # on SQLite, 65,535 on PostgreSQL) however many channels or milestones a sweep claims.
    for start in range(0, len(rows), CLAIMS_PER_STATEMENT):
        statement = (
            dialect.insert(Delivery)
            .values(rows[start : start + CLAIMS_PER_STATEMENT])
            .on_conflict_do_nothing(index_elements=["team_id", "kind", "key"])
            .returning(col(Delivery.kind), col(Delivery.key), col(Delivery.id))
        )
        won.update({(kind, key): id_ for kind, key, id_ in session.execute(statement).all()})
    return won


def mark_sent(session: Session, delivery_id: int, *, now: datetime) -> None:
    session.execute(update(Delivery).where(col(Delivery.id) == delivery_id).values(sent_at=now))


def release(session: Session, delivery_id: int) -> None:
    """Give a claim back after a failed send, so a later sweep tries again."""
    session.execute(delete(Delivery).where(col(Delivery.id) == delivery_id))


def count_sent(session: Session, *, milestone_id: int, kind: str, due_date) -> int:
    return session.exec(
        select(func.count())
        .select_from(Delivery)
        .where(
            Delivery.milestone_id == milestone_id,
            Delivery.kind == kind,
            Delivery.due_date == due_date,
            col(Delivery.sent_at).is_not(None),
        )
    ).one()
