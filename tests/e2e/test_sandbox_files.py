"""Files the bot uploads, in the sandbox in a real headless Chromium: the timeline chart shown
as an image in the channel, an export downloaded from the person's messages with the app."""

import urllib.request
from pathlib import Path

from playwright.sync_api import expect

from bot.render.export import COLUMNS


def test_the_chart_command_shows_the_timeline_as_an_image_in_the_channel(browser_page):
    page, steps = browser_page
    expect(page.locator("#messages [data-testid=message]").first).to_be_visible()
    page.fill("#composer-input", "/milestone chart")
    page.press("#composer-input", "Enter")

    image = page.locator("#messages [data-testid=file] img")
    expect(image).to_have_count(1)
    assert image.get_attribute("alt").startswith("Timeline")
    # The picture loaded: the sandbox served the PNG the bot uploaded.
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    assert image.evaluate("(img) => img.getBoundingClientRect().width") <= 640
    steps.done("chart")


def test_an_export_arrives_in_the_messages_with_the_app_and_downloads(browser_page, sandbox):
    page, steps = browser_page
    expect(page.locator("#messages [data-testid=message]").first).to_be_visible()
    page.fill("#composer-input", "/milestone export csv")
    page.press("#composer-input", "Enter")
    expect(page.locator("#messages [data-testid=ephemeral]").last).to_contain_text("CSV")
    steps.done("asked")

    page.click("#nav-dm")
    link = page.locator("#messages [data-testid=file]")
    expect(link).to_have_count(1)
    expect(link).to_contain_text(".csv")
    expect(link.locator(".file-size")).to_contain_text("B")
    steps.done("in-messages")

    with page.expect_download() as downloading:
        link.click()
    download = downloading.value
    assert download.suggested_filename.startswith("milestones-C0LAUNCH-")
    assert download.suggested_filename.endswith(".csv")
    content = Path(download.path()).read_bytes()
    header = content.decode("utf-8-sig").splitlines()[0]
    assert header == ",".join(COLUMNS)

    with urllib.request.urlopen(sandbox.url + link.get_attribute("href")) as response:
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.read() == content
