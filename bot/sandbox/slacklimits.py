"""Slack's Block Kit limits, and one checker that walks a message or a view against them: the
sandbox's Web API refuses what it finds, as Slack would, and the tests assert it finds nothing.

The limits are Slack's Block Kit reference (blocks, block elements, composition objects,
views): lengths in characters, counted as Python counts them. The checker also reads every
mrkdwn text for what user text must never become: a ping, a link, or markup cut in two.
"""

from __future__ import annotations

import re

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
# Slack truncates a message's fallback text at 40,000 characters; the bot keeps it far shorter.
FALLBACK_TEXT = 3000
SECTION_TEXT = 3000
SECTION_FIELDS, FIELD_TEXT = 10, 2000
CONTEXT_ELEMENTS, CONTEXT_TEXT = 10, 3000
HEADER_TEXT = 150
ACTIONS_ELEMENTS = 25
BUTTON_TEXT, BUTTON_VALUE, BUTTON_URL = 75, 2000, 3000
ID = 255  # action_id, block_id, callback_id
OPTIONS, OPTION_TEXT, OPTION_VALUE = 100, 75, 150
PLACEHOLDER = 150
INPUT_LABEL, INPUT_HINT = 2000, 2000
INPUT_MAX_LENGTH = 3000
MODAL_TITLE, MODAL_BUTTON = 24, 24
PRIVATE_METADATA = 3000

# The Slack markup the bot itself writes: user and channel mentions, dates, links to its own
# pages and to Slack's permalinks, and nothing else. User text reaches a message escaped, so
# anything else in angle brackets came from it.
BOT_MARKUP = re.compile(
    r"<@[UW][A-Z0-9]+>|<#C[A-Z0-9]+>|<!date\^\d+\^\{[a-z_]+\}(?: at \{time\})?\|[^<>&]+>"
    r"|<https://[^<>|\s]+\|[^<>|]+>"
)
ENTITY = re.compile(r"&(?:amp|lt|gt);")
QUOTE_MARK = re.compile(r"^>", re.MULTILINE)


def problems(surface: dict, kind: str) -> list[str]:
    """What in `surface` Slack would refuse, or a reader would see broken; `kind` is
    "message", "modal" or "home"."""
    found: list[str] = []
    if kind == "message":
        _text(found, "message text", surface.get("text"), FALLBACK_TEXT, mrkdwn=True)
        _count(found, "blocks in a message", surface["blocks"], MESSAGE_BLOCKS)
    else:
        _count(found, f"blocks in a {kind}", surface["blocks"], VIEW_BLOCKS)
    if kind == "modal":
        _text(found, "modal title", surface["title"]["text"], MODAL_TITLE)
        for button in ("submit", "close"):
            if button in surface:
                _text(found, f"modal {button}", surface[button]["text"], MODAL_BUTTON)
        _length(found, "callback_id", surface.get("callback_id", ""), ID)
        _length(found, "private_metadata", surface.get("private_metadata", ""), PRIVATE_METADATA)
    for index, block in enumerate(surface["blocks"]):
        _block(found, f"block {index} ({block['type']})", block)
    return found


def options_problems(options: list[dict]) -> list[str]:
    """What Slack would refuse in the options an external select loads."""
    found: list[str] = []
    _options(found, "options", options)
    return found


def _block(found: list[str], where: str, block: dict) -> None:
    _length(found, f"{where} block_id", block.get("block_id", ""), ID)
    match block["type"]:
        case "section":
            if "text" in block:
                _text_object(found, f"{where} text", block["text"], SECTION_TEXT)
            fields = block.get("fields", [])
            _count(found, f"{where} fields", fields, SECTION_FIELDS)
            for field in fields:
                _text_object(found, f"{where} field", field, FIELD_TEXT)
            if "accessory" in block:
                _element(found, f"{where} accessory", block["accessory"])
        case "context":
            _count(found, f"{where} elements", block["elements"], CONTEXT_ELEMENTS)
            for element in block["elements"]:
                _text_object(found, f"{where} element", element, CONTEXT_TEXT)
        case "header":
            _text_object(found, f"{where} text", block["text"], HEADER_TEXT)
        case "actions":
            _count(found, f"{where} elements", block["elements"], ACTIONS_ELEMENTS)
            for element in block["elements"]:
                _element(found, f"{where} element", element)
        case "input":
            _text_object(found, f"{where} label", block["label"], INPUT_LABEL)
            if "hint" in block:
                _text_object(found, f"{where} hint", block["hint"], INPUT_HINT)
            _element(found, f"{where} element", block["element"])
        case "divider":
            pass
        case other:
            found.append(f"{where}: a block type the checker does not know: {other}")


def _element(found: list[str], where: str, element: dict) -> None:
    _length(found, f"{where} action_id", element.get("action_id", ""), ID)
    if "placeholder" in element:
        _text_object(found, f"{where} placeholder", element["placeholder"], PLACEHOLDER)
    match element["type"]:
        case "button":
            _text_object(found, f"{where} text", element["text"], BUTTON_TEXT)
            _length(found, f"{where} value", element.get("value", ""), BUTTON_VALUE)
            _length(found, f"{where} url", element.get("url", ""), BUTTON_URL)
        case "static_select" | "multi_static_select":
            if not element["options"]:
                found.append(f"{where}: a static menu with no option")
            _options(found, where, element["options"])
        case "plain_text_input":
            max_length = element.get("max_length", INPUT_MAX_LENGTH)
            if max_length > INPUT_MAX_LENGTH:
                found.append(f"{where} max_length: {max_length}, over {INPUT_MAX_LENGTH}")
            _length(found, f"{where} initial_value", element.get("initial_value", ""), max_length)
    for initial in ("initial_option", "initial_options"):
        if initial in element:
            chosen = element[initial]
            _options(found, f"{where} {initial}", chosen if isinstance(chosen, list) else [chosen])


def _options(found: list[str], where: str, options: list[dict]) -> None:
    _count(found, f"{where} options", options, OPTIONS)
    for option in options:
        _text_object(found, f"{where} option", option["text"], OPTION_TEXT)
        _length(found, f"{where} option value", option["value"], OPTION_VALUE)


def _text_object(found: list[str], where: str, text: dict, limit: int) -> None:
    _text(found, where, text["text"], limit, mrkdwn=text["type"] == "mrkdwn")


def _text(found: list[str], where: str, text: str | None, limit: int, mrkdwn: bool = False):
    if not text:
        found.append(f"{where}: empty")
        return
    _length(found, where, text, limit)
    if mrkdwn:
        # Left once the bot's markup, entities and blockquote marks are taken out: nothing that
        # Slack reads as markup, which would be user text let loose or a token cut in two.
        rest = QUOTE_MARK.sub("", ENTITY.sub("", BOT_MARKUP.sub("", text)))
        loose = sorted(set(rest) & set("<>&"))
        if loose:
            found.append(f"{where}: {''.join(loose)} outside the bot's markup in {text[:300]!r}")


def _length(found: list[str], where: str, text: str, limit: int) -> None:
    if len(text) > limit:
        found.append(f"{where}: {len(text)} characters, over {limit}")


def _count(found: list[str], where: str, items: list, limit: int) -> None:
    if len(items) > limit:
        found.append(f"{where}: {len(items)}, over {limit}")
