"""milestones waiting on a later one: a kept flag, and the index the health sweep finds them by

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Whether a prerequisite still open, or awaiting approval, is due after the milestone: each
# milestone's links, then each prerequisite by its id (as a join, SQLite without statistics
# would start from every open milestone due after it).
WAITS_ON_LATER = """
UPDATE milestone SET waits_on_later = EXISTS (
    SELECT 1 FROM dependency
    WHERE dependency.milestone_id = milestone.id AND EXISTS (
        SELECT 1 FROM milestone AS prerequisite
        WHERE prerequisite.id = dependency.prerequisite_id
            AND prerequisite.status IN ('open', 'awaiting_approval')
            AND prerequisite.due_date > milestone.due_date
    )
)
WHERE id IN (SELECT milestone_id FROM dependency)
"""


def upgrade() -> None:
    # Added in place (SQLite's ALTER TABLE takes a column with a default), not by copying the
    # table, which the rows pointing at milestones would refuse.
    op.add_column(
        "milestone",
        sa.Column("waits_on_later", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.execute(WAITS_ON_LATER)
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.create_index(
            "ix_milestone_waits_on_later",
            ["status", "shown_health", "marked_health", "due_date", "announcement_ts"],
            unique=False,
            sqlite_where=sa.text("waits_on_later = 1"),
            postgresql_where=sa.text("waits_on_later"),
            postgresql_include=["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_milestone_waits_on_later",
            sqlite_where=sa.text("waits_on_later = 1"),
            postgresql_where=sa.text("waits_on_later"),
            postgresql_include=["id"],
        )
        batch_op.drop_column("waits_on_later")
