"""Completing milestones: Mark complete, approvals, celebrations, and one effect per press."""

import json
import threading

from bot.render import blocks
from bot.store.models import Status
from tests.support.harness import APPROVER, CHANNEL, OTHER, OWNER
from tests.support.reading import buttons, history, message_text


def test_owner_marks_complete_and_the_channel_celebrates(bot):
    milestone = bot.add('"Beta version completed" due 2026-12-15')
    card_ts = bot.milestone(milestone.id).announcement_ts

    response = bot.press(blocks.COMPLETE, bot.button(milestone), message_ts=card_ts)

    assert response.status_code == 200
    assert bot.milestone(milestone.id).status == Status.REACHED
    [update] = bot.slack.calls_to("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (CHANNEL, card_ts)
    assert buttons(update) == []
    assert "Reached" in message_text(update)
    celebration = bot.slack.calls_to("chat.postMessage")[-1]
    assert celebration.params["thread_ts"] == card_ts
    assert f"M-{milestone.id} reached" in message_text(celebration)


def test_done_command_is_the_same_as_the_button(bot):
    milestone = bot.add('"Beta version completed" due 2026-12-15')

    bot.command(f"done M-{milestone.id}")

    assert bot.milestone(milestone.id).status == Status.REACHED
    assert len(bot.slack.calls_to("chat.update")) == 1
    assert len(bot.slack.calls_to("chat.postMessage")) == 2


def test_non_owner_pressing_complete_is_refused_privately(bot):
    milestone = bot.add('"Beta version completed" due 2026-12-15')
    bot.slack.reset()

    response = bot.press(blocks.COMPLETE, bot.button(milestone), user=OTHER)

    assert response.status_code == 200
    [answer] = bot.slack.responses
    assert answer["body"]["response_type"] == "ephemeral"
    assert answer["body"]["replace_original"] is False
    assert "Only the owner" in answer["body"]["text"]
    assert bot.milestone(milestone.id).status == Status.OPEN
    assert bot.slack.calls_to("chat.update") == bot.slack.calls_to("chat.postMessage") == []


def test_with_an_approver_completion_waits_for_approval(bot):
    milestone = bot.add(f'"Contract signed" due 2026-12-10 approver <@{APPROVER}|arun>')
    bot.slack.reset()

    bot.press(blocks.COMPLETE, bot.button(milestone))

    current = bot.milestone(milestone.id)
    assert current.status == Status.AWAITING_APPROVAL
    [opened] = bot.slack.calls_to("conversations.open")
    assert opened.params["users"] == APPROVER
    request = bot.slack.calls_to("chat.postMessage")[-1]
    assert request.params["channel"] == f"D{APPROVER}"
    assert [b["action_id"] for b in buttons(request)] == [blocks.APPROVE, blocks.REQUEST_CHANGES]
    [card] = bot.slack.calls_to("chat.update")
    assert buttons(card) == []
    assert "Waiting for" in message_text(card)
    assert "for approval" in bot.slack.responses[-1]["body"]["text"]


def test_approver_approves_and_the_milestone_is_reached(bot):
    milestone = bot.add(f'"Contract signed" due 2026-12-10 approver <@{APPROVER}>')
    bot.press(blocks.COMPLETE, bot.button(milestone))
    request = bot.slack.calls_to("chat.postMessage")[-1]
    bot.slack.reset()

    bot.press(
        blocks.APPROVE,
        bot.button(milestone),
        user=APPROVER,
        channel=request.params["channel"],
        message_ts=request.response["ts"],
    )

    assert bot.milestone(milestone.id).status == Status.REACHED
    updates = {call.params["ts"]: call for call in bot.slack.calls_to("chat.update")}
    assert "approved" in message_text(updates[request.response["ts"]])
    assert buttons(updates[request.response["ts"]]) == []
    assert "Reached" in message_text(updates[bot.milestone(milestone.id).announcement_ts])
    [celebration] = bot.slack.calls_to("chat.postMessage")
    assert celebration.params["channel"] == CHANNEL
    assert history(bot, milestone.id)[-3:] == ["completion_requested", "approved", "reached"]


def test_only_the_approver_can_approve(bot):
    milestone = bot.add(f'"Contract signed" due 2026-12-10 approver <@{APPROVER}>')
    bot.press(blocks.COMPLETE, bot.button(milestone))
    bot.slack.reset()

    bot.press(blocks.APPROVE, bot.button(milestone), user=OWNER)

    assert "Only the approver" in bot.slack.responses[-1]["body"]["text"]
    assert bot.milestone(milestone.id).status == Status.AWAITING_APPROVAL
    assert bot.slack.calls_to("chat.postMessage") == []


def test_request_changes_asks_for_a_reason_and_reopens_the_milestone(bot):
    milestone = bot.add(f'"Contract signed" due 2026-12-10 approver <@{APPROVER}>')
    bot.press(blocks.COMPLETE, bot.button(milestone))
    request = bot.slack.calls_to("chat.postMessage")[-1]
    bot.slack.reset()

    bot.press(
        blocks.REQUEST_CHANGES,
        bot.button(milestone),
        user=APPROVER,
        channel=request.params["channel"],
        message_ts=request.response["ts"],
    )
    [opened] = bot.slack.calls_to("views.open")
    view = opened.params["view"]
    if isinstance(view, str):
        view = json.loads(view)
    assert view["callback_id"] == blocks.CHANGES_VIEW
    assert bot.milestone(milestone.id).status == Status.AWAITING_APPROVAL

    response = bot.submit_view(
        view,
        {
            "reason": {
                "reason_input": {"type": "plain_text_input", "value": "Missing <!here> sign-off"}
            }
        },
        user=APPROVER,
    )

    assert response.status_code == 200 and response.text == ""
    current = bot.milestone(milestone.id)
    assert current.status == Status.OPEN
    to_owner = [
        c for c in bot.slack.calls_to("chat.postMessage") if c.params["channel"] == f"D{OWNER}"
    ]
    assert len(to_owner) == 1
    text = message_text(to_owner[0])
    assert "Missing &lt;!here&gt; sign-off" in text and "<!here>" not in text
    assert [b["action_id"] for b in buttons(to_owner[0])] == [blocks.COMPLETE]
    card = [
        c for c in bot.slack.calls_to("chat.update") if c.params["ts"] == current.announcement_ts
    ]
    assert [b["action_id"] for b in buttons(card[-1])] == [
        blocks.COMPLETE,
        blocks.RESCHEDULE,
        blocks.EDIT,
    ]
    decided = [
        c for c in bot.slack.calls_to("chat.update") if c.params["ts"] == request.response["ts"]
    ]
    assert "changes requested" in message_text(decided[-1])


def test_request_changes_needs_a_reason(bot):
    milestone = bot.add(f'"Contract signed" due 2026-12-10 approver <@{APPROVER}>')
    bot.press(blocks.COMPLETE, bot.button(milestone))
    view = blocks.changes_modal(bot.milestone(milestone.id))

    response = bot.submit_view(
        view,
        {"reason": {"reason_input": {"type": "plain_text_input", "value": "   "}}},
        user=APPROVER,
    )

    assert response.json()["response_action"] == "errors"
    assert "reason" in response.json()["errors"]
    assert bot.milestone(milestone.id).status == Status.AWAITING_APPROVAL


def test_a_button_on_a_stale_message_changes_nothing(bot):
    milestone = bot.add('"Beta version completed" due 2026-12-15')
    stale_value = bot.button(milestone)
    bot.command(f"due M-{milestone.id} 2026-12-20 because vendor late")
    bot.slack.reset()

    bot.press(blocks.COMPLETE, stale_value)

    answer = bot.slack.responses[-1]["body"]["text"]
    assert "out of date" in answer and "is open, due Sun 20 Dec 2026" in answer
    assert bot.milestone(milestone.id).status == Status.OPEN
    assert bot.slack.calls_to("chat.update") == bot.slack.calls_to("chat.postMessage") == []


def test_a_button_on_a_completed_milestone_answers_with_its_state(bot):
    milestone = bot.add('"Beta version completed" due 2026-12-15')
    value = bot.button(milestone)
    bot.press(blocks.COMPLETE, value)
    bot.slack.reset()

    bot.press(blocks.COMPLETE, value)

    assert "already reached" in bot.slack.responses[-1]["body"]["text"]
    assert bot.slack.calls_to("chat.postMessage") == []


def test_double_click_gives_one_change_and_one_celebration(bot):
    milestone = bot.add('"Beta version completed" due 2026-12-15')
    value = bot.button(milestone)

    bot.press(blocks.COMPLETE, value)
    bot.press(blocks.COMPLETE, value)

    assert history(bot, milestone.id).count("reached") == 1
    celebrations = [
        c for c in bot.slack.calls_to("chat.postMessage") if "reached" in c.params["text"]
    ]
    assert len(celebrations) == 1


def test_a_retried_press_has_one_effect_and_no_second_answer(bot):
    milestone = bot.add('"Beta version completed" due 2026-12-15')
    body = bot.action_body(blocks.COMPLETE, bot.button(milestone))

    bot.post(body)
    bot.post(body, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})

    assert history(bot, milestone.id).count("reached") == 1
    assert len(bot.slack.calls_to("chat.update")) == 1
    assert bot.slack.responses == []


def test_racing_presses_give_one_state_change(bot):
    milestone = bot.add(f'"Contract signed" due 2026-12-10 approver <@{APPROVER}>')
    body = bot.action_body(blocks.COMPLETE, bot.button(milestone))
    barrier = threading.Barrier(4)
    results = []

    def press():
        barrier.wait()
        results.append(bot.post(body).status_code)

    threads = [threading.Thread(target=press) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    bot.settle()

    assert results == [200] * 4
    assert history(bot, milestone.id).count("completion_requested") == 1
    assert len(bot.slack.calls_to("conversations.open")) == 1
    assert bot.milestone(milestone.id).revision == milestone.revision + 1


def test_reschedule_is_announced_with_old_date_new_date_and_reason(bot):
    milestone = bot.add('"Beta version completed" due 2026-12-15')
    card_ts = bot.milestone(milestone.id).announcement_ts
    bot.slack.reset()

    response = bot.command(f"due M-{milestone.id} in 4 weeks because the vendor is late")

    assert response.status_code == 200
    current = bot.milestone(milestone.id)
    assert str(current.due_date) == "2026-12-24"
    [post] = bot.slack.calls_to("chat.postMessage")
    text = message_text(post)
    assert "Tue 15 Dec 2026" in text and "Thu 24 Dec 2026" in text
    assert "the vendor is late" in text
    assert post.params["thread_ts"] == card_ts and post.params["reply_broadcast"] is True
    [card] = bot.slack.calls_to("chat.update")
    assert "Thu 24 Dec 2026" in message_text(card)
    assert buttons(card)[0]["value"] == blocks.button_value(current)


def test_rescheduling_to_the_same_date_changes_nothing(bot):
    milestone = bot.add('"Beta version completed" due 2026-12-15')
    bot.slack.reset()

    answer = bot.command(f"due M-{milestone.id} 2026-12-15").json()["text"]

    assert "already due" in answer
    assert bot.slack.calls_to("chat.postMessage") == []


def test_cancel_is_announced_kept_in_history_and_gone_from_lists(bot):
    milestone = bot.add('"Beta version completed" due 2026-12-15')
    kept = bot.add('"Launch" due 2026-12-20')
    bot.slack.reset()

    bot.command(f"cancel M-{milestone.id} because scope changed")

    assert bot.milestone(milestone.id).status == Status.CANCELLED
    assert history(bot, milestone.id) == ["declared", "cancelled"]
    [post] = bot.slack.calls_to("chat.postMessage")
    assert "cancelled" in message_text(post) and "scope changed" in message_text(post)
    [card] = bot.slack.calls_to("chat.update")
    assert buttons(card) == [] and "Cancelled" in message_text(card)
    for scope in ("", "all"):
        listed = bot.command(f"list {scope}").json()["blocks"][0]["text"]["text"]
        assert f"*M-{milestone.id}*" not in listed
        assert f"M-{kept.id}" in listed


def test_a_milestone_waiting_for_approval_cannot_be_rescheduled(bot):
    milestone = bot.add(f'"Contract signed" due 2026-12-10 approver <@{APPROVER}>')
    bot.command(f"done M-{milestone.id}")
    bot.slack.reset()

    answer = bot.command(f"due M-{milestone.id} 2026-12-20").json()["text"]

    assert "waiting for" in answer and "approval" in answer
    current = bot.milestone(milestone.id)
    assert str(current.due_date) == "2026-12-10"
    assert current.status == Status.AWAITING_APPROVAL
    assert bot.slack.calls_to("chat.postMessage") == []


def test_cancelling_while_the_approver_decides_closes_their_request(bot):
    milestone = bot.add(f'"Contract signed" due 2026-12-10 approver <@{APPROVER}>')
    bot.press(blocks.COMPLETE, bot.button(milestone))
    request = bot.slack.calls_to("chat.postMessage")[-1]
    bot.slack.reset()

    bot.command(f"cancel M-{milestone.id} because the deal fell through")

    [closed] = [
        c for c in bot.slack.calls_to("chat.update") if c.params["ts"] == request.response["ts"]
    ]
    assert closed.params["channel"] == request.params["channel"]
    assert "cancelled" in message_text(closed) and buttons(closed) == []
    assert "the deal fell through" not in message_text(closed)
