"""celebrations of milestones reached before this version count as sent

From this revision on, a celebration is claimed like a scheduled delivery, and the card sweep
posts the ones that did not go out. Milestones reached before it were celebrated already (or
long ago): each gets a claim marked sent, so the sweep leaves them be.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 03:55:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        INSERT INTO delivery
            (team_id, kind, key, channel_id, milestone_id, claimed_at, sent_at, state, attempts)
        SELECT team_id, 'celebration', CAST(id AS VARCHAR(20)), channel_id, id,
               reached_at, reached_at, 'sent', 1
        FROM milestone
        WHERE status = 'reached' AND reached_at IS NOT NULL
        """
    )


def downgrade() -> None:
    op.execute("DELETE FROM delivery WHERE kind = 'celebration'")
