"""/milestone status posts once per trigger id: Slack's retry of the command, or the same
request sent twice, posts nothing more."""

import threading
from datetime import timedelta

from sqlmodel import select

from bot.delivery.housekeeping import REQUEST_KINDS, REQUESTS_KEPT_FOR
from bot.delivery.scheduler import run_sweep
from bot.store.claims import FORGET_PER_STATEMENT, claim
from bot.store.db import session_scope
from bot.store.models import Delivery, DeliveryState
from tests.support.harness import CHANNEL, TEAM

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


def kinds(bot) -> list[str]:
    with session_scope(bot.engine) as session:
        return sorted(d.kind for d in session.exec(select(Delivery)).all())


def test_a_status_requests_claim_is_forgotten_a_week_on_and_the_rest_kept(bot):
    bot.add('"Beta version completed" due 2026-12-15')
    body = bot.command_body("status", trigger_id=TRIGGER)
    bot.post(body)
    asked_at = bot.clock()
    assert kinds(bot) == ["announcement", "status_request"]

    # Within the week Slack's retry still finds the claim, and the hourly housekeeping
    # leaves it.
    bot.clock.set(asked_at + timedelta(days=6, hours=23))
    assert run_sweep(bot.runtime, "housekeeping").forgotten == 0
    assert bot.post(body, headers=RETRY).text == ""
    assert len(statuses(bot)) == 1

    bot.clock.set(asked_at + REQUESTS_KEPT_FOR + timedelta(minutes=1))
    report = run_sweep(bot.runtime, "housekeeping")

    assert (report.forgotten, str(report)) == (1, "1 request claims forgotten")
    # The card's announcement is what went out, and is kept.
    assert kinds(bot) == ["announcement"]


def test_housekeeping_forgets_old_request_claims_of_every_kind_a_batch_at_a_time(bot):
    now = bot.clock()
    old, recent = now - REQUESTS_KEPT_FOR - timedelta(hours=1), now - timedelta(days=1)
    rows = [
        {"team_id": TEAM, "kind": kind, "key": f"{kind}-{at:%d}-{i}", "claimed_at": at}
        for kind in (*REQUEST_KINDS, "digest")
        for at, count in ((old, FORGET_PER_STATEMENT + 300), (recent, 5))
        for i in range(count)
    ]
    with session_scope(bot.engine) as session:
        claim(session, rows)

    report = run_sweep(bot.runtime, "housekeeping")

    assert report.forgotten == 4 * (FORGET_PER_STATEMENT + 300)
    with session_scope(bot.engine) as session:
        left = session.exec(select(Delivery.kind, Delivery.claimed_at)).all()
    assert sorted(kind for kind, _ in left if kind != "digest") == sorted(
        ["chart_request", "export_request", "status_request", "workflow_step"] * 5
    )
    # The other kinds' claims stay, however old: what went out, and the nudges' count.
    assert sum(kind == "digest" for kind, _ in left) == FORGET_PER_STATEMENT + 305
