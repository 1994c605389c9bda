"""Fixtures of the end-to-end tests only (the shared ones are in tests/conftest.py)."""

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.support.browser import CHROMIUM, LAUNCH_ARGS
from tests.support.browsing import ALEX, Steps, running_sandbox
from tests.support.socketmode import SocketModeServer, slash_command_envelope


@pytest.fixture
def socket_mode(slack):
    server = SocketModeServer(
        [
            slash_command_envelope("e1", "help", slack),
            slash_command_envelope("e2", 'add "Beta shipped" due 2099-01-15', slack),
        ]
    )
    slack.answer("apps.connections.open", {"ok": True, "url": server.url})
    yield server
    server.close()


# ------------------------------------------------------------------ the sandbox in a browser
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Each phase's report on the test item, for fixtures that act on a failure."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def chromium():
    """The system's Chromium, headless, for the whole run (Playwright's own download is not
    used). A page's expectations wait as long as its actions (15 s), not Playwright's 5 s: the
    suite shares two cores among six workers and the bot's own processes."""
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def browser(chromium):
    """The same browser, for the tests of the bot's own pages (tests/support/browser.py)."""
    return chromium


@pytest.fixture
def sandbox(tmp_path):
    with running_sandbox(tmp_path) as running:
        yield running


@pytest.fixture
def browser_page(chromium, sandbox, request):
    """A page on the sandbox, as Alex; its steps' screenshots are saved if the test fails."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{sandbox.url}/?as={ALEX}")
    # The page has its people and channels (its first answer from the sandbox) before a test
    # draws anything with them.
    page.wait_for_function("() => page.setup !== null")
    steps = Steps(page, request.node.nodeid)
    yield page, steps
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        print(f"screenshots of each step: {steps.save()}")
    context.close()
    assert not errors, f"the page raised: {errors}"
