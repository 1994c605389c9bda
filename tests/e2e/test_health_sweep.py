"""Health that changes with time (overdue, due soon while a prerequisite is open) reaches the
channel card: the nudge sweep updates it in place, once."""

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from sqlmodel import col

from bot.delivery.nudges import run_nudge_sweep
from bot.runtime import build_runtime
from bot.store.db import session_scope
from bot.store.models import Health, Milestone
from tests.support.harness import START, make_settings, pacer_without_waiting


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in December 2026, UTC."""
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def sweep(bot, now: datetime) -> None:
    bot.clock.set(now)
    run_nudge_sweep(bot.runtime, now=now)
    bot.settle()


def card_updates(bot, milestone) -> list[str]:
    """The texts of the updates made to the milestone's channel card, in order."""
    ts = bot.milestone(milestone.id).announcement_ts
    return [
        "\n".join(
            element["text"]
            for block in call.params["blocks"]
            if block["type"] == "context"
            for element in block["elements"]
        )
        for call in bot.slack.calls_to("chat.update")
        if call.params["ts"] == ts
    ]


def test_card_turns_off_track_when_the_milestone_becomes_overdue_and_only_then(bot):
    milestone = bot.add('"Beta version completed" due 2026-12-01')
    sweep(bot, START)
    before = len(card_updates(bot, milestone))

    # Olive is in New York: still 1 December there, the due date.
    sweep(bot, at(2, 4, 59))
    assert len(card_updates(bot, milestone)) == before

    sweep(bot, at(2, 5))
    updates = card_updates(bot, milestone)[before:]
    assert len(updates) == 1
    assert "Off track: overdue since" in updates[0]
    assert bot.milestone(milestone.id).shown_health == Health.OFF_TRACK

    # Still off track on the next sweeps: the card is left alone.
    sweep(bot, at(2, 5, 30))
    sweep(bot, at(3, 17))
    assert len(card_updates(bot, milestone)) == before + 1


def test_card_turns_at_risk_when_due_soon_while_a_prerequisite_is_open(bot):
    prerequisite = bot.add('"Design review passed" due 2026-12-02')
    dependent = bot.add(f'"Beta version completed" due 2026-12-03 after {prerequisite.reference}')
    sweep(bot, START)
    before = {m.id: len(card_updates(bot, m)) for m in (prerequisite, dependent)}

    # Friday: three working days to Thursday 3 December, on track.
    sweep(bot, datetime(2026, 11, 27, 17, tzinfo=UTC))
    assert len(card_updates(bot, dependent)) == before[dependent.id]

    # Tuesday 1 December: two working days left while the review is still open.
    sweep(bot, at(1, 17))
    [update] = card_updates(bot, dependent)[before[dependent.id] :]
    assert f"At risk: due soon while {prerequisite.reference} is still open" in update
    assert bot.milestone(dependent.id).shown_health == Health.AT_RISK
    assert len(card_updates(bot, prerequisite)) == before[prerequisite.id]

    sweep(bot, at(1, 18))
    assert len(card_updates(bot, dependent)) == before[dependent.id] + 1


def test_card_that_slack_fails_to_update_is_updated_by_a_later_sweep(bot, slack):
    milestone = bot.add('"Beta version completed" due 2026-12-01')
    sweep(bot, START)
    before = len(card_updates(bot, milestone))
    # The update fails on its first try and on both retries.
    slack.fail("chat.update", status=500, times=3)

    sweep(bot, at(2, 17))
    assert len(card_updates(bot, milestone)) == before
    assert bot.milestone(milestone.id).shown_health != Health.OFF_TRACK

    sweep(bot, at(2, 17, 30))
    assert len(card_updates(bot, milestone)) == before + 1
    assert bot.milestone(milestone.id).shown_health == Health.OFF_TRACK


def test_two_processes_sweeping_at_the_same_moment_update_a_card_once(bot, slack):
    milestone = bot.add('"Beta version completed" due 2026-12-01')
    sweep(bot, START)
    before = len(card_updates(bot, milestone))
    bot.clock.set(at(2, 17))
    second = build_runtime(
        make_settings(bot.runtime.settings.database_url, slack),
        clock=bot.clock,
        pacer=pacer_without_waiting(),
    )
    ready = threading.Barrier(2)

    def run(runtime) -> None:
        ready.wait()
        run_nudge_sweep(runtime, now=at(2, 17))

    threads = [threading.Thread(target=run, args=(r,)) for r in (bot.runtime, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    second.background.shutdown()
    second.engine.dispose()
    bot.settle()

    assert len(card_updates(bot, milestone)) == before + 1


def show_on_card(bot, milestone, health: str | None) -> None:
    """Leave the card showing `health`, as a card update that failed for good would."""
    with session_scope(bot.engine) as session:
        session.execute(
            update(Milestone).where(col(Milestone.id) == milestone.id).values(shown_health=health)
        )


def test_card_left_showing_a_wrong_health_far_from_its_due_date_is_corrected(bot):
    milestone = bot.add('"Beta version completed" due 2027-03-01')
    show_on_card(bot, milestone, Health.OFF_TRACK)
    before = len(card_updates(bot, milestone))

    sweep(bot, at(2, 17))

    [update_text] = card_updates(bot, milestone)[before:]
    assert "On track" in update_text
    assert bot.milestone(milestone.id).shown_health == Health.ON_TRACK


@pytest.mark.parametrize("prerequisite_moved", [False, True])
def test_card_of_a_milestone_far_from_due_waiting_on_a_later_one_turns_at_risk(
    bot, prerequisite_moved
):
    """Declared after a later milestone, or left on track when its prerequisite moved past it
    (as if the process had stopped before it updated the card after the move)."""
    prerequisite = bot.add(
        f'"Design review passed" due {"2027-02-01" if prerequisite_moved else "2027-04-01"}'
    )
    dependent = bot.add(f'"Beta version completed" due 2027-03-01 after {prerequisite.reference}')
    if prerequisite_moved:
        bot.command(f"due {prerequisite.reference} 2027-04-01 because the reviewers are away")
    show_on_card(bot, dependent, Health.ON_TRACK)
    before = len(card_updates(bot, dependent))

    sweep(bot, at(2, 17))

    [update_text] = card_updates(bot, dependent)[before:]
    assert f"At risk: {prerequisite.reference} is due after it" in update_text
    assert bot.milestone(dependent.id).shown_health == Health.AT_RISK
    sweep(bot, at(2, 18))
    assert len(card_updates(bot, dependent)) == before + 1
