"""Declaring milestones with /milestone add: the announcement, dates, owners, approvers."""

from datetime import date

from conftest import CHANNEL, OWNER

from bot import blocks


def announcement_text(call) -> str:
    return "\n".join(
        block["text"]["text"] if block["type"] == "section" else block["elements"][0]["text"]
        for block in call.params["blocks"]
        if block["type"] in ("section", "context")
    )


def test_add_posts_an_announcement_with_a_complete_button(bot):
    milestone = bot.add('"Beta version completed" due 2026-12-15')

    assert milestone.title == "Beta version completed"
    assert milestone.due_date == date(2026, 12, 15)
    assert milestone.owner_id == OWNER
    [post] = bot.slack.calls_to("chat.postMessage")
    assert post.params["channel"] == CHANNEL
    text = announcement_text(post)
    assert f"M-{milestone.id}" in text
    assert "Beta version completed" in text
    assert "Tue 15 Dec 2026" in text
    assert f"<@{OWNER}>" in text
    [actions] = [b for b in post.params["blocks"] if b["type"] == "actions"]
    assert actions["elements"][0]["action_id"] == blocks.COMPLETE
    assert bot.milestone(milestone.id).announcement_ts == post.response["ts"]
