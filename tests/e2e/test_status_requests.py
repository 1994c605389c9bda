"""/milestone status posts once per trigger id: Slack's retry of the command, or the same
request sent twice, posts nothing more."""

import threading

from sqlmodel import select

from bot.store.db import session_scope
from bot.store.models import Delivery, DeliveryState
from tests.support.harness import CHANNEL

TRIGGER = "4466123987.111.5dd3f7a1c2b84e0f9f1e0c0b2a6d8e41"
RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


def statuses(bot) -> list:
    return [
        call
        for call in bot.slack.calls_to("chat.postMessage")
        if call.params["channel"] == CHANNEL and call.params["text"] == "Weekly milestone status"
    ]


def test_a_retried_status_with_the_same_trigger_id_posts_once(bot):
    bot.add('"Beta version completed" due 2026-12-15')
    body = bot.command_body("status", trigger_id=TRIGGER)

    first = bot.post(body)
    retried = bot.post(body, headers=RETRY)

    assert (first.status_code, retried.status_code) == (200, 200)
    assert retried.text == ""
    assert len(statuses(bot)) == 1
    with session_scope(bot.engine) as session:
        [claimed] = session.exec(select(Delivery).where(Delivery.kind == "status_request")).all()
    assert (claimed.key, claimed.state) == (TRIGGER, DeliveryState.SENT)


def test_the_same_status_request_sent_twice_at_once_posts_once(bot):
    body = bot.command_body("status", trigger_id=TRIGGER)
    answers = []

    def send() -> None:
        answers.append(bot.post(body).status_code)

    senders = [threading.Thread(target=send) for _ in range(2)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    bot.settle()

    assert answers == [200, 200]
    assert len(statuses(bot)) == 1


def test_each_new_status_command_posts_again(bot):
    bot.command("status")
    bot.command("status")

    assert len(statuses(bot)) == 2
