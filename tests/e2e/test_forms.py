"""The "New milestone" and "Edit milestone" modals: opened, prefilled, refused inline, saved."""

import json
from datetime import UTC, date, datetime
from pathlib import Path

import requests
from sqlmodel import select

from bot.domain import milestones
from bot.render import blocks, milestone_modal
from bot.store.db import session_scope
from bot.store.models import Dependency, Goal, MilestoneEvent, Status
from tests.support.forms import closed, edit_form, field_errors, opened_view, values
from tests.support.harness import APPROVER, CHANNEL, OTHER, OWNER, START, TEAM
from tests.support.reading import buttons, history, message_text

FIXTURES = Path("/work/shared/slack-fixtures/payloads/bolt-python")


def element(view: dict, block_id: str) -> dict:
    [block] = [b for b in view["blocks"] if b.get("block_id") == block_id]
    return block["element"]


def new_form(bot, text: str = "", **kwargs) -> dict:
    """Open the New milestone modal with `/milestone <text>` and return it."""
    response = bot.command(text, **kwargs)
    assert response.status_code == 200, response.text
    return opened_view(bot)


def ephemerals(bot) -> list:
    return bot.slack.calls_to("chat.postEphemeral")


def suggest(bot, view: dict, typed: str):
    """Slack asking for "depends on" options as the person types (a block_suggestion)."""
    payload = json.loads((FIXTURES / "block_suggestion.json").read_text())
    payload["user"] = {"id": OWNER, "username": "owner", "name": "owner", "team_id": TEAM}
    payload["team"] = {"id": TEAM, "domain": "test-domain"}
    payload["action_id"], payload["block_id"] = (
        milestone_modal.DEPENDS_ACTION,
        milestone_modal.DEPENDS_BLOCK,
    )
    payload["value"] = typed
    payload["view"] |= {
        "blocks": view["blocks"],
        "private_metadata": view["private_metadata"],
        "callback_id": view["callback_id"],
        "title": view["title"],
    }
    return bot.post("payload=" + requests.utils.quote(json.dumps(payload)))


# Opening the form


def test_milestone_alone_opens_the_new_milestone_modal(bot):
    response = bot.command("", trigger_id="1234.5678.abcd")

    assert closed(response)
    [opened] = bot.slack.calls_to("views.open")
    assert opened.params["trigger_id"] == "1234.5678.abcd"
    view = opened_view(bot)
    assert view["title"]["text"] == "New milestone"
    assert view["callback_id"] == milestone_modal.NEW_MILESTONE_VIEW
    assert json.loads(view["private_metadata"])["channel_id"] == CHANNEL
    assert element(view, milestone_modal.OWNER_BLOCK)["initial_user"] == OWNER
    assert element(view, milestone_modal.TITLE_BLOCK)["max_length"] == 150
    assert element(view, milestone_modal.DUE_BLOCK)["type"] == "datepicker"
    assert element(view, milestone_modal.DONE_BLOCK)["multiline"] is True
    assert bot.milestones() == []
    assert bot.slack.calls_to("chat.postMessage") == []


def test_add_without_a_title_opens_the_modal_prefilled_from_the_command(bot):
    bot.command('goal add "Launch mobile app"')
    first = bot.add('"Design approved" due 2026-12-10')
    bot.slack.reset()

    view = new_form(
        bot,
        f"add due fri owner <@{OTHER}|o> approver <@{APPROVER}> goal G-1 after M-{first.id}",
    )

    assert view["title"]["text"] == "New milestone"
    assert "initial_value" not in element(view, milestone_modal.TITLE_BLOCK)
    assert element(view, milestone_modal.DUE_BLOCK)["initial_date"] == "2026-11-27"
    assert element(view, milestone_modal.OWNER_BLOCK)["initial_user"] == OTHER
    assert element(view, milestone_modal.APPROVER_BLOCK)["initial_user"] == APPROVER
    assert element(view, milestone_modal.GOAL_BLOCK)["initial_option"]["text"]["text"] == (
        "G-1 · Launch mobile app"
    )
    depends = element(view, milestone_modal.DEPENDS_BLOCK)
    assert depends["type"] == "multi_static_select"
    assert [o["value"] for o in depends["initial_options"]] == [str(first.id)]
    assert len(bot.milestones()) == 1


def test_add_with_an_unreadable_date_answers_the_mistake_instead_of_opening(bot):
    response = bot.command("add due someday")

    assert "“someday” isn't a day anyone can plan around" in response.json()["text"]
    assert bot.slack.calls_to("views.open") == []


# Saving a new milestone


def test_good_submission_declares_and_announces_without_a_coach_note(bot):
    view = new_form(bot)

    response = bot.submit_view(
        view,
        values(
            "Beta version shipped",
            due="2026-12-20",
            approver=APPROVER,
            done="Installable from the store; <!channel> crash-free for a week",
        ),
    )

    assert closed(response)
    [milestone] = bot.milestones()
    assert (milestone.title, milestone.due_date) == ("Beta version shipped", date(2026, 12, 20))
    assert (milestone.owner_id, milestone.approver_id) == (OWNER, APPROVER)
    assert milestone.definition_of_done.startswith("Installable from the store")
    [card] = bot.slack.calls_to("chat.postMessage")
    assert card.params["channel"] == CHANNEL
    assert "Beta version shipped" in message_text(card)
    assert "&lt;!channel&gt;" in message_text(card)
    assert "<!channel>" not in message_text(card)
    assert milestone.announcement_ts == card.response["ts"]
    assert ephemerals(bot) == []
    assert history(bot, milestone.id) == ["declared"]


def test_vague_milestone_gets_a_private_coach_note_with_an_edit_button(bot):
    view = new_form(bot)

    response = bot.submit_view(view, values("Make progress on the website"))

    assert closed(response)
    [milestone] = bot.milestones()
    [note] = ephemerals(bot)
    assert (note.params["channel"], note.params["user"]) == (CHANNEL, OWNER)
    assert "describes effort rather than a result" in message_text(note)
    [edit] = buttons(note)
    assert edit["action_id"] == blocks.EDIT
    assert edit["value"] == blocks.button_value(milestone)
    assert len(bot.slack.calls_to("chat.postMessage")) == 1


def test_an_empty_owner_means_nobody_owns_it_yet(bot):
    view = new_form(bot)

    bot.submit_view(view, values("Contract signed", owner=None))

    [milestone] = bot.milestones()
    assert milestone.owner_id is None
    assert milestone.creator_id == OWNER
    [note] = ephemerals(bot)
    assert "Nobody owns this yet" in message_text(note)


def test_doubled_submission_declares_once(bot):
    view = new_form(bot)

    first = bot.submit_view(view, values("Beta version shipped"))
    second = bot.submit_view(view, values("Beta version shipped"))

    assert closed(first) and closed(second)
    assert len(bot.milestones()) == 1
    assert len(bot.slack.calls_to("chat.postMessage")) == 1


def test_two_openings_of_the_form_declare_two_milestones(bot):
    bot.submit_view(new_form(bot), values("Beta version shipped"))
    bot.submit_view(new_form(bot), values("Contract signed"))

    assert [m.title for m in bot.milestones()] == ["Beta version shipped", "Contract signed"]


def test_new_goal_is_created_from_the_modal(bot):
    view = new_form(bot)

    response = bot.submit_view(view, values("Beta version shipped", new_goal="Launch mobile app"))

    assert closed(response)
    with session_scope(bot.engine) as session:
        [goal] = session.exec(select(Goal)).all()
    assert (goal.name, goal.channel_id, goal.creator_id) == ("Launch mobile app", CHANNEL, OWNER)
    assert bot.milestones()[0].goal_id == goal.id
    announced, card = bot.slack.calls_to("chat.postMessage")
    assert f"New goal *G-{goal.id}* · Launch mobile app" in message_text(announced)
    assert f"Goal G-{goal.id} Launch mobile app" in message_text(card)


def test_existing_goal_is_chosen_in_the_modal(bot):
    bot.command('goal add "Launch mobile app"')
    view = new_form(bot)
    [offered] = element(view, milestone_modal.GOAL_BLOCK)["options"]
    assert offered["text"]["text"] == "G-1 · Launch mobile app"

    bot.submit_view(view, values("Beta version shipped", goal=int(offered["value"])))

    assert bot.milestones()[0].goal_id == int(offered["value"])


def test_depends_on_offers_open_milestones_and_creates_dependencies(bot):
    design = bot.add('"Design approved" due 2026-12-10')
    long_title = "Contract signed with " + "a very long supplier name " * 5
    contract = bot.add(f'"{long_title.strip()}" due 2026-12-11')
    done = bot.add('"Kickoff held" due 2026-12-01')
    bot.command(f"done M-{done.id}")
    view = new_form(bot)

    offered = element(view, milestone_modal.DEPENDS_BLOCK)["options"]
    assert [o["value"] for o in offered] == [str(design.id), str(contract.id)]
    assert offered[0]["text"]["text"] == f"M-{design.id} · Design approved"
    # No space is left before the ellipsis.
    assert offered[1]["text"]["text"].endswith("supplier…")
    assert len(offered[1]["text"]["text"]) <= milestone_modal.MAX_OPTION_TEXT

    response = bot.submit_view(view, values("Beta version shipped", after=(design.id, contract.id)))

    assert closed(response)
    new = bot.milestones()[-1]
    with session_scope(bot.engine) as session:
        links = session.exec(select(Dependency).where(Dependency.milestone_id == new.id)).all()
    assert sorted(link.prerequisite_id for link in links) == [design.id, contract.id]
    assert f"Waits on M-{design.id}, M-{contract.id}" in message_text(
        bot.slack.calls_to("chat.postMessage")[-1]
    )


def test_more_than_100_open_milestones_load_depends_on_options_as_typed(bot):
    with session_scope(bot.engine) as session:
        for number in range(1, 106):
            milestones.declare(
                session,
                team_id=TEAM,
                channel_id=CHANNEL,
                creator_id=OWNER,
                title=f"Supplier {number} contract signed",
                due_date=None,
                owner_id=OWNER,
                approver_id=None,
                today=START.date(),
                now=START,
            )
    view = new_form(bot)

    depends = element(view, milestone_modal.DEPENDS_BLOCK)
    assert depends["type"] == "multi_external_select"
    assert depends["min_query_length"] == 0
    assert "options" not in depends

    everything = suggest(bot, view, "")
    typed = suggest(bot, view, "supplier 10")

    assert everything.status_code == 200
    assert len(everything.json()["options"]) == 100
    found = [o["text"]["text"] for o in typed.json()["options"]]
    assert found == [f"M-{n} · Supplier {n} contract signed" for n in (10, *range(100, 106))]

    response = bot.submit_view(view, values("Beta version shipped", after=(101,)))

    assert closed(response)
    with session_scope(bot.engine) as session:
        [link] = session.exec(select(Dependency)).all()
    assert link.prerequisite_id == 101


def test_the_manifest_points_slack_at_the_bot_for_options(bot):
    import yaml

    manifest = yaml.safe_load((Path(__file__).parents[2] / "manifest.yml").read_text())

    interactivity = manifest["settings"]["interactivity"]
    assert interactivity["message_menu_options_url"] == interactivity["request_url"]


# Errors shown on the field


def test_past_due_date_is_refused_in_the_submitters_time_zone(bot, clock):
    # 02:00 UTC on Friday 27 November: still Thursday 26 in New York, already Friday in Tokyo.
    clock.set(datetime(2026, 11, 27, 2, 0, tzinfo=UTC))
    view = new_form(bot, user=OTHER)

    errors = field_errors(bot.submit_view(view, values(due="2026-11-26", owner=OTHER), user=OTHER))

    assert list(errors) == [milestone_modal.DUE_BLOCK]
    assert "Thu 26 Nov 2026 is in the past" in errors[milestone_modal.DUE_BLOCK]
    assert bot.milestones() == []

    response = bot.submit_view(new_form(bot), values(due="2026-11-26"), user=OWNER)

    assert closed(response)
    assert bot.milestones()[0].due_date == date(2026, 11, 26)


def test_empty_or_overlong_title_is_refused_on_the_title(bot):
    view = new_form(bot)

    empty = field_errors(bot.submit_view(view, values("   ")))
    overlong = field_errors(bot.submit_view(view, values("x" * 151)))

    assert "needs a title" in empty[milestone_modal.TITLE_BLOCK]
    assert "at most 150" in overlong[milestone_modal.TITLE_BLOCK]
    assert bot.milestones() == []
    assert bot.slack.calls_to("chat.postMessage") == []


def test_every_field_mistake_shows_at_once(bot):
    view = new_form(bot)

    errors = field_errors(bot.submit_view(view, values("", due="2026-01-01")))

    assert set(errors) == {milestone_modal.TITLE_BLOCK, milestone_modal.DUE_BLOCK}


def test_owner_as_their_own_approver_is_refused_where_the_channel_separates(bot):
    view = new_form(bot)
    bot.command("settings approvals separate")

    errors = field_errors(bot.submit_view(view, values(owner=OWNER, approver=OWNER)))

    assert list(errors) == [milestone_modal.APPROVER_BLOCK]
    assert "separate approvals" in errors[milestone_modal.APPROVER_BLOCK]
    assert bot.milestones() == []

    bot.command("settings approvals shared")
    assert closed(bot.submit_view(view, values(owner=OWNER, approver=OWNER)))


def test_an_unowned_milestone_cannot_be_approved_by_whoever_declared_it_where_separate(bot):
    view = new_form(bot)
    bot.command("settings approvals separate")

    errors = field_errors(bot.submit_view(view, values(owner=None, approver=OWNER)))

    assert "separate approvals" in errors[milestone_modal.APPROVER_BLOCK]
    assert bot.milestones() == []


def test_new_goal_that_already_exists_is_refused(bot):
    bot.command('goal add "Launch mobile app"')
    view = new_form(bot)

    errors = field_errors(bot.submit_view(view, values(new_goal="launch mobile app")))

    assert "already has the goal G-1" in errors[milestone_modal.NEW_GOAL_BLOCK]
    assert bot.milestones() == []
    with session_scope(bot.engine) as session:
        assert len(session.exec(select(Goal)).all()) == 1


def test_a_dependency_cycle_is_refused_naming_the_path(bot):
    design = bot.add('"Design approved" due 2026-12-10')
    build = bot.add(f'"Build finished" due 2026-12-15 after M-{design.id}')
    view = edit_form(bot, design)
    assert str(design.id) not in [
        o["value"] for o in element(view, milestone_modal.DEPENDS_BLOCK)["options"]
    ]

    errors = field_errors(bot.submit_view(view, values("Design approved", after=(build.id,))))

    assert list(errors) == [milestone_modal.DEPENDS_BLOCK]
    assert (
        f"M-{design.id}, which waits on M-{build.id}, which waits on M-{design.id}"
        in errors[milestone_modal.DEPENDS_BLOCK]
    )
    assert bot.milestone(design.id).revision == design.revision
    assert history(bot, design.id) == ["declared"]


# Editing


def test_edit_button_opens_the_form_prefilled(bot):
    bot.command('goal add "Launch mobile app"')
    design = bot.add('"Design approved" due 2026-12-10')
    milestone = bot.add(
        f'"Beta version shipped" due 2026-12-15 owner <@{OWNER}> approver <@{APPROVER}> '
        f"goal G-1 after M-{design.id}"
    )

    view = edit_form(bot, milestone)

    assert view["title"]["text"] == f"Edit M-{milestone.id}"
    assert view["callback_id"] == milestone_modal.EDIT_MILESTONE_VIEW
    metadata = json.loads(view["private_metadata"])
    assert (metadata["milestone_id"], metadata["revision"]) == (milestone.id, milestone.revision)
    assert element(view, milestone_modal.TITLE_BLOCK)["initial_value"] == "Beta version shipped"
    assert element(view, milestone_modal.DUE_BLOCK)["initial_date"] == "2026-12-15"
    assert element(view, milestone_modal.OWNER_BLOCK)["initial_user"] == OWNER
    assert element(view, milestone_modal.APPROVER_BLOCK)["initial_user"] == APPROVER
    assert element(view, milestone_modal.GOAL_BLOCK)["initial_option"]["value"] == "1"
    depends = element(view, milestone_modal.DEPENDS_BLOCK)
    assert [o["value"] for o in depends["initial_options"]] == [str(design.id)]
    assert str(milestone.id) not in [o["value"] for o in depends["options"]]


def test_edit_changes_the_fields_counts_the_slip_and_updates_the_card(bot):
    milestone = bot.add('"Beta version shipped" due 2026-12-15')
    card_ts = bot.milestone(milestone.id).announcement_ts
    view = edit_form(bot, milestone)

    response = bot.submit_view(
        view,
        values(
            "Beta version shipped to testers",
            due="2026-12-22",
            approver=APPROVER,
            done="Ten testers have it installed",
        ),
    )

    assert closed(response)
    edited = bot.milestone(milestone.id)
    assert edited.title == "Beta version shipped to testers"
    assert (edited.approver_id, edited.definition_of_done) == (
        APPROVER,
        "Ten testers have it installed",
    )
    assert (edited.first_due_date, edited.due_date) == (date(2026, 12, 15), date(2026, 12, 22))
    assert (edited.times_moved, edited.slip_days) == (1, 7)
    assert edited.revision == milestone.revision + 1
    [update] = bot.slack.calls_to("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (CHANNEL, card_ts)
    assert "Beta version shipped to testers" in message_text(update)
    assert "Moved once, +7 days" in message_text(update)
    assert bot.slack.calls_to("chat.postMessage") == []
    with session_scope(bot.engine) as session:
        event = session.exec(select(MilestoneEvent).where(MilestoneEvent.kind == "edited")).one()
    assert event.actor_id == OWNER
    assert (event.old_due_date, event.new_due_date) == (date(2026, 12, 15), date(2026, 12, 22))
    assert "title" in event.reason and "approver" not in event.reason
    assert "due date from Tue 15 Dec 2026 to Tue 22 Dec 2026" in event.reason
    shown = bot.command(f"history M-{milestone.id}").json()["blocks"][0]["text"]["text"]
    assert f"edited by <@{OWNER}> (changed title" in shown


def test_edit_replaces_what_the_milestone_waits_on(bot):
    design = bot.add('"Design approved" due 2026-12-10')
    budget = bot.add('"Budget approved" due 2026-12-11')
    milestone = bot.add(f'"Beta version shipped" due 2026-12-15 after M-{design.id}')
    view = edit_form(bot, milestone)

    bot.submit_view(view, values("Beta version shipped", due="2026-12-15", after=(budget.id,)))

    with session_scope(bot.engine) as session:
        links = session.exec(select(Dependency).where(Dependency.milestone_id == milestone.id))
        assert [link.prerequisite_id for link in links] == [budget.id]
    assert bot.milestone(milestone.id).times_moved == 0


def test_edit_moving_a_prerequisite_past_a_dependent_tells_its_owner(bot):
    design = bot.add('"Design approved" due 2026-12-10')
    build = bot.add(f'"Build finished" due 2026-12-15 owner <@{OTHER}> after M-{design.id}')
    view = edit_form(bot, design)

    bot.submit_view(view, values("Design approved", due="2026-12-18"))

    [opened] = bot.slack.calls_to("conversations.open")
    assert opened.params["users"] == OTHER
    [note] = bot.slack.calls_to("chat.postMessage")
    assert note.params["channel"] == f"D{OTHER}"
    assert f"M-{build.id} is at risk" in note.params["text"]


def test_edit_of_an_overdue_milestone_keeps_its_past_date(bot, clock):
    milestone = bot.add('"Beta version shipped" due 2026-11-30')
    clock.set(datetime(2026, 12, 3, 15, 0, tzinfo=UTC))
    view = edit_form(bot, milestone)

    response = bot.submit_view(view, values("Beta version shipped to testers", due="2026-11-30"))

    assert closed(response)
    assert bot.milestone(milestone.id).title == "Beta version shipped to testers"


def test_edit_that_leaves_the_owner_empty_hands_the_milestone_to_nobody(bot):
    milestone = bot.add('"Beta version shipped" due 2026-12-15')
    view = edit_form(bot, milestone)

    bot.submit_view(view, values("Beta version shipped", due="2026-12-15", owner=None))

    assert bot.milestone(milestone.id).owner_id is None
    [note] = ephemerals(bot)
    assert "Nobody owns this yet" in message_text(note)


def test_non_owner_pressing_edit_is_refused_privately(bot):
    milestone = bot.add('"Beta version shipped" due 2026-12-15')
    bot.slack.reset()

    response = bot.press(blocks.EDIT, bot.button(milestone), user=OTHER)

    assert response.status_code == 200
    [answer] = bot.slack.responses
    assert answer["body"]["response_type"] == "ephemeral"
    assert answer["body"]["replace_original"] is False
    assert f"Only the owner, <@{OWNER}>, can edit M-{milestone.id}" in answer["body"]["text"]
    assert bot.slack.calls_to("views.open") == []


def test_stale_edit_button_is_answered_with_the_current_state(bot):
    milestone = bot.add('"Beta version shipped" due 2026-12-15')
    old_button = bot.button(milestone)
    bot.command(f"due M-{milestone.id} 2026-12-18")
    bot.slack.reset()

    bot.press(blocks.EDIT, old_button)

    [answer] = bot.slack.responses
    assert "out of date" in answer["body"]["text"]
    assert f"M-{milestone.id} is open, due Fri 18 Dec 2026" in answer["body"]["text"]
    assert bot.slack.calls_to("views.open") == []


def test_edit_submitted_after_another_change_is_refused_on_the_form(bot):
    milestone = bot.add('"Beta version shipped" due 2026-12-15')
    view = edit_form(bot, milestone)
    bot.command(f"due M-{milestone.id} 2026-12-18")

    errors = field_errors(bot.submit_view(view, values("Beta version shipped to testers")))

    assert "out of date" in errors[milestone_modal.TITLE_BLOCK]
    assert bot.milestone(milestone.id).title == "Beta version shipped"


def test_coach_note_edit_button_opens_the_form(bot):
    bot.submit_view(new_form(bot), values("Make progress on the website"))
    [note] = ephemerals(bot)
    [edit] = buttons(note)
    bot.slack.reset()

    bot.press(blocks.EDIT, edit["value"])

    assert opened_view(bot)["title"]["text"] == f"Edit M-{bot.milestones()[0].id}"


def test_milestone_awaiting_approval_cannot_be_edited(bot):
    milestone = bot.add(f'"Contract signed" due 2026-12-10 approver <@{APPROVER}>')
    bot.command(f"done M-{milestone.id}")
    bot.slack.reset()

    bot.press(blocks.EDIT, bot.button(milestone))

    [answer] = bot.slack.responses
    assert "waiting for" in answer["body"]["text"]
    assert bot.milestone(milestone.id).status == Status.AWAITING_APPROVAL
    assert bot.slack.calls_to("views.open") == []
