"""Exports: CSV read back by the csv module and as a spreadsheet reads it (the excel dialect),
formula injection neutralised, and the same data as JSON."""

from __future__ import annotations

import codecs
import csv
import io
import json
from datetime import UTC, date, datetime

from bot.render import export
from bot.store.models import EventKind, Health, MilestoneEvent, Status
from tests.support.plans import goal, milestone, plan

EXPORTED = datetime(2026, 12, 7, 10, 30, tzinfo=UTC)
NAMES = {"U0OWNER": "Ana Lima", "U0BOSS": '=HYPERLINK("http://evil")', "U0LEAD": "Lead"}


def launch_plan():
    return plan(
        [
            milestone(
                1,
                'Beta, with "quotes"\nand a new line — ünïcode',
                due=date(2026, 12, 12),
                first_due=date(2026, 12, 5),
                goal_id=1,
                approver_id="U0BOSS",
            ),
            milestone(
                2,
                "=1+2",
                due=date(2026, 11, 30),
                status=Status.REACHED,
                reached_at=datetime(2026, 11, 29, 16, 0, tzinfo=UTC),
                owner_id=None,
            ),
            milestone(3, "@here -rf +x", due=None, status=Status.CANCELLED),
        ],
        goals=[goal(1, "Launch the app")],
        health={1: Health.AT_RISK},
        prerequisites={1: [2]},
    )


def history():
    return {
        1: [
            MilestoneEvent(
                id=10,
                milestone_id=1,
                kind=EventKind.DECLARED,
                actor_id="U0LEAD",
                at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
                new_due_date=date(2026, 12, 5),
            ),
            MilestoneEvent(
                id=11,
                milestone_id=1,
                kind=EventKind.RESCHEDULED,
                actor_id="U0OWNER",
                at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
                old_due_date=date(2026, 12, 5),
                new_due_date=date(2026, 12, 12),
                reason="-vendor late",
            ),
        ]
    }


def csv_bytes() -> bytes:
    return export.to_csv(export.milestone_rows(launch_plan(), history(), NAMES))


def test_the_csv_starts_with_a_byte_order_mark_and_ends_lines_with_crlf():
    content = csv_bytes()

    assert content.startswith(codecs.BOM_UTF8)
    text = content.decode("utf-8-sig")
    assert text.startswith("record,reference,title,goal,owner,")
    assert text.endswith("\r\n")
    # The title's own line break stays inside its quoted cell.
    assert '"Beta, with ""quotes""\nand a new line — ünïcode"' in text


def test_the_csv_reads_back_with_every_milestone_and_its_history():
    rows = list(csv.DictReader(io.StringIO(csv_bytes().decode("utf-8-sig"), newline="")))

    assert [(r["record"], r["reference"]) for r in rows] == [
        ("milestone", "M-1"),
        ("history", "M-1"),
        ("history", "M-1"),
        ("milestone", "M-2"),
        ("milestone", "M-3"),
    ]
    first = rows[0]
    assert {k: first[k] for k in export.COLUMNS[:16]} == {
        "record": "milestone",
        "reference": "M-1",
        "title": 'Beta, with "quotes"\nand a new line — ünïcode',
        "goal": "G-1 Launch the app",
        "owner": "Ana Lima",
        "owner_id": "U0OWNER",
        "approver": '\'=HYPERLINK("http://evil")',
        "approver_id": "U0BOSS",
        "state": "open",
        "health": "at risk",
        "first_due_date": "2026-12-05",
        "due_date": "2026-12-12",
        "reached_at": "",
        "slip_days": "7",
        "times_moved": "1",
        "depends_on": "M-2",
    }
    moved = rows[2]
    assert (moved["event"], moved["event_at"], moved["actor"]) == (
        "rescheduled",
        "2026-12-01T09:00:00+00:00",
        "Ana Lima",
    )
    assert (moved["old_due_date"], moved["new_due_date"], moved["reason"]) == (
        "2026-12-05",
        "2026-12-12",
        "'-vendor late",
    )
    reached = rows[3]
    assert (reached["state"], reached["health"], reached["reached_at"], reached["owner"]) == (
        "reached",
        "",
        "2026-11-29T16:00:00+00:00",
        "",
    )
    assert rows[4]["state"] == "cancelled"


def test_the_excel_dialect_reads_the_same_table():
    text = csv_bytes().decode("utf-8-sig")

    plain = list(csv.reader(io.StringIO(text, newline="")))
    excel = list(csv.reader(io.StringIO(text, newline=""), dialect="excel"))

    assert excel == plain
    assert {len(row) for row in excel} == {len(export.COLUMNS)}


def test_cells_a_spreadsheet_would_run_as_formulas_are_neutralised():
    rows = list(csv.DictReader(io.StringIO(csv_bytes().decode("utf-8-sig"), newline="")))
    cells = [value for row in rows for value in row.values()]

    assert "'=1+2" in cells
    assert "'@here -rf +x" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert [export.neutralise(c) for c in ("\tx", "\rx", "+1", "a=b", "", 7, -3)] == [
        "'\tx",
        "'\rx",
        "'+1",
        "a=b",
        "",
        7,
        -3,
    ]


def test_the_json_holds_the_same_data():
    document = json.loads(
        export.to_json(launch_plan(), history(), NAMES, exported_at=EXPORTED).decode("utf-8")
    )

    assert document["channel_id"] == "C0CHANNEL"
    assert document["exported_at"] == "2026-12-07T10:30:00+00:00"
    first, reached, cancelled = document["milestones"]
    assert first["title"] == 'Beta, with "quotes"\nand a new line — ünïcode'
    assert first["goal"] == {"reference": "G-1", "name": "Launch the app"}
    assert first["owner"] == {"id": "U0OWNER", "name": "Ana Lima"}
    assert first["approver"] == {"id": "U0BOSS", "name": '=HYPERLINK("http://evil")'}
    assert (first["state"], first["health"], first["slip_days"]) == ("open", "at risk", 7)
    assert (first["first_due_date"], first["due_date"]) == ("2026-12-05", "2026-12-12")
    assert first["depends_on"] == ["M-2"]
    assert [e["event"] for e in first["history"]] == ["declared", "rescheduled"]
    assert first["history"][1]["reason"] == "-vendor late"  # JSON is data, not a spreadsheet
    assert (reached["title"], reached["owner"], reached["health"]) == ("=1+2", None, None)
    assert reached["reached_at"] == "2026-11-29T16:00:00+00:00"
    assert (cancelled["state"], cancelled["due_date"]) == ("cancelled", None)


def test_the_file_is_named_for_the_channel_and_the_day():
    made = export.export_file("csv", b"x", channel_id="C0CHANNEL", today=date(2026, 12, 7))

    assert made.filename == "milestones-C0CHANNEL-2026-12-07.csv"
    assert made.title == "Milestones of this channel on 7 Dec 2026 (CSV)"
