"""reschedules and cancellations made before this version count as told

From this revision on, the note a reschedule or a cancellation posts under the card is
claimed like a scheduled delivery, and the announcements sweep posts those that did not go
out. The ones made before it were posted already: each milestone's latest gets a claim marked
sent, so the sweep leaves them be.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 04:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        INSERT INTO delivery
            (team_id, kind, key, channel_id, milestone_id, claimed_at, sent_at, state, attempts)
        SELECT team_id, 'cancelled', CAST(id AS VARCHAR(20)), channel_id, id,
               cancelled_at, cancelled_at, 'sent', 1
        FROM milestone
        WHERE status = 'cancelled' AND cancelled_at IS NOT NULL
        """
    )
    op.execute(
        """
        INSERT INTO delivery
            (team_id, kind, key, channel_id, milestone_id, claimed_at, sent_at, state, attempts)
        SELECT team_id, 'rescheduled',
               CAST(id AS VARCHAR(20)) || ':' || CAST(revision AS VARCHAR(20)), channel_id, id,
               created_at, created_at, 'sent', 1
        FROM milestone
        WHERE EXISTS (
            SELECT 1 FROM milestoneevent
            WHERE milestoneevent.milestone_id = milestone.id
              AND milestoneevent.kind = 'rescheduled'
        )
        """
    )


def downgrade() -> None:
    op.execute("DELETE FROM delivery WHERE kind IN ('cancelled', 'rescheduled')")
