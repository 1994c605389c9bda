"""The calendar feed: `/milestone calendar` gives a secret URL, GET /calendar/<token>.ics an
iCalendar read the same by two independent parsers, events that move when milestones move, and
a 404 once the link is reset."""

from datetime import date, timedelta

import icalendar
import vobject
from sqlmodel import select

from bot.store.db import session_scope
from bot.store.models import PublicLink
from tests.support.harness import OTHER, TEAM, make_settings, running_bot
from tests.support.links import fetch, link_in
from tests.support.reading import answer


def calendar_of(bot) -> str:
    return link_in(bot.command("calendar"))


def without_date(headers) -> dict:
    return {name: value for name, value in headers.items() if name != "Date"}


def events_by_uid(feed: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(feed)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_the_feed_has_an_all_day_event_per_milestone_read_alike_by_two_parsers(bot):
    bot.command("list", user=OTHER)  # the bot has looked Otto up: it knows his name
    beta = bot.add(f'"Beta, shipped; to <@{OTHER}>" due 2026-12-15')
    bot.add('"Docs written" due 2026-12-20')
    bot.add('"No date yet"')
    bot.settle()

    response = fetch(bot, calendar_of(bot))

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, no-cache"
    events = events_by_uid(response.content)
    assert sorted(events) == [
        f"milestone-{beta.id}@milestones.example.com",
        f"milestone-{beta.id + 1}@milestones.example.com",
    ]
    event = events[f"milestone-{beta.id}@milestones.example.com"]
    assert event.decoded("DTSTART") == date(2026, 12, 15)
    assert event.decoded("DTEND") == date(2026, 12, 16)
    assert str(event["SUMMARY"]) == f"{beta.reference} · Beta, shipped; to @Otto Other"
    description = str(event["DESCRIPTION"])
    assert "Owner: Olive Owner" in description
    assert "Health: on track" in description
    assert str(event["STATUS"]) == "CONFIRMED"
    card = bot.milestone(beta.id).announcement_ts
    assert str(event["URL"]) == f"slack://channel?team={TEAM}&id=C111&message={card}"

    # The second parser reads the same events, dates and texts.
    parsed = vobject.readOne(response.content.decode())
    second = {e.uid.value: e for e in parsed.vevent_list}
    assert sorted(second) == sorted(events)
    other = second[f"milestone-{beta.id}@milestones.example.com"]
    assert other.dtstart.value == date(2026, 12, 15)
    assert other.summary.value == f"{beta.reference} · Beta, shipped; to @Otto Other"
    assert other.description.value == description
    assert other.sequence.value == "0"


def test_a_rescheduled_milestone_moves_with_a_new_sequence_and_last_modified(bot, clock):
    milestone = bot.add('"Contract signed" due 2026-12-01')
    link = calendar_of(bot)
    uid = f"milestone-{milestone.id}@milestones.example.com"
    before = events_by_uid(fetch(bot, link).content)[uid]

    clock.advance(days=2)
    bot.command(f"due {milestone.reference} 2026-12-08 because legal is slow")
    after = events_by_uid(fetch(bot, link).content)[uid]

    assert before.decoded("DTSTART") == date(2026, 12, 1)
    assert after.decoded("DTSTART") == date(2026, 12, 8)
    assert after.decoded("SEQUENCE") > before.decoded("SEQUENCE")
    assert after.decoded("LAST-MODIFIED") - before.decoded("LAST-MODIFIED") == timedelta(days=2)
    assert after.decoded("LAST-MODIFIED") == clock.now
    assert "First due 2026-12-01, moved 1×" in str(after["DESCRIPTION"])


def test_reached_and_cancelled_milestones_stay_with_their_status(bot):
    reached = bot.add('"Kickoff held" due 2026-12-01')
    cancelled = bot.add('"Old plan" due 2026-12-02')
    bot.command(f"done {reached.reference}")
    bot.command(f"cancel {cancelled.reference} because the plan changed")

    events = events_by_uid(fetch(bot, calendar_of(bot)).content)

    done = events[f"milestone-{reached.id}@milestones.example.com"]
    gone = events[f"milestone-{cancelled.id}@milestones.example.com"]
    assert str(done["STATUS"]) == "CONFIRMED"
    assert str(done["SUMMARY"]).startswith(f"✓ {reached.reference}")
    assert "Health: reached" in str(done["DESCRIPTION"])
    assert str(gone["STATUS"]) == "CANCELLED"


def test_asking_again_gives_the_same_link_and_reset_ends_it(bot):
    first = calendar_of(bot)
    again = calendar_of(bot)

    reset = bot.command("calendar reset")
    new = link_in(reset)

    assert again == first
    assert new != first
    assert "A new calendar feed" in answer(reset)
    assert fetch(bot, new).status_code == 200
    old = fetch(bot, first)
    unknown = fetch(bot, first[:-10] + "AAAAAA.ics")
    assert old.status_code == unknown.status_code == 404
    assert old.content == unknown.content == b"Not Found"
    assert without_date(old.headers) == without_date(unknown.headers)


def test_only_a_hash_of_the_token_is_stored(bot):
    link = calendar_of(bot)
    token = link.rsplit("/", 1)[1].removesuffix(".ics")

    with session_scope(bot.engine) as session:
        [row] = session.exec(select(PublicLink)).all()
        stored = [str(value) for value in row.model_dump().values()]

    assert len(token) == 43
    assert not any(token in value for value in stored)


def test_a_calendar_token_does_not_open_a_page_nor_another_channel(bot):
    bot.add('"Here" due 2026-12-15')
    bot.add('"Elsewhere" due 2026-12-16', channel="C222")
    link = calendar_of(bot)
    page_path = link.replace("/calendar/", "/share/").removesuffix(".ics")

    events = events_by_uid(fetch(bot, link).content)

    assert [str(e["SUMMARY"]).split(" · ")[1] for e in events.values()] == ["Here"]
    assert fetch(bot, page_path).status_code == 404


def test_without_a_public_url_the_command_says_what_to_set(database_url, slack, clock):
    settings = make_settings(database_url, slack, PUBLIC_URL="")
    with running_bot(settings, slack, clock) as bot:
        text = answer(bot.command("calendar"))

    assert "PUBLIC_URL" in text
