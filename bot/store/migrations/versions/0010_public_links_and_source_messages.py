"""public links (calendar feeds, stakeholder pages) and the message a milestone was made from

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 04:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "publiclink",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["goal_id"], ["goal.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index(
        "ix_public_link_channel", "publiclink", ["team_id", "channel_id", "kind"], unique=False
    )
    with op.batch_alter_table("milestone") as batch_op:
        batch_op.add_column(sa.Column("source_permalink", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("milestone") as batch_op:
        batch_op.drop_column("source_permalink")
    op.drop_index("ix_public_link_channel", table_name="publiclink")
    op.drop_table("publiclink")
