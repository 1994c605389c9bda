"""Declaring milestones with /milestone add: the announcement, dates, owners, approvers."""

from datetime import date

from sqlmodel import select

from bot.render import blocks
from bot.store.db import session_scope
from bot.store.models import Dependency
from tests.support.harness import APPROVER, CHANNEL, OTHER, OWNER
from tests.support.reading import message_text


def test_add_posts_an_announcement_with_a_complete_button(bot):
    milestone = bot.add('"Beta version completed" due 2026-12-15')

    assert milestone.title == "Beta version completed"
    assert milestone.due_date == date(2026, 12, 15)
    assert milestone.owner_id == OWNER
    [post] = bot.slack.calls_to("chat.postMessage")
    assert post.params["channel"] == CHANNEL
    text = message_text(post)
    assert f"M-{milestone.id}" in text
    assert "Beta version completed" in text
    assert "Tue 15 Dec 2026" in text
    assert f"<@{OWNER}>" in text
    [actions] = [b for b in post.params["blocks"] if b["type"] == "actions"]
    assert actions["elements"][0]["action_id"] == blocks.COMPLETE
    assert bot.milestone(milestone.id).announcement_ts == post.response["ts"]


def test_add_answers_slack_with_an_empty_200(bot):
    response = bot.command("add Prototype completed due 2026-12-01")

    assert response.status_code == 200
    assert response.text == ""


def test_unquoted_title_runs_until_the_first_keyword(bot):
    milestone = bot.add("Prototype completed due 2026-12-01")

    assert milestone.title == "Prototype completed"


def test_quoted_title_can_hold_a_keyword(bot):
    milestone = bot.add("“Due diligence done” due fri")

    assert milestone.title == "Due diligence done"
    assert milestone.due_date == date(2026, 11, 27)


def test_owner_and_approver_accept_escaped_and_plain_mentions(bot):
    milestone = bot.add(
        f'"Contract signed" due 2026-12-10 owner <@{OTHER}|otto> approver <@{APPROVER}>'
    )

    assert milestone.owner_id == OTHER
    assert milestone.approver_id == APPROVER
    assert milestone.creator_id == OWNER
    text = message_text(bot.slack.calls_to("chat.postMessage")[0])
    assert f"Owner <@{OTHER}>" in text
    assert f"Approver <@{APPROVER}>" in text


def test_natural_language_dates_are_read_in_the_callers_time_zone(bot, clock):
    # 03:00 UTC on Friday 27 November is still Thursday 26 November in New York.
    clock.set(clock.now.replace(day=27, hour=3))
    bot.slack.set_user(OWNER, tz="America/New_York")

    milestone = bot.add('"Budget approved" due tomorrow')

    assert milestone.due_date == date(2026, 11, 27)


def test_a_caller_without_a_slack_time_zone_gets_the_default(bot, clock):
    bot.slack.set_user(OWNER, tz=None)
    clock.set(clock.now.replace(day=27, hour=3))

    milestone = bot.add('"Budget approved" due tomorrow')

    # DEFAULT_TIMEZONE is UTC in the tests: tomorrow is the 28th.
    assert milestone.due_date == date(2026, 11, 28)


def test_the_callers_time_zone_is_looked_up_once(bot):
    bot.add('"First" due in 2 weeks')
    bot.add('"Second" due end of month')

    assert len(bot.slack.calls_to("users.info")) == 1


def test_natural_language_forms(bot):
    cases = {
        "next friday": date(2026, 12, 4),
        "in 2 weeks": date(2026, 12, 10),
        "Dec 15": date(2026, 12, 15),
        "end of month": date(2026, 11, 30),
        "the 12th": date(2026, 12, 12),
        "Friday the 12th": date(2027, 2, 12),
        "mid-January": date(2027, 1, 15),
        "early next month": date(2026, 12, 1),
        "in a fortnight": date(2026, 12, 10),
        "two weeks from Monday": date(2026, 12, 14),
        "first Monday of March": date(2027, 3, 1),
        "end of Q1": date(2027, 3, 31),
        "EOQ": date(2026, 12, 31),
    }
    for text, expected in cases.items():
        milestone = bot.add(f'"Checkpoint {text}" due {text}')
        assert milestone.due_date == expected, text


def test_after_in_a_due_date_is_part_of_the_date_unless_a_reference_follows(bot):
    first = bot.add('"Contract signed" due friday')

    milestone = bot.add(f'"Beta released" due 3 days after friday after {first.reference}')

    assert milestone.due_date == date(2026, 11, 30)
    assert milestone.title == "Beta released"
    with session_scope(bot.engine) as session:
        waits_on = session.exec(
            select(Dependency.prerequisite_id).where(Dependency.milestone_id == milestone.id)
        ).all()
    assert waits_on == [first.id]


def test_a_milestone_may_have_no_due_date(bot):
    milestone = bot.add("Customer feedback collected")

    assert milestone.due_date is None
    assert "No due date" in message_text(bot.slack.calls_to("chat.postMessage")[0])


def test_user_text_is_shown_literally_and_pings_nobody(bot):
    title = "Tell <!channel> & <!here> about <@U0OTHER> launch"
    # Slack escapes &, < and > in command text.
    sent = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    milestone = bot.add(f'"{sent}" due 2026-12-01')

    assert milestone.title == title
    post = bot.slack.calls_to("chat.postMessage")[0]
    text = message_text(post) + post.params["text"]
    assert "<!channel>" not in text and "<!here>" not in text and "<@U0OTHER>" not in text
    assert "&lt;!channel&gt; &amp; &lt;!here&gt;" in text


def test_mentions_typed_in_a_title_are_not_pings(bot):
    milestone = bot.add("Ask <!channel> and <@U0OTHER|otto> due 2026-12-01")

    assert milestone.title == "Ask <!channel> and <@U0OTHER|otto>"
    text = message_text(bot.slack.calls_to("chat.postMessage")[0])
    assert "<!channel>" not in text and "<@U0OTHER|otto>" not in text


def test_a_retried_add_declares_once(bot):
    body = bot.command_body('add "Beta shipped" due 2026-12-15')

    first = bot.post(body)
    again = bot.post(body, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "timeout"})

    assert first.status_code == again.status_code == 200
    assert len(bot.milestones()) == 1
    assert len(bot.slack.calls_to("chat.postMessage")) == 1


def test_a_retry_after_midnight_of_an_add_due_today_declares_once_and_answers_alike(bot, clock):
    # 26 Nov, 23:59 where the caller is: due today. Slack's retry comes after midnight, when
    # that day has passed.
    bot.slack.set_user(OWNER, tz="UTC")
    clock.set(clock.now.replace(hour=23, minute=59, second=30))
    body = bot.command_body('add "Beta shipped" due 2026-11-26')
    first = bot.post(body)
    clock.advance(minutes=1)

    again = bot.post(body, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "timeout"})

    assert first.status_code == again.status_code == 200
    assert again.text == first.text
    [milestone] = bot.milestones()
    assert milestone.due_date == date(2026, 11, 26)
    bot.settle()
    assert len(bot.slack.calls_to("chat.postMessage")) == 1


def test_bot_not_in_channel_tells_the_caller_how_to_invite_it(bot):
    bot.slack.fail("chat.postMessage", status=200, error="not_in_channel")

    bot.command('add "Beta shipped" due 2026-12-15')

    [answer] = bot.slack.responses
    assert answer["body"]["response_type"] == "ephemeral"
    assert "/invite @Milestones" in answer["body"]["text"]
    assert len(bot.milestones()) == 1


def test_a_slack_server_error_is_retried_and_the_announcement_posted_once(bot):
    bot.slack.fail("chat.postMessage", status=500)

    milestone = bot.add('"Beta shipped" due 2026-12-15')

    assert [call.status for call in bot.slack.attempts_to("chat.postMessage")] == [500, 200]
    assert bot.milestone(milestone.id).announcement_ts is not None


def test_a_rate_limited_announcement_waits_and_is_posted_once(bot):
    bot.slack.fail("chat.postMessage", status=429, retry_after=0)

    bot.add('"Beta shipped" due 2026-12-15')

    assert [call.status for call in bot.slack.attempts_to("chat.postMessage")] == [429, 200]
