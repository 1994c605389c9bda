"""the bot's tables

The tables that SQLModel's create_all made before the bot had migrations, exactly: a database
made then is stamped at this revision by `milestone-bot migrate`.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "absence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_absence_team_id"), "absence", ["team_id"])

    op.create_table(
        "channelsettings",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("digest_enabled", sa.Boolean(), nullable=False),
        sa.Column("digest_weekday", sa.Integer(), nullable=False),
        sa.Column("digest_time", sa.String(length=5), nullable=False),
        sa.Column("digest_timezone", sa.String(length=64), nullable=True),
        sa.Column("nudges", sa.String(length=10), nullable=False),
        sa.Column("mentions", sa.Boolean(), nullable=False),
        sa.Column("escalate_to", sa.String(length=10), nullable=False),
        sa.Column("separate_approvals", sa.Boolean(), nullable=False),
        sa.Column("coach_disabled", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "channel_id"),
    )

    op.create_table(
        "goal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=True),
        sa.Column("creator_id", sa.String(length=32), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requires_approval", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_goal_channel", "goal", ["team_id", "channel_id", "status"])

    op.create_table(
        "homeviewer",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id"),
    )

    op.create_table(
        "person",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("display_name", sa.String(length=100), nullable=True),
        sa.Column("status_text", sa.String(length=200), nullable=True),
        sa.Column("status_emoji", sa.String(length=100), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id"),
    )

    op.create_table(
        "milestone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=True),
        sa.Column("approver_id", sa.String(length=32), nullable=True),
        sa.Column("creator_id", sa.String(length=32), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=True),
        sa.Column("definition_of_done", sa.String(length=2000), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("first_due_date", sa.Date(), nullable=True),
        sa.Column("times_moved", sa.Integer(), nullable=False),
        sa.Column("marked_health", sa.String(length=20), nullable=True),
        sa.Column("health_reason", sa.String(length=500), nullable=True),
        sa.Column("shown_health", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("request_key", sa.String(length=255), nullable=True),
        sa.Column("announcement_ts", sa.String(length=32), nullable=True),
        sa.Column("approval_channel", sa.String(length=32), nullable=True),
        sa.Column("approval_ts", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["goal_id"], ["goal.id"]),
        sa.PrimaryKeyConstraint("id"),
        # Unnamed, as create_all made it (PostgreSQL calls it milestone_request_key_key).
        sa.UniqueConstraint("request_key"),
    )
    op.create_index("ix_milestone_channel", "milestone", ["team_id", "channel_id", "status"])
    op.create_index(op.f("ix_milestone_goal_id"), "milestone", ["goal_id"])
    op.create_index("ix_milestone_status_due", "milestone", ["status", "due_date"])

    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("milestone_id", sa.Integer(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["milestone_id"], ["milestone.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "kind", "key", name="uq_delivery_key"),
    )
    op.create_index(op.f("ix_delivery_milestone_id"), "delivery", ["milestone_id"])

    op.create_table(
        "dependency",
        sa.Column("milestone_id", sa.Integer(), nullable=False),
        sa.Column("prerequisite_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["milestone_id"], ["milestone.id"]),
        sa.ForeignKeyConstraint(["prerequisite_id"], ["milestone.id"]),
        sa.PrimaryKeyConstraint("milestone_id", "prerequisite_id"),
    )
    op.create_index(op.f("ix_dependency_prerequisite_id"), "dependency", ["prerequisite_id"])

    op.create_table(
        "milestoneevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("milestone_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.String(length=32), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("old_due_date", sa.Date(), nullable=True),
        sa.Column("new_due_date", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["milestone_id"], ["milestone.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_milestoneevent_milestone_id"), "milestoneevent", ["milestone_id"])


def downgrade() -> None:
    # Indexes go with their tables.
    for table in (
        "milestoneevent",
        "dependency",
        "delivery",
        "milestone",
        "person",
        "homeviewer",
        "goal",
        "channelsettings",
        "absence",
    ):
        op.drop_table(table)
