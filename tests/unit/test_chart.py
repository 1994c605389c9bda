"""The timeline drawn: a PNG of the planned size, an SVG with its text, the same bytes for the
same timeline, labels kept apart and inside the picture."""

from __future__ import annotations

import gc
import io
import threading
import time
import xml.etree.ElementTree as ElementTree
from datetime import date, timedelta

import pytest
from matplotlib.figure import Figure
from PIL import Image

from bot.render import chart, timeline
from tests.support.plans import goal, large_plan, milestone, plan

TODAY = date(2026, 12, 7)
SVG = "{http://www.w3.org/2000/svg}"


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def small_timeline():
    return timeline.build(
        plan(
            [
                milestone(1, "Beta <b> & $x$ @here", due=day(3), goal_id=1),
                milestone(2, "Launch", due=day(9), first_due=day(4), goal_id=1),
                milestone(3, "Hire", due=day(-2)),
            ],
            goals=[goal(1, "Launch the app")],
            prerequisites={2: [1]},
        ),
        today=TODAY,
        title="Timeline of #launch",
    )


def test_the_png_has_the_planned_size():
    built = small_timeline()

    picture = Image.open(io.BytesIO(chart.render_png(built)))

    assert picture.format == "PNG"
    assert picture.size == (chart.WIDTH_PX, chart.layout(built).height_px)
    assert picture.size == (1200, 100 * (0.7 + 3 * 0.32 + 0.18 + 1.0))


def test_more_lanes_make_a_taller_picture():
    built = timeline.build(large_plan(100, today=TODAY), today=TODAY, title="#big")

    picture = Image.open(io.BytesIO(chart.render_png(built)))

    assert len(built.lanes) == 6
    assert picture.size == (chart.WIDTH_PX, chart.layout(built).height_px)
    assert picture.size[1] > chart.layout(small_timeline()).height_px


def test_the_same_timeline_gives_the_same_bytes_and_no_dates_in_them():
    built = small_timeline()

    png, svg = chart.render_png(built), chart.render_svg(built)

    assert chart.render_png(built) == png
    assert chart.render_svg(built) == svg
    # Nothing but the resolution: no software, no time of making.
    assert set(Image.open(io.BytesIO(png)).info) == {"dpi"}
    assert "dc:date" not in svg
    assert "Matplotlib" not in svg  # no "Creator" either


def test_the_svg_keeps_labels_as_plain_escaped_text():
    svg = chart.render_svg(small_timeline())

    texts = ["".join(t.itertext()) for t in ElementTree.fromstring(svg).iter(f"{SVG}text")]

    assert "M-1 Beta <b> & $x$ @here" in texts  # escaped in the XML, not read as mathtext
    assert "M-2 Launch" in texts
    assert "G-1 Launch the app" in texts
    assert "No goal" in texts
    assert "today" in texts
    assert "Timeline of #launch" in texts
    assert {"reached", "on track", "at risk", "off track", "blocked"} <= set(texts)


def test_an_empty_timeline_still_draws_a_picture():
    built = timeline.build(plan([milestone(1, "Someday", due=None)]), today=TODAY, title="#c")

    picture = Image.open(io.BytesIO(chart.render_png(built)))

    assert picture.size == (chart.WIDTH_PX, chart.layout(built).height_px)
    assert "No milestone with a due date yet." in chart.render_svg(built)


def test_markers_whose_labels_would_meet_take_separate_rows():
    close = plan(
        [
            milestone(1, "First of three", due=day(1)),
            milestone(2, "Second of three", due=day(2)),
            milestone(3, "After the first", due=day(40)),
        ]
    )

    placed = chart.layout(timeline.build(close, today=TODAY, title="#c"))

    # M-2 is too close to M-1's label: a row of its own; M-3 is
    # far enough for the first row again.
    assert placed.rows == ((0, 1, 0),)


def test_labels_near_the_right_edge_go_left():
    near_end = plan(
        [milestone(1, "Early", due=day(0)), milestone(2, "Last, with a longer title", due=day(30))]
    )

    placed = chart.layout(timeline.build(near_end, today=TODAY, title="#c"))

    assert placed.lefts == ((False, True),)


def test_the_inline_svg_is_an_image_described_by_its_alt_text():
    built = small_timeline()

    element = chart.inline_svg(built)

    assert element.startswith("<svg ")
    parsed = ElementTree.fromstring(element)
    assert parsed.get("role") == "img"
    assert parsed.find(f"{SVG}title").text == "Timeline of #launch"
    assert parsed.find(f"{SVG}desc").text == timeline.alt_text(built)
    assert "M-1 Beta <b> & $x$ @here" in parsed.find(f"{SVG}desc").text


def _ask(drawer: chart.Drawer, name: str, awaited: bool, order: list[str]) -> threading.Thread:
    thread = threading.Thread(
        target=drawer.draw, args=(lambda: order.append(name),), kwargs={"awaited": awaited}
    )
    thread.start()
    return thread


def _until(condition) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "the drawings never came to wait"
        time.sleep(0)


def test_a_drawing_someone_waits_for_goes_before_the_sweeps():
    drawer = chart.Drawer()
    order: list[str] = []
    busy, release = threading.Event(), threading.Event()

    def first() -> None:
        busy.set()
        release.wait(10)

    holder = threading.Thread(target=drawer.draw, args=(first,), kwargs={"awaited": False})
    holder.start()
    busy.wait(10)
    # The sweep's next drawings are asked for first, then one for a command.
    sweeps = [_ask(drawer, f"sweep {i}", False, order) for i in range(3)]
    _until(lambda: drawer.waiting == 3)
    command = _ask(drawer, "command", True, order)
    _until(lambda: drawer.waiting == 4)
    release.set()
    for thread in [holder, *sweeps, command]:
        thread.join(timeout=10)

    assert order == ["command", "sweep 0", "sweep 1", "sweep 2"]


def test_every_drawing_is_made_in_the_one_drawing_thread():
    # What drawing leaves allocated stays with the thread that drew (a heap and fonts per
    # thread): drawn wherever asked, a sweep's passing threads each grew memory of their own.
    drawer = chart.Drawer()
    drawn_in: list[int] = []
    callers = [
        threading.Thread(target=drawer.draw, args=(lambda: drawn_in.append(threading.get_ident()),))
        for _ in range(8)
    ]
    for thread in callers:
        thread.start()
    for thread in callers:
        thread.join(timeout=10)

    assert len(drawn_in) == 8 and len(set(drawn_in)) == 1
    assert drawn_in[0] not in {thread.ident for thread in callers}


def test_a_drawing_that_fails_raises_in_its_callers_thread_and_the_next_one_is_drawn():
    drawer = chart.Drawer()

    def fail() -> None:
        raise ValueError("no room for the labels")

    with pytest.raises(ValueError, match="no room"):
        drawer.draw(fail)
    assert drawer.draw(lambda: "next") == "next"


def test_charts_are_drawn_by_the_drawing_thread():
    png = chart.render_png(small_timeline())
    svg = chart.render_svg(small_timeline())

    assert png.startswith(b"\x89PNG") and "<svg" in svg
    assert chart._DRAWER._thread is not None
    assert chart._DRAWER._thread is not threading.current_thread()


def test_a_drawing_leaves_no_figure_behind():
    # A figure's objects refer to one another: freed only by the garbage collector, which is
    # kept from running on its own here, so that only the drawing's own collection counts.
    gc.disable()
    try:
        chart.render_png(small_timeline())
        chart.render_svg(small_timeline())
        assert [o for o in gc.get_objects() if isinstance(o, Figure)] == []
    finally:
        gc.enable()
