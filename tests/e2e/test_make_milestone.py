"""The message shortcut "Make it a milestone": the New milestone form opens prefilled from the
message, and the milestone's card links back to the message's permalink."""

import json
from urllib.parse import quote, unquote

from bot.render import milestone_modal
from tests.support.harness import OTHER, OWNER
from tests.support.reading import message_text

PERMALINK = "https://test.slack.com/archives/C111/p1700000000000900"


def opened_view(slack) -> dict:
    view = slack.calls_to("views.open")[-1].params["view"]
    return json.loads(view) if isinstance(view, str) else view


def field(view: dict, block_id: str) -> dict:
    [block] = [b for b in view["blocks"] if b.get("block_id") == block_id]
    return block["element"]


def test_the_form_opens_with_the_first_line_as_title_and_the_rest_as_definition(bot, slack):
    bot.command("list", user=OTHER)  # the bot knows Otto's name
    text = (
        f"Ship the beta &amp; tell <@{OTHER}> &lt;soon&gt;\n"
        "Every store has the build\n<https://example.com/plan|the plan> is followed"
    )

    response = bot.message_shortcut(text)

    assert response.status_code == 200
    view = opened_view(slack)
    assert view["callback_id"] == milestone_modal.NEW_MILESTONE_VIEW
    assert field(view, milestone_modal.TITLE_BLOCK)["initial_value"] == (
        "Ship the beta & tell @Otto Other <soon>"
    )
    assert field(view, milestone_modal.DONE_BLOCK)["initial_value"] == (
        "Every store has the build\nthe plan is followed"
    )
    assert field(view, milestone_modal.OWNER_BLOCK)["initial_user"] == OWNER
    [asked] = slack.calls_to("chat.getPermalink")
    assert asked.params == {"channel": "C111", "message_ts": "1700000000.000900"}


def test_the_card_of_the_milestone_made_links_to_the_message(bot, slack):
    bot.message_shortcut("Contract signed\nBoth parties signed every page")
    view = opened_view(slack)

    bot.submit_view(
        view,
        {
            milestone_modal.TITLE_BLOCK: {
                milestone_modal.TITLE_ACTION: {
                    "type": "plain_text_input",
                    "value": "Contract signed",
                }
            },
            milestone_modal.DONE_BLOCK: {
                milestone_modal.DONE_ACTION: {
                    "type": "plain_text_input",
                    "value": "Both parties signed every page",
                }
            },
            milestone_modal.DUE_BLOCK: {
                milestone_modal.DUE_ACTION: {"type": "datepicker", "selected_date": "2026-12-15"}
            },
        },
    )

    [milestone] = bot.milestones()
    assert milestone.source_permalink == PERMALINK
    assert milestone.definition_of_done == "Both parties signed every page"
    card = next(c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == "C111")
    assert f"Made from <{PERMALINK}|a message>" in message_text(card)


def test_a_long_message_is_shortened_to_the_forms_limits(bot, slack):
    bot.message_shortcut("word " * 100 + "\n" + "detail " * 400)

    view = opened_view(slack)
    title = field(view, milestone_modal.TITLE_BLOCK)["initial_value"]
    definition = field(view, milestone_modal.DONE_BLOCK)["initial_value"]

    assert len(title) <= milestone_modal.MAX_TITLE_INPUT and title.endswith("…")
    assert len(definition) <= milestone_modal.MAX_DEFINITION_INPUT and definition.endswith("…")


def test_without_a_permalink_the_form_still_opens_and_the_card_has_no_link(bot, slack):
    slack.fail("chat.getPermalink", status=200, error="message_not_found")
    bot.message_shortcut("Contract signed")

    view = opened_view(slack)

    assert "source" not in json.loads(view["private_metadata"])


def test_a_shortcut_without_its_message_opens_nothing_and_warns_once(bot, slack, caplog):
    body = bot.message_shortcut_body("Contract signed")
    payload = json.loads(unquote(body.removeprefix("payload=")))
    del payload["message"]

    response = bot.post("payload=" + quote(json.dumps(payload)))

    assert response.status_code == 200
    assert slack.calls_to("views.open") == [] and slack.calls_to("chat.getPermalink") == []
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert [r.getMessage() for r in warnings] == ["refused a message shortcut: message is missing"]
