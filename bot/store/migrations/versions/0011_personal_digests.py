"""personal digests, and the history indexed by time for the week's changes in the status

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 04:28:09.094998
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "personaldigest",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("at", sa.String(length=5), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id"),
    )
    op.create_index("ix_milestoneevent_at", "milestoneevent", ["at"])


def downgrade() -> None:
    op.drop_index("ix_milestoneevent_at", table_name="milestoneevent")
    op.drop_table("personaldigest")
