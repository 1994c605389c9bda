"""The schema's migrations: they make what the models describe; `migrate` upgrades any
database the bot made, even before it had migrations; the bot starts on an empty database or
one at head, and refuses any other."""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, date, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, Table, insert, inspect, select, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from bot.store import schema
from bot.store.db import make_engine, session_scope
from bot.store.models import Delivery, Milestone
from bot.store.tables import all_metadata
from tests.support.botprocess import (
    BotProcess,
    environment,
    free_port,
    refusal_line,
    run,
)

BOT_TOKEN = "xoxb-test-token"
OAUTH_TABLES = {"slack_bots", "slack_installations", "slack_oauth_states"}


def differences(database_url: str) -> list:
    """What Alembic's autogenerate would change to make the database match the models."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, all_metadata())
    finally:
        engine.dispose()


def revision_of(database_url: str) -> str | None:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def tables_of(database_url: str) -> set[str]:
    engine = make_engine(database_url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def plain(database_url: str) -> str:
    """The URL as an operator writes it: postgresql:// without a driver."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        return database_url
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def at_revision(database_url: str, revision: str) -> None:
    """The database as an older version of the bot left it: migrated up to `revision`."""
    schema.migrate(database_url, to=revision)


def downgrade(database_url: str, revision: str) -> None:
    with schema.migration_lock(database_url) as connection:
        command.downgrade(schema.alembic_config(connection), revision)


def written_then(engine, table: str, **values) -> int:
    """A row as an older version of the bot wrote it, into the table as the database has it
    (today's models may have columns it has not yet); its id."""
    reflected = Table(table, MetaData(), autoload_with=engine)
    with engine.begin() as connection:
        return connection.execute(insert(reflected).values(**values)).inserted_primary_key[0]


def old_milestone(engine, title: str, **values) -> int:
    """A milestone of T1/C1 owned by U1, due Fri 4 Dec 2026, as an older version wrote it."""
    return written_then(
        engine,
        "milestone",
        **{
            "team_id": "T1",
            "channel_id": "C1",
            "title": title,
            "owner_id": "U1",
            "creator_id": "U1",
            "due_date": date(2026, 12, 4),
            "first_due_date": date(2026, 12, 4),
            "times_moved": 0,
            "status": "open",
            "revision": 1,
            "created_at": datetime(2026, 11, 26, 12, tzinfo=UTC),
            **values,
        },
    )


def made_before_migrations(database_url: str) -> None:
    """The database as the bot left it before it had migrations: the tables of the baseline
    (what create_all made then) without Alembic's version table, holding a milestone."""
    at_revision(database_url, schema.BASELINE)
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE alembic_version"))
        old_milestone(engine, "Beta shipped")
    finally:
        engine.dispose()


def bot_environment(tmp_path, database_url: str, **settings: str) -> dict[str, str]:
    """The bot's settings, with DATABASE_URL as an operator writes it (postgresql://)."""
    return environment(
        tmp_path,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET="shh",
        DATABASE_URL=plain(database_url),
        **settings,
    )


# ---------------------------------------------------------------- the migrations


def test_the_migrations_make_exactly_the_tables_the_models_describe(empty_database_url):
    schema.migrate(empty_database_url)

    assert revision_of(empty_database_url) == schema.head()
    assert differences(empty_database_url) == []
    assert tables_of(empty_database_url) >= OAUTH_TABLES


def test_the_baseline_is_what_the_bot_made_before_migrations(empty_database_url):
    at_revision(empty_database_url, schema.BASELINE)

    made = tables_of(empty_database_url) - {"alembic_version"}
    assert made == schema.PRE_MIGRATION_TABLES
    # Later revisions only add: every table of then is still a model.
    assert set(SQLModel.metadata.tables) > schema.PRE_MIGRATION_TABLES


def test_every_migration_can_be_undone(empty_database_url):
    schema.migrate(empty_database_url)

    downgrade(empty_database_url, "base")

    assert tables_of(empty_database_url) <= {"alembic_version"}
    schema.migrate(empty_database_url)
    assert differences(empty_database_url) == []


def test_a_migration_that_fails_leaves_the_database_as_it_was(empty_database_url):
    """Every revision runs in the lock's one transaction (SQLite included, where the driver
    would otherwise commit each CREATE TABLE as it goes)."""
    with (
        pytest.raises(RuntimeError, match="the next revision failed"),
        schema.migration_lock(empty_database_url) as connection,
    ):
        command.upgrade(schema.alembic_config(connection), "head")
        assert "milestone" in inspect(connection).get_table_names()
        raise RuntimeError("the next revision failed")

    assert tables_of(empty_database_url) == set()


# ---------------------------------------------------------------- milestone-bot migrate


def test_migrate_makes_an_empty_database_and_says_so(tmp_path, empty_database_url):
    # Only the database is needed: no Slack settings.
    env = environment(tmp_path, DATABASE_URL=plain(empty_database_url))

    first = run("migrate", cwd=tmp_path, env=env)
    again = run("migrate", cwd=tmp_path, env=env)

    head = schema.head()
    assert env["DATABASE_URL"].startswith(("sqlite:///", "postgresql://"))
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        f"migrated the database from empty to {schema.describe_revision(head)}."
    ]
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == [
        f"the database is already at {schema.describe_revision(head)}: nothing to do."
    ]
    assert differences(empty_database_url) == []


def test_migrate_upgrades_a_database_made_before_migrations_and_keeps_its_milestones(
    tmp_path, empty_database_url
):
    made_before_migrations(empty_database_url)

    result = run("migrate", cwd=tmp_path, env=bot_environment(tmp_path, empty_database_url))

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"migrated the database from {schema.BASELINE} (the bot's tables), made before "
        f"migrations, to {schema.describe_revision(schema.head())}."
    ]
    assert revision_of(empty_database_url) == schema.head()
    assert differences(empty_database_url) == []
    engine = make_engine(empty_database_url)
    with session_scope(engine) as session:
        assert [m.title for m in session.scalars(select(Milestone))] == ["Beta shipped"]
    engine.dispose()


def test_migrate_upgrades_a_database_at_an_older_revision(tmp_path, empty_database_url):
    at_revision(empty_database_url, schema.BASELINE)

    result = run("migrate", cwd=tmp_path, env=bot_environment(tmp_path, empty_database_url))

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"migrated the database from {schema.BASELINE} (")
    assert revision_of(empty_database_url) == schema.head()
    assert differences(empty_database_url) == []


def test_migrate_refuses_a_database_with_only_some_of_the_bots_tables(tmp_path, empty_database_url):
    engine = make_engine(empty_database_url)
    SQLModel.metadata.tables["person"].create(engine)
    engine.dispose()

    result = run("migrate", cwd=tmp_path, env=bot_environment(tmp_path, empty_database_url))

    line = refusal_line(result)
    assert "some of milestone-bot's tables" in line
    assert "milestone," in line
    assert tables_of(empty_database_url) == {"person"}


# ---------------------------------------------------------------- starting the bot


def test_serve_on_an_empty_database_makes_the_schema_and_starts(
    tmp_path, slack, empty_database_url
):
    port = free_port()
    env = bot_environment(
        tmp_path, empty_database_url, SLACK_API_URL=slack.base_url, PORT=str(port)
    )

    with BotProcess("serve", "--no-scheduler", cwd=tmp_path, env=env) as bot:
        assert bot.wait_until_healthy().status_code == 200
        assert bot.terminate() == 0, bot.output()

    assert revision_of(empty_database_url) == schema.head()
    assert differences(empty_database_url) == []
    # Started again at head, it just starts.
    with BotProcess("serve", "--no-scheduler", cwd=tmp_path, env=env) as bot:
        assert bot.wait_until_healthy().status_code == 200
        assert bot.terminate() == 0, bot.output()


OLD_SCHEMAS = {
    "made-before-migrations": made_before_migrations,
    "at-the-baseline": lambda url: at_revision(url, schema.BASELINE),
}


@pytest.mark.parametrize("old", OLD_SCHEMAS)
@pytest.mark.parametrize("command", ["serve", "scheduler", "run-job nudges"])
def test_the_bot_refuses_to_start_on_an_older_schema_and_names_migrate(
    tmp_path, slack, empty_database_url, old, command
):
    OLD_SCHEMAS[old](empty_database_url)
    tables_before = tables_of(empty_database_url)
    env = bot_environment(
        tmp_path, empty_database_url, SLACK_API_URL=slack.base_url, PORT=str(free_port())
    )

    result = run(*command.split(), cwd=tmp_path, env=env)

    line = refusal_line(result)
    assert "`milestone-bot migrate`" in line
    assert tables_of(empty_database_url) == tables_before
    assert slack.calls == []


@pytest.mark.parametrize("command", ["serve", "migrate"])
def test_a_database_newer_than_the_code_is_refused(tmp_path, slack, empty_database_url, command):
    schema.migrate(empty_database_url)
    engine = make_engine(empty_database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))
    engine.dispose()
    env = bot_environment(
        tmp_path, empty_database_url, SLACK_API_URL=slack.base_url, PORT=str(free_port())
    )

    result = run(command, cwd=tmp_path, env=env)

    line = refusal_line(result)
    assert "f00d" in line
    assert "does not know" in line
    assert revision_of(empty_database_url) == "f00d"


def test_processes_starting_together_on_an_empty_database_migrate_it_once(
    tmp_path, empty_database_url
):
    """Both wait while the migration lock is held; then one migrates and the other finds the
    schema made (were they not to wait, both would create the tables, and one would fail)."""
    env = bot_environment(tmp_path, empty_database_url)

    with contextlib.ExitStack() as running:
        with schema.migration_lock(empty_database_url) as holder:
            starts = []
            for command in (["migrate"], ["run-job", "digest"]):
                folder = tmp_path / command[0]
                folder.mkdir()
                starts.append(running.enter_context(BotProcess(*command, cwd=folder, env=env)))
            if holder.dialect.name == "postgresql":
                wait_until_both_wait_for_the_lock(holder, starts)
            assert set(inspect(holder).get_table_names()) == set()

        statuses = [start.process.wait(timeout=60) for start in starts]
        assert statuses == [0, 0], [start.output() for start in starts]

    assert revision_of(empty_database_url) == schema.head()
    assert differences(empty_database_url) == []


def wait_until_both_wait_for_the_lock(holder, starts: list[BotProcess]) -> None:
    deadline = time.monotonic() + 20
    while True:
        waiting = holder.execute(
            text(
                "SELECT count(*) FROM pg_locks JOIN pg_database ON pg_database.oid = database "
                "WHERE locktype = 'advisory' AND NOT granted "
                "AND datname = current_database()"
            )
        ).scalar()
        if waiting == 2:
            return
        exited = [start.output() for start in starts if start.process.poll() is not None]
        assert not exited, f"a process did not wait for the lock: {exited}"
        assert time.monotonic() < deadline, "the processes did not ask for the lock in 20s"
        time.sleep(0.05)


def test_milestones_reached_before_celebrations_were_claimed_are_not_celebrated_again(
    empty_database_url,
):
    at_revision(empty_database_url, "0004")
    engine = make_engine(empty_database_url)
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)
    try:
        reached = old_milestone(
            engine, "Beta shipped", status="reached", revision=2, reached_at=now
        )

        schema.migrate(empty_database_url)

        with session_scope(engine) as session:
            [claimed] = session.scalars(
                select(Delivery).where(Delivery.kind == "celebration")
            ).all()
        assert (claimed.key, claimed.state) == (str(reached), "sent")
    finally:
        engine.dispose()


def test_reschedules_and_cancellations_made_before_notes_were_claimed_are_not_told_again(
    empty_database_url,
):
    at_revision(empty_database_url, "0005")
    engine = make_engine(empty_database_url)
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)

    try:
        moved = old_milestone(engine, "Beta shipped", due_date=date(2026, 12, 18), revision=2)
        written_then(
            engine,
            "milestoneevent",
            milestone_id=moved,
            kind="rescheduled",
            actor_id="U1",
            at=now,
            old_due_date=date(2026, 12, 4),
            new_due_date=date(2026, 12, 18),
            reason="vendor late",
        )
        dropped = old_milestone(
            engine, "Docs published", status="cancelled", revision=2, cancelled_at=now
        )

        schema.migrate(empty_database_url)

        with session_scope(engine) as session:
            claimed = {
                (d.kind, d.key, d.state)
                for d in session.scalars(
                    select(Delivery).where(Delivery.kind.in_(["rescheduled", "cancelled"]))
                ).all()
            }
        assert claimed == {
            ("rescheduled", f"{moved}:2", "sent"),
            ("cancelled", str(dropped), "sent"),
        }
    finally:
        engine.dispose()


def test_milestones_waiting_on_a_later_open_one_are_marked_when_the_flag_is_added(
    empty_database_url,
):
    at_revision(empty_database_url, "0013")
    engine = make_engine(empty_database_url)
    try:
        contract = old_milestone(engine, "Contract signed", due_date=date(2026, 12, 18))
        reached = old_milestone(
            engine, "Design approved", due_date=date(2026, 12, 20), status="reached", revision=2
        )
        undated = old_milestone(engine, "Logo chosen", due_date=None)
        beta = old_milestone(engine, "Beta shipped", due_date=date(2026, 12, 10))
        launch = old_milestone(engine, "Launch", due_date=date(2026, 12, 24))
        for milestone, prerequisite in [
            (beta, contract),
            (launch, contract),
            (launch, reached),
            (undated, contract),
        ]:
            written_then(engine, "dependency", milestone_id=milestone, prerequisite_id=prerequisite)

        schema.migrate(empty_database_url)

        with session_scope(engine) as session:
            flags = dict(session.execute(select(Milestone.id, Milestone.waits_on_later)).all())
        # Beta waits on the contract, due after it; the launch's only later prerequisite is
        # reached; a milestone with no due date is never late for one.
        assert flags == {contract: False, reached: False, undated: False, beta: True, launch: False}
    finally:
        engine.dispose()
