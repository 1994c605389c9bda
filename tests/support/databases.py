"""The PostgreSQL test database (TEST_DATABASE_URL), kept at the head revision between tests."""

from __future__ import annotations

from sqlalchemy import text

from bot.store import schema
from bot.store.db import make_engine
from bot.store.tables import all_metadata


class PostgresqlSchema:
    """The PostgreSQL test database's schema, migrated to head once and emptied between tests
    (DELETE and sequences restarted: on tables this small, ten times quicker than TRUNCATE,
    which makes new files for each table); made again after a test that changed it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.at_head = False

    def drop(self) -> None:
        engine = make_engine(self.url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        self.at_head = False

    def fresh(self) -> None:
        if not self.at_head:
            self.drop()
            schema.migrate(self.url)
            self.at_head = True
            return
        engine = make_engine(self.url)
        with engine.begin() as connection:
            # A connection left open in a transaction would make the test wait for ever.
            connection.execute(text("SET LOCAL lock_timeout = '10s'"))
            for metadata in all_metadata():
                for table in reversed(metadata.sorted_tables):
                    connection.execute(table.delete())
            connection.execute(
                text(
                    "SELECT setval(sequence.oid, 1, false) FROM pg_class sequence "
                    "WHERE sequence.relkind = 'S' "
                    "AND sequence.relnamespace = 'public'::regnamespace"
                )
            )
        engine.dispose()
