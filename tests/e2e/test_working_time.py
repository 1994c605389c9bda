"""Reminders in working time: hours, working days and public holidays (a person's, a channel's,
the deployment's), do-not-disturb, and the weekly status moved off a holiday."""

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.delivery.nudges import working_times
from bot.store.db import session_scope
from bot.store.models import ChannelSettings, PersonSchedule
from tests.support.harness import APPROVER, CHANNEL, OWNER, TEAM, make_settings, running_bot
from tests.support.reading import answer, message_text
from tests.support.sweeping import (
    at,
    channel_posts,
    direct_messages,
    nudge_sweep,
    statuses,
)
from tests.support.sweeping import (
    sweep as status_sweep,
)


def sweep(bot, now: datetime) -> int:
    return nudge_sweep(bot, now, set_clock=True)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def schedules(bot) -> list[PersonSchedule]:
    with session_scope(bot.engine) as session:
        return list(session.exec(select(PersonSchedule)).all())


def working_time_settings(bot) -> tuple[str | None, str | None, str | None] | None:
    """The channel's stored working hours, days and holidays; None when it has no settings."""
    with session_scope(bot.engine) as session:
        settings = session.get(ChannelSettings, (TEAM, CHANNEL))
        if settings is None:
            return None
        return settings.working_hours, settings.working_days, settings.holidays


def test_nudge_waits_for_nine_in_new_york_after_summer_time_ends(bot):
    # Olive is in New York. Due Friday 30 October 2026; clocks go back on Sunday 1 November.
    bot.clock.set(utc(2026, 10, 26, 15))
    milestone = bot.add('"Beta version completed" due 2026-10-30')

    assert sweep(bot, utc(2026, 10, 31, 15)) == 0  # Saturday
    assert sweep(bot, utc(2026, 11, 1, 15)) == 0  # Sunday
    # Monday 2 November, EST (UTC-5): 08:30 and then 09:00 in New York.
    assert sweep(bot, utc(2026, 11, 2, 13, 30)) == 0
    assert sweep(bot, utc(2026, 11, 2, 14, 0)) == 1

    [nudge] = direct_messages(bot.slack, OWNER)
    assert f"*{milestone.reference}*" in message_text(nudge)
    # Friday to Monday is one working day.
    assert "*1 day overdue*" in message_text(nudge)


def test_nudge_waits_for_nine_in_paris_after_summer_time_ends(bot):
    # Arun, in Paris, owns it. Due Friday 23 October 2026; clocks go back on Sunday 25th.
    bot.clock.set(utc(2026, 10, 19, 12))
    bot.add(f'"Vendor contract signed" due 2026-10-23 owner <@{APPROVER}|arun>')

    # Monday 26 October, CET (UTC+1): 07:30 UTC is 08:30 in Paris, 08:00 UTC is 09:00.
    assert sweep(bot, utc(2026, 10, 26, 7, 30)) == 0
    assert sweep(bot, utc(2026, 10, 26, 8, 0)) == 1
    # 17:00 UTC is 18:00 in Paris, closed: Tuesday's nudge waits for Tuesday morning.
    assert sweep(bot, utc(2026, 10, 27, 17, 0)) == 0
    assert sweep(bot, utc(2026, 10, 27, 16, 59)) == 1

    assert len(direct_messages(bot.slack, APPROVER)) == 2


def test_no_nudge_on_public_holidays_of_the_owners_country(bot, slack):
    slack.set_user(OWNER, tz="Europe/London", real_name="Olive Owner")
    bot.clock.set(at(14, 10))
    assert "GB" in answer(bot.command("me holidays gb"))
    bot.add('"Year-end accounts closed" due 2026-12-23')

    # Thursday 24th; Christmas on Friday, the weekend, and Boxing Day observed on Monday 28th.
    sent = {day: sweep(bot, at(day, 10)) for day in (24, 25, 26, 27, 28, 29)}

    assert sent == {24: 1, 25: 0, 26: 0, 27: 0, 28: 0, 29: 1}
    first, second = direct_messages(slack, OWNER)
    assert "*1 day overdue*" in message_text(first)
    assert "*2 days overdue*" in message_text(second)


def test_due_soon_reminder_goes_before_a_holiday_weekend(bot, slack):
    slack.set_user(OWNER, tz="Europe/London", real_name="Olive Owner")
    bot.clock.set(at(14, 10))
    bot.command("me holidays GB")
    milestone = bot.add('"Payroll run" due 2026-12-28')

    # Due Monday 28 December, a holiday in GB like Friday 25th: the reminder comes Thursday.
    assert sweep(bot, at(23, 10)) == 0
    assert sweep(bot, at(24, 10)) == 1
    assert sweep(bot, at(25, 10)) == 0

    [reminder] = direct_messages(slack, OWNER)
    assert f"*{milestone.reference}*" in message_text(reminder)
    assert "Mon 28 Dec 2026" in message_text(reminder)
    # The due date is a holiday of hers, so not "the next working day".
    assert "working day" not in message_text(reminder)


def test_without_holidays_the_due_soon_reminder_comes_on_christmas_day(bot, slack):
    slack.set_user(OWNER, tz="Europe/London", real_name="Olive Owner")
    bot.clock.set(at(14, 10))
    bot.add('"Payroll run" due 2026-12-28')

    assert sweep(bot, at(24, 10)) == 0
    assert sweep(bot, at(25, 10)) == 1
    [reminder] = direct_messages(slack, OWNER)
    assert "Mon 28 Dec 2026*, the next working day" in message_text(reminder)


def test_escalation_counts_working_days_and_skips_the_weekend(bot):
    bot.clock.set(at(1, 15))
    milestone = bot.add('"Beta version completed" due 2026-12-03')  # a Thursday

    # Friday 4th, (weekend), Monday 7th, Tuesday 8th: the third nudge, then the channel hears.
    sent = {day: sweep(bot, at(day, 15)) for day in (4, 5, 6, 7, 8)}

    assert sent == {4: 1, 5: 0, 6: 0, 7: 1, 8: 2}
    [escalation] = channel_posts(bot.slack, "is overdue")
    text = message_text(escalation)
    assert f"*{milestone.reference}*" in text
    # Five calendar days, three working days.
    assert "3 days overdue" in text
    assert "*3 days overdue*" in message_text(direct_messages(bot.slack, OWNER)[-1])


def test_my_hours_move_my_nudges(bot):
    response = bot.command("me hours 10:00-17:00")
    assert "10:00-17:00" in answer(response)
    bot.add('"Beta version completed" due 2026-12-01')

    # New York: 09:00 is 14:00 UTC, 10:00 is 15:00 UTC, 17:00 is 22:00 UTC.
    assert sweep(bot, at(2, 14)) == 0
    assert sweep(bot, at(2, 15)) == 1
    assert sweep(bot, at(3, 22)) == 0
    assert sweep(bot, at(3, 21, 59)) == 1


def test_my_days_leave_fridays_quiet_and_default_brings_them_back(bot):
    assert "mon-thu" in answer(bot.command("me days mon-thu"))
    bot.add('"Beta version completed" due 2026-12-02')

    assert sweep(bot, at(3, 15)) == 1  # Thursday
    assert sweep(bot, at(4, 15)) == 0  # Friday: not a working day of hers
    shown = answer(bot.command("me days default"))
    assert "mon-fri" in shown and "the workspace's" in shown
    assert sweep(bot, at(4, 16)) == 1
    assert [s.working_days for s in schedules(bot)] == [None]


def test_me_shows_my_settings_and_the_defaults(bot):
    shown = answer(bot.command("me"))

    assert "09:00-18:00" in shown
    assert "mon-fri" in shown
    assert "America/New_York" in shown
    assert "`me hours" in shown
    assert schedules(bot) == []


def test_deployment_defaults_serve_people_who_chose_nothing(database_url, slack, clock):
    settings = make_settings(
        database_url, slack, WORKING_HOURS="07:00-12:00", WORKING_DAYS="mon-sat", HOLIDAYS="FR"
    )
    slack.set_user(OWNER, tz=None, real_name="Olive Owner")  # no time zone: DEFAULT_TIMEZONE
    with running_bot(settings, slack, clock) as bot:
        bot.add('"Beta version completed" due 2026-12-03')
        assert "07:00-12:00" in answer(bot.command("me"))

        assert sweep(bot, at(4, 6, 59)) == 0
        assert sweep(bot, at(4, 7, 0)) == 1
        assert sweep(bot, at(5, 12, 0)) == 0  # Saturday is a working day, but it is noon
        assert sweep(bot, at(5, 11, 59)) == 1
        # Friday 25 December is a public holiday in France.
        assert sweep(bot, at(25, 8)) == 0
        assert sweep(bot, at(26, 8)) == 2  # the third nudge, and the escalation


def test_do_not_disturb_holds_a_nudge_until_it_ends(bot, slack):
    bot.add('"Beta version completed" due 2026-12-01')
    # Olive's do-not-disturb runs 09:00 to 11:00 in New York on 2 December.
    slack.set_dnd(OWNER, at(2, 14), at(2, 16))

    assert sweep(bot, at(2, 14)) == 0
    assert sweep(bot, at(2, 15, 30)) == 0
    assert sweep(bot, at(2, 16)) == 1

    assert len(direct_messages(slack, OWNER)) == 1
    assert {call.params["user"] for call in slack.calls_to("dnd.info")} == {OWNER}


def test_do_not_disturb_of_several_owners_is_asked_at_once(bot, slack):
    bot.add('"Beta version completed" due 2026-12-01')
    bot.add(f'"Vendor contract signed" due 2026-12-01 owner <@{APPROVER}|arun>')
    # Both at work from 14:00 UTC (09:00 in New York, 15:00 in Paris); Arun's do-not-disturb
    # runs until 16:00 UTC.
    slack.set_dnd(APPROVER, at(2, 13), at(2, 16))

    assert sweep(bot, at(2, 15)) == 1
    assert len(direct_messages(slack, OWNER)) == 1
    assert direct_messages(slack, APPROVER) == []
    [asked] = slack.calls_to("dnd.teamInfo")
    assert set(asked.params["users"].split(",")) == {OWNER, APPROVER}

    assert sweep(bot, at(2, 16)) == 1
    assert len(direct_messages(slack, APPROVER)) == 1


def test_do_not_disturb_is_asked_only_about_people_about_to_be_reminded(bot, slack):
    bot.add('"Beta version completed" due 2026-12-20')

    assert sweep(bot, at(2, 15)) == 0

    assert slack.calls_to("dnd.info") == slack.calls_to("dnd.teamInfo") == []


def test_channel_nudges_wait_for_the_channels_working_time(bot):
    bot.command("settings nudges channel")
    response = bot.command("settings hours 19:00-22:00")
    assert "19:00-22:00" in answer(response)
    bot.add('"Beta version completed" due 2026-12-01')

    # Olive works from 14:00 UTC; the channel (UTC) from 19:00.
    assert sweep(bot, at(2, 15)) == 0
    assert sweep(bot, at(2, 19)) == 1
    assert len(channel_posts(bot.slack, "overdue")) == 1
    assert working_time_settings(bot) == ("19:00-22:00", None, None)


def test_weekly_status_on_a_holiday_posts_on_the_next_working_day_once(bot):
    bot.clock.set(at(14, 10))
    bot.add('"Beta version completed" due 2027-01-15')
    bot.command("settings holidays GB")

    # Monday 21 December is a working day; Monday 28th is Boxing Day observed in GB.
    assert status_sweep(bot, at(21, 9)) == 1
    assert status_sweep(bot, at(28, 9)) == 0
    assert status_sweep(bot, at(29, 8, 59)) == 0
    assert status_sweep(bot, at(29, 9)) == 1
    assert status_sweep(bot, at(29, 10)) == 0
    assert status_sweep(bot, at(30, 9)) == 0
    # The week after is as usual: Monday 4 January 2027.
    assert status_sweep(bot, datetime(2027, 1, 4, 9, tzinfo=UTC)) == 1

    assert len(statuses(bot.slack)) == 3


def test_bad_working_time_is_refused_and_changes_nothing(bot):
    bot.command("settings mentions on")  # the channel has settings, to see them unchanged
    before = working_time_settings(bot)
    refusals = {
        "me hours 25:00-26:00": "is not working hours",
        "me hours 17:00-09:00": "closes before it opens",
        "me days funday": "not a set of working days",
        "me holidays us-txs": "Did you mean US-TX",
        "me holidays": "/milestone me holidays",
        "me colour blue": "I don't know your setting",
        "settings holidays Atlantis": "I know no public holidays",
        "settings days mon-": "not a set of working days",
        "settings hours 9-5": "is not working hours",
    }
    for command, problem in refusals.items():
        response = bot.command(command)
        assert problem in answer(response), (command, answer(response))
        assert "Nothing was changed" in answer(response) or problem.startswith(
            ("/milestone", "I don't know")
        )

    assert schedules(bot) == []
    assert before == working_time_settings(bot) == (None, None, None)
    assert bot.slack.calls_to("chat.postMessage") == []


def test_the_channel_hears_who_changed_its_working_time(bot):
    bot.command("settings days mon-thu")
    bot.settle()

    [note] = channel_posts(bot.slack, "settings changed")
    assert "mon-fri" in message_text(note)
    assert "mon-thu" in message_text(note)
    assert f"<@{OWNER}>" in message_text(note)
    assert working_time_settings(bot) == (None, "mon-thu", None)


def test_status_posted_on_a_holiday_is_not_posted_again_the_next_day(bot):
    # A channel in Paris with French holidays and its status on Fridays at 16:00: Friday
    # 25 December 2026 is Christmas, so that week's status comes on Monday 28th at 16:00.
    bot.clock.set(at(14, 10))
    bot.add('"Beta version completed" due 2027-01-15')
    bot.command("settings digest friday 16:00 Europe/Paris")
    bot.command("settings holidays FR")

    assert status_sweep(bot, at(25, 15)) == 0
    assert status_sweep(bot, at(28, 15) - timedelta(minutes=1)) == 0
    assert status_sweep(bot, at(28, 15)) == 1
    assert status_sweep(bot, at(28, 16)) == 0

    assert len(statuses(bot.slack)) == 1


def test_an_escalation_to_the_channel_waits_for_a_nudge_in_the_channels_working_time(bot):
    bot.command("settings hours 19:00-22:00")  # the channel's, in UTC
    bot.add('"Beta version completed" due 2026-12-01')

    # Olive is nudged at 15:00 UTC (10:00 in New York): the third, on Friday, comes while the
    # channel is closed, so the channel hears nothing yet.
    assert [sweep(bot, at(day, 15)) for day in (2, 3, 4)] == [1, 1, 1]
    assert channel_posts(bot.slack, "is overdue") == []
    # Monday's nudge goes out at 19:00 UTC, in both working times: the escalation with it.
    assert sweep(bot, at(7, 19)) == 2

    [escalation] = channel_posts(bot.slack, "is overdue")
    assert "4 days overdue" in message_text(escalation)


def test_a_sweep_at_each_opening_finds_what_any_moment_of_the_day_would(bot):
    """The sandbox's clock sweeps only where someone's working time opens (working_times):
    those are Olive's chosen 10:00 in New York and the channel's 19:00 UTC, and a sweep at
    each sends what the scheduler's sweeps through the day send."""
    bot.command("me hours 10:00-17:00")
    bot.command("settings nudges channel")
    bot.command("settings hours 19:00-22:00")
    bot.add('"Beta version completed" due 2026-12-01')
    bot.settle()

    openings = sorted(
        {
            opening
            for working in working_times(bot.runtime)
            for opening in working.openings(at(2, 0), at(3, 0))
        }
    )
    assert at(2, 15) in openings  # Olive's 10:00 in New York
    assert at(2, 19) in openings  # the channel's
    sent = [sweep(bot, moment) for moment in openings]
    assert sum(sent) == 1
    assert sent[openings.index(at(2, 19))] == 1  # the nudge, in the channel's working time
