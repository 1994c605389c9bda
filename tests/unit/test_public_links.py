"""The pure parts of the public links: the on-time line, Slack's markup made readable, a
message made a draft, and the calendar feed built from milestones (read by two parsers)."""

import unicodedata
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import vobject
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.health import Detail, Verdict
from bot.domain.links import TOKEN_LENGTH, token_of
from bot.domain.public_view import Entry, on_time
from bot.render.calendar import calendar_feed
from bot.render.milestone_modal import MAX_DEFINITION_INPUT, MAX_TITLE_INPUT, draft_from_message
from bot.render.text import readable
from bot.store.models import Health, LinkKind, Milestone, PublicLink, Status

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def milestone(number: int, **fields) -> Milestone:
    values = {
        "id": number,
        "team_id": "T1",
        "channel_id": "C1",
        "title": f"Milestone {number}",
        "creator_id": "U1",
        "owner_id": "U1",
        "created_at": datetime(2026, 11, 1, tzinfo=UTC),
    } | fields
    return Milestone(**values)


def reached(number: int, *, first_due: date, on: date) -> Milestone:
    return milestone(
        number,
        status=Status.REACHED,
        first_due_date=first_due,
        due_date=first_due,
        reached_at=datetime.combine(on, datetime.min.time(), UTC),
    )


def test_on_time_counts_reached_on_or_before_the_first_due_date_and_the_median_lateness():
    milestones = [
        reached(1, first_due=date(2026, 11, 10), on=date(2026, 11, 10)),
        reached(2, first_due=date(2026, 11, 10), on=date(2026, 11, 14)),
        reached(3, first_due=date(2026, 11, 20), on=date(2026, 11, 30)),
        reached(4, first_due=date(2026, 11, 20), on=date(2026, 11, 2)),
        # Reached before the window, or without a due date, or still open: not counted.
        reached(5, first_due=date(2026, 1, 1), on=date(2026, 1, 9)),
        milestone(6, status=Status.REACHED, reached_at=NOW),
        milestone(7, first_due_date=date(2026, 11, 1), due_date=date(2026, 11, 1)),
    ]

    line = on_time(milestones, since=datetime(2026, 9, 7, tzinfo=UTC), zone=UTC)

    assert (line.reached, line.on_time, line.median_slip) == (4, 2, 7)
    assert on_time([], since=NOW, zone=UTC).reached == 0
    assert on_time(milestones[:1], since=NOW - timedelta(days=90), zone=UTC).median_slip is None


def test_the_day_a_milestone_was_reached_is_the_channels():
    late_evening = reached(1, first_due=date(2026, 11, 10), on=date(2026, 11, 11))
    # 00:00 UTC on the 11th is still the 10th in New York: on time there.
    new_york = on_time(
        [late_evening], since=NOW - timedelta(days=90), zone=ZoneInfo("America/New_York")
    )
    utc = on_time([late_evening], since=NOW - timedelta(days=90), zone=UTC)

    assert (new_york.on_time, utc.on_time) == (1, 0)


def test_readable_turns_slacks_markup_into_words_without_ids():
    names = {"U1": "Olive Owner"}
    text = (
        "<@U1> and <@U2|otto> in <#C1|launch> <#C2>, <!here> <!subteam^S1|@design> "
        "<!date^1700000000^{date}|Nov 14> <https://example.com/a|the plan> <mailto:a@b.c> "
        "a < b > c"
    )

    assert readable(text, names) == (
        "@Olive Owner and @a teammate in #launch a channel, @here @design Nov 14 the plan "
        "mailto:a@b.c a < b > c"
    )


def test_a_message_becomes_a_title_and_a_definition_of_done():
    assert draft_from_message("\n\n  Ship   the beta \nAll stores\n\nhave it  ") == (
        "Ship the beta",
        "All stores\n\nhave it",
    )
    assert draft_from_message("Only a title") == ("Only a title", None)
    assert draft_from_message("  \n ") == ("", None)


@given(st.text(max_size=5000))
def test_a_draft_fits_the_forms_limits(text):
    title, definition = draft_from_message(text)

    assert len(title) <= MAX_TITLE_INPUT and "\n" not in title
    assert definition is None or len(definition) <= MAX_DEFINITION_INPUT


def test_a_links_token_is_made_again_from_its_salt_and_the_key_only():
    link = PublicLink(kind=LinkKind.PAGE, salt="ab" * 16)

    token = token_of(link, b"k" * 32)

    assert len(token) == TOKEN_LENGTH
    assert token == token_of(PublicLink(kind=LinkKind.PAGE, salt="ab" * 16), b"k" * 32)
    assert token != token_of(link, b"j" * 32)
    assert token != token_of(PublicLink(kind=LinkKind.CALENDAR, salt="ab" * 16), b"k" * 32)


@given(st.text(min_size=1, max_size=150))
def test_any_title_survives_the_feed_as_written(title):
    entry = Entry(
        milestone(9, title=title, due_date=date(2026, 12, 15), announcement_ts="1.2"),
        Detail(Verdict(Health.AT_RISK, "waiting, on; the vendor")),
        NOW,
    )

    feed = calendar_feed([entry], {"U1": "Olive"}, name="Milestones · #launch", host="h.example")

    [event] = icalendar.Calendar.from_ical(feed).walk("VEVENT")
    shown = readable(title, {"U1": "Olive"})
    words = "".join(c for c in shown if unicodedata.category(c) != "Cc" or c.isspace())
    expected = "M-9 · " + " ".join(words.split())
    assert str(event["SUMMARY"]) == expected
    assert "Health: at risk" in str(event["DESCRIPTION"])
    [second] = vobject.readOne(feed.decode()).vevent_list
    assert second.summary.value == expected
