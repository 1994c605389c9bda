"""Approvals mean something: replacing or removing a milestone's approver tells the old
approver and the card's thread, and is in the milestone's history."""

from datetime import timedelta

from sqlmodel import select

from bot.delivery.announce import ANNOUNCEMENT_OVERDUE_AFTER, run_announcement_sweep
from bot.render import blocks, milestone_modal
from bot.store.db import session_scope
from bot.store.models import MilestoneEvent, Status
from tests.support.forms import closed, edit_form, field_errors, values
from tests.support.harness import APPROVER, CHANNEL, OTHER, OWNER
from tests.support.reading import history, message_text
from tests.support.sweeping import direct_messages


def thread_replies(bot, card_ts: str) -> list:
    return [
        call
        for call in bot.slack.calls_to("chat.postMessage")
        if call.params["channel"] == CHANNEL and call.params.get("thread_ts") == card_ts
    ]


def approver_events(bot, milestone_id: int) -> list[tuple]:
    with session_scope(bot.engine) as session:
        events = session.exec(
            select(MilestoneEvent).where(
                MilestoneEvent.milestone_id == milestone_id,
                MilestoneEvent.kind == "approver_changed",
            )
        ).all()
    return [(e.actor_id, e.old_approver_id, e.new_approver_id) for e in events]


def shown_history(bot, milestone) -> str:
    return bot.command(f"history M-{milestone.id}").json()["blocks"][0]["text"]["text"]


def test_replacing_the_approver_tells_the_old_one_the_thread_and_the_history(bot):
    milestone = bot.add(f'"Contract signed" due 2026-12-10 approver <@{APPROVER}>')
    card_ts = bot.milestone(milestone.id).announcement_ts
    view = edit_form(bot, milestone)

    response = bot.submit_view(view, values("Contract signed", due="2026-12-10", approver=OTHER))

    assert closed(response)
    assert bot.milestone(milestone.id).approver_id == OTHER
    [told] = direct_messages(bot.slack, APPROVER)
    assert f"<@{OWNER}> removed you as the approver of *M-{milestone.id}*" in message_text(told)
    assert f"<@{OTHER}> approves it now" in message_text(told)
    [note] = thread_replies(bot, card_ts)
    assert not note.params.get("reply_broadcast")
    text = message_text(note)
    assert f"<@{OWNER}> changed the approver of *M-{milestone.id}*" in text
    assert f"<@{APPROVER}> no longer approves it. <@{OTHER}> approves it now." in text
    assert approver_events(bot, milestone.id) == [(OWNER, APPROVER, OTHER)]
    assert history(bot, milestone.id) == ["declared", "approver_changed"]
    shown = shown_history(bot, milestone)
    assert f"approver changed by <@{OWNER}>: <@{APPROVER}> → <@{OTHER}>" in shown


def test_removing_the_approver_is_told_before_the_owner_completes_alone(bot):
    milestone = bot.add(f'"Contract signed" due 2026-12-10 approver <@{APPROVER}>')
    card_ts = bot.milestone(milestone.id).announcement_ts
    view = edit_form(bot, milestone)

    bot.submit_view(view, values("Contract signed", due="2026-12-10", approver=None))
    bot.command(f"done M-{milestone.id}")

    assert bot.milestone(milestone.id).status == Status.REACHED
    [told] = direct_messages(bot.slack, APPROVER)
    assert "it has no approver now" in message_text(told)
    note, celebration = thread_replies(bot, card_ts)
    assert f"<@{APPROVER}> no longer approves it. It has no approver now" in message_text(note)
    assert "reached" in message_text(celebration)
    assert history(bot, milestone.id) == ["declared", "approver_changed", "reached"]
    assert f"<@{APPROVER}> → nobody" in shown_history(bot, milestone)


def test_an_edit_of_other_fields_and_the_approver_records_both(bot):
    milestone = bot.add(f'"Contract signed" due 2026-12-10 approver <@{APPROVER}>')
    view = edit_form(bot, milestone)

    bot.submit_view(view, values("Contract signed by both", due="2026-12-10", approver=OTHER))

    assert history(bot, milestone.id) == ["declared", "edited", "approver_changed"]
    with session_scope(bot.engine) as session:
        edited = session.exec(select(MilestoneEvent).where(MilestoneEvent.kind == "edited")).one()
    assert edited.reason == "changed title"
    assert len(direct_messages(bot.slack, APPROVER)) == 1


def test_an_approver_added_where_there_was_none_is_in_the_history_and_told_nobody(bot):
    milestone = bot.add('"Contract signed" due 2026-12-10')
    view = edit_form(bot, milestone)

    bot.submit_view(view, values("Contract signed", due="2026-12-10", approver=APPROVER))

    assert approver_events(bot, milestone.id) == [(OWNER, None, APPROVER)]
    assert bot.slack.calls_to("chat.postMessage") == []
    assert f"nobody → <@{APPROVER}>" in shown_history(bot, milestone)


def test_notes_slack_failed_are_sent_by_the_announcements_sweep_once(bot):
    milestone = bot.add(f'"Contract signed" due 2026-12-10 approver <@{APPROVER}>')
    card_ts = bot.milestone(milestone.id).announcement_ts
    view = edit_form(bot, milestone)
    bot.slack.fail("chat.postMessage", status=500, times=6)

    bot.submit_view(view, values("Contract signed", due="2026-12-10", approver=OTHER))

    assert thread_replies(bot, card_ts) == direct_messages(bot.slack, APPROVER) == []
    later = bot.clock() + ANNOUNCEMENT_OVERDUE_AFTER
    assert run_announcement_sweep(bot.runtime, now=later).sent == 2
    assert run_announcement_sweep(bot.runtime, now=later + timedelta(minutes=2)).sent == 0
    [note] = thread_replies(bot, card_ts)
    assert f"<@{OTHER}> approves it now" in message_text(note)
    [told] = direct_messages(bot.slack, APPROVER)
    assert f"<@{OWNER}> removed you as the approver" in message_text(told)


def test_the_approver_cannot_be_removed_while_their_approval_is_pending(bot):
    """The rule: while a completion waits for approval nothing can be edited, so the request
    the approver holds always stands for the milestone as it is. A form opened earlier is
    refused; the approver's request is not touched."""
    milestone = bot.add(f'"Contract signed" due 2026-12-10 approver <@{APPROVER}>')
    view = edit_form(bot, milestone)
    bot.press(blocks.COMPLETE, bot.button(milestone))
    request_ts = bot.milestone(milestone.id).approval_ts
    bot.slack.reset()

    errors = field_errors(
        bot.submit_view(view, values("Contract signed", due="2026-12-10", approver=None))
    )

    assert f"waiting for <@{APPROVER}>'s approval" in errors[milestone_modal.TITLE_BLOCK]
    current = bot.milestone(milestone.id)
    assert (current.status, current.approver_id) == (Status.AWAITING_APPROVAL, APPROVER)
    assert current.approval_ts == request_ts
    assert approver_events(bot, milestone.id) == []
    assert bot.slack.calls == []
