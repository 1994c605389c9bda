"""Faults: Slack rate limiting, failing or out of reach; channels the bot lost; deactivated
people; processes that stop mid-sweep. Whatever happens, each message goes out once."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.delivery.announce import ANNOUNCEMENT_OVERDUE_AFTER, run_announcement_sweep
from bot.delivery.nudges import run_nudge_sweep
from bot.delivery.status_sweep import run_digest_sweep
from bot.domain import channels
from bot.render import blocks
from bot.runtime import build_runtime
from bot.slack.client import Pacer
from bot.store.claims import MAX_ATTEMPTS, STALE_AFTER
from bot.store.db import make_engine, session_scope
from bot.store.models import ChannelSettings, Delivery, Person, Workspace
from tests.support.botprocess import BotProcess, declare_milestone, environment, free_port
from tests.support.harness import (
    APPROVER,
    CHANNEL,
    OWNER,
    TEAM,
    make_settings,
    pacer_without_waiting,
)
from tests.support.sweeping import MONDAY, STATUS_TEXT, at, direct_messages, statuses

OTHER_CHANNEL = "C222"
DUE = "2026-12-01"
# Olive (New York) is one day overdue from 05:00 UTC on 2 December.
NUDGE_DAY = at(2, 14)  # 09:00 in New York, where the owner works


def digest_sweep(bot, now: datetime):
    report = run_digest_sweep(bot.runtime, now=now)
    bot.settle()
    return report


def nudge_sweep(bot, now: datetime):
    report = run_nudge_sweep(bot.runtime, now=now)
    bot.settle()
    return report


def deliveries(bot, kind: str) -> list[Delivery]:
    with session_scope(bot.engine) as session:
        return list(session.exec(select(Delivery).where(Delivery.kind == kind)).all())


def channel_settings(bot, channel: str) -> ChannelSettings | None:
    with session_scope(bot.engine) as session:
        return session.get(ChannelSettings, (TEAM, channel))


def two_channels(bot) -> None:
    for channel in (CHANNEL, OTHER_CHANNEL):
        bot.add('"Beta version completed" due 2026-12-03', channel=channel)
    bot.slack.reset()


# ------------------------------------------------------------------ Slack failing


def test_a_429_storm_is_waited_out_and_each_status_goes_out_once(bot):
    two_channels(bot)
    bot.slack.fail("chat.postMessage", status=429, times=3, retry_after=0)

    report = digest_sweep(bot, MONDAY)

    assert report.sent == 2
    assert len(statuses(bot.slack, CHANNEL)) == len(statuses(bot.slack, OTHER_CHANNEL)) == 1
    assert len([a for a in bot.slack.attempts_to("chat.postMessage") if a.status == 429]) == 3


def test_a_long_retry_after_is_not_waited_for_but_left_to_a_later_sweep(bot):
    two_channels(bot)
    bot.slack.fail(
        "chat.postMessage", status=429, retry_after=120, where={"channel": OTHER_CHANNEL}
    )

    started = time.monotonic()
    first = digest_sweep(bot, MONDAY)

    assert time.monotonic() - started < 30  # not the two minutes Slack asked for
    assert (first.sent, first.retry_later) == (1, 1)
    assert statuses(bot.slack, OTHER_CHANNEL) == []
    [failed] = [d for d in deliveries(bot, "digest") if d.channel_id == OTHER_CHANNEL]
    assert (failed.state, failed.last_error) == ("failed", "ratelimited")

    later = digest_sweep(bot, MONDAY + timedelta(minutes=5))

    assert (later.sent, later.retry_later) == (1, 0)
    assert len(statuses(bot.slack, OTHER_CHANNEL)) == len(statuses(bot.slack, CHANNEL)) == 1


def test_a_delivery_failing_at_every_sweep_is_given_up_after_its_attempts(bot):
    bot.add('"Beta version completed" due 2026-12-03')
    bot.slack.reset()
    bot.slack.fail("chat.postMessage", status=500, times=3 * MAX_ATTEMPTS)

    reports = [digest_sweep(bot, MONDAY + timedelta(minutes=5 * n)) for n in range(MAX_ATTEMPTS)]

    assert [r.retry_later for r in reports] == [1] * (MAX_ATTEMPTS - 1) + [0]
    assert reports[-1].dropped == 1
    [given_up] = deliveries(bot, "digest")
    assert (given_up.state, given_up.attempts) == ("dropped", MAX_ATTEMPTS)
    assert digest_sweep(bot, MONDAY + timedelta(hours=1)).sent == 0
    assert statuses(bot.slack) == []


def test_slack_out_of_reach_leaves_everything_for_the_next_sweep(bot, slack, database_url):
    two_channels(bot)
    unreachable = build_runtime(
        make_settings(database_url, slack, SLACK_API_URL="http://127.0.0.1:9/api/"),
        clock=bot.clock,
        pacer=pacer_without_waiting(),
    )

    dropped = run_digest_sweep(unreachable, now=MONDAY)

    assert (dropped.sent, dropped.retry_later) == (0, 2)
    assert statuses(slack) == []
    assert digest_sweep(bot, MONDAY + timedelta(minutes=5)).sent == 2
    assert digest_sweep(bot, MONDAY + timedelta(minutes=10)).sent == 0
    assert len(statuses(slack, CHANNEL)) == len(statuses(slack, OTHER_CHANNEL)) == 1
    unreachable.engine.dispose()


# ------------------------------------------------------------------ channels the bot lost


@pytest.mark.parametrize("error", ["is_archived", "not_in_channel", "channel_not_found"])
def test_a_channel_the_bot_lost_is_paused_and_the_others_carry_on(bot, error):
    two_channels(bot)
    bot.slack.fail("chat.postMessage", status=200, error=error, where={"channel": CHANNEL})

    report = digest_sweep(bot, MONDAY)

    assert (report.sent, report.paused) == (1, 1)
    assert len(statuses(bot.slack, OTHER_CHANNEL)) == 1
    assert channel_settings(bot, CHANNEL).paused_reason == error
    # Tried once: no retries of an answer that will not change.
    assert len([a for a in bot.slack.attempts_to("chat.postMessage") if not a.ok]) == 1

    bot.slack.reset()
    digest_sweep(bot, MONDAY + timedelta(days=7))
    nudge_sweep(bot, at(4, 14))

    assert all(c.params["channel"] != CHANNEL for c in bot.slack.attempts_to("chat.postMessage"))
    assert len(statuses(bot.slack, OTHER_CHANNEL)) == 1


def member_joined(user: str, channel: str = CHANNEL) -> str:
    return json.dumps(
        {
            "token": "verification_token",
            "team_id": TEAM,
            "api_app_id": "A111",
            "event": {
                "type": "member_joined_channel",
                "user": user,
                "channel": channel,
                "channel_type": "C",
                "team": TEAM,
                "event_ts": f"{time.time():.6f}",
            },
            "type": "event_callback",
            "event_id": "Ev0JOINED01",
            "event_time": int(time.time()),
            "authorizations": [
                {"enterprise_id": None, "team_id": TEAM, "user_id": "UBOT", "is_bot": True}
            ],
        }
    )


def test_adding_the_bot_back_resumes_the_channel_and_sends_what_it_missed(bot):
    two_channels(bot)
    bot.slack.fail(
        "chat.postMessage", status=200, error="not_in_channel", where={"channel": CHANNEL}
    )
    digest_sweep(bot, MONDAY)

    # Someone else joining changes nothing; the bot joining resumes the channel.
    bot.post(member_joined(OWNER), content_type="application/json")
    assert channel_settings(bot, CHANNEL).paused_at is not None
    bot.post(member_joined("UBOT"), content_type="application/json")
    assert channel_settings(bot, CHANNEL).paused_at is None

    # Still the same week's status, within its grace period: sent now, once.
    assert digest_sweep(bot, MONDAY + timedelta(hours=1)).sent == 1
    assert digest_sweep(bot, MONDAY + timedelta(hours=2)).sent == 0
    assert len(statuses(bot.slack, CHANNEL)) == 1


def test_using_the_command_in_a_paused_channel_resumes_it(bot):
    two_channels(bot)
    bot.slack.fail("chat.postMessage", status=200, error="is_archived", where={"channel": CHANNEL})
    digest_sweep(bot, MONDAY)
    # What a command knows of paused channels is at most 30 seconds old.
    bot.clock.advance(minutes=1)

    assert bot.command("list").status_code == 200

    assert channel_settings(bot, CHANNEL).paused_at is None
    assert digest_sweep(bot, MONDAY + timedelta(hours=1)).sent == 1


# ------------------------------------------------------------------ people


@pytest.mark.parametrize("error", ["account_inactive", "user_not_found"])
def test_a_deactivated_person_gets_no_more_dms(bot, error):
    bot.add(f'"Beta version completed" due {DUE}')
    bot.slack.reset()
    # Olive's account is deactivated: Slack refuses the DM, and says so of her from now on.
    bot.slack.fail("chat.postMessage", status=200, error=error)
    bot.slack.set_user(OWNER, tz="America/New_York", deleted=True, real_name="Olive Owner")

    first = nudge_sweep(bot, NUDGE_DAY)

    assert (first.sent, first.dropped) == (0, 1)
    with session_scope(bot.engine) as session:
        assert session.get(Person, (TEAM, OWNER)).inactive_since is not None
    bot.slack.reset()

    later = nudge_sweep(bot, at(3, 14))

    assert (later.sent, later.dropped) == (0, 1)
    assert bot.slack.attempts_to("chat.postMessage") == []
    assert direct_messages(bot.slack, OWNER) == []


def test_slack_saying_the_account_is_deleted_also_stops_dms(bot, slack):
    slack.set_user(OWNER, tz="America/New_York", deleted=True, real_name="Olive Owner")
    bot.add(f'"Beta version completed" due {DUE}')
    slack.reset()

    report = nudge_sweep(bot, NUDGE_DAY)

    assert (report.sent, report.dropped) == (0, 1)
    assert slack.attempts_to("chat.postMessage") == []


# ------------------------------------------------------------------ workspaces


def test_a_revoked_token_stops_that_workspaces_sweeps(bot):
    two_channels(bot)
    bot.slack.revoke("xoxb-test-token")

    report = digest_sweep(bot, MONDAY)

    assert (report.sent, report.dropped, report.retry_later) == (0, 2, 0)
    with session_scope(bot.engine) as session:
        assert session.get(Workspace, TEAM).uninstalled_at is not None
    assert digest_sweep(bot, MONDAY + timedelta(minutes=5)).dropped == 0


# ------------------------------------------------------------------ stopping and crashing


def test_a_process_stopping_mid_sweep_gives_back_what_it_did_not_send(bot):
    two_channels(bot)
    bot.runtime.stopping.set()

    stopped = digest_sweep(bot, MONDAY)

    assert stopped.sent == 0
    assert bot.slack.attempts_to("chat.postMessage") == []
    assert {(d.state, d.attempts) for d in deliveries(bot, "digest")} == {("failed", 0)}

    bot.runtime.stopping.clear()
    restarted = digest_sweep(bot, MONDAY + timedelta(minutes=5))

    assert restarted.sent == 2
    assert {(d.state, d.attempts) for d in deliveries(bot, "digest")} == {("sent", 1)}
    assert len(statuses(bot.slack, CHANNEL)) == len(statuses(bot.slack, OTHER_CHANNEL)) == 1


def test_a_claim_left_by_a_process_that_died_is_sent_once_it_is_stale(bot):
    bot.add('"Beta version completed" due 2026-12-03')
    bot.slack.reset()
    with session_scope(bot.engine) as session:
        session.add(
            Delivery(
                team_id=TEAM,
                kind="digest",
                key=f"{CHANNEL}:2026-W49",
                channel_id=CHANNEL,
                claimed_at=MONDAY,
            )
        )

    assert digest_sweep(bot, MONDAY + timedelta(minutes=5)).sent == 0
    assert digest_sweep(bot, MONDAY + STALE_AFTER + timedelta(minutes=5)).sent == 1
    assert len(statuses(bot.slack)) == 1


def test_a_card_slack_failed_is_posted_by_the_card_sweep_once(bot):
    bot.slack.fail("chat.postMessage", status=500, times=3)
    milestone = bot.add('"Beta version completed" due 2026-12-03')
    assert bot.milestone(milestone.id).announcement_ts is None

    too_soon = run_announcement_sweep(bot.runtime, now=bot.clock() + timedelta(seconds=30))
    assert too_soon.sent == 0
    later = bot.clock() + ANNOUNCEMENT_OVERDUE_AFTER
    assert run_announcement_sweep(bot.runtime, now=later).sent == 1
    assert run_announcement_sweep(bot.runtime, now=later + timedelta(minutes=2)).sent == 0

    assert bot.milestone(milestone.id).announcement_ts is not None
    cards = [
        c for c in bot.slack.calls_to("chat.postMessage") if "Beta version" in c.params["text"]
    ]
    assert len(cards) == 1


def test_a_card_lost_with_its_process_is_posted_by_the_card_sweep(bot):
    from bot.domain import milestones

    with session_scope(bot.engine) as session:
        # Saved, then the process stopped before its background work posted the card.
        change = milestones.declare(
            session,
            team_id=TEAM,
            channel_id=CHANNEL,
            creator_id=OWNER,
            title="Beta version completed",
            due_date=None,
            owner_id=OWNER,
            approver_id=None,
            today=bot.clock().date(),
            now=bot.clock(),
        )
        session.flush()
        milestone_id = change.milestone.id
    later = bot.clock() + ANNOUNCEMENT_OVERDUE_AFTER

    assert run_announcement_sweep(bot.runtime, now=later).sent == 1
    assert run_announcement_sweep(bot.runtime, now=later).sent == 0
    bot.settle()
    assert bot.milestone(milestone_id).announcement_ts is not None


# ------------------------------------------------------------------ several processes


def test_two_schedulers_sweeping_at_once_send_each_nudge_once(bot, slack, database_url):
    owners = [f"U0OWN{n:02d}" for n in range(12)]
    for n, owner in enumerate(owners):
        slack.set_user(owner, tz="America/New_York", real_name=f"Owner {n}")
        bot.add(f'"Milestone {n} done" due {DUE} owner <@{owner}|o{n}>', channel=f"C{n % 4:03d}")
    slack.reset()
    runtimes = [
        build_runtime(
            make_settings(database_url, slack), clock=bot.clock, pacer=pacer_without_waiting()
        )
        for _ in range(2)
    ]
    start = threading.Barrier(2)
    reports = []

    def sweep(runtime) -> None:
        start.wait()
        reports.append(run_nudge_sweep(runtime, now=NUDGE_DAY))

    threads = [threading.Thread(target=sweep, args=(r,)) for r in runtimes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(r.sent for r in reports) == len(owners)
    for owner in owners:
        assert len(direct_messages(slack, owner)) == 1
    for runtime in runtimes:
        runtime.background.join(timeout=5)
        runtime.engine.dispose()


# ------------------------------------------------------------------ pacing


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_messages_to_one_channel_are_spaced_a_second_apart():
    clock = FakeTime()
    pacer = Pacer(clock=lambda: clock.now, sleep=clock.sleep)

    waits = [pacer.wait("T1", "C1") for _ in range(3)]
    other = pacer.wait("T1", "C2")

    assert waits == [0.0, 1.0, 1.0]
    assert other == 0.0  # another channel need not wait for this one


def test_a_workspace_spends_its_minute_budget_then_waits_for_it_to_refill():
    clock = FakeTime()
    pacer = Pacer(per_workspace_minute=60, clock=lambda: clock.now, sleep=clock.sleep)

    burst = [pacer.wait("T1", f"C{n}") for n in range(60)]
    after = pacer.wait("T1", "C60")
    elsewhere = pacer.wait("T2", "C1")

    assert burst == [0.0] * 60
    assert after == pytest.approx(1.0)  # one message a second once the minute's budget is spent
    assert elsewhere == 0.0


def test_threads_posting_to_one_channel_at_once_are_spaced_too():
    clock = FakeTime()
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        with lock:
            slept.append(seconds)

    slept: list[float] = []
    pacer = Pacer(clock=lambda: clock.now, sleep=sleep)
    threads = [threading.Thread(target=pacer.wait, args=("T1", "C1")) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(slept) == [1.0, 2.0, 3.0]


def test_a_status_names_the_channel_it_was_for(bot):
    two_channels(bot)
    digest_sweep(bot, MONDAY)

    assert {c.params["channel"] for c in bot.slack.calls_to("chat.postMessage")} == {
        CHANNEL,
        OTHER_CHANNEL,
    }
    assert all(c.params["text"] == STATUS_TEXT for c in bot.slack.calls_to("chat.postMessage"))


def announcements(bot, now: datetime):
    return run_announcement_sweep(bot.runtime, now=now)


def posts_under(slack, ts: str) -> list:
    return [c for c in slack.calls_to("chat.postMessage") if c.params.get("thread_ts") == ts]


def test_a_celebration_slack_failed_is_posted_by_the_card_sweep_once(bot):
    milestone = bot.add('"Beta version completed" due 2026-12-03')
    card = bot.milestone(milestone.id).announcement_ts
    bot.slack.fail("chat.postMessage", status=500, times=3, where={"thread_ts": card})

    bot.press(blocks.COMPLETE, bot.button(milestone))

    assert bot.milestone(milestone.id).status == "reached"
    assert posts_under(bot.slack, card) == []
    later = bot.clock() + ANNOUNCEMENT_OVERDUE_AFTER
    assert run_announcement_sweep(bot.runtime, now=later).sent == 1
    assert run_announcement_sweep(bot.runtime, now=later + timedelta(minutes=2)).sent == 0
    bot.settle()
    [celebration] = posts_under(bot.slack, card)
    assert "Beta version completed" in json.dumps(celebration.params["blocks"])


def test_a_celebration_that_went_out_is_not_sent_again_by_the_sweep(bot):
    milestone = bot.add('"Beta version completed" due 2026-12-03')
    card = bot.milestone(milestone.id).announcement_ts
    bot.press(blocks.COMPLETE, bot.button(milestone))

    assert announcements(bot, bot.clock() + ANNOUNCEMENT_OVERDUE_AFTER).sent == 0
    assert len(posts_under(bot.slack, card)) == 1


def test_an_approval_request_slack_failed_reaches_the_approver_through_the_sweep(bot):
    milestone = bot.add(f'"Contract signed" due 2026-12-10 approver <@{APPROVER}|arun>')
    bot.slack.fail("conversations.open", status=500, times=3)

    bot.press(blocks.COMPLETE, bot.button(milestone))

    assert bot.milestone(milestone.id).status == "awaiting_approval"
    assert direct_messages(bot.slack, APPROVER) == []
    assert announcements(bot, bot.clock() + ANNOUNCEMENT_OVERDUE_AFTER).sent == 1
    assert announcements(bot, bot.clock() + 2 * ANNOUNCEMENT_OVERDUE_AFTER).sent == 0
    bot.settle()
    [request] = direct_messages(bot.slack, APPROVER)
    assert "Contract signed" in json.dumps(request.params["blocks"])
    assert bot.milestone(milestone.id).approval_ts == request.response["ts"]


def test_a_scheduler_stopped_mid_sweep_sends_the_rest_once_when_started_again(
    tmp_path, slack, database_url
):
    """SIGTERM while a sweep is sending: the message in hand goes out, the process exits 0,
    and the next start sends exactly what was not sent."""
    overdue = datetime.now(UTC).date() - timedelta(days=2)
    references = [
        declare_milestone(
            database_url,
            team_id=TEAM,
            channel_id=CHANNEL,
            owner_id=OWNER,
            title=f"Milestone {n} reached",
            due_date=overdue,
        )
        for n in range(6)
    ]
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        channels.update(session, team_id=TEAM, channel_id=CHANNEL, nudges="channel")
    engine.dispose()
    # Six nudges for one channel: one a second, so the sweep is still sending when stopped.
    slack.limit_posts(per_channel_seconds=1.0)
    env = environment(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_API_URL=slack.base_url,
        DATABASE_URL=database_url,
        PORT=str(free_port()),
    )

    def nudged() -> list[str]:
        return [
            ref
            for call in slack.calls_to("chat.postMessage")
            for ref in references
            if call.params["text"].startswith(f"{ref} ")
        ]

    with BotProcess("scheduler", cwd=tmp_path, env=env) as first:
        slack.wait_for("chat.postMessage", count=2, timeout=20)
        assert first.terminate() == 0, first.output()
    before = nudged()

    assert 2 <= len(before) < len(references)
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        states = {
            (d.state, d.attempts)
            for d in session.exec(select(Delivery).where(Delivery.kind == "nudge")).all()
        }
    engine.dispose()
    # Sent, or given back untried: nothing left "in hand" for 15 minutes.
    assert states <= {("sent", 1), ("failed", 0)}

    with BotProcess("scheduler", cwd=tmp_path, env=env) as second:
        slack.wait_for("chat.postMessage", count=len(references), timeout=30)
        assert second.terminate() == 0, second.output()

    # Each once, though the new process, not knowing when the old one last posted, may have
    # had a 429 to wait out.
    assert sorted(nudged()) == sorted(references)


def test_a_reschedule_note_slack_failed_is_posted_by_the_sweep_once(bot):
    milestone = bot.add('"Beta version completed" due 2026-12-03')
    card = bot.milestone(milestone.id).announcement_ts
    bot.slack.fail("chat.postMessage", status=500, times=3, where={"thread_ts": card})

    bot.command(f"due M-{milestone.id} 2026-12-20 because vendor late")

    assert posts_under(bot.slack, card) == []
    later = bot.clock() + ANNOUNCEMENT_OVERDUE_AFTER
    assert announcements(bot, later).sent == 1
    assert announcements(bot, later + timedelta(minutes=2)).sent == 0
    bot.settle()
    [note] = posts_under(bot.slack, card)
    assert "vendor late" in json.dumps(note.params["blocks"])
    assert note.params["reply_broadcast"] in (True, "true", "1", 1)


def test_a_cancellation_note_slack_failed_is_posted_by_the_sweep_once(bot):
    milestone = bot.add('"Beta version completed" due 2026-12-03')
    card = bot.milestone(milestone.id).announcement_ts
    bot.slack.fail("chat.postMessage", status=500, times=3, where={"thread_ts": card})

    bot.command(f"cancel M-{milestone.id} because plans changed")

    assert posts_under(bot.slack, card) == []
    later = bot.clock() + ANNOUNCEMENT_OVERDUE_AFTER
    assert announcements(bot, later).sent == 1
    assert announcements(bot, later).sent == 0
    bot.settle()
    [note] = posts_under(bot.slack, card)
    assert "plans changed" in json.dumps(note.params["blocks"])


def test_notes_that_went_out_are_not_sent_again_and_an_older_reschedule_is_not_told_late(bot):
    milestone = bot.add('"Beta version completed" due 2026-12-03')
    card = bot.milestone(milestone.id).announcement_ts
    bot.command(f"due M-{milestone.id} 2026-12-20 because vendor late")
    bot.command(f"due M-{milestone.id} 2026-12-22 because vendor later")

    assert announcements(bot, bot.clock() + ANNOUNCEMENT_OVERDUE_AFTER).sent == 0
    assert len(posts_under(bot.slack, card)) == 2
