"""The timeline drawn with matplotlib: PNG for Slack, SVG for the stakeholder page.

Drawn off screen (the Agg canvas, never pyplot), in DejaVu Sans, the font matplotlib ships, and
deterministic: the same timeline gives the same bytes (no dates nor software in the files'
metadata, fixed SVG ids). Text is never read as mathtext, so a "$" in a title stays a "$".
"""

from __future__ import annotations

import gc
import html
import io
import itertools
import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import TypeVar

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch
from matplotlib.transforms import offset_copy

from bot.render.timeline import COLOURS, SHAPES, Standing, Timeline, alt_text

T = TypeVar("T")

WIDTH_INCHES = 12.0
DPI = 100
WIDTH_PX = int(WIDTH_INCHES * DPI)
# Vertical room, in inches: above the lanes (title), each row of labels, between lanes, below
# them (date axis and legend).
HEADER = 0.7
ROW = 0.32
LANE_GAP = 0.18
FOOTER = 1.0
# The lane titles' column on the left and the margin on the right, as shares of the width.
LANE_TITLES = 0.2
RIGHT_MARGIN = 0.02
FONT_SIZE = 8
# Roughly how wide a label's character is at FONT_SIZE, in inches, to keep labels apart.
CHARACTER_INCHES = 0.062
# A label starts this far right of its marker, in inches.
LABEL_OFFSET = 0.09
INK = "#222222"
FAINT = "#8a8a8a"
TODAY = "#444444"
BAND = "#f2f2f2"
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": FONT_SIZE,
    "svg.fonttype": "none",  # text stays text in the SVG: searchable, read by screen readers
    "svg.hashsalt": "milestone-timeline",
    "path.simplify": True,
}


@dataclass(frozen=True)
class Layout:
    """Where the markers go: for each lane, the row of each of its markers (0 is the top), and
    whether its label is on the left (near the right edge) rather than on the right."""

    rows: tuple[tuple[int, ...], ...]
    lefts: tuple[tuple[bool, ...], ...]

    @property
    def height_inches(self) -> float:
        lanes = len(self.rows)
        if not lanes:
            return HEADER + ROW + FOOTER
        total_rows = sum(_lane_rows(rows) for rows in self.rows)
        return HEADER + total_rows * ROW + (lanes - 1) * LANE_GAP + FOOTER

    @property
    def height_px(self) -> int:
        return round(self.height_inches * DPI)


def _lane_rows(rows: tuple[int, ...]) -> int:
    return max(rows, default=0) + 1


def layout(timeline: Timeline) -> Layout:
    """Rows for the markers, so that no label runs into another marker of its row: each marker
    takes the first row that is free from where it (its first due date, or its label when the
    label goes left) begins. A label that would run past the right edge goes left."""
    end = _ordinal(timeline.end)
    days_per_inch = max((timeline.end - timeline.start).days, 1) / _PLOT_INCHES
    all_rows, all_lefts = [], []
    for lane in timeline.lanes:
        ends: list[float] = []  # the day up to which each row is taken
        rows, lefts = [], []
        for marker in lane.markers:
            # A label goes beside the marker or its first due date, whichever is on its side,
            # clear of the line between them.
            due = _ordinal(marker.due_date)
            first = _ordinal(marker.first_due_date or marker.due_date)
            begins, ends_at = min(first, due), max(first, due)
            label = days_per_inch * (2 * LABEL_OFFSET + len(marker.label) * CHARACTER_INCHES)
            left = ends_at + label > end
            if left:
                begins -= label
            taken = ends_at + (0 if left else label)
            row = next((i for i, until in enumerate(ends) if until < begins), len(ends))
            if row == len(ends):
                ends.append(taken)
            else:
                ends[row] = taken
            rows.append(row)
            lefts.append(left)
        all_rows.append(tuple(rows))
        all_lefts.append(tuple(lefts))
    return Layout(tuple(all_rows), tuple(all_lefts))


_PLOT_INCHES = WIDTH_INCHES * (1 - LANE_TITLES - RIGHT_MARGIN)


def _ordinal(day: date) -> float:
    return float(day.toordinal())


class Drawer:
    """The one thread that draws every chart of the process, taking the drawings someone waits
    for (a command's chart, the stakeholder page) before those a sweep draws for later.

    One thread, because matplotlib's settings are global (threads drawing side by side would
    draw with each other's), and because what drawing leaves allocated stays with the thread
    that drew: the C library keeps a heap per thread, and matplotlib its fonts per thread. Drawn
    in whichever thread asked (a sweep's workers, new at every sweep, and the request threads),
    the serving process grew to twice its memory target. Started when first asked, and again in
    a forked child."""

    def __init__(self) -> None:
        self._reset()
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._queue: queue.PriorityQueue = queue.PriorityQueue()
        self._order = itertools.count()
        self._starting = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def waiting(self) -> int:
        """How many drawings wait for the drawing thread."""
        return self._queue.qsize()

    def draw(self, work: Callable[[], T], *, awaited: bool = True) -> T:
        """What `work` returns (or raises), run in the drawing thread once the drawings before
        it are done: those someone waits for first (`awaited`), then in the order asked."""
        if threading.current_thread() is self._thread:
            return work()
        done: Future[T] = Future()
        self._queue.put((0 if awaited else 1, next(self._order), work, done))
        with self._starting:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="drawing", daemon=True)
                self._thread.start()
        return done.result()

    def _run(self) -> None:
        while True:
            _priority, _order, work, done = self._queue.get()
            try:
                done.set_result(work())
            except BaseException as error:  # the caller's to handle, in its own thread
                done.set_exception(error)


_DRAWER = Drawer()

# Slack reads at most this many characters of an uploaded image's alt text.
MAX_ALT_TEXT = 1000


@dataclass(frozen=True)
class Picture:
    """The timeline as a file to upload to Slack, with its title and alt text."""

    filename: str
    title: str
    png: bytes
    alt_text: str


def picture(timeline: Timeline, *, filename: str = "timeline.png", awaited: bool = True) -> Picture:
    """The timeline as a PNG for Slack, its alt text within Slack's limit. `awaited`: whether
    someone is waiting for it (a sweep's drawings give such ones their turn first)."""
    return Picture(
        filename=filename,
        title=timeline.title,
        png=render_png(timeline, awaited=awaited),
        alt_text=alt_text(timeline, MAX_ALT_TEXT),
    )


def render_png(timeline: Timeline, *, awaited: bool = True) -> bytes:
    """The timeline as a PNG, WIDTH_PX wide and `layout(timeline).height_px` high, drawn by the
    drawing thread (`awaited`: whether someone is waiting for it)."""
    return _DRAWER.draw(partial(_png, timeline), awaited=awaited)


def render_svg(timeline: Timeline) -> str:
    """The timeline as an SVG document (text kept as text), for a web page."""
    return _DRAWER.draw(partial(_svg, timeline))


def _png(timeline: Timeline) -> bytes:
    out = io.BytesIO()
    with matplotlib.rc_context(STYLE):
        _draw(timeline).savefig(
            out,
            format="png",
            dpi=DPI,
            metadata={"Software": None},
            # Fast over small: the file is uploaded once, and zlib's default took half the time.
            pil_kwargs={"compress_level": 1},
        )
    _forget_figure()
    return out.getvalue()


def _svg(timeline: Timeline) -> str:
    out = io.StringIO()
    with matplotlib.rc_context(STYLE):
        _draw(timeline).savefig(
            out, format="svg", metadata={"Date": None, "Creator": None, "Title": timeline.title}
        )
    _forget_figure()
    return out.getvalue()


def _forget_figure() -> None:
    """Free the figure just saved (no reference to it left). Its objects refer to one another,
    so only the garbage collector frees them; left to its own pace, the figures of a sweep's
    drawings piled up (100 drawings in a row: 164 MB resident against 117 MB collected after
    each). About 2 ms once start-up is set aside from the collector (`gc.freeze`), as the bot
    does."""
    gc.collect()


def inline_svg(timeline: Timeline) -> str:
    """The timeline as an <svg> element to put inside an HTML page: without the XML prolog,
    an image to assistive technology (role="img"), its alt text in a <desc>."""
    document = render_svg(timeline)
    element = document[document.index("<svg") :]
    description = html.escape(alt_text(timeline), quote=False)
    element = element.replace("<svg ", '<svg role="img" ', 1)
    return element.replace("</title>", f"</title>\n <desc>{description}</desc>", 1)


def _draw(timeline: Timeline) -> Figure:
    """The figure, drawn within STYLE, in the drawing thread."""
    placed = layout(timeline)
    height = placed.height_inches
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
    FigureCanvasAgg(figure)
    left, right = LANE_TITLES, 1 - RIGHT_MARGIN
    bottom, top = FOOTER / height, 1 - HEADER / height
    axes = figure.add_axes((left, bottom, right - left, top - bottom))
    figure.text(
        0.01,
        1 - 0.3 / height,
        timeline.title,
        fontsize=FONT_SIZE + 4,
        fontweight="bold",
        color=INK,
        va="center",
        parse_math=False,
    )
    if timeline.is_empty:
        axes.set_axis_off()
        axes.text(
            0.5,
            0.5,
            "No milestone with a due date yet.",
            ha="center",
            va="center",
            color=INK,
            transform=axes.transAxes,
            parse_math=False,
        )
        return figure
    _draw_lanes(figure, axes, timeline, placed)
    _draw_legend(figure, timeline, height)
    return figure


def _draw_lanes(figure: Figure, axes: Axes, timeline: Timeline, placed: Layout) -> None:
    # y grows downwards from 0 at the top, in rows; each lane gets its rows and a gap. Markers
    # of a kind are drawn as one artist, which keeps a hundred milestones fast to draw.
    gap = LANE_GAP / ROW
    at: dict[str, tuple[float, float]] = {}
    filled: dict[Standing, list[tuple[float, float]]] = {}
    hollow: dict[Standing, list[tuple[float, float]]] = {}
    slips: dict[str, list[list[tuple[float, float]]]] = {}
    to_right = offset_copy(axes.transData, fig=figure, x=LABEL_OFFSET, units="inches")
    to_left = offset_copy(axes.transData, fig=figure, x=-LABEL_OFFSET, units="inches")
    top = 0.0
    for index, (lane, rows, lefts) in enumerate(
        zip(timeline.lanes, placed.rows, placed.lefts, strict=True)
    ):
        lane_rows = _lane_rows(rows)
        if index % 2 == 0:
            axes.axhspan(top - 0.5, top + lane_rows - 0.5, color=BAND, zorder=0)
        axes.text(
            -0.01,
            top + (lane_rows - 1) / 2,
            lane.title,
            ha="right",
            va="center",
            color=INK,
            fontweight="bold",
            transform=axes.get_yaxis_transform(),
            parse_math=False,
        )
        for marker, row, left in zip(lane.markers, rows, lefts, strict=True):
            y = top + row
            due = date2num(marker.due_date)
            at[marker.reference] = (due, y)
            filled.setdefault(marker.standing, []).append((due, y))
            first = due
            if marker.first_due_date is not None:
                first = date2num(marker.first_due_date)
                hollow.setdefault(marker.standing, []).append((first, y))
                slips.setdefault(marker.colour, []).append([(first, y), (due, y)])
            axes.text(
                min(first, due) if left else max(first, due),
                y,
                marker.label,
                ha="right" if left else "left",
                va="center",
                color=INK,
                zorder=5,
                transform=to_left if left else to_right,
                parse_math=False,
            )
        top += lane_rows + gap
    for colour, segments in slips.items():
        axes.add_collection(LineCollection(segments, colors=colour, linewidths=1.2, zorder=2))
    for standing, points in hollow.items():
        xs, ys = zip(*points, strict=True)
        axes.plot(
            xs,
            ys,
            marker=SHAPES[standing],
            markersize=7,
            markerfacecolor="white",
            markeredgecolor=COLOURS[standing],
            markeredgewidth=1.4,
            linestyle="none",
            zorder=3,
        )
    for standing, points in filled.items():
        xs, ys = zip(*points, strict=True)
        axes.plot(
            xs,
            ys,
            marker=SHAPES[standing],
            markersize=8,
            color=COLOURS[standing],
            markeredgecolor="white",
            markeredgewidth=0.6,
            linestyle="none",
            zorder=4,
        )
    for arrow in timeline.arrows:
        # add_artist, not add_patch: the limits are set, and working them out is slow.
        axes.add_artist(
            FancyArrowPatch(
                at[arrow.prerequisite],
                at[arrow.dependent],
                arrowstyle="-|>",
                color=FAINT,
                linewidth=0.7,
                shrinkA=5,
                shrinkB=5,
                connectionstyle="arc3,rad=0.2",
                mutation_scale=8,
                zorder=1,
            )
        )
    today = date2num(timeline.today)
    axes.axvline(today, color=TODAY, linestyle="--", linewidth=1, zorder=1)
    axes.annotate(
        "today",
        (today, 0),
        xycoords=axes.get_xaxis_transform(),
        xytext=(0, -2),
        textcoords="offset points",
        ha="center",
        va="top",
        color=TODAY,
        fontsize=FONT_SIZE - 1,
        annotation_clip=False,
    )
    axes.set_ylim(top - gap - 0.5, -0.5)
    axes.set_xlim(date2num(timeline.start), date2num(timeline.end))
    locator = AutoDateLocator(minticks=4, maxticks=10)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    axes.xaxis.tick_top()
    axes.set_yticks([])
    axes.grid(axis="x", color="#dddddd", linewidth=0.6, zorder=0)
    axes.set_axisbelow(True)
    for side in ("left", "right", "bottom"):
        axes.spines[side].set_visible(False)
    axes.spines["top"].set_color(FAINT)
    axes.tick_params(colors=INK, labelsize=FONT_SIZE)


def _draw_legend(figure: Figure, timeline: Timeline, height: float) -> None:
    handles = [
        Line2D(
            [],
            [],
            marker=entry.shape,
            color=entry.colour,
            linestyle="none",
            markersize=7,
            label=entry.words,
        )
        for entry in timeline.legend
    ]
    handles.append(
        Line2D(
            [],
            [],
            marker="o",
            markerfacecolor="white",
            markeredgecolor=FAINT,
            linestyle="none",
            markersize=7,
            label="first due date",
        )
    )
    handles.append(Line2D([], [], color=TODAY, linestyle="--", label="today"))
    handles.append(Line2D([], [], color=FAINT, linewidth=0.7, label="depends on (arrow)"))
    figure.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 0.15 / height),
        ncol=len(handles),
        frameon=False,
        fontsize=FONT_SIZE,
    )
