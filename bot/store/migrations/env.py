"""Alembic's environment: runs the migrations on the connection the bot hands over
(bot/store/schema.py), or, for developers running `alembic` by hand, on DATABASE_URL or
`-x url=...`."""

from __future__ import annotations

from pathlib import Path

from alembic import context
from dotenv import load_dotenv
from sqlalchemy.engine import Connection
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

from bot.config import load_settings, normalize_database_url
from bot.store.tables import all_metadata

config = context.config


def render_item(type_: str, item: object, autogen_context) -> str | bool:
    """Write SQLModel's column types as the plain SQLAlchemy types they stand for, so that
    revisions do not import SQLModel."""
    if type_ != "type":
        return False
    if isinstance(item, AutoString):
        return f"sa.String(length={item.length!r})" if item.length else "sa.String()"
    if isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def configure(**arguments) -> None:
    context.configure(
        target_metadata=all_metadata(),
        compare_type=True,
        # SQLite alters a table by copying it; batch operations do that, and work on
        # PostgreSQL too.
        render_as_batch=True,
        render_item=render_item,
        **arguments,
    )


def run_on(connection: Connection) -> None:
    configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


def database_url() -> str:
    given = context.get_x_argument(as_dictionary=True).get("url")
    if given:
        return normalize_database_url(given)
    load_dotenv(Path.cwd() / ".env")
    return load_settings().database_url


connection = config.attributes.get("connection")
if connection is not None:
    run_on(connection)
elif context.is_offline_mode():
    configure(url=database_url(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    from bot.store.schema import migration_engine

    engine = migration_engine(database_url())
    try:
        with engine.begin() as connection:
            run_on(connection)
    finally:
        engine.dispose()
