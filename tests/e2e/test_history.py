"""History: every change with who, when, what and why, and slip shown wherever milestones are."""

import json
import re
from datetime import UTC, datetime

from bot.render import blocks
from tests.support.harness import APPROVER, OTHER, OWNER
from tests.support.reading import answer, message_text
from tests.support.sweeping import MONDAY, statuses, sweep

# Slack shows <!date^...|fallback> in the reader's zone; the fallback is what tests read.
LOCAL_DATE = re.compile(r"<!date\^\d+\^\{date_short_pretty\}\|([^>]+)>")


def history_lines(bot, milestone, **kwargs) -> list[str]:
    text = answer(bot.command(f"history {milestone.reference}", **kwargs))
    return [LOCAL_DATE.sub(r"\1", line) for line in text.split("\n")]


def approver_decides(bot, milestone, action_id: str):
    request = [
        c for c in bot.slack.calls_to("chat.postMessage") if c.params["channel"] == f"D{APPROVER}"
    ][-1]
    return bot.press(
        action_id,
        bot.button(milestone),
        user=APPROVER,
        channel=request.params["channel"],
        message_ts=request.response["ts"],
    )


def test_history_lists_every_change_with_who_when_and_why(bot, clock):
    milestone = bot.add(f'"Contract signed" due 2026-12-01 approver <@{APPROVER}>')
    clock.advance(days=1)
    bot.command(f"due {milestone.reference} 2026-12-04 because legal is slow")
    bot.command(f"block {milestone.reference} because the vendor went quiet")
    clock.advance(days=1)
    bot.command(f"unblock {milestone.reference}", user=APPROVER)
    clock.advance(days=3)
    bot.command(f"done {milestone.reference}")
    approver_decides(bot, milestone, blocks.REQUEST_CHANGES)
    view = bot.slack.calls_to("views.open")[-1].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    bot.submit_view(
        view,
        {"reason": {"reason_input": {"type": "plain_text_input", "value": "Unsigned page 3"}}},
        user=APPROVER,
    )
    clock.advance(days=1)
    bot.command(f"done {milestone.reference}")
    approver_decides(bot, milestone, blocks.APPROVE)

    lines = history_lines(bot, milestone)

    assert lines == [
        f"*History of* *{milestone.reference}* · Contract signed",
        "_Moved once, +3 days_",
        f"• Thu 26 Nov 2026 · declared by <@{OWNER}>, due Tue 1 Dec 2026",
        f"• Fri 27 Nov 2026 · rescheduled by <@{OWNER}>: Tue 1 Dec 2026 → Fri 4 Dec 2026 "
        "(legal is slow)",
        f"• Fri 27 Nov 2026 · marked blocked by <@{OWNER}> (the vendor went quiet)",
        f"• Sat 28 Nov 2026 · unblocked by <@{APPROVER}>",
        f"• Tue 1 Dec 2026 · asked for approval by <@{OWNER}>",
        f"• Tue 1 Dec 2026 · asked for changes by <@{APPROVER}> (Unsigned page 3)",
        f"• Wed 2 Dec 2026 · asked for approval by <@{OWNER}>",
        f"• Wed 2 Dec 2026 · approved by <@{APPROVER}>",
        f"• Wed 2 Dec 2026 · reached by <@{APPROVER}>",
    ]


def test_history_of_a_cancelled_milestone_ends_with_who_cancelled_it_and_why(bot):
    milestone = bot.add(f'"Print brochure" due 2026-12-01 owner <@{OTHER}>')
    bot.command(f"risk {milestone.reference} because the printer is booked", user=OTHER)
    bot.command(f"cancel {milestone.reference} because we went digital", user=OTHER)

    lines = history_lines(bot, milestone)

    assert lines[1:] == [
        f"• Thu 26 Nov 2026 · declared by <@{OWNER}>, due Tue 1 Dec 2026",
        f"• Thu 26 Nov 2026 · marked at risk by <@{OTHER}> (the printer is booked)",
        f"• Thu 26 Nov 2026 · cancelled by <@{OTHER}> (we went digital)",
    ]


def test_history_records_changes_to_what_a_milestone_waits_on(bot):
    design = bot.add('"Design approved" due 2026-12-01')
    beta = bot.add('"Beta version completed" due 2026-12-15')
    bot.command(f"depends {beta.reference} on {design.reference}")
    bot.command(f"nodeps {beta.reference}")

    lines = history_lines(bot, beta)

    assert lines[-2:] == [
        f"• Thu 26 Nov 2026 · edited by <@{OWNER}> (now waits on {design.reference})",
        f"• Thu 26 Nov 2026 · edited by <@{OWNER}> (no longer waits on others)",
    ]


def test_history_of_another_channels_milestone_is_not_shown(bot):
    elsewhere = bot.add('"Pricing page live" due 2026-12-04', channel="C222")

    text = answer(bot.command(f"history {elsewhere.reference}"))

    assert f"There is no milestone {elsewhere.reference} in this channel" in text
    assert "Pricing page live" not in text


def test_history_escapes_what_people_wrote(bot):
    milestone = bot.add('"Contract <signed> & sealed" due 2026-12-01')
    bot.command(f"due {milestone.reference} 2026-12-04 because <!channel> said so")

    text = answer(bot.command(f"history {milestone.reference}"))

    assert "Contract &lt;signed&gt; &amp; sealed" in text
    assert "(&lt;!channel&gt; said so)" in text
    assert "<!channel>" not in text


def test_a_first_due_date_is_not_a_slip(bot):
    milestone = bot.add('"Beta version completed"')

    bot.command(f"due {milestone.reference} 2026-12-15")

    lines = history_lines(bot, milestone)
    assert not any("Moved" in line for line in lines)
    assert lines[-1] == (
        f"• Thu 26 Nov 2026 · rescheduled by <@{OWNER}>: no due date → Tue 15 Dec 2026"
    )
    listed = answer(bot.command("list"))
    assert "moved" not in listed


def test_slip_is_shown_in_the_list_the_status_and_the_weekly_status(bot):
    bot.clock.set(datetime(2026, 11, 20, 15, 0, tzinfo=UTC))
    milestone = bot.add('"Beta version completed" due 2026-11-23')
    steady = bot.add('"Pricing page live" due 2026-12-02')
    for new_date in ("2026-11-27", "2026-12-01", "2026-12-05"):
        bot.command(f"due {milestone.reference} {new_date} because testers are ill")

    slip = "moved 3 times, +12 days"
    [line] = [
        line for line in answer(bot.command("list")).split("\n") if milestone.reference in line
    ]
    assert line.endswith(f"· {slip}"), line
    assert "_Moved 3 times, +12 days_" in answer(bot.command(f"history {milestone.reference}"))

    bot.clock.set(MONDAY)
    bot.slack.reset()
    bot.command("status")
    assert sweep(bot, MONDAY) == 1
    posted, weekly = statuses(bot.slack)
    for status in (posted, weekly):
        [line] = [line for line in message_text(status).split("\n") if milestone.reference in line]
        assert line.endswith(f"· {slip}"), line
        [other] = [line for line in message_text(status).split("\n") if steady.reference in line]
        assert "moved" not in other


def test_a_milestone_moved_earlier_shows_a_negative_slip(bot):
    milestone = bot.add('"Beta version completed" due 2026-12-15')

    bot.command(f"due {milestone.reference} 2026-12-11 because we found time")

    [line] = [
        line for line in answer(bot.command("list")).split("\n") if milestone.reference in line
    ]
    assert line.endswith("· moved once, -4 days"), line
