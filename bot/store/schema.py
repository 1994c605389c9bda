"""The database schema's revision: Alembic migrations, applied by `milestone-bot migrate` or by
a first start on an empty database; a start on any other schema than this code's is refused."""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection, Engine

from bot.store.db import make_engine

log = logging.getLogger("bot.schema")
# Alembic says at INFO which dialect it found each time it looks at the database, and names
# each revision it runs; the bot says what it did in one line of its own.
logging.getLogger("alembic").setLevel(logging.WARNING)

MIGRATIONS = Path(__file__).with_name("migrations")
# The revision of the tables the bot made with create_all before it had migrations.
BASELINE = "0001"
# Those tables: a database that holds them and no alembic_version table was made by that
# older bot, and is at the baseline.
PRE_MIGRATION_TABLES = frozenset(
    {
        "absence",
        "channelsettings",
        "delivery",
        "dependency",
        "goal",
        "homeviewer",
        "milestone",
        "milestoneevent",
        "person",
    }
)
# A two-key PostgreSQL advisory lock (a key space apart from the one-key locks the dependency
# graph takes), held while the schema is checked or upgraded: two processes starting at once
# on an empty database do not both run the migrations.
LOCK_KEYS = {"group": 0x6D6C7374, "purpose": 0x73636865}


class SchemaError(Exception):
    """The database's schema does not fit this code; the message says what to do."""


@dataclass(frozen=True)
class Migrated:
    """What `migrate` did: the revision before (None: an empty database) and after."""

    before: str | None
    after: str | None
    # Made by the bot before it had migrations, and stamped at the baseline first.
    adopted: bool = False

    def describe(self) -> str:
        after = describe_revision(self.after)
        if self.before == self.after:
            return f"the database is already at {after}: nothing to do."
        if self.before is None:
            return f"migrated the database from empty to {after}."
        made = ", made before migrations," if self.adopted else ""
        return f"migrated the database from {describe_revision(self.before)}{made} to {after}."


def head() -> str:
    return _scripts().get_current_head()


def migrate(database_url: str, *, to: str = "head") -> Migrated:
    """Upgrade the database to revision `to`; a database made before migrations is stamped at
    the baseline first. Raises SchemaError for a revision this code does not know."""
    with migration_lock(database_url) as connection:
        current = _current_revision(connection)
        adopted = current is None and _adopt(connection)
        command.upgrade(alembic_config(connection), to)
        after = _current_revision(connection)
    return Migrated(before=BASELINE if adopted else current, after=after, adopted=adopted)


def prepare(database_url: str) -> None:
    """Make sure the schema is this code's before the bot starts: an empty database gets it
    by running the migrations; any other revision is refused with SchemaError."""
    with migration_lock(database_url) as connection:
        current = _current_revision(connection)
        if current == head():
            return
        if current is None:
            if _tables(connection) & PRE_MIGRATION_TABLES:
                raise SchemaError(
                    "the database at DATABASE_URL was made by an older milestone-bot, before "
                    "schema migrations: run `milestone-bot migrate` once to bring it up to date, "
                    "then start again."
                )
            command.upgrade(alembic_config(connection), "head")
            log.debug("created the database schema at %s", describe_revision(head()))
            return
        raise SchemaError(
            f"the database at DATABASE_URL is at schema revision {current}, older than this "
            f"version's {head()}: run `milestone-bot migrate` to upgrade it, then start again."
        )


def migration_engine(database_url: str) -> Engine:
    """An engine whose transactions hold DDL and keep other migrators out: on SQLite each
    begins with BEGIN IMMEDIATE (the driver would otherwise commit each DDL statement on its
    own, and take no lock until the first write); on PostgreSQL `migration_lock` takes the
    lock."""
    engine = make_engine(database_url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def leave_transactions_to_sqlalchemy(dbapi_connection, _record) -> None:
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def begin_immediate(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@contextmanager
def migration_lock(database_url: str) -> Iterator[Connection]:
    """A connection in one transaction, holding the migration lock until it ends: PostgreSQL's
    advisory lock, SQLite's write lock."""
    engine = migration_engine(database_url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:group, :purpose)"), LOCK_KEYS
                )
            yield connection
    finally:
        engine.dispose()


def _current_revision(connection: Connection) -> str | None:
    """The database's revision (None: no alembic_version table, or an empty one); a revision
    this code does not know raises SchemaError."""
    revisions = MigrationContext.configure(connection).get_current_heads()
    for revision in revisions:
        try:
            _scripts().get_revision(revision)
        except CommandError:
            raise SchemaError(
                f"the database at DATABASE_URL is at schema revision {revision}, which this "
                "version of milestone-bot does not know: a newer version migrated it. Run that "
                "version, or a newer one."
            ) from None
    # The revisions form one line, so a database is at one of them.
    return revisions[0] if revisions else None


def _adopt(connection: Connection) -> bool:
    """Stamp a database made before migrations at the baseline; False if it is empty."""
    present = _tables(connection) & PRE_MIGRATION_TABLES
    if not present:
        return False
    missing = PRE_MIGRATION_TABLES - present
    if missing:
        raise SchemaError(
            "the database at DATABASE_URL has some of milestone-bot's tables but not "
            f"{', '.join(sorted(missing))}: it was not made by milestone-bot, or was changed "
            "by hand. Point DATABASE_URL at the bot's database, or at an empty one."
        )
    command.stamp(alembic_config(connection), BASELINE)
    return True


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, built here: no alembic.ini is needed where the bot runs."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


@functools.cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def describe_revision(revision: str) -> str:
    return f"{revision} ({_scripts().get_revision(revision).doc})"
