"""Per-channel noise settings: where nudges go (or none), mentions or plain names in the
status, and who hears after repeated nudges."""

from datetime import datetime

from sqlmodel import select

from bot.delivery.status_sweep import run_digest_sweep
from bot.store.db import session_scope
from bot.store.models import Delivery
from tests.support.harness import APPROVER, CHANNEL, OTHER, OWNER
from tests.support.reading import message_text
from tests.support.sweeping import (
    MONDAY,
    at,
    channel_posts,
    direct_messages,
    nudge_sweep,
    statuses,
)

DUE = "2026-12-01"  # a Tuesday
GHOST = "U0GHOST"  # a user Slack will not tell about


def sweep(bot, now: datetime) -> int:
    return nudge_sweep(bot, now, set_clock=True)


def deliveries(bot) -> list[Delivery]:
    """The scheduled deliveries (not the cards posted when milestones are declared)."""
    with session_scope(bot.engine) as session:
        return list(session.exec(select(Delivery).where(Delivery.kind != "announcement")).all())


def test_settings_nudges_channel_posts_the_nudge_under_the_card_mentioning_the_owner_once(bot):
    milestone = bot.add(f'"Beta version completed" due {DUE}')
    card_ts = bot.milestone(milestone.id).announcement_ts
    response = bot.command("settings nudges channel")
    assert (
        "Overdue nudges are posted in the channel" in response.json()["blocks"][0]["text"]["text"]
    )

    assert sweep(bot, at(2, 17)) == 1

    assert direct_messages(bot.slack, OWNER) == []
    [nudge] = channel_posts(bot.slack, "overdue")
    assert nudge.params["thread_ts"] == card_ts
    assert nudge.params["reply_broadcast"] is True
    text = message_text(nudge)
    assert text.count(f"<@{OWNER}>") == 1
    assert f"*{milestone.reference}*" in text
    assert "*1 day overdue*" in text


def test_settings_nudges_channel_keeps_due_soon_reminders_private(bot):
    bot.add('"Beta version completed" due 2026-12-07')
    bot.command("settings nudges channel")

    assert sweep(bot, at(4, 17)) == 1

    [reminder] = direct_messages(bot.slack, OWNER)
    assert "is due soon" in reminder.params["text"]
    assert channel_posts(bot.slack, "due soon") == []


def test_settings_nudges_off_silences_nudges_reminders_and_escalations_of_that_channel(bot):
    bot.add(f'"Beta version completed" due {DUE}')
    bot.add('"Pricing page live" due 2026-12-07')
    bot.add(f'"Vendor contract signed" due {DUE}', channel="C222")
    bot.command("settings nudges off")

    # Wednesday 2 to Friday 4 December, then Monday 7 and Tuesday 8: working days.
    sent = [sweep(bot, at(day, 17)) for day in (2, 3, 4, 7, 8)]

    # Only the other channel's milestone: five nudges and its escalation.
    assert sent == [1, 1, 2, 1, 1]
    assert all("M-3" in m.params["text"] for m in direct_messages(bot.slack, OWNER))
    assert channel_posts(bot.slack, "is overdue") == []
    assert len(channel_posts(bot.slack, "is overdue", channel="C222")) == 1
    assert {d.channel_id for d in deliveries(bot)} == {"C222"}


def test_settings_nudges_dm_again_after_channel(bot):
    bot.add(f'"Beta version completed" due {DUE}')
    bot.command("settings nudges channel")
    bot.command("settings nudges dm")

    assert sweep(bot, at(2, 17)) == 1

    assert len(direct_messages(bot.slack, OWNER)) == 1
    assert channel_posts(bot.slack, "overdue") == []


def test_mentions_off_shows_names_in_the_weekly_status(bot, slack):
    slack.set_user(OTHER, tz="Asia/Tokyo", real_name="Otto Other", display_name="otto.o")
    slack.set_user(APPROVER, tz="Europe/Paris", real_name="", display_name="")
    bot.add('"Beta version completed" due 2026-12-02')
    bot.add(f'"Vendor contract signed" due 2026-12-03 owner <@{OTHER}|otto>')
    bot.add(f'"Pricing page live" due 2026-12-03 owner <@{APPROVER}|arun>')
    bot.add(f'"Press kit ready" due 2026-12-04 owner <@{GHOST}|ghost>')
    bot.command("settings mentions off")

    assert run_digest_sweep(bot.runtime, now=MONDAY).sent == 1
    bot.settle()

    [status] = statuses(slack)
    text = message_text(status)
    assert "<@" not in text
    # The full name when the display name is unset; the display name when it is set.
    assert "Beta version completed — Olive Owner" in text
    assert "Vendor contract signed — otto.o" in text
    # Slack gave no name, or no answer at all: a neutral word, never the user id.
    assert "Pricing page live — a teammate" in text
    assert "Press kit ready — a teammate" in text
    assert GHOST not in text and APPROVER not in text


def test_mentions_off_escapes_names_and_notes_who_is_away_by_name(bot, slack):
    slack.set_user(OWNER, tz="America/New_York", real_name="Olive <Ops> & Co")
    bot.add('"Beta version completed" due 2026-12-02')
    bot.command("settings mentions off")
    bot.command("away 2026-11-26 to 2026-11-30")
    slack.reset()

    bot.command("status")

    [status] = statuses(slack)
    text = message_text(status)
    assert "<@" not in text
    assert "Olive &lt;Ops&gt; &amp; Co" in text
    assert ":palm_tree: Away: Olive &lt;Ops&gt; &amp; Co until Mon 30 Nov 2026" in text


def test_mentions_on_again_mentions_owners(bot):
    bot.add('"Beta version completed" due 2026-12-02')
    bot.command("settings mentions off")
    bot.command("settings mentions on")

    bot.command("status")

    [status] = statuses(bot.slack)
    assert f"<@{OWNER}>" in message_text(status)


def test_settings_escalate_approver_tells_the_approver_privately(bot):
    milestone = bot.add(f'"Beta version completed" due {DUE} approver <@{APPROVER}|arun>')
    bot.command("settings escalate approver")

    assert [sweep(bot, at(day, 17)) for day in (2, 3, 4, 7)] == [1, 1, 2, 1]

    [escalation] = direct_messages(bot.slack, APPROVER)
    text = message_text(escalation)
    assert f"*{milestone.reference}*" in text
    assert "3 days overdue" in text
    assert f"<@{OWNER}>" in text
    assert f"<#{CHANNEL}>" in text
    assert channel_posts(bot.slack, "is overdue") == []


def test_settings_escalate_approver_without_an_approver_tells_the_channel(bot):
    bot.add(f'"Beta version completed" due {DUE}')
    bot.command("settings escalate approver")

    assert [sweep(bot, at(day, 17)) for day in (2, 3, 4)] == [1, 1, 2]

    [escalation] = channel_posts(bot.slack, "is overdue")
    assert escalation.params["reply_broadcast"] is True
    assert f"<@{OWNER}>" in message_text(escalation)
