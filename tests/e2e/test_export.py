"""/milestone export csv and json: the channel's milestones and their history uploaded to the
caller's DM with the app, read back as a spreadsheet and as data."""

from __future__ import annotations

import codecs
import csv
import io
import json

from sqlmodel import select

from bot.store.db import session_scope
from bot.store.models import Delivery, DeliveryState
from tests.support.harness import APPROVER, CHANNEL, OWNER


def answer_text(response) -> str:
    return "\n".join(block["text"]["text"] for block in response.json()["blocks"])


def declare_a_plan(bot) -> None:
    bot.command('goal add "Launch the app"')
    bot.add(f'"Beta shipped" due 2026-12-03 approver <@{APPROVER}> goal G-1')
    bot.command("due M-1 2026-12-08 because =cmd|' /C calc'!A0")
    bot.add('"@channel party" due 2026-12-10 after M-1')
    bot.add('"Dropped idea" due 2026-12-20')
    bot.command("cancel M-3 because no longer needed")


def test_the_csv_export_is_sent_to_the_caller_and_reads_back(bot):
    declare_a_plan(bot)

    response = bot.command("export csv")

    assert "as CSV, in our direct messages" in answer_text(response)
    [shared] = bot.slack.files
    assert (shared.channel, shared.name) == (f"D{OWNER}", f"milestones-{CHANNEL}-2026-11-26.csv")
    assert shared.initial_comment == f"The milestones of <#{CHANNEL}> and their history, as CSV."
    assert shared.content.startswith(codecs.BOM_UTF8)
    text = shared.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline=""), dialect="excel"))
    milestones = [r for r in rows if r["record"] == "milestone"]
    assert [(r["reference"], r["state"]) for r in milestones] == [
        ("M-1", "open"),
        ("M-2", "open"),
        ("M-3", "cancelled"),
    ]
    beta = milestones[0]
    assert (beta["goal"], beta["owner"], beta["approver"]) == (
        "G-1 Launch the app",
        "Olive Owner",
        "Arun Approver",
    )
    assert (beta["first_due_date"], beta["due_date"], beta["slip_days"]) == (
        "2026-12-03",
        "2026-12-08",
        "5",
    )
    assert beta["health"] == "on track"
    assert milestones[1]["title"] == "'@channel party"
    assert milestones[1]["depends_on"] == "M-1"
    history = [(r["reference"], r["event"]) for r in rows if r["record"] == "history"]
    assert ("M-1", "declared") in history
    assert ("M-1", "rescheduled") in history
    assert ("M-3", "cancelled") in history
    [moved] = [r for r in rows if r["event"] == "rescheduled"]
    assert moved["reason"] == "'=cmd|' /C calc'!A0"
    assert moved["actor"] == "Olive Owner"


def test_the_json_export_holds_the_same_milestones(bot):
    declare_a_plan(bot)

    bot.command("export json")

    [shared] = bot.slack.files
    assert shared.name.endswith(".json")
    document = json.loads(shared.content)
    assert document["channel_id"] == CHANNEL
    beta, party, dropped = document["milestones"]
    assert beta["approver"] == {"id": APPROVER, "name": "Arun Approver"}
    assert [e["event"] for e in beta["history"]] == ["declared", "rescheduled"]
    assert beta["history"][1]["reason"] == "=cmd|' /C calc'!A0"
    assert party["title"] == "@channel party"
    assert dropped["state"] == "cancelled"


def test_an_empty_channel_has_nothing_to_export(bot):
    response = bot.command("export csv")

    assert "no milestones to export" in answer_text(response)
    assert bot.slack.calls_to("files.getUploadURLExternal") == []


def test_an_export_needs_a_format(bot):
    response = bot.command("export xlsx")

    assert "`/milestone export csv`" in answer_text(response)


def test_a_retried_export_is_sent_once(bot):
    declare_a_plan(bot)
    body = bot.command_body("export csv")

    first = bot.post(body)
    retried = bot.post(body, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "timeout"})

    assert "as CSV, in our direct messages" in answer_text(first)
    assert retried.text == ""
    assert len(bot.slack.files) == 1
    with session_scope(bot.engine) as session:
        [claimed] = session.exec(select(Delivery).where(Delivery.kind == "export_request")).all()
    assert claimed.state == DeliveryState.SENT
