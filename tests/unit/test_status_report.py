"""The weekly status's new parts, computed and worded without a database: the changes of the
week, the plan beyond it, how a team is doing, a person's own week; and the grammar of
`status mine` and `me digest`."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.errors import InvalidCommand
from bot.domain.status_report import (
    ChangeKind,
    Reached,
    Record,
    WeekChange,
    channel_status,
    goal_records,
    personal_week,
    track_record,
    week_changes,
)
from bot.listeners import parsing
from bot.render import blocks
from bot.store.models import EventKind, Milestone, MilestoneEvent, Status

TODAY = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
SINCE = NOW - timedelta(days=7)
UTC_ZONE = ZoneInfo("UTC")


def milestone(number: int, *, due: date | None = None, **fields) -> Milestone:
    fields = {"owner_id": "U1", **fields}
    return Milestone(
        id=number,
        team_id="T1",
        channel_id="C1",
        title=f"Milestone {number}",
        creator_id="U1",
        due_date=due,
        first_due_date=due,
        created_at=NOW - timedelta(days=30),
        **fields,
    )


def event(kind: EventKind, days_ago: float, **fields) -> MilestoneEvent:
    return MilestoneEvent(milestone_id=0, kind=kind, at=NOW - timedelta(days=days_ago), **fields)


def reached(reached_on: date, first_due: date, goal_id: int | None = None) -> Reached:
    return Reached(reached_on=reached_on, first_due_date=first_due, goal_id=goal_id)


# ---------------------------------------------------------------- how we are doing


def test_on_time_counts_the_first_due_date_and_the_median_slip_the_late_ones():
    record = track_record(
        [
            reached(date(2026, 11, 2), date(2026, 11, 2)),  # on the day: on time
            reached(date(2026, 11, 1), date(2026, 11, 5)),  # early
            reached(date(2026, 11, 8), date(2026, 11, 5)),  # 3 days late
            reached(date(2026, 11, 20), date(2026, 11, 10)),  # 10 days late
            reached(date(2026, 11, 11), date(2026, 11, 10)),  # 1 day late
        ]
    )

    assert record == Record(reached=5, on_time=2, median_slip=3)
    assert blocks.record_line(record) == "on time 2 of 5 (40%) in 90 days · median slip +3 days"


def test_an_even_number_of_late_ones_gives_the_middle_of_the_two():
    record = track_record(
        [
            reached(date(2026, 11, 3), date(2026, 11, 1)),  # 2 days late
            reached(date(2026, 11, 6), date(2026, 11, 1)),  # 5 days late
            reached(date(2026, 11, 1), date(2026, 11, 1)),
        ]
    )

    assert record == Record(reached=3, on_time=1, median_slip=3.5)
    assert blocks.record_line(record) == "on time 1 of 3 (33%) in 90 days · median slip +3.5 days"


def test_all_on_time_has_no_slip_to_tell():
    record = track_record([reached(date(2026, 11, 1), date(2026, 11, 1))] * 4)

    assert blocks.record_line(record) == "on time 4 of 4 (100%) in 90 days"


def test_each_goal_has_its_own_record():
    found = [
        reached(date(2026, 11, 1), date(2026, 11, 1), goal_id=1),
        reached(date(2026, 11, 9), date(2026, 11, 1), goal_id=1),
        reached(date(2026, 11, 9), date(2026, 11, 1), goal_id=2),
        reached(date(2026, 11, 9), date(2026, 11, 10)),
    ]

    assert goal_records(found) == {
        1: Record(reached=2, on_time=1, median_slip=8),
        2: Record(reached=1, on_time=0, median_slip=8),
    }
    assert track_record(found) == Record(reached=4, on_time=2, median_slip=8)


# ---------------------------------------------------------------- changed this week


def test_a_milestone_moved_twice_is_shown_once_from_its_first_date_to_its_last():
    moved = milestone(1, due=date(2027, 3, 1), times_moved=2)
    events = [
        (event(EventKind.RESCHEDULED, 3, old_due_date=date(2026, 12, 4),
               new_due_date=date(2027, 1, 15), reason="vendor late"), moved),
        (event(EventKind.RESCHEDULED, 1, old_due_date=date(2027, 1, 15),
               new_due_date=date(2027, 3, 1), reason="vendor later still"), moved),
    ]  # fmt: skip

    assert week_changes(events, since=SINCE) == [
        WeekChange(
            ChangeKind.MOVED,
            moved,
            old_due_date=date(2026, 12, 4),
            new_due_date=date(2027, 3, 1),
            reason="vendor later still",
        )
    ]


def test_changes_before_the_week_and_moves_back_to_where_they_started_are_not_news():
    back = milestone(1, due=date(2026, 12, 4))
    old = milestone(2, due=date(2027, 1, 4))
    events = [
        (event(EventKind.RESCHEDULED, 3, old_due_date=date(2026, 12, 4),
               new_due_date=date(2026, 12, 8)), back),
        (event(EventKind.RESCHEDULED, 2, old_due_date=date(2026, 12, 8),
               new_due_date=date(2026, 12, 4)), back),
        (event(EventKind.RESCHEDULED, 8, old_due_date=date(2026, 12, 4),
               new_due_date=date(2027, 1, 4)), old),
        (event(EventKind.DECLARED, 9), old),
    ]  # fmt: skip

    assert week_changes(events, since=SINCE) == []


def test_blocked_at_risk_cancelled_and_added_with_their_reasons():
    blocked = milestone(1, due=date(2027, 2, 1), marked_health="blocked")
    cleared = milestone(2, due=date(2027, 2, 1))
    risky = milestone(3, due=date(2027, 2, 1), marked_health="at_risk")
    dropped = milestone(4, due=date(2027, 2, 1), status=Status.CANCELLED)
    new = milestone(5, due=date(2027, 2, 1))
    events = [
        (event(EventKind.AT_RISK, 4, reason="slow vendor"), blocked),
        (event(EventKind.BLOCKED, 3, reason="no contract"), blocked),
        (event(EventKind.BLOCKED, 3, reason="no room"), cleared),
        (event(EventKind.UNBLOCKED, 2), cleared),
        (event(EventKind.AT_RISK, 2, reason="two people ill"), risky),
        (event(EventKind.DECLARED, 2), dropped),
        (event(EventKind.CANCELLED, 1, reason="out of scope"), dropped),
        (event(EventKind.DECLARED, 1), new),
    ]

    assert week_changes(events, since=SINCE) == [
        WeekChange(ChangeKind.BLOCKED, blocked, reason="no contract"),
        WeekChange(ChangeKind.AT_RISK, risky, reason="two people ill"),
        WeekChange(ChangeKind.CANCELLED, dropped, reason="out of scope"),
        WeekChange(ChangeKind.ADDED, new),
    ]


def test_a_change_is_worded_with_its_dates_and_its_reason_escaped():
    moved = milestone(7, due=date(2027, 3, 1))
    change = WeekChange(
        ChangeKind.MOVED,
        moved,
        old_due_date=date(2026, 12, 4),
        new_due_date=date(2027, 3, 1),
        reason="<!channel> the vendor",
    )
    status = channel_status(
        [moved],
        team_id="T1",
        channel_id="C1",
        today=TODAY,
        zone=UTC_ZONE,
        reached_since=SINCE,
        changes=[change],
    )

    text = "\n".join(b["text"]["text"] for m in blocks.weekly_status(status) for b in m["blocks"])

    assert (
        "• *M-7* · Milestone 7 — <@U1>, moved from Fri 4 Dec 2026 to Mon 1 Mar 2027: "
        "“&lt;!channel&gt; the vendor”"
    ) in text


# ---------------------------------------------------------------- coming up


def test_coming_up_shows_three_per_goal_in_date_order_and_counts_the_rest():
    later = [milestone(n, due=TODAY + timedelta(days=30 - n)) for n in range(1, 6)]
    undated = milestone(6)
    this_week = milestone(7, due=TODAY + timedelta(days=3))
    status = channel_status(
        [*later, undated, this_week],
        team_id="T1",
        channel_id="C1",
        today=TODAY,
        zone=UTC_ZONE,
        reached_since=SINCE,
    )

    assert [m.id for m in status.coming_up] == [5, 4, 3, 2, 1, 6]
    text = "\n".join(b["text"]["text"] for m in blocks.weekly_status(status) for b in m["blocks"])
    lines = text.split("\n")
    start = lines.index(":crystal_ball: Coming up (6)")
    assert lines[start + 1 :] == [
        "• *M-5* · Milestone 5 — <@U1>, due Fri 25 Dec 2026",
        "• *M-4* · Milestone 4 — <@U1>, due Sat 26 Dec 2026",
        "• *M-3* · Milestone 3 — <@U1>, due Sun 27 Dec 2026",
        "and 3 more",
    ]


# ---------------------------------------------------------------- a person's week


def test_a_persons_week_holds_what_they_answer_for_and_what_waits_for_their_approval():
    overdue = milestone(1, due=TODAY - timedelta(days=2))
    due_soon = milestone(2, due=TODAY + timedelta(days=7))
    later = milestone(3, due=TODAY + timedelta(days=8))
    someone_elses = milestone(4, due=TODAY, owner_id="U2")
    to_approve = milestone(
        5, due=TODAY, owner_id="U2", approver_id="U1", status=Status.AWAITING_APPROVAL
    )
    unowned_declared = milestone(6, due=TODAY, owner_id=None)
    own_awaiting = milestone(7, due=TODAY, approver_id="U3", status=Status.AWAITING_APPROVAL)

    week = personal_week(
        [later, to_approve, someone_elses, due_soon, overdue, unowned_declared, own_awaiting],
        team_id="T1",
        user_id="U1",
        today=TODAY,
    )

    assert [m.id for m in week.overdue] == [1]
    assert [m.id for m in week.due_soon] == [6, 2]
    assert [m.id for m in week.to_approve] == [5]


# ---------------------------------------------------------------- grammar


def test_status_mine_and_me_digest_are_read():
    assert parsing.parse_command("status") == parsing.Status()
    assert parsing.parse_command("status mine") == parsing.Status(mine=True)
    assert parsing.parse_command("me digest Monday 09:00") == parsing.PersonalDigestSetting(
        weekday=0, at=time(9, 0)
    )
    assert parsing.parse_command("me digest fri 7:30") == parsing.PersonalDigestSetting(
        weekday=4, at=time(7, 30)
    )
    assert parsing.parse_command("me digest off") == parsing.PersonalDigestSetting()
    # `me` alone shows the caller's own settings.
    assert parsing.parse_command("me") == parsing.MySettings()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("status theirs", "`/milestone status mine`"),
        ("me dinner", "`/milestone me digest"),
        ("me digest", "`/milestone me digest"),
        ("me digest monday", "`/milestone me digest"),
        ("me digest someday 09:00", "“someday” is not a day of the week"),
        ("me digest monday 25:00", "“25:00” is not a 24-hour time"),
        ("me digest monday 09:00 Europe/Paris", "`/milestone me digest"),
    ],
)
def test_bad_status_and_me_commands_are_refused_with_how_to_say_it(text, problem):
    with pytest.raises(InvalidCommand) as refused:
        parsing.parse_command(text)

    assert problem in str(refused.value)
