"""The database engine and sessions; SQLite gets WAL, foreign keys and a busy timeout."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, Table, Text, event
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

from bot import models  # noqa: F401  (registers the tables on SQLModel.metadata)

# The Slack tokens of slack_sdk's installation tables. Encrypted (bot/tokens.py) a token grows
# to about 4/3 of its length plus 90 characters (a 150-character rotating token to 292), past
# slack_sdk's 200: revision 0008 makes these columns TEXT.
TOKEN_COLUMNS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _configure_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


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


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
