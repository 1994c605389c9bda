"""Goals: declared, listed and closed in a channel, joined by milestones, and shown with their
progress in the goal list, the weekly status and /milestone status."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from bot.store.db import session_scope
from bot.store.models import Goal
from tests.support.harness import APPROVER, CHANNEL, OTHER, OWNER, START
from tests.support.reading import answer, message_text
from tests.support.sweeping import MONDAY, statuses, sweep


def goals(bot) -> list[Goal]:
    with session_scope(bot.engine) as session:
        return list(session.exec(select(Goal).order_by(Goal.id)).all())


def add_goal(bot, text: str, **kwargs) -> Goal:
    before = len(goals(bot))
    response = bot.command(f"goal add {text}", **kwargs)
    assert response.status_code == 200 and response.text == "", response.text
    created = goals(bot)
    assert len(created) == before + 1
    return created[-1]


def status_lines(bot, *, command: bool = False) -> list[str]:
    """The lines of this channel's status on Monday: the weekly one, or /milestone status."""
    bot.slack.reset()
    if command:
        bot.clock.set(MONDAY)
        bot.command("status")
    else:
        assert sweep(bot, MONDAY) == 1
    return [
        line
        for call in statuses(bot.slack)
        for block in call.params["blocks"]
        for line in block["text"]["text"].split("\n")
    ]


def test_goal_add_declares_a_goal_and_tells_the_channel(bot):
    goal = add_goal(bot, f'"Launch mobile app" due 2027-03-31 owner <@{OTHER}> approvals')

    assert (goal.name, goal.channel_id, goal.owner_id) == ("Launch mobile app", CHANNEL, OTHER)
    assert goal.due_date == date(2027, 3, 31)
    assert goal.requires_approval is True
    [post] = bot.slack.calls_to("chat.postMessage")
    assert post.params["channel"] == CHANNEL
    text = message_text(post)
    assert f"New goal *G-{goal.id}* · Launch mobile app" in text
    assert f"Owner <@{OTHER}> · Due Wed 31 Mar 2027 · Milestones need an approver" in text


def test_a_goal_belongs_to_whoever_declared_it_unless_an_owner_is_named(bot):
    goal = add_goal(bot, "Faster checkout")

    assert (goal.owner_id, goal.requires_approval, goal.due_date) == (OWNER, False, None)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("goal add", "A goal needs a name"),
        ("goal add due friday", "A goal needs a name"),
        ('goal add "Launch mobile app" due', "`due` needs a date"),
        ('goal add "Launch mobile app" due 2020-01-01', "is in the past"),
        ("goal", "Goals:"),
        ("goal close", "Which goal?"),
    ],
)
def test_goal_commands_with_something_missing_are_refused(bot, text, problem):
    response = bot.command(text)

    assert problem in answer(response)
    assert goals(bot) == []


def test_a_second_goal_with_the_same_name_is_refused(bot):
    goal = add_goal(bot, '"Launch mobile app"')

    text = answer(bot.command('goal add "launch  MOBILE app"'))

    assert f"already has the goal G-{goal.id}" in text
    assert len(goals(bot)) == 1


def test_milestones_join_a_goal_by_reference_or_by_quoted_name(bot):
    goal = add_goal(bot, '"Launch mobile app"')

    by_reference = bot.add(f'"Beta version completed" due 2026-12-15 goal G-{goal.id}')
    by_name = bot.add('"App store listing approved" due 2026-12-18 goal "Launch mobile app"')
    any_case = bot.add('"Public launch" due 2027-01-15 goal "launch mobile APP"')

    assert {m.goal_id for m in (by_reference, by_name, any_case)} == {goal.id}
    card = message_text(bot.slack.calls_to("chat.postMessage")[-1])
    assert f"Goal G-{goal.id} Launch mobile app" in card
    assert f"G-{goal.id}" in answer(bot.command("list"))


def test_an_unknown_closed_or_other_channels_goal_is_refused(bot):
    elsewhere = add_goal(bot, '"Pricing revamp"', channel="C222")
    closed = add_goal(bot, '"Old website"')
    bot.command(f"goal close G-{closed.id}")

    for named in ("G-99", '"No such goal"', f"G-{closed.id}", '"Old website"', f"G-{elsewhere.id}"):
        text = answer(bot.command(f'add "Beta version completed" due 2026-12-15 goal {named}'))
        assert "There is no open goal" in text, named
        assert "in this channel" in text
    assert bot.milestones() == []


def test_goal_list_shows_progress_next_milestone_and_slip(bot):
    launch = add_goal(bot, '"Launch mobile app" due 2027-03-31')
    pricing = add_goal(bot, '"Pricing revamp"')
    design = bot.add(f'"Design approved" due 2026-12-04 goal G-{launch.id}')
    beta = bot.add(f'"Beta version completed" due 2026-12-15 goal G-{launch.id}')
    bot.add(f'"Public launch" due 2027-01-15 goal G-{launch.id}')
    dropped = bot.add(f'"Print brochure" due 2026-12-01 goal G-{launch.id}')
    bot.add('"Unrelated checkpoint" due 2026-12-02')
    bot.command(f"done {design.reference}")
    bot.command(f"cancel {dropped.reference}")
    bot.command(f"due {beta.reference} 2026-12-18 because testers are ill")
    bot.command(f"due {beta.reference} 2026-12-20 because more testers are ill")

    text = answer(bot.command("goal list"))

    assert text.split("\n") == [
        "*Goals* (2)",
        f"• *G-{launch.id}* · Launch mobile app — 1 of 3 reached · goal due Wed 31 Mar 2027 · "
        f"next: {beta.reference} Beta version completed (due Sun 20 Dec 2026) · "
        "milestones moved 2 times, +5 days in all · on time 1 of 1 (100%) in 90 days",
        f"• *G-{pricing.id}* · Pricing revamp — 0 of 0 reached",
        "In this channel: on time 1 of 1 (100%) in 90 days",
    ]


def test_goal_list_in_a_channel_without_goals_says_how_to_start(bot):
    add_goal(bot, '"Pricing revamp"', channel="C222")

    assert "No open goals in this channel" in answer(bot.command("goal list"))


def test_goal_close_by_name_removes_it_from_the_list_and_keeps_its_milestones(bot):
    goal = add_goal(bot, '"Launch mobile app"')
    beta = bot.add(f'"Beta version completed" due 2026-12-15 goal G-{goal.id}')

    text = answer(bot.command('goal close "Launch mobile app"'))

    assert f"Goal G-{goal.id} “Launch mobile app” is closed." in text
    assert goals(bot)[0].status == "closed"
    assert "No open goals" in answer(bot.command("goal list"))
    assert bot.milestone(beta.id).goal_id == goal.id
    assert "There is no open goal" in answer(bot.command(f"goal close G-{goal.id}"))


def test_a_goal_of_another_channel_cannot_be_closed_from_here(bot):
    elsewhere = add_goal(bot, '"Pricing revamp"', channel="C222")

    text = answer(bot.command(f"goal close G-{elsewhere.id}"))

    assert "There is no open goal" in text
    assert goals(bot)[0].status == "open"


def test_only_the_goals_owner_or_declarer_can_close_it(bot):
    goal = add_goal(bot, f'"Launch mobile app" owner <@{APPROVER}|arun>')

    refused = answer(bot.command(f"goal close G-{goal.id}", user=OTHER))

    assert "Only the goal's owner" in refused
    assert goals(bot)[0].status == "open"
    assert "is closed" in answer(bot.command(f"goal close G-{goal.id}", user=APPROVER))


@pytest.mark.parametrize("command", [False, True], ids=["weekly", "status command"])
def test_the_status_groups_milestones_by_goal_with_a_progress_line(bot, command):
    # Declared before the week in question, so that only what happened in it is news.
    bot.clock.set(START - timedelta(days=6))
    launch = add_goal(bot, '"Launch mobile app"')
    pricing = add_goal(bot, '"Pricing revamp"')
    quiet = add_goal(bot, '"Faster checkout"')
    design = bot.add(f'"Design approved" due 2026-11-27 goal G-{launch.id}')
    beta = bot.add(f'"Beta version completed" due 2026-12-02 goal G-{launch.id}')
    plans = bot.add(f'"New plans published" due 2026-12-01 goal G-{pricing.id}')
    loose = bot.add('"Office move done" due 2026-12-03')
    bot.add(f'"Checkout redesign live" due 2027-02-01 goal G-{quiet.id}')
    bot.clock.set(START)
    bot.command(f"done {design.reference}")
    bot.command(f"due {plans.reference} 2026-12-04 because the CFO is away")

    lines = status_lines(bot, command=command)

    on_track = ":large_green_circle: on track"
    assert lines[1:] == [
        ":chart_with_upwards_trend: How we are doing: on time 1 of 1 (100%) in 90 days",
        f"*G-{launch.id}* · Launch mobile app — 1 of 2 reached · "
        f"next: {beta.reference} Beta version completed (due Wed 2 Dec 2026) · "
        "on time 1 of 1 (100%) in 90 days",
        ":white_check_mark: Reached in the last 7 days (1)",
        f"• *{design.reference}* · Design approved — <@{OWNER}>, due Fri 27 Nov 2026, "
        "reached Thu 26 Nov 2026",
        ":spiral_calendar_pad: Due in the next 7 days (1)",
        f"• *{beta.reference}* · Beta version completed — <@{OWNER}>, due Wed 2 Dec 2026 · "
        + on_track,
        f"*G-{pricing.id}* · Pricing revamp — 0 of 1 reached · "
        f"next: {plans.reference} New plans published (due Fri 4 Dec 2026) · "
        "milestones moved once, +3 days in all",
        ":spiral_calendar_pad: Due in the next 7 days (1)",
        f"• *{plans.reference}* · New plans published — <@{OWNER}>, due Fri 4 Dec 2026 · "
        f"{on_track} · moved once, +3 days",
        ":arrow_right: Moved this week (1)",
        f"• *{plans.reference}* · New plans published — <@{OWNER}>, "
        "moved from Tue 1 Dec 2026 to Fri 4 Dec 2026: “the CFO is away”",
        f"*G-{quiet.id}* · Faster checkout — 0 of 1 reached · next: M-5 Checkout redesign live "
        "(due Mon 1 Feb 2027)",
        "Nothing reached, due or overdue this week.",
        ":crystal_ball: Coming up (1)",
        f"• *M-5* · Checkout redesign live — <@{OWNER}>, due Mon 1 Feb 2027",
        "*Without a goal*",
        ":spiral_calendar_pad: Due in the next 7 days (1)",
        f"• *{loose.reference}* · Office move done — <@{OWNER}>, due Thu 3 Dec 2026 · {on_track}",
    ]


def test_milestones_of_a_closed_goal_are_still_in_the_status(bot):
    goal = add_goal(bot, '"Launch mobile app"')
    beta = bot.add(f'"Beta version completed" due 2026-12-02 goal G-{goal.id}')
    bot.command(f"goal close G-{goal.id}")

    lines = status_lines(bot)

    assert f"*G-{goal.id}*" not in "\n".join(lines)
    assert any(line.startswith(f"• *{beta.reference}*") for line in lines), lines


def test_milestones_of_a_closed_goal_are_shown_with_those_without_one(bot):
    closed = add_goal(bot, '"Old website"')
    current = add_goal(bot, '"Launch mobile app"')
    beta = bot.add(f'"Beta version completed" due 2026-12-02 goal G-{closed.id}')
    bot.add(f'"Public launch" due 2026-12-03 goal G-{current.id}')
    bot.command(f"goal close G-{closed.id}")

    lines = status_lines(bot)

    without = lines.index("*Without a goal*")
    assert any(line.startswith(f"• *{beta.reference}*") for line in lines[without:]), lines


def test_goal_add_where_the_bot_is_not_in_the_channel_says_how_to_invite_it(bot):
    bot.slack.fail("chat.postMessage", status=200, error="not_in_channel")

    response = bot.command('goal add "Launch mobile app"')

    assert response.status_code == 200
    [answer] = bot.slack.responses
    assert answer["body"]["response_type"] == "ephemeral"
    assert "G-1 is saved" in answer["body"]["text"]
    assert "/invite @Milestones" in answer["body"]["text"]
    assert len(goals(bot)) == 1
