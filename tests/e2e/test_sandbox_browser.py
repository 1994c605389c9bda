"""The sandbox in a real headless Chromium: a person walks through the bot as in Slack."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.support.browsing import SAM


def card(page, title: str):
    return page.locator("#messages [data-testid=message]", has_text=title)


def test_declare_complete_approve_and_see_the_celebration_in_the_thread(browser_page):
    page, steps = browser_page
    expect(card(page, "Design review signed off")).to_be_visible()
    steps.done("seeded")

    page.fill("#composer-input", '/milestone add "Ship the beta" due next friday approver @Sam')
    page.press("#composer-input", "Enter")
    shipped = card(page, "Ship the beta")
    expect(shipped).to_contain_text("Approver @Sam Okafor")
    expect(shipped.locator(".mention").first).to_have_text("@Alex Rivera")
    steps.done("declared")

    shipped.get_by_role("button", name="Mark complete").click()
    expect(shipped).to_contain_text("Waiting for @Sam Okafor's approval")
    expect(shipped.get_by_role("button", name="Mark complete")).to_have_count(0)
    steps.done("marked-complete")

    page.select_option("#person", SAM)
    page.click("#nav-dm")
    request = page.locator("#messages [data-testid=message]", has_text="Ship the beta")
    expect(request).to_contain_text("asks for your approval")
    steps.done("approval-request")
    request.get_by_role("button", name="Approve").click()

    page.click("[data-place=C0LAUNCH]")
    expect(shipped).to_contain_text("Reached on")
    shipped.get_by_test_id("replies").click()
    expect(page.locator("#thread")).to_contain_text("reached: Ship the beta! Well done, @Alex")
    steps.done("celebrated")


def test_the_new_milestone_modal_shows_a_past_date_refused_inline(browser_page, sandbox):
    page, steps = browser_page
    page.fill("#composer-input", "/milestone")
    page.press("#composer-input", "Enter")
    modal = page.locator("#modal")
    expect(modal.locator("h2")).to_have_text("New milestone")
    steps.done("opened")

    modal.locator("[data-type=plain_text_input]").first.fill("Release notes written")
    past = (sandbox.clock() - timedelta(days=3)).date().isoformat()
    modal.locator("input[type=date]").first.fill(past)
    modal.get_by_role("button", name="Declare").click()
    error = modal.locator(".error:visible")
    expect(error).to_contain_text("is in the past")
    expect(page.locator("#modal-backdrop")).to_be_visible()
    steps.done("refused")
    assert card(page, "Release notes written").count() == 0


def test_the_clock_jumps_to_monday_morning_and_the_weekly_status_posts(browser_page):
    page, steps = browser_page
    expect(card(page, "App Store submission")).to_be_visible()
    page.get_by_role("button", name="Jump to next Monday 09:00 UTC").click()
    status = card(page, "Milestone status for the week of")
    # The jump runs the nudge sweep at each hour on its way: a second alone, more when busy.
    expect(status).to_contain_text("App Store submission", timeout=60_000)
    expect(page.locator("#now")).to_contain_text("Mon")
    steps.done("weekly-status")


def a_tokyo_evening_before_a_weekday(now: datetime) -> datetime:
    """The first 20:00 in Tokyo after `now` that a weekday follows: a day on from it lands in
    the evening, after Kim's hours (09:00-18:00), and passes through her working morning."""
    evening = now.astimezone(ZoneInfo("Asia/Tokyo")).replace(
        hour=20, minute=0, second=0, microsecond=0
    )
    while evening <= now or (evening + timedelta(days=1)).weekday() >= 5:
        evening += timedelta(days=1)
    return evening


def test_a_day_on_the_overdue_owner_is_nudged_in_their_messages(browser_page, sandbox):
    page, steps = browser_page
    sandbox.clock.set(a_tokyo_evening_before_a_weekday(sandbox.clock()))
    page.select_option("#person", "U0KIM")
    page.click("#nav-dm")
    page.get_by_role("button", name="+1 day").click()
    nudge = page.locator("#messages [data-testid=message]", has_text="Crash rate under 1%")
    # A day on runs the nudge sweep 24 times before the page shows what it sent.
    expect(nudge).to_contain_text("overdue", timeout=60_000)
    steps.done("nudged")


def test_rescheduling_from_the_card_notes_it_in_the_thread(browser_page, sandbox):
    page, steps = browser_page
    payments = card(page, "Payments provider contract signed")
    page.select_option("#person", "U0LEE")
    payments.get_by_role("button", name="Reschedule").click()
    modal = page.locator("#modal")
    expect(modal).to_contain_text("Payments provider contract signed")
    later = (sandbox.clock() + timedelta(days=20)).date().isoformat()
    modal.locator("input[type=date]").fill(later)
    modal.locator("[data-type=plain_text_input]").first.fill("waiting for their lawyers")
    modal.locator("button[type=submit]").click()
    expect(page.locator("#modal-backdrop")).to_be_hidden()
    expect(payments).to_contain_text("Moved once")
    payments.get_by_test_id("replies").click()
    expect(page.locator("#thread")).to_contain_text("waiting for their lawyers")
    steps.done("rescheduled")


def test_the_app_home_shows_the_person_their_milestones(browser_page):
    page, steps = browser_page
    page.click("#nav-home")
    home = page.locator("#home")
    expect(home).to_contain_text("Your milestones")
    expect(home).to_contain_text("App Store submission")
    steps.done("home")
