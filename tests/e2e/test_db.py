"""The database: the schema made on the first start; SQLite in WAL mode with foreign keys."""

from sqlalchemy import inspect, text

from bot.runtime import build_runtime
from bot.store.db import make_engine
from bot.store.schema import migrate
from tests.support.harness import make_settings


def test_tables_are_created_on_the_first_start(empty_database_url, slack):
    runtime = build_runtime(make_settings(empty_database_url, slack))
    tables = set(inspect(runtime.engine).get_table_names())
    runtime.engine.dispose()

    assert {"milestone", "milestoneevent", "person", "channelsettings", "delivery"} <= tables
    assert {"slack_installations", "slack_bots", "slack_oauth_states"} <= tables


def test_sqlite_uses_wal_and_foreign_keys(tmp_path):
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    migrate(url)
    engine = make_engine(url)

    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()
