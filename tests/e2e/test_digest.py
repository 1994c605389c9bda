"""The weekly status: when it posts, to whom, once, what it says, and how it survives Slack."""

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event
from sqlmodel import select

from bot.delivery.scheduler import run_sweep
from bot.delivery.status_sweep import compose_digests, due_digests, run_digest_sweep
from bot.render import blocks
from bot.runtime import build_runtime
from bot.store.claims import claim
from bot.store.db import session_scope
from bot.store.models import Delivery
from tests.support.harness import (
    APPROVER,
    CHANNEL,
    OTHER,
    OWNER,
    make_settings,
    pacer_without_waiting,
)
from tests.support.reading import items_by_heading, section_texts
from tests.support.sweeping import MONDAY, statuses, sweep

REFERENCE = re.compile(r"\*M-(\d+)\*")
ON_TRACK = " · :large_green_circle: on track"
CURRENT = (
    ":white_check_mark: Reached in the last 7 days",
    ":rotating_light: Overdue",
    ":hourglass_flowing_sand: Waiting for approval",
    ":spiral_calendar_pad: Due in the next 7 days",
    ":warning: Blocked or at risk",
)
COMING_UP = ":crystal_ball: Coming up"
CANCELLED = ":heavy_minus_sign: Cancelled this week"


def answer_text(response) -> str:
    """The whole private answer to a slash command, all its sections."""
    return "\n".join(block["text"]["text"] for block in response.json()["blocks"])


def digest_deliveries(bot) -> list[Delivery]:
    with session_scope(bot.engine) as session:
        return list(session.exec(select(Delivery).where(Delivery.kind == "digest")).all())


def test_weekly_status_posts_at_nine_on_monday_and_not_before(bot):
    bot.add('"Beta version completed" due 2026-12-03')

    assert sweep(bot, datetime(2026, 11, 29, 23, 0, tzinfo=UTC)) == 0
    assert sweep(bot, MONDAY - timedelta(minutes=1)) == 0
    assert statuses(bot.slack) == []

    assert sweep(bot, MONDAY) == 1

    [status] = statuses(bot.slack)
    assert "week of Mon 30 Nov 2026" in section_texts(status)[0]
    [delivery] = digest_deliveries(bot)
    assert delivery.channel_id == CHANNEL
    assert delivery.sent_at is not None


def test_digest_sweep_run_twice_posts_once(bot):
    bot.add('"Beta version completed" due 2026-12-03')
    bot.clock.set(MONDAY + timedelta(minutes=2))

    assert run_sweep(bot.runtime, "digest").sent == 1
    bot.clock.advance(minutes=5)
    assert run_sweep(bot.runtime, "digest").sent == 0
    bot.settle()

    assert len(statuses(bot.slack)) == 1
    assert len(digest_deliveries(bot)) == 1


def test_two_processes_sweeping_at_the_same_moment_post_once(bot, slack):
    bot.add('"Beta version completed" due 2026-12-03')
    second = build_runtime(
        make_settings(bot.runtime.settings.database_url, slack), pacer=pacer_without_waiting()
    )
    ready = threading.Barrier(2)
    counts: list[int] = []

    def run(runtime) -> None:
        ready.wait()
        counts.append(run_digest_sweep(runtime, now=MONDAY).sent)

    threads = [threading.Thread(target=run, args=(r,)) for r in (bot.runtime, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    second.background.shutdown()
    second.engine.dispose()

    assert sorted(counts) == [0, 1]
    assert len(statuses(slack)) == 1


def test_digest_missed_during_downtime_is_sent_once_within_the_grace_period(bot):
    bot.add('"Beta version completed" due 2026-12-03')

    # The bot was down from Sunday to Monday 17:00: eight hours late, within the 12-hour grace.
    assert sweep(bot, MONDAY + timedelta(hours=8)) == 1
    assert sweep(bot, MONDAY + timedelta(hours=8, minutes=5)) == 0
    assert sweep(bot, MONDAY + timedelta(hours=11, minutes=59)) == 0

    assert len(statuses(bot.slack)) == 1


def test_digest_missed_beyond_the_grace_period_waits_for_next_week(bot):
    bot.add('"Beta version completed" due 2026-12-03')

    # Back on Tuesday at 10:00: 25 hours late, a stale status is not worth posting.
    assert sweep(bot, MONDAY + timedelta(hours=25)) == 0
    assert sweep(bot, MONDAY + timedelta(days=6, hours=23)) == 0
    assert statuses(bot.slack) == []

    assert sweep(bot, MONDAY + timedelta(days=7)) == 1
    [status] = statuses(bot.slack)
    assert "week of Mon 7 Dec 2026" in section_texts(status)[0]


def test_each_channel_with_milestones_gets_its_own_status(bot):
    bot.add('"Beta version completed" due 2026-12-03')
    bot.add('"Pricing page live" due 2026-12-04', channel="C222")
    bot.add('"Second beta milestone" due 2026-12-05')

    assert sweep(bot, MONDAY) == 2

    assert len(statuses(bot.slack, CHANNEL)) == 1
    assert len(statuses(bot.slack, "C222")) == 1
    assert sorted(d.channel_id for d in digest_deliveries(bot)) == ["C111", "C222"]


def test_channel_with_only_cancelled_milestones_gets_no_status(bot):
    bot.add('"Beta version completed" due 2026-12-03')
    dropped = bot.add('"Pricing page live" due 2026-12-04', channel="C222")
    bot.command(f"cancel {dropped.reference} because the scope changed", channel="C222")

    assert sweep(bot, MONDAY) == 1

    assert len(statuses(bot.slack, CHANNEL)) == 1
    assert statuses(bot.slack, "C222") == []


def test_status_lists_reached_due_overdue_and_awaiting_approval(bot):
    # Declared and reached long before the week in question: not news any more.
    bot.clock.set(datetime(2026, 11, 20, 15, 0, tzinfo=UTC))
    old = bot.add('"Kickoff held" due 2026-11-24')
    bot.command(f"done {old.reference}")
    bot.clock.set(datetime(2026, 11, 26, 15, 0, tzinfo=UTC))
    reached = bot.add('"Design review passed" due 2026-12-10')
    bot.command(f"done {reached.reference}")
    overdue = bot.add(f'"Vendor contract signed" due 2026-11-27 owner <@{OTHER}|otto>')
    due_soon = bot.add('"Beta version completed" due 2026-12-07')
    later = bot.add('"General availability" due 2026-12-08')
    waiting = bot.add(f'"Security audit done" due 2026-12-02 approver <@{APPROVER}|arun>')
    bot.command(f"done {waiting.reference}")
    cancelled = bot.add('"Print brochure" due 2026-12-01')
    bot.command(f"cancel {cancelled.reference}")

    assert sweep(bot, MONDAY) == 1

    items = items_by_heading(statuses(bot.slack))
    # What stands this week; what changed and what comes later have sections of their own.
    current = {heading: lines for heading, lines in items.items() if heading in CURRENT}
    assert current == {
        ":white_check_mark: Reached in the last 7 days": [
            f"• *{reached.reference}* · Design review passed — <@{OWNER}>, "
            "due Thu 10 Dec 2026, reached Thu 26 Nov 2026"
        ],
        ":rotating_light: Overdue": [
            f"• *{overdue.reference}* · Vendor contract signed — <@{OTHER}>, "
            "due Fri 27 Nov 2026 (*3 days late*)"
        ],
        ":hourglass_flowing_sand: Waiting for approval": [
            f"• *{waiting.reference}* · Security audit done — <@{OWNER}>, due Wed 2 Dec 2026"
            + ON_TRACK
        ],
        ":spiral_calendar_pad: Due in the next 7 days": [
            f"• *{due_soon.reference}* · Beta version completed — <@{OWNER}>, due Mon 7 Dec 2026"
            + ON_TRACK
        ],
    }
    everything = "\n".join(line for lines in current.values() for line in lines)
    for left_out in (old, later, cancelled):
        assert f"*{left_out.reference}*" not in everything
    assert [f"*{later.reference}*" in line for line in items[COMING_UP]] == [True]
    assert [f"*{cancelled.reference}*" in line for line in items[CANCELLED]] == [True]
    assert f"*{old.reference}*" not in "\n".join(sum(items.values(), []))


def test_each_reached_milestone_is_in_exactly_one_weekly_status(bot):
    early = bot.add('"Design review passed" due 2026-12-10')
    late = bot.add('"Beta version completed" due 2026-12-10')
    bot.clock.set(MONDAY - timedelta(hours=1))
    bot.command(f"done {early.reference}")
    assert sweep(bot, MONDAY) == 1
    # Reached an hour after this week's status: news for next week's.
    bot.clock.set(MONDAY + timedelta(hours=1))
    bot.command(f"done {late.reference}")
    assert sweep(bot, MONDAY + timedelta(days=7)) == 1

    this_week, next_week = (items_by_heading([call]) for call in statuses(bot.slack))
    reached = ":white_check_mark: Reached in the last 7 days"
    assert [f"*{early.reference}*" in line for line in this_week[reached]] == [True]
    assert [f"*{late.reference}*" in line for line in next_week[reached]] == [True]


def test_reached_date_is_the_channels_calendar_date(bot):
    bot.command("settings digest monday 09:00 America/Los_Angeles")
    milestone = bot.add('"Beta version completed" due 2026-12-10')
    # Sunday 29 November, 20:00 in Los Angeles: already Monday in UTC.
    bot.clock.set(datetime(2026, 11, 30, 4, 0, tzinfo=UTC))
    bot.command(f"done {milestone.reference}")

    assert sweep(bot, datetime(2026, 11, 30, 17, 0, tzinfo=UTC)) == 1

    [line] = items_by_heading(statuses(bot.slack))[":white_check_mark: Reached in the last 7 days"]
    assert line.endswith("reached Sun 29 Nov 2026"), line


def test_item_without_a_due_date_says_no_due_date(bot):
    milestone = bot.add('"Beta version completed"')
    bot.command(f"done {milestone.reference}")

    assert sweep(bot, MONDAY) == 1

    [line] = items_by_heading(statuses(bot.slack))[":white_check_mark: Reached in the last 7 days"]
    assert f"<@{OWNER}>, no due date, reached Thu 26 Nov 2026" in line, line


def test_an_empty_week_says_so_in_one_line(bot):
    # Reached, with no due date, two weeks before: nothing is news, due or planned.
    bot.clock.set(MONDAY - timedelta(days=14))
    milestone = bot.add('"General availability"')
    bot.command(f"done {milestone.reference}")

    assert sweep(bot, MONDAY) == 1

    [status] = statuses(bot.slack)
    [block] = status.params["blocks"]
    title, line = block["text"]["text"].split("\n")
    assert "week of Mon 30 Nov 2026" in title
    assert "quiet week" in line


def test_a_long_status_is_split_to_fit_slacks_limits_without_dropping_anything(bot):
    # Titles of 150 characters, and each & becomes &amp; in the message: every line is about
    # 780 characters long, three fit a section, and 160 of them need more than 50 sections.
    # Declared before the week in question: each is listed once, as due this week.
    bot.clock.set(MONDAY - timedelta(days=10))
    declared = [
        bot.add(f'"{number:03d} {"&" * 146}" due 2026-12-0{1 + number % 7}')
        for number in range(160)
    ]
    bot.slack.reset()

    assert sweep(bot, MONDAY) == 1

    messages = statuses(bot.slack)
    assert len(messages) >= 2
    seen: list[int] = []
    for message in messages:
        assert len(message.params["blocks"]) <= blocks.MAX_BLOCKS
        for text in section_texts(message):
            assert len(text) <= blocks.MAX_SECTION_TEXT
            seen.extend(int(number) for number in REFERENCE.findall(text))
    assert sorted(seen) == sorted(m.id for m in declared)
    assert len(digest_deliveries(bot)) == 1


def test_settings_move_the_weekly_status_to_another_day_time_and_zone(bot):
    bot.add('"Beta version completed" due 2026-12-10')

    response = bot.command("settings digest friday 16:30 Europe/Paris")

    assert "every *Friday* at *16:30* (Europe/Paris)" in answer_text(response)
    assert sweep(bot, MONDAY) == 0
    # Friday 4 December: 16:30 in Paris is 15:30 UTC in winter.
    assert sweep(bot, datetime(2026, 12, 4, 15, 29, tzinfo=UTC)) == 0
    assert sweep(bot, datetime(2026, 12, 4, 15, 30, tzinfo=UTC)) == 1
    [status] = statuses(bot.slack)
    assert "week of Fri 4 Dec 2026" in section_texts(status)[0]


@pytest.mark.parametrize(
    ("declared_on", "first_friday", "second_friday"),
    [
        # Summer time ends on Sunday 25 October 2026: 14:30 UTC, then 15:30 UTC.
        pytest.param(
            datetime(2026, 10, 1, 12, 0, tzinfo=UTC),
            datetime(2026, 10, 23, 14, 30, tzinfo=UTC),
            datetime(2026, 10, 30, 15, 30, tzinfo=UTC),
            id="october",
        ),
        # Summer time starts on Sunday 28 March 2027: 15:30 UTC, then 14:30 UTC.
        pytest.param(
            datetime(2027, 3, 1, 12, 0, tzinfo=UTC),
            datetime(2027, 3, 26, 15, 30, tzinfo=UTC),
            datetime(2027, 4, 2, 14, 30, tzinfo=UTC),
            id="march",
        ),
    ],
)
def test_weekly_status_keeps_its_local_time_across_daylight_saving_changes(
    bot, declared_on, first_friday, second_friday
):
    bot.clock.set(declared_on)
    bot.add('"General availability" due 2027-06-01')
    bot.command("settings digest fri 16:30 Europe/Paris")

    for friday in (first_friday, second_friday):
        assert sweep(bot, friday - timedelta(minutes=1)) == 0
        assert sweep(bot, friday) == 1
        assert sweep(bot, friday + timedelta(hours=1)) == 0

    assert len(statuses(bot.slack)) == 2


def test_weekly_status_in_the_hour_that_repeats_in_autumn_posts_once_at_its_first_pass(bot):
    bot.clock.set(datetime(2026, 10, 1, 12, 0, tzinfo=UTC))
    bot.add('"General availability" due 2027-06-01')
    bot.command("settings digest sunday 02:30 Europe/Paris")
    # A channel that works on Sundays: its status is not moved to Monday.
    bot.command("settings days mon-sun")

    # Sunday 25 October 2026: Paris passes 02:30 at 00:30 UTC (summer time) and again at
    # 01:30 UTC (winter time). The bot comes back at 01:10 UTC, 02:10 on the second pass.
    assert sweep(bot, datetime(2026, 10, 25, 0, 29, tzinfo=UTC)) == 0
    assert sweep(bot, datetime(2026, 10, 25, 1, 10, tzinfo=UTC)) == 1
    assert sweep(bot, datetime(2026, 10, 25, 1, 30, tzinfo=UTC)) == 0

    assert len(statuses(bot.slack)) == 1


def test_channel_whose_first_milestone_comes_after_its_time_waits_for_next_week(bot):
    # Nothing was missed at 09:00: the channel had no milestones then.
    bot.clock.set(MONDAY + timedelta(hours=1))
    bot.add('"Beta version completed" due 2026-12-03')

    assert sweep(bot, MONDAY + timedelta(hours=1, minutes=5)) == 0
    assert sweep(bot, MONDAY + timedelta(days=7)) == 1

    assert len(statuses(bot.slack)) == 1


def test_settings_digest_off_stops_the_weekly_status(bot):
    bot.add('"Beta version completed" due 2026-12-03')

    response = bot.command("settings digest off")

    assert "Weekly status is off" in answer_text(response)
    assert sweep(bot, MONDAY) == 0
    assert sweep(bot, MONDAY + timedelta(hours=3)) == 0
    assert sweep(bot, MONDAY + timedelta(days=7)) == 0
    assert statuses(bot.slack) == []
    assert digest_deliveries(bot) == []


def test_rate_limit_in_the_middle_of_a_digest_still_gives_every_channel_one_message(bot):
    channels = [CHANNEL, "C222", "C333"]
    for channel in channels:
        bot.add('"Beta version completed" due 2026-12-03', channel=channel)
    bot.slack.fail_nth("chat.postMessage", 2, status=429, retry_after=0)

    assert sweep(bot, MONDAY) == 3

    attempts = bot.slack.attempts_to("chat.postMessage")
    assert [a.status for a in attempts[-4:]] == [200, 429, 200, 200]
    for channel in channels:
        assert len(statuses(bot.slack, channel)) == 1
    assert all(d.sent_at is not None for d in digest_deliveries(bot))
    assert sweep(bot, MONDAY + timedelta(minutes=5)) == 0


def test_persistent_server_error_is_recorded_and_a_later_sweep_posts_once(bot):
    for channel in (CHANNEL, "C222"):
        bot.add('"Beta version completed" due 2026-12-03', channel=channel)
    failed_channel, posted_channel = "C222", CHANNEL
    # The post in one channel fails on its first try and on both retries.
    bot.slack.fail("chat.postMessage", status=500, times=3, where={"channel": failed_channel})

    assert sweep(bot, MONDAY) == 1

    assert statuses(bot.slack, failed_channel) == []
    outcomes = {d.channel_id: (d.state, d.attempts) for d in digest_deliveries(bot)}
    assert outcomes == {posted_channel: ("sent", 1), failed_channel: ("failed", 1)}

    assert sweep(bot, MONDAY + timedelta(minutes=5)) == 1
    assert sweep(bot, MONDAY + timedelta(minutes=10)) == 0

    assert len(statuses(bot.slack, failed_channel)) == 1
    assert len(statuses(bot.slack, posted_channel)) == 1


def test_status_command_posts_the_channel_status_now(bot):
    due_soon = bot.add('"Beta version completed" due 2026-11-30')
    bot.add('"Pricing page live" due 2026-12-01', channel="C222")
    bot.slack.reset()

    response = bot.command("status")

    assert response.status_code == 200
    [status] = statuses(bot.slack)
    assert "week of Thu 26 Nov 2026" in section_texts(status)[0]
    items = items_by_heading([status])
    current = [line for heading in CURRENT for line in items.get(heading, [])]
    assert [f"*{due_soon.reference}*" in line for line in current] == [True]
    assert statuses(bot.slack, "C222") == []
    # Asking for the status does not use up the weekly one.
    assert digest_deliveries(bot) == []
    assert sweep(bot, MONDAY) == 2


def statements_to_compose(bot, team: str, channels: int) -> tuple[int, int]:
    """SQL statements the digest sweep runs to find, claim and compose the statuses of
    `channels` channels of `team`, each with a goal and three milestones; and how many
    statuses it composed."""
    for number in range(channels):
        channel = f"C{team}{number}"
        bot.command('goal add "Launch mobile app"', team=team, channel=channel)
        bot.add(
            '"Beta version completed" due 2026-11-27 goal "Launch mobile app"',
            team=team,
            channel=channel,
        )
        bot.add('"Store listing approved" due 2026-12-03', team=team, channel=channel)
        bot.add('"Pricing page live" due 2027-01-15', team=team, channel=channel)
    bot.command("settings mentions off", team=team, channel=f"C{team}0")
    counter = {"statements": 0}

    def seen(*_args) -> None:
        counter["statements"] += 1

    event.listen(bot.engine, "before_cursor_execute", seen)
    try:
        with session_scope(bot.engine) as session:
            due = [
                d
                for d in due_digests(session, now=MONDAY, default_timezone="UTC")
                if d.team_id == team
            ]
            claim(
                session,
                [
                    {"team_id": team, "kind": "digest", "key": d.key, "claimed_at": MONDAY}
                    for d in due
                ],
            )
        composed = list(compose_digests(bot.runtime, due, now=MONDAY))
    finally:
        event.remove(bot.engine, "before_cursor_execute", seen)
    return counter["statements"], len(composed)


def test_digest_sweep_runs_as_many_statements_for_six_channels_as_for_two(bot):
    two = statements_to_compose(bot, "T0TWO", 2)
    six = statements_to_compose(bot, "T0SIX", 6)

    assert two[1] == 2
    assert six[1] == 6
    assert six[0] == two[0]
