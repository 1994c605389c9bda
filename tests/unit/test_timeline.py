"""The timeline's data: lanes, markers, colours, slipped first due dates, arrows, alt text."""

from __future__ import annotations

from datetime import date, timedelta

from bot.render import timeline
from bot.render.timeline import COLOURS, SHAPES, Arrow, Lane, Marker, Standing
from bot.store.models import Health, Status
from tests.support.plans import CREATED, goal, milestone, plan

TODAY = date(2026, 12, 7)


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def launch_plan():
    return plan(
        [
            milestone(
                1,
                "Design signed off",
                due=day(-10),
                goal_id=1,
                status=Status.REACHED,
                reached_at=CREATED,
            ),
            milestone(2, "Build the beta", due=day(5), first_due=day(-2), goal_id=1),
            milestone(3, "Pricing page", due=day(2), goal_id=2),
            milestone(4, "Hire a tester", due=day(-1)),
            milestone(5, "Write the press release", due=None, goal_id=1),
            milestone(6, "Beta in the store", due=day(12), goal_id=1),
        ],
        goals=[goal(1, "Launch the app"), goal(2, "Pricing"), goal(3, "Nothing dated yet")],
        health={2: Health.AT_RISK, 3: Health.BLOCKED, 4: Health.OFF_TRACK},
        prerequisites={2: [1], 6: [2, 5], 4: [3]},
    )


def test_lanes_follow_the_goals_then_the_milestones_without_one():
    built = timeline.build(launch_plan(), today=TODAY, title="#launch")

    assert built.lanes == (
        Lane(
            "G-1 Launch the app",
            1,
            (
                Marker(
                    1, "M-1", "M-1 Design signed off", day(-10), Standing.REACHED, "#009E73", "D"
                ),
                Marker(
                    2,
                    "M-2",
                    "M-2 Build the beta",
                    day(5),
                    Standing.AT_RISK,
                    "#E69F00",
                    "^",
                    first_due_date=day(-2),
                ),
                Marker(
                    6, "M-6", "M-6 Beta in the store", day(12), Standing.ON_TRACK, "#0072B2", "o"
                ),
            ),
        ),
        Lane(
            "G-2 Pricing",
            2,
            (Marker(3, "M-3", "M-3 Pricing page", day(2), Standing.BLOCKED, "#CC79A7", "s"),),
        ),
        Lane(
            "No goal",
            None,
            (Marker(4, "M-4", "M-4 Hire a tester", day(-1), Standing.OFF_TRACK, "#D55E00", "v"),),
        ),
    )


def test_dependencies_between_drawn_milestones_are_arrows():
    built = timeline.build(launch_plan(), today=TODAY, title="#launch")

    # M-5 has no due date: its dependency is named in words only as an undated milestone.
    assert built.arrows == (Arrow("M-1", "M-2"), Arrow("M-3", "M-4"), Arrow("M-2", "M-6"))
    assert built.undated == ("M-5",)


def test_the_span_covers_today_and_first_due_dates_with_a_margin():
    built = timeline.build(launch_plan(), today=TODAY, title="#launch")

    assert (built.start, built.end) == (day(-13), day(15))
    only_future = plan([milestone(1, "Later", due=day(30), first_due=day(20))])
    later = timeline.build(only_future, today=TODAY, title="#launch")
    assert (later.start, later.end) == (day(-3), day(33))


def test_the_legend_names_every_standing_in_a_colour_blind_safe_palette():
    built = timeline.build(launch_plan(), today=TODAY, title="#launch")

    assert [(e.words, e.colour, e.shape) for e in built.legend] == [
        ("reached", "#009E73", "D"),
        ("on track", "#0072B2", "o"),
        ("at risk", "#E69F00", "^"),
        ("off track", "#D55E00", "v"),
        ("blocked", "#CC79A7", "s"),
    ]
    # Okabe-Ito colours and a shape of its own for each: colour is never the only cue.
    assert len(set(COLOURS.values())) == len(set(SHAPES.values())) == len(Standing)


def test_a_due_date_that_never_moved_has_no_hollow_marker():
    built = timeline.build(
        plan([milestone(1, "Steady", due=day(3), first_due=day(3))]), today=TODAY, title="#c"
    )

    assert built.markers[0].first_due_date is None


def test_long_titles_are_shortened_in_labels():
    built = timeline.build(
        plan(
            [milestone(7, "A very long title that goes on and on about the launch", due=day(1))],
            goals=[],
        ),
        today=TODAY,
        title="#c",
    )

    assert built.markers[0].label == "M-7 A very long title that…"
    assert len(built.markers[0].label) <= len("M-7 ") + timeline.TITLE_CHARACTERS


def test_a_plan_with_nothing_dated_is_empty():
    built = timeline.build(plan([milestone(1, "Someday", due=None)]), today=TODAY, title="#c")

    assert built.is_empty
    assert timeline.alt_text(built) == (
        "Timeline: #c. Today is 7 Dec 2026. No milestone with a due date to show. "
        "M-1 has no due date."
    )


def test_the_alt_text_says_the_same_in_words():
    built = timeline.build(launch_plan(), today=TODAY, title="Launch")

    assert timeline.alt_text(built) == (
        "Timeline: Launch. Today is 7 Dec 2026. "
        "G-1 Launch the app: M-1 Design signed off, reached, due 27 Nov 2026; "
        "M-2 Build the beta, at risk, due 12 Dec 2026 (first due 5 Dec 2026, slipped 7 days); "
        "M-6 Beta in the store, on track, due 19 Dec 2026. "
        "G-2 Pricing: M-3 Pricing page, blocked, due 9 Dec 2026. "
        "No goal: M-4 Hire a tester, off track, due 6 Dec 2026. "
        "M-2 depends on M-1. M-4 depends on M-3. M-6 depends on M-2. "
        "M-5 has no due date."
    )
    assert len(timeline.alt_text(built, limit=100)) == 100
