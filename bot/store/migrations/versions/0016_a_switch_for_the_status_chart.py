"""a switch for the chart in the thread of the weekly status and /milestone status

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Added in place (SQLite's ALTER TABLE takes a column with a default): every channel keeps
    # its chart.
    op.add_column(
        "channelsettings",
        sa.Column("status_chart", sa.Boolean(), nullable=False, server_default=sa.true()),
    )


def downgrade() -> None:
    with op.batch_alter_table("channelsettings", schema=None) as batch_op:
        batch_op.drop_column("status_chart")
