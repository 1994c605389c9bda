"""The sandbox page draws every message and view the bot can send: each is built with the
bot's own builders, posted through the sandbox's Web API, and its words are found on the page."""

import re
from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import expect
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.coach import Suggestion
from bot.domain.dashboard import Dashboard
from bot.domain.goals import Progress
from bot.domain.health import Detail
from bot.domain.milestones import Change, ListScope
from bot.domain.status_report import channel_status
from bot.render import blocks, home, milestone_modal
from bot.store.models import (
    Absence,
    ChannelSettings,
    EventKind,
    Goal,
    Health,
    Milestone,
    MilestoneEvent,
    Status,
)
from tests.support.browsing import ALEX, SAM

TEAM, CHANNEL = "T111", "C0GENERAL"
TODAY = date(2026, 12, 7)
AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def milestone(number: int, title: str, owner: str, due: date, **fields) -> Milestone:
    return Milestone(
        id=number,
        team_id=TEAM,
        channel_id="C0LAUNCH",
        title=title,
        owner_id=owner,
        creator_id=owner,
        due_date=due,
        first_due_date=fields.pop("first_due_date", due),
        created_at=datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
        **fields,
    )


GOAL = Goal(
    id=3,
    team_id=TEAM,
    channel_id="C0LAUNCH",
    name="Launch mobile app",
    owner_id=ALEX,
    creator_id=ALEX,
    due_date=date(2027, 3, 31),
    created_at=AT,
)
BETA = milestone(
    12,
    "Beta version completed",
    ALEX,
    date(2026, 12, 11),
    approver_id=SAM,
    goal_id=3,
    definition_of_done="Signed build, crash-free for 48 hours",
    first_due_date=date(2026, 12, 4),
    times_moved=1,
)
REACHED = milestone(
    9,
    "Prototype completed",
    "U0KIM",
    date(2026, 12, 3),
    goal_id=3,
    status=Status.REACHED,
    reached_at=AT,
)
OVERDUE = milestone(10, "Vendor contract signed", "U0LEE", date(2026, 12, 1))
BLOCKED = milestone(
    14,
    "Store listing approved",
    "U0KIM",
    date(2026, 12, 14),
    marked_health=Health.BLOCKED,
    health_reason="the account is not approved",
)
PROGRESS = Progress(GOAL, 1, 4, BETA, times_moved=1, slip_days=7)
SUGGESTIONS = [Suggestion("measurable", "Say how you will know it is done: *a number*.", {})]


def messages() -> dict[str, dict]:
    """Every kind of message the bot posts, by name."""
    detail = Detail(health=None, goal=GOAL, waits_on=(OVERDUE,))
    status = channel_status(
        [REACHED, OVERDUE, BETA, BLOCKED],
        team_id=TEAM,
        channel_id="C0LAUNCH",
        today=TODAY,
        zone=UTC,
        reached_since=datetime(2026, 11, 30, tzinfo=UTC),
        details={},
        progress=[PROGRESS],
    )
    settings = ChannelSettings(team_id=TEAM, channel_id="C0LAUNCH")
    quieter = ChannelSettings(team_id=TEAM, channel_id="C0LAUNCH", mentions=False)
    event = MilestoneEvent(
        milestone_id=12,
        kind=EventKind.RESCHEDULED,
        actor_id=ALEX,
        at=AT,
        old_due_date=date(2026, 12, 4),
        new_due_date=date(2026, 12, 11),
        reason="the testers' devices are late",
    )
    absence = Absence(team_id=TEAM, user_id=ALEX, first_day=TODAY, last_day=date(2026, 12, 9))
    built = {
        "announcement": blocks.announcement(BETA, detail),
        "reached card": blocks.announcement(REACHED),
        "celebration": blocks.celebration(REACHED),
        "rescheduled": blocks.rescheduled(BETA, old_due_date=date(2026, 12, 4), reason="late"),
        "cancelled": blocks.cancelled(OVERDUE, actor_id=ALEX, reason="no longer needed"),
        "approval request": blocks.approval_request(BETA),
        "approval decided": blocks.approval_decided(BETA, decision="approved"),
        "changes requested": blocks.changes_requested(BETA, approver_id=SAM, reason="Fix login"),
        "overdue nudge": blocks.overdue_nudge(OVERDUE, days_overdue=6),
        "nudge in channel": blocks.overdue_nudge(OVERDUE, days_overdue=6, in_channel=True),
        "due soon": blocks.due_soon_reminder(BETA),
        "escalation": blocks.escalation(OVERDUE, days_overdue=9, nudges=3),
        "escalation to approver": blocks.escalation(
            OVERDUE, days_overdue=9, nudges=3, to_approver=True
        ),
        "list": blocks.milestone_list([OVERDUE, BETA, BLOCKED], scope=ListScope.OPEN, today=TODAY),
        "notice": blocks.notice("Sent to <@U0SAM> for approval."),
        "help": blocks.help_message("I did not understand `frobnicate`."),
        "settings": blocks.channel_settings(settings, "UTC"),
        "settings changed": blocks.settings_changed(
            settings, quieter, actor_id=ALEX, default_timezone="UTC"
        ),
        "approver changed": blocks.approver_changed(BETA, actor_id=ALEX, old_approver_id="U0LEE"),
        "no longer approver": blocks.no_longer_approver(BETA, actor_id=ALEX),
        "prerequisite slipped": blocks.prerequisite_slipped(BLOCKED, BETA),
        "ready for next step": blocks.ready_for_next_step(BLOCKED, REACHED),
        "coaching": blocks.coaching(BETA, SUGGESTIONS),
        "review": blocks.review([(BETA, SUGGESTIONS)]),
        "history": blocks.history(BETA, [event]),
        "goal declared": blocks.goal_declared(GOAL),
        "goal list": blocks.goal_list([PROGRESS]),
        "away": blocks.away_noted(absence),
        "health changed": blocks.notice(
            blocks.health_changed(Change(EventKind.BLOCKED, BLOCKED, ALEX, reason="no account"))
        ),
    }
    for index, part in enumerate(blocks.weekly_status(status)):
        built[f"weekly status {index + 1}"] = part
    return built


def views() -> dict[str, dict]:
    """Every modal the bot opens, and its App Home."""
    dashboard = Dashboard(
        user_id=ALEX,
        today=TODAY,
        updated_at=AT,
        mine=[OVERDUE, BETA, BLOCKED],
        waiting_for_my_approval=[BETA],
        goals=[PROGRESS],
    )
    metadata = milestone_modal.Metadata(channel_id="C0LAUNCH", key="k1")
    return {
        "new milestone": milestone_modal.milestone_modal(
            metadata=metadata,
            prefill=milestone_modal.Prefill(title="Beta", owner_id=ALEX, due_date=TODAY),
            goals=[GOAL],
            candidates=[OVERDUE, BLOCKED],
        ),
        "edit milestone": milestone_modal.milestone_modal(
            metadata=milestone_modal.Metadata("C0LAUNCH", "k2", milestone_id=12, revision=1),
            prefill=milestone_modal.Prefill.of(BETA, [OVERDUE]),
            goals=[GOAL],
            candidates=[OVERDUE, BLOCKED],
            reference="M-12",
        ),
        "reschedule": blocks.reschedule_modal(BETA),
        "request changes": blocks.changes_modal(BETA),
        "home": home.home_view(dashboard, notice="Your away days are noted."),
        "empty home": home.home_view(Dashboard(user_id=ALEX, today=TODAY, updated_at=AT)),
    }


# What a form shows inside its fields, not as text.
IN_FIELDS = ("placeholder", "initial_value", "initial_option", "initial_options")


# Words of each Home built here that Alex's own Home does not show.
HOME_MARKS = {"home": "Vendor contract signed", "empty home": "Nothing needs you right now"}


def words(surface: dict, *, within: tuple[str, ...] = ()) -> set[str]:
    """The plain words of a message or view, as a reader sees them (markup left out); with
    `within`, only those of these keys (such as placeholders)."""
    texts: list[str] = []

    def walk(node, inside: bool) -> None:
        if isinstance(node, dict):
            is_text = node.get("type") in ("mrkdwn", "plain_text")
            if is_text and isinstance(node.get("text"), str) and inside:
                texts.append(node["text"])
            for key, value in node.items():
                if key in IN_FIELDS:
                    walk(value, key in within)
                elif key not in ("text", "value", "private_metadata") or isinstance(value, dict):
                    walk(value, inside)
        elif isinstance(node, list):
            for item in node:
                walk(item, inside)

    walk(surface.get("blocks", []), not within)
    text = " ".join(texts)
    text = re.sub(r"<[^>]*>|:[a-z0-9_+-]+:|&[a-z]+;", " ", text)
    return {word for word in re.findall(r"[A-Za-z]{4,}", text)}


@pytest.fixture
def client(sandbox) -> WebClient:
    return WebClient(token="xoxb-sandbox", base_url=sandbox.api.base_url)


def test_every_message_the_bot_sends_is_drawn_with_its_words(browser_page, client):
    page, steps = browser_page
    built = messages()
    for message in built.values():
        client.chat_postMessage(channel=CHANNEL, text=message["text"], blocks=message["blocks"])
    page.click(f"[data-place={CHANNEL}]")
    drawn = page.locator("#messages [data-testid=message]")
    expect(drawn).to_have_count(len(built))
    steps.done("all-messages")

    for index, (name, message) in enumerate(built.items()):
        shown = drawn.nth(index).inner_text()
        missing = sorted(word for word in words(message) if word not in shown)
        assert not missing, f"{name}: {missing} not shown in {shown!r}"
        assert "<@" not in shown and ":dart:" not in shown, f"{name}: raw markup in {shown!r}"
    assert page.locator("#messages .unknown").count() == 0
    # Mentions show names, and buttons keep Slack's styles.
    expect(page.locator("#messages .mention", has_text="@Sam Okafor").first).to_be_visible()
    expect(page.locator("#messages button.primary").first).to_be_visible()


@pytest.mark.parametrize("name", list(views()))
def test_every_view_the_bot_opens_is_drawn_with_its_words(browser_page, sandbox, client, name):
    page, steps = browser_page
    view = views()[name]
    if view["type"] == "home":
        # Opening the tab has the bot publish Alex's own Home first; then this one replaces it.
        page.click("#nav-home")
        where = page.locator("#home")
        expect(where).to_contain_text("open milestones of yours")
        client.views_publish(user_id=ALEX, view=view)
        expect(where).to_contain_text(HOME_MARKS[name])
    else:
        client.views_open(trigger_id=sandbox.world.trigger(ALEX), view=view)
        where = page.locator("#modal")
        expect(where.locator("h2")).to_have_text(view["title"]["text"])
    expect(where.locator(".block").first).to_be_visible()
    steps.done(name)
    shown = where.inner_text()
    missing = sorted(word for word in words(view) if word not in shown)
    assert not missing, f"{missing} not shown in {shown!r}"
    assert where.locator(".unknown").count() == 0
    # In a field, or as a menu's first line.
    placeholders = shown + " ".join(
        where.locator("[placeholder]").evaluate_all(
            "nodes => nodes.map(n => n.getAttribute('placeholder'))"
        )
    )
    missing = sorted(w for w in words(view, within=("placeholder",)) if w not in placeholders)
    assert not missing, f"placeholders {missing} not shown in {placeholders!r}"


def test_the_form_elements_the_bot_may_use_are_drawn_and_submitted_as_slack_sends_them(
    browser_page, sandbox, client
):
    """Elements beyond the bot's present forms (conversations_select, checkboxes) included."""
    page, steps = browser_page
    view = {
        "type": "modal",
        "callback_id": "sandbox_elements",
        "title": {"type": "plain_text", "text": "Every element"},
        "submit": {"type": "plain_text", "text": "Send"},
        "blocks": [
            {
                "type": "input",
                "block_id": "where",
                "label": {"type": "plain_text", "text": "Which channel"},
                "element": {"type": "conversations_select", "action_id": "channel"},
            },
            {
                "type": "input",
                "block_id": "flags",
                "label": {"type": "plain_text", "text": "Which flags"},
                "element": {
                    "type": "checkboxes",
                    "action_id": "chosen",
                    "options": [
                        {"text": {"type": "plain_text", "text": "Quiet"}, "value": "quiet"},
                        {"text": {"type": "plain_text", "text": "Loud"}, "value": "loud"},
                    ],
                },
            },
        ],
    }
    client.views_open(trigger_id=sandbox.world.trigger(ALEX), view=view)
    modal = page.locator("#modal")
    modal.locator("[data-type=conversations_select]").select_option("C0PLATFORM")
    modal.get_by_label("Loud").check()
    steps.done("filled")
    values = page.evaluate("collectValues()")
    assert values == {
        "where": {
            "channel": {"type": "conversations_select", "selected_conversation": "C0PLATFORM"}
        },
        "flags": {
            "chosen": {
                "type": "checkboxes",
                "selected_options": [
                    {"text": {"type": "plain_text", "text": "Loud"}, "value": "loud"}
                ],
            }
        },
    }


def test_a_message_slack_would_refuse_is_refused_and_shown_refused(browser_page, client):
    page, steps = browser_page
    too_long = {"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel=CHANNEL, text="too long", blocks=[too_long])
    assert refused.value.response["error"] == "invalid_blocks"
    notice = page.get_by_test_id("refusal")
    expect(notice).to_contain_text("Slack would refuse this chat.postMessage")
    expect(notice).to_contain_text("151 characters, over 150")
    steps.done("refused")


def test_an_external_select_loads_its_options_from_the_bots_options_listener(
    browser_page, sandbox, client
):
    page, steps = browser_page
    many = [milestone(100 + n, f"Step {n}", ALEX, TODAY) for n in range(101)]
    view = milestone_modal.milestone_modal(
        metadata=milestone_modal.Metadata(channel_id="C0LAUNCH", key="k3"),
        prefill=milestone_modal.Prefill(),
        goals=[],
        candidates=many,
    )
    client.views_open(trigger_id=sandbox.world.trigger(ALEX), view=view)
    search = page.locator("#modal .external-search")
    search.fill("store")
    menu = page.locator("#modal [data-type=multi_external_select]")
    expect(menu.locator("option")).to_have_text(["M-4 · App Store submission"])
    menu.select_option(label="M-4 · App Store submission")
    steps.done("chosen")
    chosen = page.evaluate("collectValues()")[milestone_modal.DEPENDS_BLOCK]
    assert chosen[milestone_modal.DEPENDS_ACTION]["selected_options"][0]["value"] == "4"


def test_mrkdwn_is_drawn_as_slack_draws_it_in_the_readers_time_zone(browser_page):
    page, _ = browser_page
    moment = int(datetime(2026, 12, 7, 23, 30, tzinfo=UTC).timestamp())
    text = (
        f"*bold* _italic_ ~gone~ `code` <https://example.com/a?b=1&amp;c=2|a link> <@U0SAM> "
        f"<#C0PLATFORM> <!date^{moment}^{{date_short}} at {{time}}|fallback> :tada: "
        "&lt;!channel&gt; &amp; *not bold*x"
    )
    drawn = page.evaluate("text => mrkdwn(text)", text)

    for html in [
        "<b>bold</b>",
        "<i>italic</i>",
        "<s>gone</s>",
        "<code>code</code>",
        'href="https://example.com/a?b=1&amp;c=2"',
        ">a link</a>",
        '<span class="mention">@Sam Okafor</span>',
        '<span class="mention">#platform</span>',
        "Dec 7, 2026 at 18:30",  # Alex reads it in New York
        "🎉",
        "&lt;!channel&gt; &amp; *not bold*x",  # shown as typed: no mention, no markup
    ]:
        assert html in drawn, f"{html!r} not in {drawn!r}"
