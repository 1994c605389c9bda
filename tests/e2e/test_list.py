"""/milestone list: the channel's milestones by due date, privately."""

from datetime import timedelta

from sqlmodel import select

from bot.render import blocks
from bot.store.db import session_scope
from bot.store.models import Goal, Milestone
from tests.support.harness import APPROVER, OTHER, OWNER


def listed(bot, scope: str = "", **kwargs) -> str:
    response = bot.command(f"list {scope}".strip(), **kwargs)
    assert response.status_code == 200
    body = response.json()
    assert body.get("response_type", "ephemeral") == "ephemeral"
    return "\n".join(block["text"]["text"] for block in body["blocks"])


def order_of(text: str, *milestones) -> list[int]:
    return sorted(range(len(milestones)), key=lambda i: text.index(f"*M-{milestones[i].id}*"))


def test_list_shows_open_milestones_sorted_by_due_date(bot):
    later = bot.add('"Launch" due 2026-12-20')
    sooner = bot.add('"Beta" due 2026-12-01')
    undated = bot.add('"Feedback collected"')
    reached = bot.add('"Prototype" due 2026-12-05')
    bot.command(f"done M-{reached.id}")

    text = listed(bot)

    assert order_of(text, sooner, later, undated) == [0, 1, 2]
    assert f"*M-{reached.id}*" not in text
    assert "*Open milestones* (3)" in text
    assert f"Feedback collected — <@{OWNER}>, no due date · :large_green_circle: on track" in text


def test_list_mine_shows_only_my_milestones(bot):
    mine = bot.add('"Beta" due 2026-12-01')
    theirs = bot.add(f'"Launch" due 2026-12-20 owner <@{OTHER}|otto>')

    text = listed(bot, "mine")

    assert f"*M-{mine.id}*" in text and f"*M-{theirs.id}*" not in text


def test_list_overdue_shows_days_late(bot, clock):
    overdue = bot.add('"Beta" due 2026-11-30')
    on_time = bot.add('"Launch" due 2026-12-20')
    clock.advance(days=7)

    text = listed(bot, "overdue")

    assert f"*M-{overdue.id}*" in text and "3 days overdue" in text
    assert f"*M-{on_time.id}*" not in text


def test_list_done_and_all(bot):
    reached = bot.add('"Beta" due 2026-12-01')
    waiting = bot.add(f'"Launch" due 2026-12-20 approver <@{APPROVER}>')
    bot.command(f"done M-{reached.id}")
    bot.command(f"done M-{waiting.id}")

    done = listed(bot, "done")
    everything = listed(bot, "all")

    assert f"*M-{reached.id}*" in done and f"*M-{waiting.id}*" not in done
    assert "reached" in everything and "waiting for approval" in everything


def test_an_empty_list_says_how_to_start(bot):
    assert "/milestone add" in listed(bot)


def test_a_long_list_fits_slacks_limits(bot, clock):
    for number in range(80):
        day = (clock.now + timedelta(days=number % 20 + 1)).date()
        bot.add(f'"Checkpoint number {number} with a fairly long descriptive title" due {day}')

    response = bot.command("list")

    body = response.json()
    assert len(body["blocks"]) <= blocks.MAX_BLOCKS
    assert all(len(b["text"]["text"]) <= blocks.MAX_SECTION_TEXT for b in body["blocks"])
    text = "\n".join(b["text"]["text"] for b in body["blocks"])
    assert text.count("• ") == 80


def test_settings_show_change_and_turn_off_the_weekly_status(bot):
    def answer(text: str) -> str:
        body = bot.command(text).json()
        assert body["text"] == "This channel's settings"
        return "\n".join(block["text"]["text"] for block in body["blocks"])

    assert "every *Monday* at *09:00* (UTC)" in answer("settings")
    assert "every *Friday* at *16:30* (Europe/Paris)" in answer(
        "settings digest FRI 16:30 Europe/Paris"
    )
    assert "every *Tuesday* at *08:05* (Europe/Paris)" in answer("settings digest tuesday 8:05")
    assert "is off" in answer("settings digest off")
    assert "is off" in answer("settings digest")
    assert "every *Tuesday* at *08:05*" in answer("settings digest on")


def test_list_mine_includes_what_i_declared_for_nobody(bot):
    unowned = bot.add('"Vendor chosen" due 2026-12-03')
    with session_scope(bot.engine) as session:
        milestone = session.get(Milestone, unowned.id)
        milestone.owner_id = None
        session.add(milestone)

    mine = listed(bot, "mine")
    theirs = listed(bot, "mine", user=OTHER)

    assert f"*M-{unowned.id}*" in mine and "no owner" in mine
    assert f"*M-{unowned.id}*" not in theirs


def test_each_listed_milestone_shows_its_own_goal(bot):
    # The list reads the goals with the milestones (one query): each line names its own goal.
    launch = bot.command('goal add "Launch mobile app"')
    hiring = bot.command('goal add "Hire two engineers"')
    assert launch.status_code == hiring.status_code == 200
    with session_scope(bot.engine) as session:
        goal_ids = {g.name: g.id for g in session.exec(select(Goal)).all()}
    app_goal, hiring_goal = goal_ids["Launch mobile app"], goal_ids["Hire two engineers"]
    beta = bot.add(f'"Beta version completed" due 2026-12-15 goal G-{app_goal}')
    offer = bot.add(f'"Offer accepted" due 2026-12-10 goal G-{hiring_goal}')
    loose = bot.add('"Feedback collected" due 2026-12-20')

    lines = {
        m.id: line
        for m in (beta, offer, loose)
        for line in listed(bot).splitlines()
        if f"*M-{m.id}*" in line
    }

    assert f"G-{app_goal}" in lines[beta.id] and f"G-{hiring_goal}" not in lines[beta.id]
    assert f"G-{hiring_goal}" in lines[offer.id] and f"G-{app_goal}" not in lines[offer.id]
    assert "G-" not in lines[loose.id]
