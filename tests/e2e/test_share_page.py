"""The stakeholder page: `/milestone share [goal]` gives a read-only URL whose page, rendered in
headless Chromium, shows the milestones with health and owners' names, the timeline, this
week's changes and the on-time line; no Slack id, keyboard-reachable links, ETag and 304, and
a 404 once revoked that looks like any other."""

import re

import pytest
import requests

from tests.support.browser import SCREENSHOTS, focus_order, looking_at
from tests.support.harness import APPROVER, CHANNEL, OTHER, OWNER, TEAM
from tests.support.links import fetch, link_in, links_in, served
from tests.support.reading import answer

SLACK_IDS = (TEAM, CHANNEL, OWNER, APPROVER, OTHER, "C222")


def without_date(headers) -> dict:
    return {name: value for name, value in headers.items() if name != "Date"}


def shared(bot, text: str = "share") -> str:
    return link_in(bot.command(text))


def test_the_page_shows_the_channels_milestones_with_health_and_names(bot, browser, clock):
    bot.command("list", user=OTHER)  # the bot knows Otto's name
    beta = bot.add(f'"Beta shipped" due 2026-12-15 owner <@{OTHER}>')
    late = bot.add('"Invoices sent" due 2026-11-27')
    bot.add('"Secret elsewhere" due 2026-12-15', channel="C222")
    bot.command(f"block {beta.reference} because <@{OWNER}> waits for the vendor")
    clock.advance(days=3)
    link = shared(bot)

    with looking_at(browser, served(bot, link), name="share-page-milestones") as page:
        rows = page.locator("#milestones ~ table tbody tr").all_inner_texts()
        heading = page.locator("h1").inner_text()
        week = page.locator("#this-week ~ ul li").all_inner_texts()
        on_time = page.locator("#on-time ~ p").inner_text()
        svg = page.locator("#timeline ~ figure svg")
        drawn = svg.count(), svg.bounding_box()
        labels = page.locator("#timeline ~ figure svg text").all_text_contents()
        description = page.locator("#timeline ~ figure svg desc").text_content()
        role = svg.get_attribute("role")
        page.locator("summary").click()
        caption = page.locator("#timeline ~ figure figcaption details p").inner_text()

    assert heading == "#launch"
    assert len(rows) == 2
    assert re.sub(r"\s+", " ", rows[0]) == (
        f"{late.reference} Invoices sent Olive Owner Fri 27 Nov 2026 off track 2 days overdue"
    )
    assert re.sub(r"\s+", " ", rows[1]) == (
        f"{beta.reference} Beta shipped Otto Other Tue 15 Dec 2026 blocked "
        "@Olive Owner waits for the vendor"
    )
    assert "Secret elsewhere" not in "".join(rows)
    assert any(
        f"{beta.reference} Beta shipped, marked blocked by Olive Owner" in line for line in week
    )
    assert on_time == "No milestone with a due date was reached in the last 90 days."
    count, box = drawn
    assert count == 1 and box["width"] > 600 and box["height"] > 150
    assert f"{beta.reference} Beta shipped" in labels
    assert f"{late.reference} Invoices sent" in labels
    assert "Secret elsewhere" not in " ".join(labels)
    assert f"{beta.reference} Beta shipped, blocked, due 15 Dec 2026" in caption
    assert role == "img" and description == caption


def test_the_html_shows_no_slack_id_and_escapes_what_people_wrote(bot, browser):
    hostile = bot.add(
        f'"<script>alert(1)</script> & <b>bold</b> <!channel> <@{APPROVER}>" due 2026-12-15'
    )
    link = shared(bot)

    html = fetch(bot, link).text
    with looking_at(browser, served(bot, link), name="share-page-escaping") as page:
        title = page.locator("#milestones ~ table tbody tr th").inner_text()
        scripts = page.locator("script").count()
        bold = page.locator("main b").count()

    assert scripts == 0 and bold == 0
    assert title == (
        f"{hostile.reference} <script>alert(1)</script> & <b>bold</b> @channel @a teammate"
    )
    assert "&lt;script&gt;" in html
    for slack_id in SLACK_IDS:
        assert slack_id not in html
    assert "<@" not in html and "slack://" not in html


def test_every_link_is_reached_by_the_keyboard_with_its_focus_drawn(bot, browser):
    bot.add('"Beta shipped" due 2026-12-15')
    link = shared(bot)

    with looking_at(browser, served(bot, link), name="share-page-focus") as page:
        stops = [
            (element.evaluate("e => e.tagName"), element.get_attribute("href"))
            for element in page.locator("a, summary").all()
        ]
        reached = focus_order(page, len(stops))

    assert [href for _, href in stops][:3] == ["#milestones", "#timeline", "#milestones"]
    assert ("SUMMARY", None) in stops
    assert [(stop["tag"], stop["href"]) for stop in reached] == stops
    assert all(stop["outline"] != "none" and stop["width"] != "0px" for stop in reached)


def test_a_goals_page_shows_only_that_goal(bot, browser):
    bot.command(f'goal add "Launch app with <@{APPROVER}>" due 2027-03-31')
    bot.add('"In the goal" due 2026-12-15 goal G-1')
    bot.add('"Outside the goal" due 2026-12-16')
    response = bot.command("share G-1")

    with looking_at(browser, served(bot, link_in(response)), name="share-page-goal") as page:
        heading = page.locator("h1").inner_text()
        rows = page.locator("#milestones ~ table tbody tr").all_inner_texts()

    assert heading == "Launch app with @a teammate"
    assert len(rows) == 1 and "In the goal" in rows[0]
    html = fetch(bot, link_in(response)).text
    assert APPROVER not in html and "Outside the goal" not in html


def test_reached_milestones_make_the_on_time_line(bot, clock):
    early = bot.add('"Early" due 2026-11-30')
    late = bot.add('"Late" due 2026-11-27')
    clock.advance(days=1)
    bot.command(f"done {early.reference}")
    clock.advance(days=3)
    bot.command(f"done {late.reference}")

    html = fetch(bot, shared(bot)).text

    assert (
        "1 of 2 milestones reached in the last 90 days were on time (on or before their first "
        "due date); the late one was 3 days late."
    ) in html


def test_the_page_answers_304_to_its_etag_and_can_be_cached_privately(bot, clock):
    bot.add('"Beta shipped" due 2026-12-15')
    link = shared(bot)

    first = fetch(bot, link)
    clock.advance(minutes=5)
    again = fetch(bot, link, **{"If-None-Match": first.headers["ETag"]})
    bot.add('"Docs written" due 2026-12-20')
    changed = fetch(bot, link, **{"If-None-Match": first.headers["ETag"]})

    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert first.headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'none'" in first.headers["Content-Security-Policy"]
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]


def test_a_revoked_page_is_a_404_like_one_that_never_existed(bot, browser):
    bot.add('"Beta shipped" due 2026-12-15')
    link = shared(bot)
    assert fetch(bot, link).status_code == 200

    revoked = answer(bot.command("share revoke"))
    gone = fetch(bot, link)
    never = fetch(bot, link[:-8] + "AAAAAAAA")
    nonsense = requests.get(bot.url + "/share/nonsense", timeout=10)

    assert "revoked" in revoked
    assert gone.status_code == never.status_code == nonsense.status_code == 404
    assert gone.content == never.content == nonsense.content
    assert without_date(gone.headers) == without_date(never.headers)
    with looking_at(browser, served(bot, link), name="share-page-revoked") as page:
        assert page.locator("body").inner_text() == "Not Found"


def test_share_list_shows_the_working_links_and_sharing_again_gives_the_same(bot):
    bot.command('goal add "Launch app"')
    channel = shared(bot)
    goal = shared(bot, "share G-1")

    listed = links_in(bot.command("share list"))
    again = shared(bot)
    bot.command("share revoke G-1")
    after = links_in(bot.command("share list"))

    assert listed == [channel, goal]
    assert again == channel
    assert after == [channel]


def test_revoking_what_was_never_shared_says_so(bot):
    text = answer(bot.command("share revoke"))

    assert "nothing was revoked" in text


def test_a_closed_goals_page_can_still_be_revoked(bot):
    bot.command('goal add "Launch app"')
    link = shared(bot, 'share "launch app"')
    bot.command("goal close G-1")
    assert fetch(bot, link).status_code == 200

    text = answer(bot.command("share revoke g-1"))

    assert "revoked" in text
    assert fetch(bot, link).status_code == 404


def test_a_failed_check_of_the_page_leaves_a_screenshot_of_it(bot, browser):
    link = shared(bot)
    picture = SCREENSHOTS / "share-page-failed-on-purpose.png"
    picture.unlink(missing_ok=True)

    with (
        pytest.raises(AssertionError, match="on purpose"),
        looking_at(browser, served(bot, link), name="share-page-failed-on-purpose"),
    ):
        raise AssertionError("on purpose")

    assert picture.read_bytes().startswith(b"\x89PNG")
    picture.unlink()
