"""Hostile interactive payloads: any field missing, of the wrong type, or naming another
workspace's or channel's milestone, on every surface the bot listens to. Each gets a private
"out of date" (or nothing), changes nothing, and logs one warning line without a traceback;
a form whose trigger expired tells the person to try again."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from bot.listeners.common import FORM_OUT_OF_DATE, FORM_TOO_SLOW, OUT_OF_DATE
from bot.render import blocks, milestone_modal
from bot.store.db import session_scope
from bot.store.models import Milestone, MilestoneEvent, Person
from tests.support.harness import APPROVER, CHANNEL, OWNER, TEAM

FIXTURES = Path("/work/shared/slack-fixtures/payloads/bolt-python")
BUTTONS = [blocks.COMPLETE, blocks.APPROVE, blocks.REQUEST_CHANGES, blocks.RESCHEDULE, blocks.EDIT]
OTHER_TEAM, OTHER_CHANNEL = "T222", "C222"


def encoded(payload: dict) -> str:
    return "payload=" + requests.utils.quote(json.dumps(payload))


def decoded(body: str) -> dict:
    return json.loads(requests.utils.unquote(body.removeprefix("payload=")))


def snapshot(bot) -> list[tuple]:
    """Everything a payload could change: milestones as they stand, and their history."""
    with session_scope(bot.engine) as session:
        events = session.scalar(select(func.count()).select_from(MilestoneEvent))
        people = session.scalar(select(func.count()).select_from(Person))
    return [
        (m.id, m.team_id, m.channel_id, m.title, m.status, m.revision, m.due_date)
        for m in bot.milestones()
    ] + [("events", events), ("people", people)]


def assert_one_warning_and_no_traceback(caplog) -> None:
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.levelname for r in warnings] == ["WARNING"], [r.getMessage() for r in warnings]
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


def assert_nothing_posted(bot) -> None:
    for method in ("chat.postMessage", "chat.update", "views.open", "chat.postEphemeral"):
        assert bot.slack.calls_to(method) == [], method


@pytest.fixture
def milestone(bot):
    """An open milestone with an approver, and another workspace's and channel's."""
    found = bot.add('"Beta shipped" due 2026-12-15 approver <@U0APPROVER|approver>')
    bot.add('"Their launch" due 2026-12-15', team=OTHER_TEAM)
    bot.add('"Next door" due 2026-12-15', channel=OTHER_CHANNEL)
    bot.slack.reset()
    return found


def foreign(bot, *, team: str = TEAM, channel: str = CHANNEL) -> Milestone:
    [found] = [m for m in bot.milestones() if (m.team_id, m.channel_id) == (team, channel)]
    return found


def set_value(value: object) -> Callable[[dict, Milestone], None]:
    def tamper(payload: dict, _milestone: Milestone) -> None:
        payload["actions"][0]["value"] = value

    return tamper


PRESSES: dict[str, Callable[[dict, Milestone], None]] = {
    "value 0": set_value("0"),
    "value missing": lambda payload, _m: payload["actions"][0].pop("value"),
    "value not numbers": set_value("abc:def"),
    "value a number": set_value(12),
    "value a list": set_value(["1:1"]),
    "value too big": set_value("99999999999999999999:1"),
    "unknown milestone": set_value("999:1"),
    "actions empty of a value": lambda payload, _m: payload["actions"][0].update(value=None),
    "team a string": lambda payload, m: payload.update(
        team="T111", user={"id": OWNER, "name": "owner"}
    ),
    "trigger id missing": lambda payload, m: payload.pop("trigger_id"),
}


@pytest.mark.parametrize("action_id", BUTTONS)
@pytest.mark.parametrize("tampering", [*PRESSES, "another workspace's", "no user"])
def test_a_tampered_button_is_out_of_date_and_changes_nothing(
    bot, milestone, caplog, action_id, tampering
):
    payload = decoded(bot.action_body(action_id, bot.button(milestone)))
    if tampering == "another workspace's":
        other = foreign(bot, team=OTHER_TEAM)
        payload["actions"][0]["value"] = f"{other.id}:{other.revision}"
    elif tampering == "no user":
        payload.pop("user")
    else:
        PRESSES[tampering](payload, milestone)
    before = snapshot(bot)
    caplog.clear()

    response = bot.post(encoded(payload))

    assert response.status_code == 200
    assert response.text == ""
    if tampering == "no user":
        assert bot.slack.responses == []
    else:
        [answer] = bot.slack.responses
        assert answer["body"]["text"] == OUT_OF_DATE
        assert answer["body"]["response_type"] == "ephemeral"
    assert snapshot(bot) == before
    assert_nothing_posted(bot)
    assert_one_warning_and_no_traceback(caplog)


def test_a_tampered_button_on_the_home_shows_the_home_with_the_reason(bot, milestone, caplog):
    payload = decoded(bot.action_body(blocks.COMPLETE, "0"))
    payload.pop("response_url")
    payload["container"] = {"type": "view", "view_id": "V123"}
    caplog.clear()

    response = bot.post(encoded(payload))

    assert response.status_code == 200
    [published] = bot.slack.calls_to("views.publish")
    assert OUT_OF_DATE in json.dumps(published.params["view"])
    assert_one_warning_and_no_traceback(caplog)


def milestone_form(bot, callback_id: str, milestone: Milestone) -> tuple[dict, dict]:
    """A form as the bot opens it, and values a person could submit in it."""
    if callback_id == blocks.RESCHEDULE_VIEW:
        date_value = {"type": "datepicker", "selected_date": "2026-12-20"}
        return blocks.reschedule_modal(milestone), {
            blocks.DATE_BLOCK: {blocks.DATE_ACTION: date_value},
            blocks.REASON_BLOCK: {blocks.REASON_ACTION: {"type": "plain_text_input"}},
        }
    if callback_id == blocks.CHANGES_VIEW:
        reason = {"type": "plain_text_input", "value": "Crash on login"}
        return blocks.changes_modal(milestone), {
            blocks.REASON_BLOCK: {blocks.REASON_ACTION: reason}
        }
    editing = callback_id == milestone_modal.EDIT_MILESTONE_VIEW
    metadata = milestone_modal.Metadata(
        channel_id=CHANNEL,
        key=uuid.uuid4().hex,
        milestone_id=milestone.id if editing else None,
        revision=milestone.revision if editing else None,
    )
    view = milestone_modal.milestone_modal(
        metadata=metadata,
        prefill=milestone_modal.Prefill.of(milestone, []) if editing else milestone_modal.Prefill(),
        goals=[],
        candidates=[],
        reference=milestone.reference if editing else None,
    )
    title = {"type": "plain_text_input", "value": "Gamma shipped"}
    due = {"type": "datepicker", "selected_date": "2026-12-20"}
    return view, {
        milestone_modal.TITLE_BLOCK: {milestone_modal.TITLE_ACTION: title},
        milestone_modal.DUE_BLOCK: {milestone_modal.DUE_ACTION: due},
    }


FIRST_FIELD = {
    blocks.RESCHEDULE_VIEW: blocks.DATE_BLOCK,
    blocks.CHANGES_VIEW: blocks.REASON_BLOCK,
    milestone_modal.NEW_MILESTONE_VIEW: milestone_modal.TITLE_BLOCK,
    milestone_modal.EDIT_MILESTONE_VIEW: milestone_modal.TITLE_BLOCK,
}


Tampering = Callable[[dict], None]  # changes a submitted view in place


def metadata_with(**changes) -> Tampering:
    def tamper(view: dict) -> None:
        view["private_metadata"] = json.dumps(json.loads(view["private_metadata"]) | changes)

    return tamper


def metadata_without(key: str) -> Tampering:
    def tamper(view: dict) -> None:
        metadata = json.loads(view["private_metadata"])
        metadata.pop(key, None)
        view["private_metadata"] = json.dumps(metadata)

    return tamper


def field(block_id: str, action_id: str, **element) -> Tampering:
    def tamper(view: dict) -> None:
        view["state"]["values"][block_id] = {action_id: element}

    return tamper


def select_option(value: object) -> dict:
    return {"text": {"type": "plain_text", "text": "M-1"}, "value": value}


# Every form: its metadata and its values.
ANY_FORM: dict[str, Tampering] = {
    "metadata not JSON": lambda view: view.update(private_metadata="{not json"),
    "metadata a list": lambda view: view.update(private_metadata="[]"),
    "metadata missing": lambda view: view.pop("private_metadata"),
    "values a list": lambda view: view["state"].update(values=[]),
    "no state": lambda view: view.pop("state"),
}
# Forms about one milestone (Reschedule, Request changes, Edit).
ABOUT_A_MILESTONE: dict[str, Tampering] = {
    "milestone id missing": metadata_without("milestone_id"),
    "milestone id a string": metadata_with(milestone_id="1"),
    "milestone id true": metadata_with(milestone_id=True),
    "milestone id too big": metadata_with(milestone_id=2**40),
    "revision missing": metadata_without("revision"),
    "unknown milestone": metadata_with(milestone_id=999),
}
FORM_FIELDS: dict[str, dict[str, Tampering]] = {
    blocks.RESCHEDULE_VIEW: {
        "date not a date": field(
            blocks.DATE_BLOCK, blocks.DATE_ACTION, type="datepicker", selected_date="tomorrow"
        ),
        "date a number": field(
            blocks.DATE_BLOCK, blocks.DATE_ACTION, type="datepicker", selected_date=20261220
        ),
        "reason a list": field(
            blocks.REASON_BLOCK, blocks.REASON_ACTION, type="plain_text_input", value=["x"]
        ),
        "field a list": lambda view: view["state"]["values"].update({blocks.DATE_BLOCK: []}),
    },
    blocks.CHANGES_VIEW: {
        "reason a dict": field(
            blocks.REASON_BLOCK, blocks.REASON_ACTION, type="plain_text_input", value={"x": 1}
        ),
        "field a string": lambda view: view["state"]["values"].update({blocks.REASON_BLOCK: "x"}),
    },
    milestone_modal.NEW_MILESTONE_VIEW: {
        "channel missing": metadata_without("channel_id"),
        "channel a number": metadata_with(channel_id=111),
        "title a list": field(
            milestone_modal.TITLE_BLOCK,
            milestone_modal.TITLE_ACTION,
            type="plain_text_input",
            value=["x"],
        ),
        "owner a dict": field(
            milestone_modal.OWNER_BLOCK,
            milestone_modal.OWNER_ACTION,
            type="users_select",
            selected_user={"id": 1},
        ),
        "due not a date": field(
            milestone_modal.DUE_BLOCK,
            milestone_modal.DUE_ACTION,
            type="datepicker",
            selected_date="someday",
        ),
        "goal not a number": field(
            milestone_modal.GOAL_BLOCK,
            milestone_modal.GOAL_ACTION,
            type="static_select",
            selected_option=select_option("G-1"),
        ),
        "goal a string": field(
            milestone_modal.GOAL_BLOCK,
            milestone_modal.GOAL_ACTION,
            type="static_select",
            selected_option="1",
        ),
        "prerequisite not a number": field(
            milestone_modal.DEPENDS_BLOCK,
            milestone_modal.DEPENDS_ACTION,
            type="multi_static_select",
            selected_options=[select_option("abc")],
        ),
        "prerequisites a dict": field(
            milestone_modal.DEPENDS_BLOCK,
            milestone_modal.DEPENDS_ACTION,
            type="multi_static_select",
            selected_options={"value": "1"},
        ),
        "unknown prerequisite": field(
            milestone_modal.DEPENDS_BLOCK,
            milestone_modal.DEPENDS_ACTION,
            type="multi_static_select",
            selected_options=[select_option("999")],
        ),
    },
    milestone_modal.EDIT_MILESTONE_VIEW: {
        "title a number": field(
            milestone_modal.TITLE_BLOCK,
            milestone_modal.TITLE_ACTION,
            type="plain_text_input",
            value=12,
        ),
        "key missing": metadata_without("key"),
    },
}
FOREIGN = {"another workspace's milestone": OTHER_TEAM, "another channel's milestone": None}
# Reschedule and Request changes carry no channel: they act wherever their milestone is (the
# Home shows every channel's), for whoever may act on it.
OF_A_CHANNEL = (milestone_modal.NEW_MILESTONE_VIEW, milestone_modal.EDIT_MILESTONE_VIEW)
CASES = [
    (callback_id, name)
    for callback_id in FIRST_FIELD
    for name in [
        *ANY_FORM,
        *(ABOUT_A_MILESTONE if callback_id != milestone_modal.NEW_MILESTONE_VIEW else ()),
        *FORM_FIELDS[callback_id],
        *(FOREIGN if callback_id in OF_A_CHANNEL else list(FOREIGN)[:1]),
    ]
]


def naming_a_foreign_milestone(bot, callback_id: str, name: str) -> Tampering:
    """The form naming another workspace's or channel's milestone: the one it is about, or
    (New milestone) one it depends on."""
    team = FOREIGN[name]
    other = foreign(bot, team=team) if team else foreign(bot, channel=OTHER_CHANNEL)
    if callback_id == milestone_modal.NEW_MILESTONE_VIEW:
        return field(
            milestone_modal.DEPENDS_BLOCK,
            milestone_modal.DEPENDS_ACTION,
            type="multi_static_select",
            selected_options=[select_option(str(other.id))],
        )
    return metadata_with(milestone_id=other.id, revision=other.revision)


@pytest.mark.parametrize(("callback_id", "tampering"), CASES)
def test_a_tampered_form_is_refused_on_the_form_and_changes_nothing(
    bot, milestone, caplog, callback_id, tampering
):
    if callback_id == blocks.CHANGES_VIEW:
        bot.press(blocks.COMPLETE, bot.button(milestone))
        bot.slack.reset()
    view, values = milestone_form(bot, callback_id, bot.milestone(milestone.id))
    payload = decoded(bot.view_submission_body(view, values))
    if tampering in FOREIGN:
        naming_a_foreign_milestone(bot, callback_id, tampering)(payload["view"])
    else:
        {**ANY_FORM, **ABOUT_A_MILESTONE, **FORM_FIELDS[callback_id]}[tampering](payload["view"])
    before = snapshot(bot)
    caplog.clear()

    response = bot.post(encoded(payload))

    assert response.status_code == 200
    assert response.json() == {
        "response_action": "errors",
        "errors": {FIRST_FIELD[callback_id]: FORM_OUT_OF_DATE},
    }
    assert snapshot(bot) == before
    assert_nothing_posted(bot)
    assert_one_warning_and_no_traceback(caplog)


def suggestion(view_metadata: object, typed: object = "") -> dict:
    payload = json.loads((FIXTURES / "block_suggestion.json").read_text())
    payload["user"] = {"id": OWNER, "username": "owner", "name": "owner", "team_id": TEAM}
    payload["team"] = {"id": TEAM, "domain": "test-domain"}
    payload["action_id"], payload["block_id"] = (
        milestone_modal.DEPENDS_ACTION,
        milestone_modal.DEPENDS_BLOCK,
    )
    payload["value"] = typed
    payload["view"]["callback_id"] = milestone_modal.NEW_MILESTONE_VIEW
    payload["view"]["private_metadata"] = view_metadata
    return payload


@pytest.mark.parametrize(
    "payload",
    [
        suggestion("{not json"),
        suggestion("[1]"),
        suggestion(json.dumps({"key": "k"})),
        suggestion(json.dumps({"channel_id": ["C111"], "key": "k"})),
        suggestion(json.dumps({"channel_id": CHANNEL, "key": "k", "milestone_id": "1"})),
        suggestion(json.dumps({"channel_id": CHANNEL, "key": "k"}), typed=["M-1"]),
        suggestion(None),
    ],
    ids=[
        "not JSON",
        "a list",
        "no channel",
        "channel a list",
        "milestone id a string",
        "typed a list",
        "no metadata",
    ],
)
def test_a_tampered_menu_search_gets_no_options(bot, milestone, caplog, payload):
    caplog.clear()

    response = bot.post(encoded(payload))

    assert response.status_code == 200
    assert response.json() == {"options": []}
    assert_one_warning_and_no_traceback(caplog)


def event_body(event: object) -> str:
    return json.dumps(
        {
            "token": "verification_token",
            "team_id": TEAM,
            "api_app_id": "A111",
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
        }
    )


@pytest.mark.parametrize(
    "event",
    [
        {"type": "app_home_opened", "tab": "home", "channel": "D111"},
        {"type": "app_home_opened", "tab": "home", "user": ["U0OWNER"]},
        {"type": "member_joined_channel", "user": "UBOT", "team": TEAM},
        {"type": "member_joined_channel", "user": "UBOT", "channel": CHANNEL, "team": 1},
        {"type": "tokens_revoked", "tokens": ["UBOT"]},
        {"type": "tokens_revoked"},
    ],
    ids=[
        "home without user",
        "home user a list",
        "joined without channel",
        "joined team a number",
        "revoked tokens a list",
        "revoked without tokens",
    ],
)
def test_an_event_missing_its_fields_is_ignored_with_one_warning(bot, milestone, caplog, event):
    before = snapshot(bot)
    caplog.clear()

    response = bot.post(event_body(event), content_type="application/json")

    assert response.status_code == 200
    assert snapshot(bot) == before
    assert bot.slack.calls == []
    assert_one_warning_and_no_traceback(caplog)
    bot.add('"Still served" due 2026-12-20')


EXPIRED = ["expired_trigger_id", "exchanged_trigger_id"]


@pytest.mark.parametrize("error", EXPIRED)
@pytest.mark.parametrize("action_id", [blocks.RESCHEDULE, blocks.EDIT, blocks.REQUEST_CHANGES])
def test_a_form_whose_trigger_expired_asks_the_presser_to_try_again(
    bot, milestone, caplog, action_id, error
):
    user = OWNER
    if action_id == blocks.REQUEST_CHANGES:
        bot.press(blocks.COMPLETE, bot.button(milestone))
        user = APPROVER
    bot.slack.reset()
    bot.slack.fail("views.open", status=200, error=error)
    caplog.clear()

    response = bot.press(action_id, bot.button(milestone), user=user)

    assert response.status_code == 200
    [answer] = bot.slack.responses
    assert answer["body"]["text"] == FORM_TOO_SLOW
    assert_one_warning_and_no_traceback(caplog)


def test_the_new_milestone_form_whose_trigger_expired_asks_to_try_again(bot, caplog):
    bot.slack.fail("views.open", status=200, error="expired_trigger_id")

    response = bot.command("")

    assert response.status_code == 200
    [answer] = bot.slack.responses
    assert answer["body"]["text"] == FORM_TOO_SLOW
    assert bot.milestones() == []
    assert_one_warning_and_no_traceback(caplog)


def broken_press(bot, change: Callable[[dict], None]) -> str:
    payload = decoded(bot.action_body(blocks.COMPLETE, "1:1"))
    change(payload)
    return encoded(payload)


def broken_submission(bot, change: Callable[[dict], None]) -> str:
    payload = decoded(bot.view_submission_body(blocks.reschedule_modal(bot.milestone(1)), {}))
    change(payload)
    return encoded(payload)


def broken_shortcut(bot, change: Callable[[dict], None]) -> str:
    payload = decoded(bot.message_shortcut_body("Contract signed"))
    change(payload)
    return encoded(payload)


# Payloads whose frame (what Bolt reads to route them) is broken, and how to break it.
BROKEN_FRAMES = {
    "actions empty": lambda bot: broken_press(bot, lambda p: p.update(actions=[])),
    "actions a dict": lambda bot: broken_press(bot, lambda p: p.update(actions={"a": 1})),
    "action without id": lambda bot: broken_press(bot, lambda p: p["actions"][0].pop("action_id")),
    "action a number": lambda bot: broken_press(bot, lambda p: p.update(actions=[1])),
    "view a list": lambda bot: broken_submission(bot, lambda p: p.update(view=[])),
    "view without callback": lambda bot: broken_submission(
        bot, lambda p: p["view"].pop("callback_id")
    ),
    "shortcut callback a list": lambda bot: broken_shortcut(
        bot, lambda p: p.update(callback_id=["make_milestone"])
    ),
    "menu action id a list": lambda _bot: encoded(suggestion("{}") | {"action_id": ["x"]}),
    "event without type": lambda _bot: event_body({"user": OWNER, "tab": "home"}),
    "event a text": lambda _bot: event_body("app_home_opened"),
    "event a list": lambda _bot: event_body([{"type": "app_home_opened"}]),
}


@pytest.mark.parametrize("broken", list(BROKEN_FRAMES))
def test_a_payload_whose_frame_is_broken_gets_nothing(bot, milestone, caplog, broken):
    body = BROKEN_FRAMES[broken](bot)
    before = snapshot(bot)
    caplog.clear()

    content_type = "application/json" if broken.startswith("event") else None
    response = bot.post(body, **({"content_type": content_type} if content_type else {}))

    assert response.status_code == 200
    assert response.text == ""
    assert snapshot(bot) == before
    assert bot.slack.calls == [] and bot.slack.responses == []
    assert_one_warning_and_no_traceback(caplog)
