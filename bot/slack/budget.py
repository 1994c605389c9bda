"""The per-workspace message budget kept in the database, so that every process posting for a
workspace (web replicas, the scheduler) spends the same one."""

from __future__ import annotations

from sqlalchemy import bindparam, case, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import col

from bot.store.models import PostingBudget

_next_at = col(PostingBudget.next_at)
# Built once (building it cost as much as running it), the workspace and times bound per call.
_ADVANCE = (
    update(PostingBudget)
    .where(col(PostingBudget.team_id) == bindparam("workspace"))
    .values(
        next_at=case((_next_at > bindparam("floor"), _next_at), else_=bindparam("floor"))
        + bindparam("spacing")
    )
    .returning(_next_at)
)
# Lost in a crash, the last moments' spending only lets a few more messages go.
_ASYNCHRONOUS_COMMIT = text("SET LOCAL synchronous_commit = off")


class SharedBudget:
    """A workspace's GCRA theoretical arrival time in its `PostingBudget` row, moved on by one
    UPDATE ... RETURNING per message: the row's lock orders processes posting at once."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._postgresql = engine.dialect.name == "postgresql"

    def advance(self, team_id: str, *, floor: float, spacing: float) -> float:
        values = {"workspace": team_id, "floor": floor, "spacing": spacing}
        with self._engine.begin() as connection:
            if self._postgresql:
                connection.execute(_ASYNCHRONOUS_COMMIT)
            advanced = connection.execute(_ADVANCE, values).scalar_one_or_none()
            if advanced is not None:
                return advanced
            dialect = postgresql if self._postgresql else sqlite
            # The workspace's first message: another process may be making its row at once.
            connection.execute(
                dialect.insert(PostingBudget)
                .values(team_id=team_id, next_at=floor)
                .on_conflict_do_nothing(index_elements=["team_id"])
            )
            return connection.execute(_ADVANCE, values).scalar_one()
