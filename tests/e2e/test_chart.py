"""/milestone chart and the weekly status's chart: the timeline uploaded with files_upload_v2,
as the fake Slack records it, and what happens when Slack refuses it."""

from __future__ import annotations

import io

from PIL import Image
from sqlmodel import select

from bot.delivery import fanout
from bot.render.chart import WIDTH_PX
from bot.store.db import session_scope
from bot.store.models import Delivery, DeliveryState
from tests.support.harness import CHANNEL, OTHER
from tests.support.sweeping import MONDAY, statuses, sweep


def answer_text(response) -> str:
    return "\n".join(block["text"]["text"] for block in response.json()["blocks"])


def test_the_chart_command_uploads_the_timeline_to_the_channel(bot):
    bot.add('"Beta shipped" due 2026-12-03')
    bot.add(f'"Launch day" due 2026-12-10 owner <@{OTHER}> after M-1')

    response = bot.command("chart")

    assert response.status_code == 200
    [upload_url] = bot.slack.calls_to("files.getUploadURLExternal")
    [shared] = bot.slack.files
    assert (shared.name, shared.channel, shared.thread_ts) == ("timeline.png", CHANNEL, None)
    assert shared.title == "Milestones on 26 Nov 2026"
    assert int(upload_url.params["length"]) == shared.size
    picture = Image.open(io.BytesIO(shared.content))
    assert picture.format == "PNG"
    assert picture.size[0] == WIDTH_PX
    assert shared.alt_text == (
        "Timeline: Milestones on 26 Nov 2026. Today is 26 Nov 2026. "
        "No goal: M-1 Beta shipped, on track, due 3 Dec 2026; "
        "M-2 Launch day, on track, due 10 Dec 2026. M-2 depends on M-1."
    )


def test_a_goals_chart_shows_only_that_goals_milestones(bot):
    bot.command('goal add "Launch the app"')
    bot.add('"Store listing" due 2026-12-04 goal G-1')
    bot.add('"Team offsite" due 2026-12-05')

    bot.command("chart G-1")

    [shared] = bot.slack.files
    assert shared.title == "G-1 Launch the app: timeline on 26 Nov 2026"
    assert "G-1 Launch the app: M-1 Store listing, on track" in shared.alt_text
    assert "M-2" not in shared.alt_text


def test_a_slipped_milestone_is_charted_with_its_first_due_date(bot):
    bot.add('"Beta shipped" due 2026-12-03')
    bot.command("due M-1 2026-12-08 because the vendor is late")

    bot.command("chart")

    [shared] = bot.slack.files
    assert "due 8 Dec 2026 (first due 3 Dec 2026, slipped 5 days)" in shared.alt_text


def test_nothing_dated_means_nothing_to_chart(bot):
    bot.add('"Someday"')

    response = bot.command("chart")

    assert "nothing to chart" in answer_text(response)
    assert bot.slack.calls_to("files.getUploadURLExternal") == []


def test_an_unknown_goal_is_refused(bot):
    response = bot.command("chart G-9")

    assert "There is no open goal" in answer_text(response)
    assert bot.slack.files == []


def test_a_chart_the_bot_cannot_post_tells_the_caller_how_to_invite_it(bot):
    bot.add('"Beta shipped" due 2026-12-03')
    bot.slack.fail("files.completeUploadExternal", status=200, error="not_in_channel")

    bot.command("chart")

    [answer] = bot.slack.responses
    assert answer["body"]["response_type"] == "ephemeral"
    assert "/invite @Milestones" in answer["body"]["text"]
    assert "`/milestone chart`" in answer["body"]["text"]
    assert bot.slack.files == []


def test_an_install_without_files_write_is_told_to_reinstall(bot):
    bot.add('"Beta shipped" due 2026-12-03')
    bot.slack.fail("files.getUploadURLExternal", status=200, error="missing_scope")

    bot.command("chart")

    [answer] = bot.slack.responses
    assert "files:write" in answer["body"]["text"]
    assert bot.slack.files == []


def test_the_weekly_status_carries_the_chart_in_its_thread(bot):
    bot.add('"Beta shipped" due 2026-12-03')

    assert sweep(bot, MONDAY) == 1

    [status] = statuses(bot.slack)
    [shared] = bot.slack.files
    assert (shared.channel, shared.thread_ts) == (CHANNEL, status.response["ts"])
    assert shared.title == "Milestones on 30 Nov 2026"
    assert "M-1 Beta shipped, on track, due 3 Dec 2026" in shared.alt_text


def test_the_weekly_sweep_posts_every_status_before_drawing_any_chart(bot):
    # Drawing takes a few tenths of a second a channel: at a sweep of thousands of channels,
    # charts drawn between the statuses would hold the last statuses back.
    # More channels than the sweep has workers sending side by side.
    channels = [CHANNEL, *(f"C0CHANNEL{i:02d}" for i in range(fanout.WORKERS + 2))]
    for channel in channels:
        bot.add('"Beta shipped" due 2026-12-03', channel=channel)
    bot.slack.reset()

    assert sweep(bot, MONDAY) == len(channels)

    methods = [call.method for call in bot.slack.calls]
    posts = [i for i, method in enumerate(methods) if method == "chat.postMessage"]
    uploads = [i for i, method in enumerate(methods) if method.startswith("files.")]
    assert len(posts) == len(channels) == len(bot.slack.files)
    assert max(posts) < min(uploads)
    # Each chart still in its own status's thread.
    threads = {
        call.params["channel"]: call.response["ts"]
        for c in channels
        for call in statuses(bot.slack, c)
    }
    assert {(f.channel, f.thread_ts) for f in bot.slack.files} == set(threads.items())


def test_the_status_command_carries_the_chart_in_its_thread(bot):
    bot.add('"Beta shipped" due 2026-11-30')

    bot.command("status")

    [status] = statuses(bot.slack)
    [shared] = bot.slack.files
    assert shared.thread_ts == status.response["ts"]


def test_a_chart_that_fails_leaves_the_status_sent_once(bot):
    bot.add('"Beta shipped" due 2026-12-03')
    bot.slack.fail("files.completeUploadExternal", status=500, times=5)

    assert sweep(bot, MONDAY) == 1
    sweep(bot, MONDAY.replace(minute=30))

    assert len(statuses(bot.slack)) == 1
    assert bot.slack.files == []
    with session_scope(bot.engine) as session:
        [delivery] = session.exec(select(Delivery).where(Delivery.kind == "digest")).all()
    assert delivery.sent_at is not None


RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


def request_claims(bot, kind: str) -> list[str]:
    with session_scope(bot.engine) as session:
        return [d.state for d in session.exec(select(Delivery).where(Delivery.kind == kind))]


def test_a_retried_chart_command_uploads_once(bot):
    bot.add('"Beta shipped" due 2026-12-03')
    body = bot.command_body("chart")

    first = bot.post(body)
    retried = bot.post(body, headers=RETRY)

    assert (first.status_code, retried.status_code) == (200, 200)
    assert retried.text == ""
    assert len(bot.slack.files) == 1
    assert request_claims(bot, "chart_request") == [DeliveryState.SENT]


def test_a_chart_slack_refuses_is_told_once_and_not_tried_again(bot):
    bot.add('"Beta shipped" due 2026-12-03')
    bot.slack.fail("files.completeUploadExternal", status=200, error="not_in_channel")
    body = bot.command_body("chart")

    bot.post(body)
    bot.post(body, headers=RETRY)

    assert bot.slack.files == []
    [answer] = bot.slack.responses
    assert "/invite @Milestones" in answer["body"]["text"]
    assert request_claims(bot, "chart_request") == [DeliveryState.DROPPED]


def test_a_channel_that_turned_the_chart_off_gets_its_statuses_without_one(bot):
    bot.add('"Beta shipped" due 2026-12-03')

    bot.command("settings chart off")
    assert "come without a chart" in answer_text(bot.command("settings"))
    assert sweep(bot, MONDAY) == 1
    bot.command("status")

    assert len(statuses(bot.slack)) == 2
    assert bot.slack.files == []
    # Asked for, it is drawn all the same.
    bot.command("chart")
    assert len(bot.slack.files) == 1

    bot.command("settings chart on")
    bot.command("status")
    [_, shared] = bot.slack.files
    assert shared.thread_ts == statuses(bot.slack)[-1].response["ts"]


def test_a_chart_setting_that_is_neither_on_nor_off_is_refused_and_changes_nothing(bot):
    bot.add('"Beta shipped" due 2026-12-03')

    answer = answer_text(bot.command("settings chart maybe"))

    assert answer == "Use `/milestone settings chart on|off`."
    assert "carry the timeline chart in their thread" in answer_text(bot.command("settings"))
