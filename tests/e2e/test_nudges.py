"""Overdue nudges, due-soon reminders, the escalation to the channel, and the Reschedule modal."""

import json
from datetime import date, datetime

from bot.render import blocks
from bot.store.models import Status
from tests.support.harness import OTHER, OWNER
from tests.support.sweeping import at, channel_posts, direct_messages, nudge_sweep

DUE = "2026-12-01"  # a Tuesday
REASON = "vendor late"


def sweep(bot, now: datetime) -> int:
    return nudge_sweep(bot, now)


def message_text(call) -> str:
    return "\n".join(b["text"]["text"] for b in call.params["blocks"] if b["type"] == "section")


def buttons(call) -> dict[str, str]:
    """{action_id: value} of the message's buttons."""
    return {
        element["action_id"]: element["value"]
        for block in call.params["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }


def opened_views(slack) -> list[dict]:
    views = [call.params["view"] for call in slack.calls_to("views.open")]
    return [json.loads(view) if isinstance(view, str) else view for view in views]


def reschedule_values(selected_date: str) -> dict:
    """The modal's state as Slack sends it: a picked date and the reason typed."""
    return {
        blocks.DATE_BLOCK: {
            blocks.DATE_ACTION: {"type": "datepicker", "selected_date": selected_date}
        },
        blocks.REASON_BLOCK: {blocks.REASON_ACTION: {"type": "plain_text_input", "value": REASON}},
    }


def nudged(bot):
    """Declare a milestone due DUE and let a sweep nudge its owner; return both."""
    milestone = bot.add(f'"Beta version completed" due {DUE}')
    # Noon on 2 December in New York, where the owner is: one day overdue.
    bot.clock.set(at(2, 17))
    assert sweep(bot, bot.clock()) == 1
    [nudge] = direct_messages(bot.slack, OWNER)
    return milestone, nudge


def test_owner_is_nudged_once_a_day_in_working_hours_of_their_own_time_zone(bot):
    # Otto is in Tokyo, nine hours ahead: his 2 December starts at 15:00 UTC on 1 December,
    # and his working day at 09:00 there, midnight UTC.
    milestone = bot.add(f'"Vendor contract signed" due {DUE} owner <@{OTHER}|otto>')

    assert sweep(bot, at(1, 15, 0)) == 0  # midnight in Tokyo: nobody is woken
    assert sweep(bot, at(1, 23, 59)) == 0  # 08:59
    assert sweep(bot, at(2, 0, 0)) == 1  # 09:00
    assert sweep(bot, at(2, 8, 59)) == 0  # 17:59, nudged already
    # 23:00 in Tokyo, still 2 December.
    assert sweep(bot, at(2, 14, 0)) == 0

    [nudge] = direct_messages(bot.slack, OTHER)
    assert f"*{milestone.reference}*" in message_text(nudge)
    assert "*1 day overdue*" in message_text(nudge)
    assert buttons(nudge) == {
        blocks.COMPLETE: blocks.button_value(milestone),
        blocks.RESCHEDULE: blocks.button_value(milestone),
    }
    assert direct_messages(bot.slack, OWNER) == []


def test_nudge_sweep_run_twice_the_same_day_sends_one_dm(bot):
    bot.add(f'"Beta version completed" due {DUE}')

    # Olive is in New York: her working 2 December is 14:00 to 22:59 UTC.
    assert sweep(bot, at(2, 14)) == 1
    assert sweep(bot, at(2, 14)) == 0
    assert sweep(bot, at(2, 22, 59)) == 0

    assert len(direct_messages(bot.slack, OWNER)) == 1


def test_next_day_brings_another_nudge_with_the_days_counted(bot):
    bot.add(f'"Beta version completed" due {DUE}')

    assert sweep(bot, at(2, 14)) == 1
    assert sweep(bot, at(3, 5)) == 0  # midnight in New York: the 3rd, before opening
    assert sweep(bot, at(3, 14)) == 1

    first, second = direct_messages(bot.slack, OWNER)
    assert "*1 day overdue*" in message_text(first)
    assert "*2 days overdue*" in message_text(second)


def test_channel_is_told_once_after_the_third_nudge(bot):
    milestone = bot.add(f'"Beta version completed" due {DUE}')
    announcement_ts = bot.milestone(milestone.id).announcement_ts

    for day in (2, 3):
        assert sweep(bot, at(day, 15)) == 1
        assert channel_posts(bot.slack, "is overdue") == []
    assert sweep(bot, at(4, 15)) == 2  # the third nudge, and the word to the channel

    [escalation] = channel_posts(bot.slack, "is overdue")
    assert escalation.params["thread_ts"] == announcement_ts
    assert escalation.params["reply_broadcast"] is True
    text = message_text(escalation)
    assert f"*{milestone.reference}*" in text
    assert "3 days overdue" in text
    assert f"<@{OWNER}>" in text

    # No nudges on the weekend of 5 and 6 December.
    assert sweep(bot, at(5, 15)) == 0
    assert sweep(bot, at(6, 15)) == 0
    assert sweep(bot, at(7, 15)) == 1
    assert sweep(bot, at(8, 15)) == 1
    assert len(direct_messages(bot.slack, OWNER)) == 5
    assert len(channel_posts(bot.slack, "is overdue")) == 1


def test_due_soon_reminder_goes_one_working_day_before_the_due_date(bot):
    # Due Monday 7 December: the working day before is Friday the 4th, not the weekend.
    monday = bot.add('"Beta version completed" due 2026-12-07')
    # Due Tuesday 8 December: the working day before is Monday the 7th.
    tuesday = bot.add('"Pricing page live" due 2026-12-08')

    sent = {day: sweep(bot, at(day, 17)) for day in (2, 3, 4, 5, 6, 7)}
    assert sweep(bot, at(4, 22)) == 0
    assert sweep(bot, at(7, 22)) == 0

    assert sent == {2: 0, 3: 0, 4: 1, 5: 0, 6: 0, 7: 1}
    first, second = direct_messages(bot.slack, OWNER)
    assert f"*{monday.reference}*" in message_text(first)
    assert "Mon 7 Dec 2026" in message_text(first)
    assert f"*{tuesday.reference}*" in message_text(second)
    assert buttons(first) == {
        blocks.COMPLETE: blocks.button_value(monday),
        blocks.RESCHEDULE: blocks.button_value(monday),
    }


def test_due_soon_reminder_for_a_weekend_due_date_does_not_call_it_a_working_day(bot):
    milestone = bot.add('"Booth set up for the fair" due 2026-12-06')

    assert sweep(bot, at(4, 17)) == 1

    [reminder] = direct_messages(bot.slack, OWNER)
    text = message_text(reminder)
    assert f"*{milestone.reference}*" in text
    assert "Sun 6 Dec 2026" in text
    assert "working day" not in text, text


def test_nudge_that_slack_fails_to_take_is_sent_by_a_later_sweep_once(bot, slack):
    bot.add(f'"Beta version completed" due {DUE}')
    # The DM fails on its first try and on both retries.
    slack.fail("chat.postMessage", status=500, times=3)

    assert sweep(bot, at(2, 14)) == 0
    assert sweep(bot, at(2, 14, 30)) == 1
    assert sweep(bot, at(2, 15)) == 0

    assert len(direct_messages(slack, OWNER)) == 1


def test_reached_and_cancelled_milestones_get_no_nudges(bot):
    reached = bot.add(f'"Design review passed" due {DUE}')
    cancelled = bot.add(f'"Print brochure" due {DUE}')
    still_open = bot.add(f'"Beta version completed" due {DUE}')
    soon_reached = bot.add('"Pricing page live" due 2026-12-07')
    bot.command(f"done {reached.reference}")
    bot.command(f"done {soon_reached.reference}")
    bot.command(f"cancel {cancelled.reference} because the scope changed")

    for day in (2, 3, 4, 7):  # Wednesday to Friday, and Monday
        sweep(bot, at(day, 17))

    nudges = direct_messages(bot.slack, OWNER)
    assert len(nudges) == 4
    assert all(f"*{still_open.reference}*" in message_text(n) for n in nudges)
    assert len(channel_posts(bot.slack, "is overdue")) == 1


def test_owner_without_a_time_zone_is_nudged_by_the_default_time_zone(bot, slack):
    slack.set_user(OWNER, tz=None, real_name="Olive Owner")
    bot.add(f'"Beta version completed" due {DUE}')

    # DEFAULT_TIMEZONE is UTC: the working 2 December opens at 09:00 UTC (New York's later).
    assert sweep(bot, at(2, 0, 30)) == 0
    assert sweep(bot, at(2, 8, 59)) == 0
    assert sweep(bot, at(2, 9, 0)) == 1
    assert sweep(bot, at(2, 17, 59)) == 0

    [nudge] = direct_messages(slack, OWNER)
    assert "*1 day overdue*" in message_text(nudge)


def test_owner_who_cannot_be_messaged_is_not_retried_all_day(bot, slack):
    bot.add(f'"Beta version completed" due {DUE}')
    # Slack's answer for a deactivated owner: retrying every sweep would never succeed.
    slack.fail("conversations.open", status=200, error="user_disabled", times=2)

    assert sweep(bot, at(2, 14)) == 0
    assert sweep(bot, at(2, 15)) == 0

    assert len(slack.attempts_to("conversations.open")) == 1
    assert direct_messages(slack, OWNER) == []


def test_mark_complete_in_a_nudge_reaches_the_milestone(bot):
    milestone, nudge = nudged(bot)

    bot.press(blocks.COMPLETE, buttons(nudge)[blocks.COMPLETE], user=OWNER)

    assert bot.milestone(milestone.id).status == Status.REACHED
    [celebration] = channel_posts(bot.slack, "reached")
    assert f"{milestone.reference} reached" in celebration.params["text"]
    assert sweep(bot, at(3, 17)) == 0


def test_reschedule_button_opens_a_modal_with_a_date_picker(bot):
    milestone, nudge = nudged(bot)

    bot.press(blocks.RESCHEDULE, buttons(nudge)[blocks.RESCHEDULE], user=OWNER)

    [view] = opened_views(bot.slack)
    assert view["callback_id"] == blocks.RESCHEDULE_VIEW
    assert milestone.reference in view["title"]["text"]
    [date_input] = [b for b in view["blocks"] if b.get("block_id") == blocks.DATE_BLOCK]
    assert date_input["element"]["type"] == "datepicker"
    assert date_input["element"]["action_id"] == blocks.DATE_ACTION
    [call] = bot.slack.calls_to("views.open")
    assert call.params["trigger_id"]


def test_submitting_the_reschedule_modal_moves_the_due_date_and_tells_the_channel(bot):
    milestone, nudge = nudged(bot)
    bot.press(blocks.RESCHEDULE, buttons(nudge)[blocks.RESCHEDULE], user=OWNER)
    [view] = opened_views(bot.slack)

    response = bot.submit_view(view, reschedule_values("2026-12-20"), user=OWNER)

    assert response.status_code == 200
    assert "errors" not in response.text
    assert bot.milestone(milestone.id).due_date == date(2026, 12, 20)
    [announcement] = channel_posts(bot.slack, "rescheduled")
    text = message_text(announcement)
    assert "Tue 1 Dec 2026" in text
    assert "Sun 20 Dec 2026" in text
    assert REASON in text
    # No longer overdue: no nudge the next day.
    assert sweep(bot, at(3, 17)) == 0


def test_rescheduling_to_a_past_date_is_refused_on_the_date_field(bot):
    milestone, nudge = nudged(bot)
    bot.press(blocks.RESCHEDULE, buttons(nudge)[blocks.RESCHEDULE], user=OWNER)
    [view] = opened_views(bot.slack)
    posts_before = len(bot.slack.calls_to("chat.postMessage"))

    response = bot.submit_view(view, reschedule_values("2026-11-30"), user=OWNER)

    answer = response.json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {blocks.DATE_BLOCK}
    assert "past" in answer["errors"][blocks.DATE_BLOCK]
    current = bot.milestone(milestone.id)
    assert current.due_date == date(2026, 12, 1)
    assert current.revision == milestone.revision
    assert len(bot.slack.calls_to("chat.postMessage")) == posts_before


def test_only_the_owner_can_reschedule_from_a_nudge(bot):
    milestone, nudge = nudged(bot)

    bot.press(blocks.RESCHEDULE, buttons(nudge)[blocks.RESCHEDULE], user=OTHER)

    [answer] = bot.slack.wait_for_response()
    assert answer["body"]["response_type"] == "ephemeral"
    assert answer["body"]["replace_original"] is False
    assert f"Only the owner, <@{OWNER}>" in answer["body"]["text"]
    assert bot.slack.calls_to("views.open") == []
    assert bot.milestone(milestone.id).revision == milestone.revision


def test_mark_complete_in_a_nudge_made_before_a_reschedule_changes_nothing(bot):
    milestone, nudge = nudged(bot)
    bot.command(f"due {milestone.reference} 2026-12-20 because {REASON}")
    rescheduled = bot.milestone(milestone.id)
    posts_before = len(bot.slack.calls_to("chat.postMessage"))
    updates_before = len(bot.slack.calls_to("chat.update"))

    bot.press(blocks.COMPLETE, buttons(nudge)[blocks.COMPLETE], user=OWNER)

    [answer] = bot.slack.wait_for_response()
    assert "out of date" in answer["body"]["text"]
    current = bot.milestone(milestone.id)
    assert current.status == Status.OPEN
    assert current.reached_at is None
    assert current.revision == rescheduled.revision
    assert len(bot.slack.calls_to("chat.postMessage")) == posts_before
    assert len(bot.slack.calls_to("chat.update")) == updates_before
