"""The per-workspace message budget kept in the database, so that every process posting for a
workspace (web replicas, the scheduler) spends the same one."""

from __future__ import annotations

from sqlalchemy import case, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import col

from bot.store.db import session_scope
from bot.store.models import PostingBudget


class SharedBudget:
    """A workspace's GCRA theoretical arrival time in its `PostingBudget` row, moved on by one
    UPDATE ... RETURNING per message: the row's lock orders processes posting at once."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def advance(self, team_id: str, *, floor: float, spacing: float) -> float:
        next_at = col(PostingBudget.next_at)
        statement = (
            update(PostingBudget)
            .where(col(PostingBudget.team_id) == team_id)
            .values(next_at=case((next_at > floor, next_at), else_=floor) + spacing)
            .returning(next_at)
        )
        with session_scope(self._engine) as session:
            if session.get_bind().dialect.name == "postgresql":
                # Lost in a crash, the last moments' spending only lets a few more messages go.
                session.execute(text("SET LOCAL synchronous_commit = off"))
            advanced = session.execute(statement).scalar_one_or_none()
            if advanced is not None:
                return advanced
            dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
            # The workspace's first message: another process may be making its row at once.
            session.execute(
                dialect.insert(PostingBudget)
                .values(team_id=team_id, next_at=floor)
                .on_conflict_do_nothing(index_elements=["team_id"])
            )
            return session.execute(statement).scalar_one()
