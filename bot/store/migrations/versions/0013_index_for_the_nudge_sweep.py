"""index for the nudge sweep: the reminders' owners and channels beside status and due date

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 10:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.drop_index("ix_milestone_status_due")
        batch_op.create_index(
            "ix_milestone_reminders",
            ["status", "due_date", "team_id", "channel_id", "owner_id", "creator_id"],
            unique=False,
            postgresql_include=["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.drop_index("ix_milestone_reminders", postgresql_include=["id"])
        batch_op.create_index("ix_milestone_status_due", ["status", "due_date"], unique=False)
