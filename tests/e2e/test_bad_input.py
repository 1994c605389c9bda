"""Bad input: a clear private answer, HTTP 200, and nothing changed."""

import json
import time

import pytest

from bot.render import milestone_modal
from bot.store.models import Status
from tests.support.harness import OTHER, OWNER


def private_answer(response) -> str:
    """The ephemeral text the bot answered a slash command with."""
    assert response.status_code == 200
    body = response.json()
    assert body.get("response_type", "ephemeral") == "ephemeral"
    return body["text"] + "\n".join(
        block["text"]["text"] for block in body.get("blocks", []) if block["type"] == "section"
    )


def assert_nothing_sent(bot):
    assert bot.slack.calls_to("chat.postMessage") == []
    assert bot.slack.calls_to("chat.update") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dance", "I don't know the command “dance”"),
        ("help", "/milestone add"),
    ],
)
def test_help_is_shown_for_help_empty_and_unknown_commands(bot, text, expected):
    answer = private_answer(bot.command(text))

    assert expected in answer
    assert "/milestone list" in answer
    assert_nothing_sent(bot)


def test_unknown_command_text_is_escaped_in_the_answer(bot):
    answer = private_answer(bot.command("&lt;!channel&gt;"))

    assert "<!channel>" not in answer
    assert "&lt;!channel&gt;" in answer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('add "Beta" due', "`due` needs a date"),
        ('add "Beta" due someday', "“someday” isn't a day anyone can plan around"),
        ('add "Beta" due 2026-11-25', "is in the past"),
        ('add "Beta" due after the holidays', "“after the holidays” depends on whose holidays"),
        ('add "Beta" due 12/11', "could be 11 December 2026 (2026-12-11) or 12 November 2027"),
        ('add "Beta" due 2026-02-30', "does not exist"),
        ('add "Beta" owner alex', "`owner` needs one person"),
        ('add "Beta" approver', "`approver` needs one person"),
        ('add "Beta" due fri due mon', "appears twice"),
        ("add " + "x" * 151, "at most 150"),
    ],
)
def test_add_refuses_bad_input_and_declares_nothing(bot, text, expected):
    answer = private_answer(bot.command(text))

    assert expected in answer
    assert bot.milestones() == []
    assert_nothing_sent(bot)


@pytest.mark.parametrize("text", ["", "add", "add due friday"])
def test_empty_command_and_add_without_a_title_open_the_new_milestone_modal(bot, text):
    response = bot.command(text)

    assert response.status_code == 200
    assert response.text == ""
    [opened] = bot.slack.calls_to("views.open")
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == milestone_modal.NEW_MILESTONE_VIEW
    assert view["title"]["text"] == "New milestone"
    assert bot.milestones() == []
    assert_nothing_sent(bot)


@pytest.mark.parametrize(
    "text",
    ["done", "done M-1 M-2", "done banana", "due M-1", "cancel", "list everything"],
)
def test_malformed_commands_get_a_usage_answer(bot, text):
    bot.add('"Beta" due 2026-12-15')
    bot.slack.reset()

    answer = private_answer(bot.command(text))

    assert "/milestone" in answer or "list" in answer
    assert bot.milestones()[0].status == Status.OPEN
    assert_nothing_sent(bot)


@pytest.mark.parametrize("command", ["done {ref}", "due {ref} 2026-12-20", "cancel {ref}"])
def test_unknown_reference_is_refused(bot, command):
    answer = private_answer(bot.command(command.format(ref="M-999")))

    assert "no milestone M-999 in this channel" in answer


@pytest.mark.parametrize("command", ["done {ref}", "due {ref} 2026-12-20", "cancel {ref}"])
def test_another_channels_milestone_is_not_found(bot, command):
    milestone = bot.add('"Beta" due 2026-12-15', channel="C0OTHER")
    bot.slack.reset()

    answer = private_answer(bot.command(command.format(ref=f"M-{milestone.id}")))

    assert f"no milestone M-{milestone.id} in this channel" in answer
    assert bot.milestone(milestone.id).status == Status.OPEN
    assert bot.milestone(milestone.id).revision == milestone.revision
    assert_nothing_sent(bot)


def test_another_workspaces_milestone_is_not_found(bot):
    milestone = bot.add('"Beta" due 2026-12-15', team="T0OTHER")
    bot.slack.reset()

    answer = private_answer(bot.command(f"done M-{milestone.id}", team="T111"))

    assert "no milestone" in answer
    assert bot.milestone(milestone.id).status == Status.OPEN


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("done {ref}", "Only the owner"),
        ("due {ref} 2026-12-20", "Only the owner"),
        ("cancel {ref} because nope", "Only the owner"),
    ],
)
def test_someone_elses_milestone_cannot_be_changed(bot, command, expected):
    milestone = bot.add('"Beta" due 2026-12-15')
    bot.slack.reset()

    answer = private_answer(bot.command(command.format(ref=f"M-{milestone.id}"), user=OTHER))

    assert expected in answer and f"<@{OWNER}>" in answer
    current = bot.milestone(milestone.id)
    assert (current.status, current.due_date, current.revision) == (
        Status.OPEN,
        milestone.due_date,
        milestone.revision,
    )
    assert_nothing_sent(bot)


def test_reschedule_to_a_past_date_is_refused(bot):
    milestone = bot.add('"Beta" due 2026-12-15')
    bot.slack.reset()

    answer = private_answer(bot.command(f"due M-{milestone.id} 2026-11-01"))

    assert "is in the past" in answer
    assert bot.milestone(milestone.id).due_date == milestone.due_date
    assert_nothing_sent(bot)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("settings digest someday 09:00", "is not a day of the week"),
        ("settings digest monday 9am", "is not a 24-hour time"),
        ("settings digest monday 25:00", "is not a 24-hour time"),
        ("settings digest monday 09:00 Mars/Olympus", "is not a time zone I know"),
        ("settings colour blue", "I don't know the setting"),
    ],
)
def test_bad_settings_are_refused(bot, text, expected):
    answer = private_answer(bot.command(text))

    assert expected in answer


def test_a_reason_that_is_too_long_is_refused(bot):
    milestone = bot.add('"Beta" due 2026-12-15')

    answer = private_answer(bot.command(f"cancel M-{milestone.id} because {'y' * 600}"))

    assert "keep it under 500" in answer
    assert bot.milestone(milestone.id).status == Status.OPEN


def test_forged_signature_is_rejected_and_writes_nothing(bot):
    body = bot.command_body('add "Beta" due 2026-12-15')

    response = bot.post(body, signature="v0=" + "0" * 64)

    assert response.status_code == 401
    assert bot.milestones() == []


def test_missing_signature_is_rejected(bot):
    response = bot.post(bot.command_body('add "Beta" due 2026-12-15'), signed=False)

    assert response.status_code == 401
    assert bot.milestones() == []


def test_stale_signature_is_rejected(bot):
    ten_minutes_ago = int(time.time()) - 600

    response = bot.post(bot.command_body('add "Beta"'), timestamp=ten_minutes_ago)

    assert response.status_code == 401
    assert bot.milestones() == []


def test_requests_are_signed_the_way_slack_signs_them():
    """The one genuinely as-sent request in the fixtures checks our signing helper."""
    import json
    from pathlib import Path

    from slack_sdk.signature import SignatureVerifier

    folder = Path(__file__).parents[1] / "fixtures/signed-slash-command"
    signing = json.loads((folder / "signing.json").read_text())
    body = (folder / "slash_command.form.txt").read_text()
    verifier = SignatureVerifier(signing["signing_secret"])
    headers = signing["headers"]

    signature = verifier.generate_signature(
        timestamp=headers["X-Slack-Request-Timestamp"], body=body
    )

    assert signature == headers["X-Slack-Signature"]
