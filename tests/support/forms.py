"""The milestone modal as Slack shows and submits it: the view the bot opened, the values a
person submits, and what the bot answers (inline errors, or closing the modal)."""

from __future__ import annotations

import json

from bot.render import blocks, milestone_modal
from tests.support.harness import OWNER


def opened_view(bot) -> dict:
    """The last view the bot opened, as Slack received it."""
    view = bot.slack.calls_to("views.open")[-1].params["view"]
    return json.loads(view) if isinstance(view, str) else view


def option(text: str, value: object) -> dict:
    return {"text": {"type": "plain_text", "text": text, "emoji": True}, "value": str(value)}


def values(
    title: str = "Beta version shipped",
    *,
    due: str | None = "2026-12-20",
    owner: str | None = OWNER,
    approver: str | None = None,
    goal: int | None = None,
    new_goal: str | None = None,
    done: str | None = None,
    after: tuple[int, ...] = (),
) -> dict:
    """The form's state.values, shaped as Slack sends them."""
    return {
        milestone_modal.TITLE_BLOCK: {
            milestone_modal.TITLE_ACTION: {"type": "plain_text_input", "value": title}
        },
        milestone_modal.GOAL_BLOCK: {
            milestone_modal.GOAL_ACTION: {
                "type": "static_select",
                "selected_option": option(f"G-{goal}", goal) if goal else None,
            }
        },
        milestone_modal.NEW_GOAL_BLOCK: {
            milestone_modal.NEW_GOAL_ACTION: {"type": "plain_text_input", "value": new_goal}
        },
        milestone_modal.OWNER_BLOCK: {
            milestone_modal.OWNER_ACTION: {"type": "users_select", "selected_user": owner}
        },
        milestone_modal.APPROVER_BLOCK: {
            milestone_modal.APPROVER_ACTION: {"type": "users_select", "selected_user": approver}
        },
        milestone_modal.DUE_BLOCK: {
            milestone_modal.DUE_ACTION: {"type": "datepicker", "selected_date": due}
        },
        milestone_modal.DONE_BLOCK: {
            milestone_modal.DONE_ACTION: {"type": "plain_text_input", "value": done}
        },
        milestone_modal.DEPENDS_BLOCK: {
            milestone_modal.DEPENDS_ACTION: {
                "type": "multi_static_select",
                "selected_options": [option(f"M-{m}", m) for m in after],
            }
        },
    }


def field_errors(response) -> dict:
    assert response.status_code == 200
    body = response.json()
    assert body["response_action"] == "errors"
    return body["errors"]


def closed(response) -> bool:
    """Slack closes the modal on an empty 200."""
    return response.status_code == 200 and response.text == ""


def edit_form(bot, milestone, *, user: str = OWNER) -> dict:
    bot.slack.reset()
    response = bot.press(blocks.EDIT, bot.button(milestone), user=user)
    assert response.status_code == 200
    return opened_view(bot)
