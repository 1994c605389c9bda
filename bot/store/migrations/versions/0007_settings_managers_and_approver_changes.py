"""who may change a channel's settings, and approver changes in the history

Adds the channel's settings managers (empty, as for every channel so far: anyone may change
them) and the approvers before and after an approver_changed event.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 01:42:16
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("channelsettings", schema=None) as batch_op:
        # The default fills the existing rows; the code always gives a value.
        batch_op.add_column(
            sa.Column("managers", sa.String(length=400), nullable=False, server_default="")
        )
    with op.batch_alter_table("channelsettings", schema=None) as batch_op:
        batch_op.alter_column("managers", server_default=None)

    with op.batch_alter_table("milestoneevent", schema=None) as batch_op:
        batch_op.add_column(sa.Column("old_approver_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("new_approver_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("milestoneevent", schema=None) as batch_op:
        batch_op.drop_column("new_approver_id")
        batch_op.drop_column("old_approver_id")

    with op.batch_alter_table("channelsettings", schema=None) as batch_op:
        batch_op.drop_column("managers")
