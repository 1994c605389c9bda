"""Health: blocked, at risk and off track, said by hand with a reason or derived from dates and
prerequisites, and shown in words in the list, the status and the channel card."""

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.delivery.scheduler import run_sweep
from bot.store.db import session_scope
from bot.store.models import Health, MilestoneEvent
from tests.support.harness import APPROVER, CHANNEL, OTHER, OWNER
from tests.support.reading import answer, message_text
from tests.support.sweeping import STATUS_TEXT


def list_line(bot, milestone, *, user: str = OWNER) -> str:
    [line] = [
        line
        for line in answer(bot.command("list", user=user)).split("\n")
        if f"*{milestone.reference}*" in line
    ]
    return line


def status_text(bot) -> str:
    bot.slack.reset()
    bot.command("status")
    [status] = [
        call
        for call in bot.slack.calls_to("chat.postMessage")
        if call.params["text"] == STATUS_TEXT
    ]
    return message_text(status)


def card_updates(bot, milestone) -> list:
    ts = bot.milestone(milestone.id).announcement_ts
    return [
        call
        for call in bot.slack.calls_to("chat.update")
        if (call.params["channel"], call.params["ts"]) == (CHANNEL, ts)
    ]


def events(bot, milestone) -> list[MilestoneEvent]:
    with session_scope(bot.engine) as session:
        return list(
            session.exec(
                select(MilestoneEvent)
                .where(MilestoneEvent.milestone_id == milestone.id)
                .order_by(MilestoneEvent.id)
            ).all()
        )


@pytest.mark.parametrize("command", ["block", "risk"])
def test_block_and_risk_need_a_reason(bot, command):
    milestone = bot.add('"Beta version completed" due 2026-12-15')
    bot.slack.reset()

    text = answer(bot.command(f"{command} {milestone.reference}"))

    assert f"/milestone {command} {milestone.reference} because" in text
    assert bot.milestone(milestone.id).marked_health is None
    assert bot.slack.calls_to("chat.update") == []


def test_block_is_shown_with_its_reason_in_the_list_the_status_and_the_card(bot):
    milestone = bot.add('"Beta version completed" due 2026-12-15')
    bot.slack.reset()

    text = answer(bot.command(f"block {milestone.reference} because the vendor's API is down"))

    assert text == f"{milestone.reference} is marked blocked: the vendor's API is down"
    [update] = card_updates(bot, milestone)
    assert ":no_entry: Blocked: the vendor's API is down" in message_text(update)
    assert "blocked: the vendor's API is down" in list_line(bot, milestone)
    # Due in more than a week, so it is listed only because it is blocked.
    status = status_text(bot)
    assert ":warning: Blocked or at risk (1)" in status
    assert f"*{milestone.reference}* · Beta version completed" in status
    assert "blocked: the vendor's API is down" in status
    stored = bot.milestone(milestone.id)
    assert (stored.marked_health, stored.health_reason) == (
        Health.BLOCKED,
        "the vendor's API is down",
    )
    assert [(e.kind, e.actor_id, e.reason) for e in events(bot, milestone)][-1] == (
        "blocked",
        OWNER,
        "the vendor's API is down",
    )


def test_unblock_returns_the_milestone_to_on_track_and_updates_the_card(bot):
    milestone = bot.add('"Beta version completed" due 2026-12-15')
    bot.command(f"block {milestone.reference} because the vendor's API is down")
    bot.slack.reset()

    text = answer(bot.command(f"unblock {milestone.reference}"))

    assert text == f"{milestone.reference} is no longer marked blocked or at risk."
    [update] = card_updates(bot, milestone)
    assert ":large_green_circle: On track" in message_text(update)
    assert "vendor" not in message_text(update)
    assert "· :large_green_circle: on track" in list_line(bot, milestone)
    assert "Blocked or at risk" not in status_text(bot)
    assert bot.milestone(milestone.id).health_reason is None
    assert events(bot, milestone)[-1].kind == "unblocked"


def test_unblocking_a_milestone_nobody_marked_is_refused(bot):
    milestone = bot.add('"Beta version completed" due 2026-12-15')
    bot.slack.reset()

    text = answer(bot.command(f"unblock {milestone.reference}"))

    assert "is not blocked or at risk" in text
    assert bot.slack.calls_to("chat.update") == []
    assert events(bot, milestone)[-1].kind == "declared"


def test_risk_is_shown_with_its_reason_and_the_card_updated(bot):
    milestone = bot.add('"Beta version completed" due 2026-12-15')
    bot.slack.reset()

    text = answer(bot.command(f"risk {milestone.reference} because two testers are ill"))

    assert text == f"{milestone.reference} is marked at risk: two testers are ill"
    [update] = card_updates(bot, milestone)
    assert ":large_yellow_circle: At risk: two testers are ill" in message_text(update)
    assert ":large_yellow_circle: at risk: two testers are ill" in list_line(bot, milestone)
    assert "at risk: two testers are ill" in status_text(bot)
    assert events(bot, milestone)[-1].kind == "at_risk"


def test_a_reason_cannot_mention_or_link_anyone(bot):
    milestone = bot.add('"Beta version completed" due 2026-12-15')
    bot.slack.reset()

    bot.command(f"block {milestone.reference} because <!channel> ask <@{OTHER}> & co")

    [update] = card_updates(bot, milestone)
    shown = message_text(update)
    assert "&lt;!channel&gt; ask &lt;@U0OTHER&gt; &amp; co" in shown
    assert "<!channel>" not in shown and f"<@{OTHER}>" not in shown


def test_owner_approver_and_declarer_may_set_health_and_nobody_else(bot):
    milestone = bot.add(f'"Contract signed" due 2026-12-15 owner <@{OTHER}> approver <@{APPROVER}>')
    bot.slack.reset()

    refused = answer(bot.command(f"block {milestone.reference} because no", user="U0STRANGER"))

    assert "owner, approver or declarer" in refused
    assert bot.milestone(milestone.id).marked_health is None
    assert bot.slack.calls_to("chat.update") == []

    bot.command(f"risk {milestone.reference} because legal is slow", user=OTHER)
    bot.command(f"block {milestone.reference} because legal said no", user=APPROVER)
    bot.command(f"unblock {milestone.reference}", user=OWNER)  # who declared it

    assert [(e.kind, e.actor_id) for e in events(bot, milestone)][1:] == [
        ("at_risk", OTHER),
        ("blocked", APPROVER),
        ("unblocked", OWNER),
    ]
    assert len(card_updates(bot, milestone)) == 3


def test_a_reached_milestone_has_no_health_to_set(bot):
    milestone = bot.add('"Beta version completed" due 2026-12-15')
    bot.command(f"done {milestone.reference}")
    bot.slack.reset()

    text = answer(bot.command(f"block {milestone.reference} because too late"))

    assert "already reached" in text
    assert bot.slack.calls_to("chat.update") == []


def test_an_overdue_milestone_is_off_track(bot, clock):
    milestone = bot.add('"Beta version completed" due 2026-11-30')
    clock.set(datetime(2026, 12, 2, 15, 0, tzinfo=UTC))  # Wednesday in New York

    assert ":red_circle: off track: 2 days overdue" in list_line(bot, milestone)
    status = status_text(bot)
    assert ":rotating_light: Overdue (1)" in status
    assert "(*2 days late*)" in status


def test_overdue_outranks_a_hand_set_risk_but_not_a_block(bot, clock):
    at_risk = bot.add('"Beta version completed" due 2026-11-30')
    blocked = bot.add('"Pricing page live" due 2026-11-30')
    bot.command(f"risk {at_risk.reference} because testers are ill")
    bot.command(f"block {blocked.reference} because legal said no")
    clock.set(datetime(2026, 12, 2, 15, 0, tzinfo=UTC))

    assert "off track: 2 days overdue" in list_line(bot, at_risk)
    assert "blocked: legal said no" in list_line(bot, blocked)


def test_the_card_turns_off_track_when_the_due_date_passes(bot, clock):
    milestone = bot.add('"Beta version completed" due 2026-11-30')
    bot.slack.reset()
    clock.set(datetime(2026, 12, 1, 15, 0, tzinfo=UTC))

    run_sweep(bot.runtime, "nudges")
    bot.settle()
    run_sweep(bot.runtime, "nudges")
    bot.settle()

    [update] = card_updates(bot, milestone)
    assert ":red_circle: Off track: overdue since Mon 30 Nov 2026" in message_text(update)


def test_due_within_two_working_days_with_an_open_prerequisite_is_at_risk(bot, clock):
    # Thursday 26 November in New York: Friday and Monday are the next two working days.
    prerequisite = bot.add('"Vendor contract signed" due 2026-11-27')
    monday = bot.add(f'"Beta version completed" due 2026-11-30 after {prerequisite.reference}')
    tuesday = bot.add(f'"Pricing page live" due 2026-12-01 after {prerequisite.reference}')
    alone = bot.add('"Press kit ready" due 2026-11-30')

    assert f"at risk: due soon while {prerequisite.reference} is still open" in list_line(
        bot, monday
    )
    assert "on track" in list_line(bot, tuesday)
    assert "on track" in list_line(bot, alone)

    # Friday: Tuesday is now two working days away; the weekend does not count.
    clock.set(datetime(2026, 11, 27, 15, 0, tzinfo=UTC))
    assert "at risk: due soon while" in list_line(bot, tuesday)

    # Once the prerequisite is reached, nothing holds them back.
    bot.command(f"done {prerequisite.reference}")
    assert "on track" in list_line(bot, monday)
    assert "on track" in list_line(bot, tuesday)


def test_working_days_are_counted_in_the_owners_time_zone(bot):
    # Thursday 15:00 UTC is Friday 00:00 in Tokyo, where OTHER lives.
    bot.command("list", user=OTHER)
    prerequisite = bot.add('"Vendor contract signed" due 2026-11-27')
    theirs = bot.add(
        f'"Pricing page live" due 2026-12-01 owner <@{OTHER}> after {prerequisite.reference}'
    )
    mine = bot.add(f'"Press kit ready" due 2026-12-01 after {prerequisite.reference}')

    assert "at risk: due soon while" in list_line(bot, theirs)
    assert "on track" in list_line(bot, mine)


def test_a_prerequisite_due_after_its_dependent_puts_it_at_risk(bot):
    prerequisite = bot.add('"Vendor contract signed" due 2026-12-20')
    dependent = bot.add(f'"Beta version completed" due 2026-12-15 after {prerequisite.reference}')
    bot.slack.reset()

    line = list_line(bot, dependent)

    assert f"at risk: {prerequisite.reference} is due after it" in line
    assert "on track" in list_line(bot, prerequisite)
    assert "Blocked or at risk (1)" in status_text(bot)


def test_a_card_whose_health_did_not_change_is_left_alone(bot):
    milestone = bot.add('"Beta version completed" due 2026-12-15')
    bot.slack.reset()

    run_sweep(bot.runtime, "nudges")
    bot.settle()

    assert card_updates(bot, milestone) == []


def test_the_reason_names_every_prerequisite_that_holds_a_milestone_back(bot):
    design = bot.add('"Design approved" due 2026-11-27')
    contract = bot.add('"Vendor contract signed" due 2026-11-27')
    late = bot.add('"Hosting contract signed" due 2026-12-21')
    soon = bot.add(
        f'"Beta version completed" due 2026-11-30 after {design.reference}, {contract.reference}'
    )
    later = bot.add(
        f'"Public launch" due 2026-12-18 after {design.reference}, {late.reference}, '
        f"{contract.reference}"
    )

    assert (
        f"at risk: due soon while {design.reference}, {contract.reference} are still open"
        in list_line(bot, soon)
    )
    assert f"at risk: {late.reference} is due after it" in list_line(bot, later)
    bot.command(f"due {design.reference} 2026-12-20")
    assert f"at risk: {design.reference}, {late.reference} are due after it" in list_line(
        bot, later
    )
