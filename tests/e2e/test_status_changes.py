"""The weekly status tells what changed, what comes later and how the team is doing: in the
weekly status, in /milestone status, in goal list, and privately in /milestone status mine."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.harness import APPROVER, CHANNEL, OTHER, OWNER
from tests.support.reading import answer, items_by_heading, items_in, section_texts
from tests.support.sweeping import MONDAY, statuses, sweep

MOVED = ":arrow_right: Moved this week"
MARKED = ":no_entry: Marked blocked or at risk this week"
CANCELLED = ":heavy_minus_sign: Cancelled this week"
ADDED = ":new: Added this week"
COMING_UP = ":crystal_ball: Coming up"
# Before the status of Monday 23 November: what is declared then is not news on the 30th.
BEFORE = MONDAY - timedelta(days=10)


def status_items(bot, *, command: bool, at: datetime = MONDAY) -> dict[str, list[str]]:
    """The sections of this channel's status at `at`: the weekly one, or /milestone status."""
    bot.slack.reset()
    if command:
        bot.clock.set(at)
        assert bot.command("status").status_code == 200
        bot.settle()
    else:
        assert sweep(bot, at) == 1
    return items_by_heading(statuses(bot.slack))


def status_lines(bot) -> list[str]:
    """Every line of the status messages posted in this channel."""
    texts = [text for call in statuses(bot.slack) for text in section_texts(call)]
    return "\n".join(texts).split("\n")


def test_a_milestone_moved_months_away_is_in_the_status_once_in_the_week_it_moved(bot):
    bot.clock.set(BEFORE)
    beta = bot.add('"Beta version completed" due 2026-12-03')
    bot.clock.set(MONDAY - timedelta(days=4))
    bot.command(f"due {beta.reference} 2027-01-15 because the vendor is late")
    bot.command(f"due {beta.reference} 2027-03-01 because the vendor is later still")

    this_week = status_items(bot, command=False)
    next_week = status_items(bot, command=False, at=MONDAY + timedelta(days=7))

    assert this_week[MOVED] == [
        f"• *{beta.reference}* · Beta version completed — <@{OWNER}>, "
        "moved from Thu 3 Dec 2026 to Mon 1 Mar 2027: “the vendor is later still”"
    ]
    assert MOVED not in next_week
    # Still part of the plan, every week until it is due.
    for week in (this_week, next_week):
        assert [f"*{beta.reference}*" in line for line in week[COMING_UP]] == [True]


@pytest.mark.parametrize("command", [False, True], ids=["weekly", "status command"])
def test_blocked_at_risk_cancelled_and_added_this_week_with_their_reasons(bot, command):
    bot.clock.set(BEFORE)
    blocked = bot.add('"Vendor contract signed" due 2027-02-01')
    risky = bot.add('"Security audit done" due 2026-12-02')
    cleared = bot.add('"Office move done" due 2027-02-01')
    dropped = bot.add('"Print brochure" due 2027-01-10')
    old_news = bot.add('"Pricing page live" due 2027-01-20')
    bot.command(f"block {old_news.reference} because legal is away")
    bot.clock.set(MONDAY - timedelta(days=3))
    bot.command(f"block {blocked.reference} because the vendor has not signed")
    bot.command(f"risk {risky.reference} because two testers are ill")
    bot.command(f"block {cleared.reference} because no room")
    bot.command(f"unblock {cleared.reference}")
    bot.command(f"cancel {dropped.reference} because the print shop closed")
    added = bot.add(f'"Store listing approved" due 2027-01-05 owner <@{OTHER}|otto>')

    items = status_items(bot, command=command)

    assert items[MARKED] == [
        f"• *{blocked.reference}* · Vendor contract signed — <@{OWNER}>, "
        "blocked: “the vendor has not signed”",
        f"• *{risky.reference}* · Security audit done — <@{OWNER}>, at risk: “two testers are ill”",
    ]
    assert items[CANCELLED] == [
        f"• *{dropped.reference}* · Print brochure — <@{OWNER}>, cancelled: “the print shop closed”"
    ]
    assert items[ADDED] == [
        f"• *{added.reference}* · Store listing approved — <@{OTHER}>, due Tue 5 Jan 2027"
    ]
    assert MOVED not in items


def test_coming_up_shows_the_next_three_of_each_goal_and_how_many_more(bot):
    bot.clock.set(BEFORE)
    bot.command('goal add "Launch mobile app"')
    launch = [
        bot.add(f'"Launch step {n}" due 2027-01-{10 + n:02d} goal "Launch mobile app"')
        for n in range(5, 0, -1)
    ]
    loose = bot.add('"Office move done" due 2027-02-01')
    bot.add('"Beta version completed" due 2026-12-03 goal "Launch mobile app"')

    assert sweep(bot, MONDAY) == 1

    lines = status_lines(bot)
    step = {m.title: m.reference for m in launch}
    goal_start = lines.index(f"{COMING_UP} (5)")
    assert lines[goal_start + 1 : goal_start + 5] == [
        f"• *{step['Launch step 1']}* · Launch step 1 — <@{OWNER}>, due Mon 11 Jan 2027",
        f"• *{step['Launch step 2']}* · Launch step 2 — <@{OWNER}>, due Tue 12 Jan 2027",
        f"• *{step['Launch step 3']}* · Launch step 3 — <@{OWNER}>, due Wed 13 Jan 2027",
        "and 2 more",
    ]
    assert lines[-3:] == [
        "*Without a goal*",
        f"{COMING_UP} (1)",
        f"• *{loose.reference}* · Office move done — <@{OWNER}>, due Mon 1 Feb 2027",
    ]


def test_a_quiet_week_still_shows_the_plan(bot):
    bot.clock.set(BEFORE)
    later = bot.add('"General availability" due 2027-03-01')

    assert sweep(bot, MONDAY) == 1

    lines = status_lines(bot)
    assert lines[1] == "A quiet week: nothing reached, due, overdue or waiting for approval."
    assert lines[2:] == [
        f"{COMING_UP} (1)",
        f"• *{later.reference}* · General availability — <@{OWNER}>, due Mon 1 Mar 2027",
    ]


def reach(bot, milestone, at: datetime) -> None:
    bot.clock.set(at)
    bot.command(f"done {milestone.reference}")


def test_how_we_are_doing_counts_on_time_against_the_first_due_date_over_90_days(bot):
    bot.clock.set(datetime(2026, 8, 1, 12, 0, tzinfo=UTC))
    bot.command('goal add "Launch mobile app"')
    goal = '"Launch mobile app"'
    too_old = bot.add(f'"Kickoff held" due 2026-08-20 goal {goal}')
    early = bot.add(f'"Design approved" due 2026-11-20 goal {goal}')
    same_day = bot.add('"Office move done" due 2026-11-20')
    late = bot.add(f'"Beta version completed" due 2026-11-16 goal {goal}')
    moved = bot.add('"Vendor contract signed" due 2026-11-10')
    undated = bot.add('"Team offsite held"')
    bot.add(f'"Public launch" due 2026-11-25 goal {goal}')  # open: not counted
    # Reached 110 days before Monday 30 November: out of the 90 days.
    reach(bot, too_old, datetime(2026, 8, 12, 12, 0, tzinfo=UTC))
    bot.clock.set(datetime(2026, 11, 1, 12, 0, tzinfo=UTC))
    bot.command(f"due {moved.reference} 2026-11-30 because the vendor is late")
    reach(bot, early, datetime(2026, 11, 18, 12, 0, tzinfo=UTC))  # 2 days early: on time
    reach(bot, same_day, datetime(2026, 11, 20, 23, 0, tzinfo=UTC))  # on the day: on time
    reach(bot, late, datetime(2026, 11, 20, 12, 0, tzinfo=UTC))  # 4 days late
    # 14 days after its first due date, though before the date it was moved to.
    reach(bot, moved, datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    reach(bot, undated, datetime(2026, 11, 24, 12, 0, tzinfo=UTC))  # no due date: not counted
    # On time 2 of 4 (50%); late by 4 and 14 days: median slip +9 days. The goal: early (on
    # time) and late (4 days): 1 of 2, +4 days.
    channel_line = "on time 2 of 4 (50%) in 90 days · median slip +9 days"
    goal_line = "on time 1 of 2 (50%) in 90 days · median slip +4 days"

    assert sweep(bot, MONDAY) == 1
    weekly = status_lines(bot)
    status_items(bot, command=True)
    asked = status_lines(bot)
    goals = answer(bot.command("goal list")).split("\n")

    for lines in (weekly, asked):
        assert lines[1] == f":chart_with_upwards_trend: How we are doing: {channel_line}"
        assert lines[2].startswith("*G-1* · Launch mobile app — 3 of 4 reached")
        assert lines[2].endswith(f" · {goal_line}")
    assert goals[1].startswith("• *G-1* · Launch mobile app — 3 of 4 reached")
    assert goals[1].endswith(f" · {goal_line}")
    assert goals[-1] == f"In this channel: {channel_line}"


def test_status_mine_shows_the_callers_milestones_from_every_channel_privately(bot):
    bot.clock.set(BEFORE)
    mine_here = bot.add('"Beta version completed" due 2026-12-02')
    theirs = bot.add(f'"Vendor contract signed" due 2026-12-02 owner <@{OTHER}|otto>')
    mine_there = bot.add('"Pricing page live" due 2027-02-01', channel="C222")
    bot.add(f'"Store listing approved" due 2026-12-01 owner <@{OTHER}|otto>', channel="C333")
    declared_for_me = bot.add(
        f'"Security audit done" due 2026-12-04 owner <@{OWNER}|owen>', user=APPROVER
    )
    bot.clock.set(MONDAY - timedelta(days=2))
    bot.command(f"due {mine_there.reference} 2027-03-01 because the designer left", channel="C222")
    bot.slack.reset()
    bot.clock.set(MONDAY)

    response = bot.command("status mine", channel="C333")
    bot.settle()

    texts = [block["text"]["text"] for block in response.json()["blocks"]]
    lines = "\n".join(texts).split("\n")
    assert lines[0] == ":bar_chart: *Your milestones, in every channel*"
    assert [line for line in lines if line.startswith("*<#")] == [f"*<#{CHANNEL}>*", "*<#C222>*"]
    items = items_in(texts)
    due_soon = items[":spiral_calendar_pad: Due in the next 7 days"]
    assert [line.split(" — ")[0] for line in due_soon] == [
        f"• *{mine_here.reference}* · Beta version completed",
        f"• *{declared_for_me.reference}* · Security audit done",
    ]
    assert items[MOVED] == [
        f"• *{mine_there.reference}* · Pricing page live — <@{OWNER}>, "
        "moved from Mon 1 Feb 2027 to Mon 1 Mar 2027: “the designer left”"
    ]
    assert f"*{theirs.reference}*" not in "\n".join(lines)
    # Private: nothing posted in any channel.
    assert bot.slack.calls_to("chat.postMessage") == []
    assert response.json().get("response_type", "ephemeral") == "ephemeral"


def test_status_mine_for_someone_with_no_milestones_says_so(bot):
    bot.add('"Beta version completed" due 2026-12-02')

    text = answer(bot.command("status mine", user=OTHER))

    assert "You answer for no open milestones" in text


def test_with_mentions_off_changes_and_the_plan_name_people_too(bot):
    bot.slack.set_user(OTHER, tz="Asia/Tokyo", real_name="Otto Other", display_name="otto.o")
    bot.clock.set(BEFORE)
    later = bot.add(f'"General availability" due 2027-03-01 owner <@{OTHER}|otto>')
    bot.command("settings mentions off")
    bot.clock.set(MONDAY - timedelta(days=2))
    added = bot.add(f'"Press kit ready" due 2026-12-21 owner <@{OTHER}|otto>')

    items = status_items(bot, command=False)

    assert items[ADDED] == [
        f"• *{added.reference}* · Press kit ready — otto.o, due Mon 21 Dec 2026"
    ]
    assert items[COMING_UP] == [
        f"• *{added.reference}* · Press kit ready — otto.o, due Mon 21 Dec 2026",
        f"• *{later.reference}* · General availability — otto.o, due Mon 1 Mar 2027",
    ]
    assert "<@" not in "\n".join(status_lines(bot))
