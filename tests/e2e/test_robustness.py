"""When the database fails: a write is all or nothing, the person is told privately that
nothing changed and to try again, and lost connections are replaced."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, text

from bot.listeners.failures import TRY_AGAIN
from bot.render import blocks
from bot.store.db import make_engine, session_scope
from bot.store.models import Milestone, MilestoneEvent, Status

# What a full disk, a broken replica or a killed transaction looks like to the bot: the
# database refuses a statement in the middle of a write (here, the history line written after
# the milestone itself).
REFUSE_HISTORY = {
    "sqlite": [
        "CREATE TRIGGER refuse_history BEFORE INSERT ON milestoneevent "
        "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_history() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device'; END $$",
        "CREATE TRIGGER refuse_history BEFORE INSERT ON milestoneevent "
        "FOR EACH ROW EXECUTE FUNCTION refuse_history()",
    ],
}
ALLOW_HISTORY = {
    "sqlite": ["DROP TRIGGER refuse_history"],
    "postgresql": [
        "DROP TRIGGER refuse_history ON milestoneevent",
        "DROP FUNCTION refuse_history()",
    ],
}


@contextlib.contextmanager
def history_refused(bot) -> Iterator[None]:
    """While the block runs, the database refuses to write a milestone's history."""
    dialect = bot.engine.dialect.name
    engine = make_engine(str(bot.engine.url.render_as_string(hide_password=False)))
    try:
        with engine.begin() as connection:
            for statement in REFUSE_HISTORY[dialect]:
                connection.exec_driver_sql(statement)
        yield
    finally:
        with engine.begin() as connection:
            for statement in ALLOW_HISTORY[dialect]:
                connection.exec_driver_sql(statement)
        engine.dispose()


def count(bot, model) -> int:
    with session_scope(bot.engine) as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.mark.changes_schema
def test_a_command_whose_write_fails_leaves_nothing_and_asks_to_try_again(bot):
    with history_refused(bot):
        response = bot.command('add "Beta shipped" due 2026-12-15')

    assert response.status_code == 200
    answer = response.json()
    assert answer["text"] == TRY_AGAIN
    assert answer.get("response_type", "ephemeral") == "ephemeral"
    # The milestone was inserted before its history failed: rolled back with it.
    assert count(bot, Milestone) == count(bot, MilestoneEvent) == 0
    assert bot.slack.calls_to("chat.postMessage") == []

    milestone = bot.add('"Beta shipped" due 2026-12-15')

    assert milestone.title == "Beta shipped"
    assert count(bot, Milestone) == 1


@pytest.mark.changes_schema
def test_a_button_whose_write_fails_changes_nothing_and_tells_the_presser(bot):
    milestone = bot.add('"Beta shipped" due 2026-12-15')
    value = bot.button(milestone)
    bot.slack.reset()

    with history_refused(bot):
        response = bot.press(blocks.COMPLETE, value)

    assert response.status_code == 200
    [answer] = bot.slack.responses
    assert answer["body"]["text"] == TRY_AGAIN
    assert answer["body"]["response_type"] == "ephemeral"
    unchanged = bot.milestone(milestone.id)
    assert (unchanged.status, unchanged.revision) == (Status.OPEN, milestone.revision)
    assert bot.slack.calls_to("chat.update") == bot.slack.calls_to("chat.postMessage") == []

    bot.press(blocks.COMPLETE, value)

    assert bot.milestone(milestone.id).status == Status.REACHED


@pytest.mark.changes_schema
def test_a_form_whose_write_fails_stays_open_and_asks_to_try_again(bot):
    milestone = bot.add('"Beta shipped" due 2026-12-15')
    view = blocks.reschedule_modal(bot.milestone(milestone.id))
    values = {
        blocks.DATE_BLOCK: {
            blocks.DATE_ACTION: {"type": "datepicker", "selected_date": "2026-12-20"}
        },
        blocks.REASON_BLOCK: {
            blocks.REASON_ACTION: {"type": "plain_text_input", "value": "vendor is late"}
        },
    }

    with history_refused(bot):
        response = bot.submit_view(view, values)

    assert response.status_code == 200
    first_field = next(block["block_id"] for block in view["blocks"] if block["type"] == "input")
    assert response.json() == {"response_action": "errors", "errors": {first_field: TRY_AGAIN}}
    assert bot.milestone(milestone.id).due_date == milestone.due_date

    bot.submit_view(view, values)

    assert str(bot.milestone(milestone.id).due_date) == "2026-12-20"


# PostgreSQL only (collected when TEST_DATABASE_URL is set, like the PostgreSQL half of every
# database test): SQLite has no server to drop the connections.
if os.environ.get("TEST_DATABASE_URL"):

    @pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
    def test_commands_work_again_after_the_server_drops_every_connection(bot):
        bot.add('"Alpha shipped" due 2026-12-15')
        # The pool now holds open connections, which the server is about to end.
        killer = make_engine(bot.engine.url.render_as_string(hide_password=False))
        with killer.begin() as connection:
            ended = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar()
        killer.dispose()
        assert ended >= 1

        response = bot.command('add "Beta shipped" due 2026-12-15')

        assert response.status_code == 200, response.text
        assert TRY_AGAIN not in response.text
        assert [m.title for m in bot.milestones()] == ["Alpha shipped", "Beta shipped"]
