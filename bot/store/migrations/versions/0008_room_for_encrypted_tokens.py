"""room for encrypted Slack tokens

With TOKEN_ENCRYPTION_KEY set, the tokens in slack_sdk's installation tables are kept
encrypted (Fernet), which makes them longer than the 200 characters those tables allow: the
token columns become TEXT. Batch mode, as SQLite cannot change a column's type in place.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKENS = {
    "slack_bots": ("bot_token", "bot_refresh_token"),
    "slack_installations": ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token"),
}


def upgrade() -> None:
    _retype(sa.String(length=200), sa.Text())


def downgrade() -> None:
    _retype(sa.Text(), sa.String(length=200))


def _retype(before: sa.types.TypeEngine, after: sa.types.TypeEngine) -> None:
    for table, columns in TOKENS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(column, existing_type=before, type_=after)
