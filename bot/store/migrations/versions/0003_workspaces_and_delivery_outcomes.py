"""workspaces, delivery outcomes, paused channels, deactivated people

Deliveries made before this revision were deleted when they failed, so one still unsent was
either given up as undeliverable or lost with its process: both are recorded as dropped, so
that nothing old is sent late.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 03:26:25.520597
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "workspace",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("enterprise_id", sa.String(length=32), nullable=True),
        sa.Column("org_install", sa.Boolean(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uninstalled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("team_id"),
    )
    with op.batch_alter_table("channelsettings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("paused_reason", sa.String(length=40), nullable=True))

    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("state", sa.String(length=10), nullable=False, server_default="dropped")
        )
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("last_error", sa.String(length=200), nullable=True))
    op.execute("UPDATE delivery SET state = 'sent' WHERE sent_at IS NOT NULL")
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.alter_column("state", server_default=None)
        batch_op.alter_column("attempts", server_default=None)

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("inactive_since", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("inactive_since")

    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_column("last_error")
        batch_op.drop_column("attempts")
        batch_op.drop_column("state")

    with op.batch_alter_table("channelsettings", schema=None) as batch_op:
        batch_op.drop_column("paused_reason")
        batch_op.drop_column("paused_at")

    op.drop_table("workspace")
