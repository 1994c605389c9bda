"""an index to forget the claims that only guard a request against Slack's retries

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 16:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_delivery_kind_claimed_at", "delivery", ["kind", "claimed_at"])


def downgrade() -> None:
    op.drop_index("ix_delivery_kind_claimed_at", table_name="delivery")
