"""The database: tables created on start; SQLite in WAL mode with foreign keys."""

from sqlalchemy import inspect, text

from bot.db import create_tables, make_engine


def test_tables_are_created_on_start(bot):
    tables = set(inspect(bot.engine).get_table_names())

    assert {"milestone", "milestoneevent", "person", "channelsettings", "delivery"} <= tables


def test_sqlite_uses_wal_and_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    create_tables(engine)

    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()
