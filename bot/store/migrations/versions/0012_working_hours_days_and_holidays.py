"""Working hours, days and holidays: per person (personschedule) and per channel

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 04:26:56.232492
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "personschedule",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("working_hours", sa.String(length=11), nullable=True),
        sa.Column("working_days", sa.String(length=40), nullable=True),
        sa.Column("holidays", sa.String(length=24), nullable=True),
        sa.PrimaryKeyConstraint("team_id", "user_id"),
    )
    with op.batch_alter_table("channelsettings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("working_hours", sa.String(length=11), nullable=True))
        batch_op.add_column(sa.Column("working_days", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("holidays", sa.String(length=24), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channelsettings", schema=None) as batch_op:
        batch_op.drop_column("holidays")
        batch_op.drop_column("working_days")
        batch_op.drop_column("working_hours")

    op.drop_table("personschedule")
