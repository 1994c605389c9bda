"""Every table the database holds: the bot's SQLModel tables, and slack_sdk's installation and
OAuth state tables, with room for encrypted tokens."""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, Table, Text
from sqlmodel import SQLModel

from bot.store import models  # noqa: F401  (registers the tables on SQLModel.metadata)

# The Slack tokens of slack_sdk's installation tables. Encrypted (bot/slack/tokens.py) a token grows
# to about 4/3 of its length plus 90 characters (a 150-character rotating token to 292), past
# slack_sdk's 200: revision 0008 makes these columns TEXT.
TOKEN_COLUMNS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")


def all_metadata() -> list[MetaData]:
    """Every table the database holds: the bot's models, and the tables of slack_sdk's
    SQLAlchemy installation and OAuth state stores under their default names, with room for
    encrypted tokens. The migrations create exactly these; autogenerate and the tests compare
    against them."""
    installations = MetaData()
    _with_room_for_encrypted_tokens(
        SQLAlchemyInstallationStore.build_bots_table(
            installations, SQLAlchemyInstallationStore.default_bots_table_name
        )
    )
    _with_room_for_encrypted_tokens(
        SQLAlchemyInstallationStore.build_installations_table(
            installations, SQLAlchemyInstallationStore.default_installations_table_name
        )
    )
    states = MetaData()
    SQLAlchemyOAuthStateStore.build_oauth_states_table(
        states, SQLAlchemyOAuthStateStore.default_table_name
    )
    return [SQLModel.metadata, installations, states]


def _with_room_for_encrypted_tokens(table: Table) -> None:
    for column in table.columns:
        if column.name in TOKEN_COLUMNS:
            column.type = Text()
