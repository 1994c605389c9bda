"""Away: no nudges, reminders or escalations about someone away, by command or Slack status;
the status says who is away."""

from datetime import datetime

import pytest
from sqlmodel import select

from bot.delivery.status_sweep import run_digest_sweep
from bot.store.db import session_scope
from bot.store.models import Delivery, Person
from tests.support.harness import APPROVER, OTHER, OWNER, TEAM
from tests.support.reading import message_text
from tests.support.sweeping import (
    MONDAY,
    at,
    channel_posts,
    direct_messages,
    nudge_sweep,
    statuses,
)

DUE = "2026-12-01"  # a Tuesday


def sweep(bot, now: datetime) -> int:
    return nudge_sweep(bot, now, set_clock=True)


def claimed_kinds(bot) -> list[str]:
    with session_scope(bot.engine) as session:
        scheduled = select(Delivery).where(Delivery.kind != "announcement")
        return [d.kind for d in session.exec(scheduled).all()]


def test_owner_away_by_command_hears_nothing_on_both_days_and_is_nudged_once_back(bot):
    bot.add(f'"Beta version completed" due {DUE}')
    response = bot.command("away 2026-12-02 to 2026-12-03")
    assert "Wed 2 Dec 2026" in response.json()["text"]
    assert "Thu 3 Dec 2026" in response.json()["text"]

    # Olive is in New York: her working hours on 2 and 3 December are 14:00 to 22:59 UTC.
    assert sweep(bot, at(2, 14)) == 0
    assert sweep(bot, at(3, 17)) == 0
    assert sweep(bot, at(4, 13, 59)) == 0  # 08:59 on the 4th in New York
    assert claimed_kinds(bot) == []
    assert sweep(bot, at(4, 14)) == 1
    assert sweep(bot, at(4, 22)) == 0

    [nudge] = direct_messages(bot.slack, OWNER)
    # Days away are not caught up: one nudge, counting every working day since the due date.
    assert "*3 days overdue*" in message_text(nudge)


def test_a_single_away_day_covers_just_that_day(bot):
    bot.add(f'"Beta version completed" due {DUE}')
    response = bot.command("away 2026-12-02")
    assert "on Wed 2 Dec 2026" in response.json()["text"]

    assert sweep(bot, at(2, 17)) == 0
    assert sweep(bot, at(3, 17)) == 1


def test_away_off_turns_nudges_back_on(bot):
    bot.add(f'"Beta version completed" due {DUE}')
    bot.command("away 2026-12-02 to 2026-12-10")
    assert sweep(bot, at(2, 17)) == 0

    bot.clock.set(at(3, 14))
    response = bot.command("away off")
    assert "Welcome back" in response.json()["text"]

    assert sweep(bot, at(3, 17)) == 1
    [nudge] = direct_messages(bot.slack, OWNER)
    assert "*2 days overdue*" in message_text(nudge)


def test_an_absence_only_silences_the_person_away(bot):
    bot.add(f'"Beta version completed" due {DUE}')
    bot.add(f'"Vendor contract signed" due {DUE} owner <@{OTHER}|otto>')
    bot.command("away 2026-12-01 to 2026-12-04")

    assert sweep(bot, at(2, 17)) == 0  # Olive's working hours, but she is away
    assert sweep(bot, at(3, 1)) == 1  # 10:00 on 3 December in Tokyo, where Otto is

    assert direct_messages(bot.slack, OWNER) == []
    assert len(direct_messages(bot.slack, OTHER)) == 1


def test_no_due_soon_reminder_while_away(bot):
    # Due Monday 7 December: the reminder would go on Friday the 4th.
    bot.add('"Beta version completed" due 2026-12-07')
    bot.command("away 2026-12-04")

    assert sweep(bot, at(4, 17)) == 0
    assert sweep(bot, at(7, 17)) == 0

    assert direct_messages(bot.slack, OWNER) == []
    assert claimed_kinds(bot) == []


def test_no_escalation_while_away_and_only_sent_nudges_count_toward_it(bot):
    bot.add(f'"Beta version completed" due {DUE}')
    bot.command("away 2026-12-04 to 2026-12-05")

    assert sweep(bot, at(2, 17)) == 1
    assert sweep(bot, at(3, 17)) == 1
    assert sweep(bot, at(4, 17)) == 0
    assert sweep(bot, at(5, 17)) == 0
    assert sweep(bot, at(6, 17)) == 0  # Sunday
    assert channel_posts(bot.slack, "is overdue") == []
    # The third nudge, and then the word to the channel.
    assert sweep(bot, at(7, 17)) == 2

    assert len(channel_posts(bot.slack, "is overdue")) == 1


@pytest.mark.parametrize(
    ("status_text", "status_emoji"),
    [
        ("On vacation", ""),
        ("Holiday in Lisbon", ""),
        ("Out of office until Monday", ""),
        ("OOO", ""),
        ("back monday (ooo)", ""),
        ("", ":palm_tree:"),
        ("", ":airplane:"),
        ("", ":beach_with_umbrella:"),
    ],
)
def test_slack_status_that_says_away_holds_nudges_until_it_is_cleared(
    bot, slack, status_text, status_emoji
):
    bot.add(f'"Beta version completed" due {DUE}')
    slack.set_user(
        OWNER,
        tz="America/New_York",
        real_name="Olive Owner",
        status_text=status_text,
        status_emoji=status_emoji,
    )

    assert sweep(bot, at(2, 17)) == 0
    assert claimed_kinds(bot) == []

    # Back, and the status cleared: the next sweep asks Slack again and nudges.
    slack.set_user(OWNER, tz="America/New_York", real_name="Olive Owner")
    assert sweep(bot, at(2, 17, 30)) == 1
    assert len(direct_messages(slack, OWNER)) == 1


@pytest.mark.parametrize(
    ("status_text", "status_emoji"),
    [
        ("Zoom calls all day", ""),
        ("Back from vac", ""),
        ("In a meeting", ":calendar:"),
    ],
)
def test_slack_status_that_does_not_say_away_holds_nothing(bot, slack, status_text, status_emoji):
    bot.add(f'"Beta version completed" due {DUE}')
    slack.set_user(
        OWNER,
        tz="America/New_York",
        real_name="Olive Owner",
        status_text=status_text,
        status_emoji=status_emoji,
    )

    assert sweep(bot, at(2, 17)) == 1


def test_nudge_sweep_looks_each_owner_up_once_and_only_when_about_to_nudge(bot, slack):
    bot.add(f'"Beta version completed" due {DUE}')
    bot.add(f'"Pricing page live" due {DUE}')
    slack.reset()

    assert sweep(bot, at(2, 17)) == 2
    asked = [c.params["user"] for c in slack.calls_to("users.info")]
    assert asked == [OWNER]

    # Both nudges of the day are out: nothing to decide, nobody to ask about.
    slack.reset()
    assert sweep(bot, at(2, 17, 30)) == 0
    assert slack.calls_to("users.info") == []


def test_a_status_looked_up_in_the_last_five_minutes_is_taken_as_it_is(bot, slack):
    bot.add(f'"Beta version completed" due {DUE}')
    slack.set_user(OWNER, tz="America/New_York", real_name="Olive Owner", status_text="OOO")
    assert sweep(bot, at(2, 17)) == 0

    # Back, but the status was read 4 minutes ago: it holds, and Slack is not asked.
    slack.set_user(OWNER, tz="America/New_York", real_name="Olive Owner")
    slack.reset()
    assert sweep(bot, at(2, 17, 4)) == 0
    assert slack.calls_to("users.info") == []

    # Five minutes on, Slack is asked again, once, and the nudge goes.
    assert sweep(bot, at(2, 17, 5)) == 1
    assert [c.params["user"] for c in slack.calls_to("users.info")] == [OWNER]


def test_status_stored_with_the_name_when_the_sweep_looks_the_owner_up(bot, slack):
    bot.add(f'"Beta version completed" due {DUE}')
    slack.set_user(
        OWNER,
        tz="America/New_York",
        real_name="Olive Owner",
        display_name="olive",
        status_text="Vacationing",
        status_emoji=":palm_tree:",
    )

    sweep(bot, at(2, 17))

    with session_scope(bot.engine) as session:
        person = session.get(Person, (TEAM, OWNER))
    assert (person.timezone, person.display_name) == ("America/New_York", "olive")
    assert (person.status_text, person.status_emoji) == ("Vacationing", ":palm_tree:")
    assert person.fetched_at == at(2, 17)


def test_weekly_status_says_who_is_away_and_until_when(bot, slack):
    bot.add('"Beta version completed" due 2026-12-02')
    bot.add(f'"Vendor contract signed" due 2026-12-03 owner <@{OTHER}|otto>')
    bot.add(f'"Pricing page live" due 2026-12-03 owner <@{APPROVER}|arun>')
    # Two absences in a row count as one.
    bot.command("away 2026-11-30 to 2026-12-01")
    bot.command("away 2026-12-02 to 2026-12-04")
    slack.set_user(OTHER, tz="Asia/Tokyo", real_name="Otto Other", status_emoji=":airplane:")

    assert run_digest_sweep(bot.runtime, now=MONDAY).sent == 1
    bot.settle()

    [status] = statuses(slack)
    text = message_text(status)
    assert f":palm_tree: Away: <@{OWNER}> until Fri 4 Dec 2026, <@{OTHER}> (Slack status)" in text
    assert f"<@{APPROVER}> until" not in text
    # Under the title, before the milestones.
    assert text.index("Away:") < text.index("Beta version completed")


def test_status_command_says_who_is_away(bot):
    bot.add('"Beta version completed" due 2026-12-02')
    bot.command("away 2026-11-26 to 2026-11-27")
    bot.slack.reset()

    bot.command("status")

    [status] = statuses(bot.slack)
    assert f":palm_tree: Away: <@{OWNER}> until Fri 27 Nov 2026" in message_text(status)


def test_status_without_anyone_away_has_no_away_line(bot):
    bot.add('"Beta version completed" due 2026-12-02')
    bot.command("away 2026-12-07")

    bot.command("status")

    [status] = statuses(bot.slack)
    assert "Away" not in message_text(status)


def test_away_that_ends_before_it_starts_is_refused(bot):
    response = bot.command("away 2026-12-10 to 2026-12-03")

    assert "before it starts" in response.json()["text"]
