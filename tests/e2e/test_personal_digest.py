"""The personal digest: a person's own week by DM, when they ask for it, once a week."""

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.store.db import session_scope
from bot.store.models import Delivery, PersonalDigest
from tests.support.harness import APPROVER, OTHER, OWNER
from tests.support.reading import answer, message_text
from tests.support.sweeping import MONDAY, direct_messages, sweep

DIGEST_TEXT = "Your week"
# Monday 30 November, 09:00 for OWNER, whose Slack time zone is America/New_York.
OWNERS_MONDAY = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)


def digests_to(slack, user: str) -> list:
    return [call for call in direct_messages(slack, user) if call.params["text"] == DIGEST_TEXT]


def test_personal_digest_is_off_by_default(bot):
    bot.add('"Beta version completed" due 2026-12-02')

    assert sweep(bot, MONDAY) == 1  # the channel's status only

    assert digests_to(bot.slack, OWNER) == []


def test_personal_digest_lists_a_persons_week_across_channels_once_a_week(bot):
    overdue = bot.add('"Vendor contract signed" due 2026-11-27')
    due_soon = bot.add('"Pricing page live" due 2026-12-04', channel="C222")
    bot.add('"General availability" due 2027-03-01')
    bot.add(f'"Store listing approved" due 2026-12-01 owner <@{OTHER}|otto>')
    to_approve = bot.add(
        f'"Security audit done" due 2026-12-03 owner <@{OTHER}|otto> approver <@{OWNER}|owen>',
        channel="C333",
    )
    bot.command(f"done {to_approve.reference}", user=OTHER, channel="C333")

    said = answer(bot.command("me digest monday 09:00"))

    assert "Every *Monday* at *09:00* (America/New_York, your Slack time zone)" in said
    assert sweep(bot, MONDAY) == 3  # the channels' statuses, at 09:00 UTC
    assert digests_to(bot.slack, OWNER) == []
    assert sweep(bot, OWNERS_MONDAY) == 1
    assert sweep(bot, OWNERS_MONDAY + timedelta(minutes=5)) == 0
    [digest] = digests_to(bot.slack, OWNER)
    assert message_text(digest).split("\n") == [
        ":wave: *Your week of Mon 30 Nov 2026*",
        ":rotating_light: Overdue (1)",
        f"• *{overdue.reference}* · Vendor contract signed in <#C111> — due Fri 27 Nov 2026 "
        "(*3 days late*)",
        ":spiral_calendar_pad: Due in the next 7 days (1)",
        f"• *{due_soon.reference}* · Pricing page live in <#C222> — due Fri 4 Dec 2026",
        ":hourglass_flowing_sand: Waiting for your approval (1)",
        f"• *{to_approve.reference}* · Security audit done in <#C333> — due Thu 3 Dec 2026",
    ]
    assert digests_to(bot.slack, OTHER) == []

    assert sweep(bot, OWNERS_MONDAY + timedelta(days=7)) == 4
    assert len(digests_to(bot.slack, OWNER)) == 2
    with session_scope(bot.engine) as session:
        keys = session.exec(
            select(Delivery.key).where(Delivery.kind == "personal_digest").order_by(Delivery.id)
        ).all()
    assert keys == [f"{OWNER}:2026-W49", f"{OWNER}:2026-W50"]


def test_personal_digest_goes_at_the_persons_local_time(bot):
    bot.slack.set_user(APPROVER, tz="Asia/Tokyo")
    bot.add(f'"Beta version completed" due 2026-12-02 owner <@{APPROVER}|arun>')
    bot.command("settings digest off")
    bot.command("me digest tue 08:30", user=APPROVER)

    # Tuesday 1 December, 08:30 in Tokyo: Monday 30 November, 23:30 UTC.
    assert sweep(bot, datetime(2026, 11, 30, 23, 29, tzinfo=UTC)) == 0
    assert sweep(bot, datetime(2026, 11, 30, 23, 30, tzinfo=UTC)) == 1

    [digest] = digests_to(bot.slack, APPROVER)
    assert "*Your week of Tue 1 Dec 2026*" in message_text(digest)


def test_me_digest_off_stops_it_and_a_quiet_week_says_so(bot):
    bot.add('"General availability" due 2027-03-01')
    bot.command("settings digest off")
    bot.command("me digest monday 09:00")

    assert sweep(bot, OWNERS_MONDAY) == 1
    [digest] = digests_to(bot.slack, OWNER)
    assert "Nothing of yours is due, overdue or waiting for your approval." in message_text(digest)

    said = answer(bot.command("me digest off"))

    assert "Your personal digest is off" in said
    assert sweep(bot, OWNERS_MONDAY + timedelta(days=7)) == 0
    with session_scope(bot.engine) as session:
        assert session.exec(select(PersonalDigest)).all() == []


def test_a_digest_asked_for_after_its_time_starts_next_week(bot):
    bot.add('"Beta version completed" due 2026-12-02')
    bot.command("settings digest off")
    bot.clock.set(OWNERS_MONDAY + timedelta(hours=1))
    bot.command("me digest monday 09:00")

    assert sweep(bot, OWNERS_MONDAY + timedelta(hours=1, minutes=5)) == 0
    assert sweep(bot, OWNERS_MONDAY + timedelta(days=7)) == 1


def test_bad_me_digest_commands_are_refused_and_change_nothing(bot):
    for text, problem in (
        ("me digest someday 09:00", "“someday” is not a day of the week"),
        ("me digest monday 9am", "“9am” is not a 24-hour time"),
        ("me digest", "`/milestone me digest &lt;weekday&gt; &lt;HH:MM&gt;`"),
        ("me hobbies", "`/milestone me digest off` stops it"),
    ):
        assert problem in answer(bot.command(text)), text

    with session_scope(bot.engine) as session:
        assert session.exec(select(PersonalDigest)).all() == []
