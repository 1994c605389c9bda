"""The one escaping function for user-written text, quoting built on it, mentions, and the one
function that shortens text to one of Slack's limits."""

import re
import unicodedata
from collections.abc import Iterator

ELLIPSIS = "…"
# The characters of user text a quotation shows: enough to recognise what was typed, short
# enough for any sentence around it to stay within a block's limit.
QUOTED = 200
# What a cut never splits: an entity `escape` made, a Slack token the bot wrote (<@U1>, <#C1>,
# <!date^…|…>, <https://…|label>: user text reaches a message escaped, so every "<" is the
# bot's own), an :emoji: code, or else one character.
_UNIT = re.compile(r"&(?:amp|lt|gt);|<[^<>\n]*>|:[a-z0-9_+'-]+:|.", re.DOTALL)
_JOINER = "\u200d"


def escape(text: str) -> str:
    """Make user text inert in a Slack message: no mention, channel ping or link comes out."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quote(text: str) -> str:
    """User text shown inside one of the bot's sentences, escaped, shortened to QUOTED
    characters and in quotation marks."""
    return f"“{shorten(escape(text), QUOTED)}”"


def user(user_id: str | None) -> str:
    """A mention of the person `user_id`."""
    return f"<@{user_id}>"


def shorten(text: str, limit: int) -> str:
    """`text` (mrkdwn already escaped, or plain text) in at most `limit` characters.

    Text that fits is returned as it is. Longer text is cut after the last whole unit that
    fits with a visible "…": never inside an entity, a Slack token, or a character with the
    accents and joiners that belong to it. Slack counts characters, which Python's len counts.
    """
    if len(text) <= limit:
        return text
    room, kept = limit - len(ELLIPSIS), []
    for unit in _units(text):
        if len(unit) > room:
            break
        kept.append(unit)
        room -= len(unit)
    return "".join(kept).rstrip() + ELLIPSIS


def _units(text: str) -> Iterator[str]:
    """`text`'s units in order, read only as far as the caller goes on asking (a cut needs
    the first few of a text that may be thousands of characters long)."""
    pending: list[str] = []
    for match in _UNIT.finditer(text):
        unit = match.group()
        if pending and (_attaches(unit) or pending[-1].endswith(_JOINER)):
            pending.append(unit)
            continue
        if pending:
            yield "".join(pending)
        pending = [unit]
    if pending:
        yield "".join(pending)


def _attaches(unit: str) -> bool:
    """Whether `unit` belongs to the character before it: a combining mark, a variation
    selector, a skin-tone modifier or a zero-width joiner."""
    first = unit[0]
    return (
        unicodedata.category(first) in ("Mn", "Mc", "Me")
        or first == _JOINER
        or "\U0001f3fb" <= first <= "\U0001f3ff"
    )


# Slack's markup in the text people wrote, as `readable` turns it into words.
_USER = r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>"
_CHANNEL = r"<#C[A-Z0-9]+(?:\|([^<>]*))?>"
_SPECIAL = r"<!(here|channel|everyone)(?:\|[^<>]*)?>"
_GROUP = r"<!subteam\^[A-Z0-9]+(?:\|([^<>]*))?>"
_DATE = r"<!date\^[^<>|]*\|([^<>]*)>"
_LINK = r"<((?:https?|mailto):[^<>|\s]*)(?:\|([^<>]*))?>"
_MARKUP = re.compile("|".join((_USER, _CHANNEL, _SPECIAL, _GROUP, _DATE, _LINK)))
SOMEONE = "a teammate"


def readable(text: str, names: dict[str, str | None]) -> str:
    """Text people wrote in Slack, in plain words for outside it (a calendar, a web page): a
    mention becomes the person's name from `names` (or "a teammate"), a channel its name, a
    link its label, a date its words; no Slack id is left. Not escaped: the caller's format
    escapes it."""

    def words(match: re.Match) -> str:
        user, channel, special, group, when, url, label = match.groups()
        if user:
            return "@" + (names.get(user) or SOMEONE)
        if match.group(0).startswith("<#"):
            return f"#{channel}" if channel else "a channel"
        if special:
            return f"@{special}"
        if match.group(0).startswith("<!subteam"):
            return group or "a group"
        if when is not None:
            return when
        return label or url

    return _MARKUP.sub(words, text)
