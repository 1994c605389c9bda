"""The PostgreSQL test database (TEST_DATABASE_URL), kept at the head revision between tests; with
pytest-xdist, one database per worker, named after it."""

from __future__ import annotations

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine

from bot.store import schema
from bot.store.db import make_engine
from bot.store.tables import all_metadata

_kept: dict[str, Engine] = {}


def kept_engine(url: str) -> Engine:
    """One engine per test database for the whole run, as a bot process keeps one: SQLAlchemy
    caches compiled statements per engine, and compiling them anew for each test's engine was
    a fifth of an end-to-end test's time. Each user disposes of its connections when done
    (`engine.dispose()` closes them and keeps the engine and its cache)."""
    engine = _kept.get(url)
    if engine is None:
        engine = _kept[url] = make_engine(url)
    return engine


def worker_database_url(url: str, worker: str) -> str:
    """TEST_DATABASE_URL for one xdist worker: the same server and credentials, the database
    name suffixed with the worker's id (`test` -> `test_gw0`). Without xdist ("master"), `url`."""
    if worker == "master":
        return url
    given = make_url(url)
    return given.set(database=f"{given.database}_{worker}").render_as_string(hide_password=False)


def _on_server(url: str, statement: str) -> None:
    """`statement` run outside a transaction in the server's `postgres` database (CREATE and
    DROP DATABASE may not run inside one, nor in the database they name)."""
    engine = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def _quoted_name(url: str) -> tuple[str, str]:
    name = make_url(url).database
    return name, '"' + name.replace('"', '""') + '"'


def create_database(url: str) -> None:
    """The database `url` names, made on its server unless it exists."""
    name, quoted = _quoted_name(url)
    engine = create_engine(make_url(url).set(database="postgres"))
    try:
        with engine.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).first()
    finally:
        engine.dispose()
    if not exists:
        _on_server(url, f"CREATE DATABASE {quoted}")


def drop_database(url: str) -> None:
    """The database `url` names dropped, with whatever connections are left to it."""
    _name, quoted = _quoted_name(url)
    _on_server(url, f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")


class PostgresqlSchema:
    """The PostgreSQL test database's schema, migrated to head once and emptied between tests
    (DELETE and sequences restarted: on tables this small, ten times quicker than TRUNCATE,
    which makes new files for each table); made again after a test that changed it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.at_head = False

    def drop(self) -> None:
        # The kept engine's connections may hold statements prepared against the old tables.
        kept_engine(self.url).dispose()
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
        engine = kept_engine(self.url)
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
