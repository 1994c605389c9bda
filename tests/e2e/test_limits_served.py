"""A card declared through the form, served over HTTP, fits Slack's limits with the longest
hostile text (the property tests of every builder are in tests/unit/test_limits.py)."""

from __future__ import annotations

import json

from bot.render import milestone_modal
from tests.support.slacklimits import assert_fits


def test_a_card_declared_through_the_form_with_the_longest_hostile_text_is_posted_within_limits(
    bot,
):
    bot.command("")
    view = bot.slack.calls_to("views.open")[-1].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    typed = {
        milestone_modal.TITLE_BLOCK: {
            milestone_modal.TITLE_ACTION: {"type": "plain_text_input", "value": "&" * 150}
        },
        milestone_modal.DONE_BLOCK: {
            milestone_modal.DONE_ACTION: {"type": "plain_text_input", "value": "<!channel>&" * 181}
        },
    }

    response = bot.submit_view(view, typed)

    assert response.status_code == 200
    [card] = bot.slack.calls_to("chat.postMessage")
    assert_fits(card.params)
    done_when = card.params["blocks"][2]["elements"][0]["text"]
    assert done_when.startswith("Done when: &lt;!channel&gt;&amp;") and done_when.endswith("…")
    [milestone] = bot.milestones()
    assert milestone.definition_of_done == "<!channel>&" * 181
