"""The App Home: a personal dashboard, published on opening and refreshed after changes."""

from __future__ import annotations

import json
import logging
import time
import uuid
from datetime import date
from pathlib import Path

import requests
import yaml
from sqlalchemy import event
from sqlmodel import select

from bot.delivery.scheduler import run_sweep
from bot.domain import dashboard, goals, milestones
from bot.render import blocks
from bot.render.home import GOALS_SHOWN, MAX_HOME_BLOCKS, MILESTONES_SHOWN
from bot.server import EVENTS_PATH
from bot.store.db import session_scope
from bot.store.models import HomeViewer, Status
from tests.support.events import event_callback
from tests.support.forms import edit_form, values
from tests.support.harness import APPROVER, CHANNEL, OTHER, OWNER, TEAM

ROOT = Path(__file__).resolve().parents[2]


def opened_body(user: str, *, tab: str = "home", team: str = TEAM) -> str:
    """An app_home_opened event, field for field what Slack sends to the Events API."""
    event_body = {
        "type": "app_home_opened",
        "user": user,
        "channel": f"D{user}",
        "tab": tab,
        "event_ts": f"{time.time():.6f}",
    }
    if tab == "home":
        event_body["view"] = {"id": "V0HOME", "team_id": team, "type": "home", "blocks": []}
    return event_callback(event_body, team=team)


def open_home(bot, user: str = OWNER, *, tab: str = "home") -> requests.Response:
    response = bot.post(opened_body(user, tab=tab), content_type="application/json")
    assert response.status_code == 200, response.text
    return response


def homes(bot, user: str) -> list[dict]:
    """Every Home view published for `user`, oldest first."""
    return [
        call.params["view"]
        for call in bot.slack.calls_to("views.publish")
        if call.params["user_id"] == user
    ]


def home_of(bot, user: str = OWNER) -> dict:
    published = homes(bot, user)
    assert published, f"no Home was published for {user}"
    return published[-1]


def block_text(block: dict) -> str:
    """The mrkdwn of a section or context block; "" for others."""
    if block.get("type") == "section":
        return block["text"]["text"]
    if block.get("type") == "context":
        return " ".join(element["text"] for element in block["elements"])
    return ""


def text_of(view: dict) -> str:
    return "\n".join(filter(None, (block_text(block) for block in view["blocks"])))


def buttons(view: dict) -> list[tuple[str, str]]:
    return [
        (element["action_id"], element["value"])
        for block in view["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def section_after(view: dict, heading: str) -> str:
    """The text of a Home section, from its heading to the next divider."""
    text, inside = [], False
    for block in view["blocks"]:
        if block["type"] == "divider":
            if inside:
                break
            continue
        line = block_text(block)
        if heading in line:
            inside = True
        if inside:
            text.append(line)
    assert inside, f"no section {heading!r} in {text_of(view)}"
    return "\n".join(text)


def home_press_body(bot, action_id: str, value: str, *, user: str = OWNER) -> str:
    """A button pressed on the App Home: a view container, no channel, no response URL."""
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
        "api_app_id": "A111",
        "token": "verification_token",
        "container": {"type": "view", "view_id": "V0HOME"},
        "trigger_id": f"{uuid.uuid4().int % 10**12}.222.{uuid.uuid4().hex}",
        "team": {"id": TEAM, "domain": "test-domain"},
        "enterprise": None,
        "is_enterprise_install": False,
        "view": {
            "id": "V0HOME",
            "team_id": TEAM,
            "type": "home",
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "state": {"values": {}},
            "hash": "1700000000.home",
            "app_id": "A111",
            "bot_id": "BBOT",
        },
        "actions": [
            {
                "action_id": action_id,
                "block_id": "b1",
                "text": {"type": "plain_text", "text": "Button", "emoji": True},
                "value": value,
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return "payload=" + requests.utils.quote(json.dumps(payload))


def press_on_home(bot, action_id: str, value: str, *, user: str = OWNER) -> requests.Response:
    response = bot.post(home_press_body(bot, action_id, value, user=user))
    assert response.status_code == 200, response.text
    return response


def order_of(text: str, *references: str) -> list[int]:
    return [text.index(f"*{reference}*") for reference in references]


def no_failed_background_work(caplog) -> bool:
    return not [r for r in caplog.records if r.getMessage() == "background Slack work failed"]


def test_opening_the_home_publishes_my_open_milestones_by_due_date_with_health(bot):
    later = bot.add('"Beta shipped" due 2026-12-18')
    undated = bot.add('"Feedback collected"')
    soon = bot.add('"Spec signed" due 2026-11-30')
    elsewhere = bot.add('"Pricing page live" due 2026-12-10', channel="C222")
    theirs = bot.add(f'"Contract signed" due 2026-12-02 owner <@{OTHER}|otto>')
    bot.command(f"block {later.reference} because the <vendor> & co are late")

    response = open_home(bot)

    view = home_of(bot)
    text = text_of(view)
    assert response.text == ""
    assert view["type"] == "home"
    by_due_date = order_of(text, *(m.reference for m in (soon, elsewhere, later, undated)))
    assert by_due_date == sorted(by_due_date)
    assert f"*{theirs.reference}*" not in text
    assert "blocked: the &lt;vendor&gt; &amp; co are late" in text
    assert "on track" in section_after(view, "Due in the next 7 days")
    assert "<#C222>" in section_after(view, "Later")
    assert "4 open milestones of yours" in text
    for milestone in (later, undated, soon, elsewhere):
        value = bot.button(milestone)
        assert (blocks.COMPLETE, value) in buttons(view)
        assert (blocks.RESCHEDULE, value) in buttons(view)
    with session_scope(bot.engine) as session:
        [viewer] = session.exec(select(HomeViewer)).all()
    assert (viewer.team_id, viewer.user_id) == (TEAM, OWNER)


def test_waiting_for_my_approval_has_approve_buttons(bot):
    milestone = bot.add(f'"Contract signed" due 2026-12-04 approver <@{APPROVER}>')
    bot.command(f"done {milestone.reference}")

    open_home(bot, APPROVER)
    open_home(bot, OWNER)

    approver_home = home_of(bot, APPROVER)
    waiting = section_after(approver_home, "Waiting for your approval")
    value = bot.button(milestone)
    assert f"*{milestone.reference}* · Contract signed" in waiting
    assert f"<@{OWNER}> says it is reached" in waiting
    assert buttons(approver_home) == [
        (blocks.APPROVE, value),
        (blocks.REQUEST_CHANGES, value),
    ]
    owner_home = home_of(bot, OWNER)
    assert f"waiting for <@{APPROVER}>'s approval" in section_after(owner_home, "Sent for approval")
    assert buttons(owner_home) == []


def test_overdue_and_due_this_week_sections(bot, clock):
    late = bot.add('"Spec signed" due 2026-11-27')
    this_week = bot.add('"Beta shipped" due 2026-12-03')
    next_month = bot.add('"Launch" due 2026-12-28')
    clock.advance(days=4)  # Monday 30 November

    open_home(bot)

    view = home_of(bot)
    overdue = section_after(view, "Overdue")
    due_soon = section_after(view, "Due in the next 7 days")
    later = section_after(view, "Later")
    assert "Overdue* (1)" in overdue and late.reference in overdue
    assert "off track: 3 days overdue" in overdue
    assert this_week.reference in due_soon and late.reference not in due_soon
    assert next_month.reference in later and this_week.reference not in later
    assert "1 overdue" in text_of(view) and "1 due this week" in text_of(view)


def test_my_goals_show_their_progress(bot):
    bot.command('goal add "Launch mobile app" due 2026-12-31')
    reached = bot.add('"Beta shipped" due 2026-11-30 goal G-1')
    bot.add('"Store listing live" due 2026-12-15 goal G-1')
    bot.command('goal add "Hire a designer"', user=OTHER)
    bot.command(f"done {reached.reference}")

    open_home(bot)

    goals_section = section_after(home_of(bot), "Your goals")
    assert "Your goals* (1)" in goals_section
    assert "*G-1* · Launch mobile app — 1 of 2 reached" in goals_section
    assert "Hire a designer" not in goals_section
    assert f"<#{CHANNEL}>" in goals_section


def seed(bot, count: int, *, first: int = 0) -> None:
    """`count` milestones in each section of OWNER's Home, and as many goals, in a few
    channels, declared through the service (declaring hundreds by command is slow)."""
    now = bot.clock()
    today = date(2026, 11, 26)
    long_name = "<&>" * 40  # escaping makes it several times longer
    with session_scope(bot.engine) as session:
        for index in range(first, first + count):
            goal = goals.add_goal(
                session,
                team_id=TEAM,
                channel_id=f"C{index % 7}",
                creator_id=OWNER,
                name=f"{long_name} {index}",
                due_date=None,
                owner_id=OWNER,
                requires_approval=False,
                today=today,
                now=now,
            )
            for title, due_date, owner_id, approver_id in [
                ("Overdue", date(2026, 11, 26), OWNER, None),
                ("This week", date(2026, 11, 30), OWNER, None),
                ("Later", date(2027, 1, 15), OWNER, None),
                ("Sent", date(2027, 1, 15), OWNER, APPROVER),
                ("To approve", date(2027, 1, 15), OTHER, OWNER),
            ]:
                change = milestones.declare(
                    session,
                    team_id=TEAM,
                    channel_id=f"C{index % 7}",
                    creator_id=owner_id,
                    title=f"{title} {long_name[:120]} {index}",
                    due_date=due_date,
                    owner_id=owner_id,
                    approver_id=approver_id,
                    today=today,
                    now=now,
                    goal_id=goal.id,
                )
                if approver_id:
                    milestones.request_completion(
                        session, milestone=change.milestone, user_id=owner_id, now=now
                    )
    bot.clock.advance(days=1)  # the first ones are overdue now


def test_a_full_home_stays_within_100_blocks_and_says_how_many_more(bot):
    count = 12
    seed(bot, count)

    open_home(bot)

    view = home_of(bot)
    assert len(view["blocks"]) <= MAX_HOME_BLOCKS
    assert all(
        len(block["text"]["text"]) <= blocks.MAX_SECTION_TEXT
        for block in view["blocks"]
        if block["type"] == "section"
    )
    more = count - MILESTONES_SHOWN
    for heading in (
        "Waiting for your approval",
        "Overdue",
        "Due in the next 7 days",
        "Later",
        "Sent for approval",
    ):
        section = section_after(view, heading)
        assert f"({count})" in section
        assert f"…and {more} more, in <#C" in section
    assert "Each request is also in your messages with me." in text_of(view)
    assert "`/milestone list mine` there shows all of yours." in text_of(view)
    goals_section = section_after(view, "Your goals")
    assert f"…and {count - GOALS_SHOWN} more" in goals_section
    assert "`/milestone goal list` there shows them." in goals_section
    assert len(buttons(view)) == 2 * 4 * MILESTONES_SHOWN


def test_the_home_is_gathered_with_a_fixed_number_of_queries(bot):
    def statements_for_home() -> int:
        statements = []

        def count(*_args) -> None:
            statements.append(1)

        event.listen(bot.engine, "before_cursor_execute", count)
        try:
            with session_scope(bot.engine) as session:
                dashboard.gather(
                    session,
                    team_id=TEAM,
                    user_id=OWNER,
                    today=date(2026, 11, 27),
                    now=bot.clock(),
                    today_of=lambda _milestone: date(2026, 11, 27),
                )
        finally:
            event.remove(bot.engine, "before_cursor_execute", count)
        return len(statements)

    seed(bot, 1)
    few = statements_for_home()
    seed(bot, 20, first=1)
    many = statements_for_home()

    assert few == many <= 5


def test_opening_the_messages_tab_publishes_nothing(bot):
    bot.add('"Beta shipped" due 2026-12-18')

    open_home(bot, tab="messages")

    assert bot.slack.calls_to("views.publish") == []
    with session_scope(bot.engine) as session:
        assert session.exec(select(HomeViewer)).all() == []


def test_a_change_to_my_milestone_republishes_my_home_once_i_opened_it(bot):
    done = bot.add('"Spec signed" due 2026-11-30')
    moved = bot.add('"Beta shipped" due 2026-12-18')
    assert homes(bot, OWNER) == []  # not opened yet: nothing published
    open_home(bot)
    opened = len(homes(bot, OWNER))

    bot.command(f"done {done.reference}")
    after_done = home_of(bot)
    bot.command(f"due {moved.reference} 2027-01-08 because the vendor is late")
    after_move = home_of(bot)

    assert len(homes(bot, OWNER)) == opened + 2
    assert f"*{done.reference}*" not in text_of(after_done)
    assert "Due Fri 8 Jan 2027" in section_after(after_move, "Later")
    assert "moved once, +21 days" in section_after(after_move, "Later")


def test_a_change_to_a_milestone_of_my_goal_republishes_my_home_as_the_goals_owner(bot):
    bot.command('goal add "Launch mobile app" due 2026-12-31', user=OTHER)
    open_home(bot, OTHER)
    opened = len(homes(bot, OTHER))

    milestone = bot.add('"Beta shipped" due 2026-11-30 goal G-1')
    bot.command(f"done {milestone.reference}")

    assert len(homes(bot, OTHER)) == opened + 2
    assert "*G-1* · Launch mobile app — 1 of 1 reached" in section_after(
        home_of(bot, OTHER), "Your goals"
    )


def test_a_change_does_not_publish_the_home_of_someone_who_never_opened_it(bot):
    milestone = bot.add(f'"Contract signed" due 2026-12-04 approver <@{APPROVER}>')
    open_home(bot, OWNER)

    bot.command(f"done {milestone.reference}")

    assert homes(bot, APPROVER) == []
    assert "Sent for approval" in text_of(home_of(bot, OWNER))
    open_home(bot, APPROVER)
    assert "Waiting for your approval" in text_of(home_of(bot, APPROVER))


def test_complete_pressed_on_the_home_reaches_it_and_refreshes_the_home(bot, caplog):
    milestone = bot.add('"Spec signed" due 2026-11-30')
    open_home(bot)

    press_on_home(bot, blocks.COMPLETE, bot.button(milestone))

    assert bot.milestone(milestone.id).status == Status.REACHED
    assert "reached" in bot.slack.calls_to("chat.postMessage")[-1].params["text"]
    refreshed = home_of(bot)
    assert f"*{milestone.reference}*" not in text_of(refreshed)
    assert "Nothing needs you right now" in text_of(refreshed)
    assert bot.slack.responses == []
    assert no_failed_background_work(caplog)


def test_approve_pressed_on_the_home_reaches_it_and_refreshes_both_homes(bot, caplog):
    milestone = bot.add(f'"Contract signed" due 2026-12-04 approver <@{APPROVER}>')
    bot.command(f"done {milestone.reference}")
    open_home(bot, OWNER)
    open_home(bot, APPROVER)

    press_on_home(bot, blocks.APPROVE, bot.button(milestone), user=APPROVER)

    assert bot.milestone(milestone.id).status == Status.REACHED
    assert "Waiting for your approval" not in text_of(home_of(bot, APPROVER))
    assert f"*{milestone.reference}*" not in text_of(home_of(bot, OWNER))
    assert all(call.params["channel"] for call in bot.slack.attempts_to("chat.update"))
    assert no_failed_background_work(caplog)
    # The request in the approver's DM is closed too, without its buttons.
    request = next(
        c
        for c in bot.slack.calls_to("chat.postMessage")
        if "Approval requested" in c.params["text"]
    )
    [closed] = [
        c for c in bot.slack.calls_to("chat.update") if c.params["ts"] == request.response["ts"]
    ]
    assert "approved" in str(closed.params["blocks"])
    assert "actions" not in str(closed.params["blocks"])


def test_my_own_approval_shows_once_with_its_approve_button(bot):
    milestone = bot.add(f'"Contract signed" due 2026-12-04 approver <@{OWNER}>')
    bot.command(f"done {milestone.reference}")

    open_home(bot)

    view = home_of(bot)
    assert "Sent for approval" not in text_of(view)
    assert text_of(view).count(f"*{milestone.reference}*") == 1
    assert (blocks.APPROVE, bot.button(milestone)) in buttons(view)


def test_reschedule_pressed_on_the_home_opens_the_modal_and_refreshes_after_it(bot):
    milestone = bot.add('"Spec signed" due 2026-11-30')
    open_home(bot)

    press_on_home(bot, blocks.RESCHEDULE, bot.button(milestone))
    [opened] = bot.slack.calls_to("views.open")
    bot.submit_view(
        opened.params["view"],
        {
            blocks.DATE_BLOCK: {blocks.DATE_ACTION: {"selected_date": "2026-12-21"}},
            blocks.REASON_BLOCK: {blocks.REASON_ACTION: {"value": "waiting for legal"}},
        },
    )

    assert bot.milestone(milestone.id).due_date == date(2026, 12, 21)
    assert "Due Mon 21 Dec 2026" in section_after(home_of(bot), "Later")


def test_a_refused_press_on_the_home_is_told_at_the_top_of_the_home(bot, caplog):
    caplog.set_level(logging.ERROR)
    milestone = bot.add('"Spec signed" due 2026-11-30')
    open_home(bot)
    stale = bot.button(milestone)
    bot.command(f"due {milestone.reference} 2026-12-04")
    before = len(homes(bot, OWNER))

    press_on_home(bot, blocks.COMPLETE, stale)

    assert bot.milestone(milestone.id).status == Status.OPEN
    assert len(homes(bot, OWNER)) == before + 1
    view = home_of(bot)
    assert view["blocks"][2]["text"]["text"].startswith(":warning: ")
    assert (blocks.COMPLETE, bot.button(milestone)) in buttons(view)
    assert bot.slack.responses == []
    assert no_failed_background_work(caplog)


def test_someone_elses_press_on_the_home_is_refused_on_their_home(bot, caplog):
    milestone = bot.add('"Spec signed" due 2026-11-30')
    open_home(bot, OTHER)

    press_on_home(bot, blocks.COMPLETE, bot.button(milestone), user=OTHER)

    assert bot.milestone(milestone.id).status == Status.OPEN
    notice = home_of(bot, OTHER)["blocks"][2]["text"]["text"]
    assert "Only the owner" in notice
    assert no_failed_background_work(caplog)


def test_the_manifest_turns_on_the_home_tab_and_its_event():
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())

    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    subscriptions = manifest["settings"]["event_subscriptions"]
    assert subscriptions["request_url"].endswith(EVENTS_PATH)
    assert "app_home_opened" in subscriptions["bot_events"]


def test_the_home_view_escapes_what_people_wrote(bot):
    bot.add('"Ship <!channel> & <@U0OTHER> build" due 2026-12-18')

    open_home(bot)

    text = text_of(home_of(bot))
    assert "Ship &lt;!channel&gt; &amp; &lt;@U0OTHER&gt; build" in text
    assert "<!channel>" not in text


def test_a_milestone_turning_overdue_republishes_its_owners_home(bot, clock):
    milestone = bot.add('"Spec signed" due 2026-11-30')
    open_home(bot)
    before = len(homes(bot, OWNER))
    clock.set(clock.now.replace(month=12, day=1))

    run_sweep(bot.runtime, "nudges")
    bot.settle()

    assert len(homes(bot, OWNER)) == before + 1
    assert "off track" in text_of(home_of(bot)).lower()
    assert f"*{milestone.reference}*" in text_of(home_of(bot))


def test_handing_a_milestone_to_someone_else_refreshes_the_former_owners_home(bot):
    milestone = bot.add('"Beta version shipped" due 2026-12-15')
    open_home(bot, OWNER)
    view = edit_form(bot, milestone)

    bot.submit_view(view, values("Beta version shipped", due="2026-12-15", owner=OTHER))

    assert bot.milestone(milestone.id).owner_id == OTHER
    assert f"*{milestone.reference}*" not in text_of(home_of(bot, OWNER))
