"""Channel settings changes are told to the channel (who changed what, old value -> new), and
`settings managers` restricts who may make them; workspace admins and owners always may."""

import logging
import time

import pytest

from bot.domain import channels
from bot.store.db import session_scope
from bot.store.models import ChannelSettings
from tests.support.fakeslack import FakeSlack
from tests.support.harness import APPROVER, CHANNEL, OTHER, OWNER, TEAM, make_settings, running_bot
from tests.support.reading import message_text


def announcements(bot) -> list[str]:
    return [
        message_text(call)
        for call in bot.slack.calls_to("chat.postMessage")
        if call.params["channel"] == CHANNEL and call.params["text"].endswith("settings changed")
    ]


def settings_of(bot) -> ChannelSettings:
    with session_scope(bot.engine) as session:
        return channels.settings_for(session, team_id=TEAM, channel_id=CHANNEL)


def answer_text(response) -> str:
    assert response.status_code == 200, response.text
    return response.json()["blocks"][0]["text"]["text"]


@pytest.mark.parametrize(
    ("command", "line"),
    [
        ("digest fri 16:30 Europe/Paris", "weekly status: Monday 09:00 (UTC) → *Friday 16:30"),
        ("digest off", "weekly status: Monday 09:00 (UTC) → *off*"),
        ("nudges off", "overdue nudges: private → *off*"),
        ("mentions off", "mentions in the status: on → *off*"),
        ("escalate approver", "after repeated nudges: tell the channel → *tell the approver*"),
        ("approvals separate", "approvals: shared → *separate*"),
        ("coach off vague", "coach rules turned off: none → *vague*"),
        (
            f"managers <@{OWNER}|olive>",
            f"who may change the settings: anyone → *<@{OWNER}> and workspace admins*",
        ),
    ],
)
def test_every_settings_change_is_told_to_the_channel_with_who_and_what(bot, command, line):
    response = bot.command(f"settings {command}")

    assert "This channel's settings" in answer_text(response)
    [told] = announcements(bot)
    assert f"changed this channel's settings:\n• {line}" in told
    # Named without a ping once the channel turned mentions off.
    assert ("<@" not in told) == (command == "mentions off")


def test_the_announcement_mentions_whoever_changed_it_where_the_channel_allows(bot):
    bot.command("settings nudges off")

    [told] = announcements(bot)
    assert told == (
        f":gear: <@{OWNER}> changed this channel's settings:\n• overdue nudges: private → *off*"
    )
    assert settings_of(bot).nudges == "off"


def test_with_mentions_off_people_are_named_without_a_ping(bot):
    bot.command("settings mentions off")
    bot.slack.reset()

    bot.command(f"settings managers <@{APPROVER}> <@{OTHER}>", user=OTHER)

    [told] = announcements(bot)
    assert told.startswith(":gear: Otto Other changed this channel's settings:")
    assert "anyone → *Arun Approver, Otto Other and workspace admins*" in told
    assert "<@" not in told


def test_a_setting_set_to_what_it_already_is_is_not_announced(bot):
    response = bot.command("settings nudges dm")

    assert "Overdue nudges go to owners privately" in answer_text(response)
    assert announcements(bot) == []


def test_managers_alone_may_change_the_settings_and_others_are_told_who_may(bot):
    bot.command(f"settings managers <@{APPROVER}>")
    bot.slack.reset()

    refused = answer_text(bot.command("settings approvals separate", user=OTHER))

    assert refused == (
        f"Only <@{APPROVER}> or a workspace admin can change this channel's settings. "
        "Nothing was changed."
    )
    assert settings_of(bot).separate_approvals is False
    assert bot.slack.calls_to("chat.postMessage") == []
    [asked] = bot.slack.calls_to("users.info")
    assert asked.params["user"] == OTHER

    bot.command("settings approvals separate", user=APPROVER)

    assert settings_of(bot).separate_approvals is True
    [told] = announcements(bot)
    assert told.startswith(f":gear: <@{APPROVER}> changed")
    # A manager is known without asking Slack.
    assert [call.params["user"] for call in bot.slack.calls_to("users.info")] == [OTHER]


@pytest.mark.parametrize("role", ["is_admin", "is_owner"])
def test_workspace_admins_and_owners_may_always_change_the_settings(bot, role):
    bot.command(f"settings managers <@{APPROVER}>")
    bot.slack.set_user(OTHER, tz="Asia/Tokyo", real_name="Otto Other", **{role: True})

    bot.command("settings digest off", user=OTHER)

    assert settings_of(bot).digest_enabled is False
    assert "weekly status: Monday 09:00 (UTC) → *off*" in announcements(bot)[-1]


def test_managers_anyone_lifts_the_restriction(bot):
    bot.command(f"settings managers <@{OWNER}>")

    bot.command("settings managers anyone")
    bot.command("settings nudges channel", user=OTHER)

    assert settings_of(bot).managers == ""
    assert settings_of(bot).nudges == "channel"
    assert "overdue nudges: private → *in the channel*" in announcements(bot)[-1]
    assert f"<@{OWNER}> and workspace admins → *anyone*" in announcements(bot)[-2]


def test_settings_shows_who_may_change_them(bot):
    assert "can be changed by anyone" in answer_text(bot.command("settings"))

    bot.command(f"settings managers <@{OWNER}> <@{APPROVER}>")

    shown = answer_text(bot.command("settings"))
    assert f"can be changed by <@{OWNER}>, <@{APPROVER}> and workspace admins" in shown
    assert "`settings managers @someone …|anyone`" in shown


def test_help_tells_how_to_restrict_the_settings(bot):
    help_text = bot.command("help").json()["blocks"][0]["text"]["text"]

    assert "settings managers @alex @sam" in help_text
    assert "workspace admins always may" in help_text


@pytest.mark.parametrize(
    "text",
    [
        "settings managers",
        "settings managers alex",
        f'settings managers "<@{OWNER}>"',
        "settings managers " + " ".join(f"<@U{n:08d}>" for n in range(13)),
    ],
)
def test_a_bad_managers_list_is_answered_and_changes_nothing(bot, text):
    answer = answer_text(bot.command(text))

    assert "settings managers" in answer or "at most 12" in answer
    assert settings_of(bot).managers == ""
    assert announcements(bot) == []


def test_when_slack_fails_the_admin_check_nothing_is_changed(bot, caplog):
    bot.command(f"settings managers <@{APPROVER}>")
    bot.slack.fail("users.info", status=500, error="internal_error")

    with caplog.at_level(logging.WARNING):
        answer = answer_text(bot.command("settings nudges off", user=OTHER))

    assert answer == (
        "I could not check with Slack whether you are a workspace admin, so nothing was "
        "changed. Please try again in a moment."
    )
    assert settings_of(bot).nudges == "dm"
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage().split(":")[0] for r in warnings] == [
        f"could not check whether {OTHER} is a workspace admin"
    ]
    assert all(r.exc_info is None for r in warnings)


class SlackThatHangs(FakeSlack):
    """A fake Slack whose users.info answers only after `delay` seconds."""

    delay = 3.0

    def _handle_api(self, method: str, params: dict, headers: dict):
        if method == "users.info":
            time.sleep(self.delay)
        return super()._handle_api(method, params, headers)


def test_when_slack_does_not_answer_the_admin_check_the_answer_still_comes_quickly(
    database_url, clock
):
    slow = SlackThatHangs().start()
    try:
        with running_bot(make_settings(database_url, slow), slow, clock) as bot:
            with session_scope(bot.engine) as session:
                channels.set_managers(
                    session, team_id=TEAM, channel_id=CHANNEL, user_ids=(APPROVER,)
                )
            started = time.monotonic()
            answer = answer_text(bot.command("settings nudges off", user=OTHER))
            elapsed = time.monotonic() - started

            assert answer.startswith("I could not check with Slack")
            assert elapsed < 1.5, elapsed
            assert settings_of(bot).nudges == "dm"
    finally:
        slow.stop()
