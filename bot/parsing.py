"""Slash-command text -> typed commands. Pure: no database, no clock, no Slack calls."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import time

from bot.errors import InvalidCommand
from bot.text import quote

_TOKEN = re.compile(r"“([^”]*)”|\"([^\"]*)\"|‘([^’]*)’|(<[^>]*>)|(\S+)")
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_ALIASES = {"tues": 1, "wednes": 2, "thur": 3, "thurs": 3}


@dataclass(frozen=True)
class Token:
    text: str  # Slack's escaping (&amp; &lt; &gt;) already undone
    quoted: bool

    def is_keyword(self, *words: str) -> bool:
        return not self.quoted and self.text.lower() in words


@dataclass(frozen=True)
class Help:
    problem: str | None = None


@dataclass(frozen=True)
class Add:
    title: str
    due_text: str | None = None
    owner_id: str | None = None
    approver_id: str | None = None


@dataclass(frozen=True)
class ListMilestones:
    scope: str = "open"


@dataclass(frozen=True)
class Done:
    reference: str


@dataclass(frozen=True)
class Reschedule:
    reference: str
    due_text: str
    reason: str | None = None


@dataclass(frozen=True)
class Cancel:
    reference: str
    reason: str | None = None


@dataclass(frozen=True)
class Status:
    pass


@dataclass(frozen=True)
class DigestSettings:
    """`enabled=False` turns the weekly status off; None fields mean "show the settings"."""

    enabled: bool = True
    weekday: int | None = None
    at: time | None = None
    timezone: str | None = None
    show: bool = False


Command = Help | Add | ListMilestones | Done | Reschedule | Cancel | Status | DigestSettings


def tokenize(text: str) -> list[Token]:
    tokens = []
    for match in _TOKEN.finditer(text):
        quoted_text = next((g for g in match.groups()[:3] if g is not None), None)
        if quoted_text is not None:
            tokens.append(Token(html.unescape(quoted_text), quoted=True))
        else:
            tokens.append(Token(_unescape(match.group(4) or match.group(5)), quoted=False))
    return tokens


def _unescape(text: str) -> str:
    # Slack escapes only these three in command text; html.unescape would also turn
    # "&copy;" typed by a user into "©".
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def parse_command(text: str) -> Command:
    tokens = tokenize(text)
    if not tokens:
        return Help(problem="Tell me what to do: `/milestone add`, `list`, `done`, and more.")
    name, rest = tokens[0].text.lower(), tokens[1:]
    if name == "help":
        return Help()
    if name == "add":
        return _parse_add(rest)
    if name == "list":
        return _parse_list(rest)
    if name == "done":
        return Done(reference=_single_reference("done", rest))
    if name == "due":
        return _parse_due(rest)
    if name == "cancel":
        return _parse_cancel(rest)
    if name == "status":
        return Status()
    if name == "settings":
        return _parse_settings(rest)
    return Help(problem=f"I don't know the command {quote(tokens[0].text)}.")


def _join(tokens: list[Token]) -> str:
    return " ".join(token.text for token in tokens).strip()


def parse_mention(text: str) -> str | None:
    match = _MENTION.match(text)
    return match.group(1) if match else None


def _parse_add(tokens: list[Token]) -> Add:
    keywords = ("due", "owner", "approver")
    title_tokens: list[Token] = []
    index = 0
    while index < len(tokens) and not tokens[index].is_keyword(*keywords):
        title_tokens.append(tokens[index])
        index += 1
    title = _join(title_tokens)
    if not title:
        raise InvalidCommand(
            "A milestone needs a title before `due`, `owner` or `approver`, for example: "
            "`/milestone add Beta version completed due next friday`. If the title itself "
            "holds one of those words, put it in quotes: "
            '`/milestone add "Due diligence done" due fri`.'
        )
    parts: dict[str, list[Token]] = {}
    current = None
    for token in tokens[index:]:
        if token.is_keyword(*keywords):
            current = token.text.lower()
            if current in parts:
                raise InvalidCommand(f"`{current}` appears twice; give it once.")
            parts[current] = []
        else:
            parts[current].append(token)
    due_text = None
    if "due" in parts:
        due_text = _join(parts["due"])
        if not due_text:
            raise InvalidCommand("`due` needs a date after it, such as `due next friday`.")
    return Add(
        title=title,
        due_text=due_text,
        owner_id=_person(parts, "owner"),
        approver_id=_person(parts, "approver"),
    )


def _person(parts: dict[str, list[Token]], keyword: str) -> str | None:
    if keyword not in parts:
        return None
    tokens = parts[keyword]
    user_id = parse_mention(tokens[0].text) if len(tokens) == 1 and not tokens[0].quoted else None
    if user_id is None:
        raise InvalidCommand(
            f"`{keyword}` needs one person after it, written as an @-mention: `{keyword} @alex`."
        )
    return user_id


def _parse_list(tokens: list[Token]) -> ListMilestones:
    if not tokens:
        return ListMilestones()
    scope = tokens[0].text.lower()
    if len(tokens) > 1 or scope not in ("open", "mine", "overdue", "done", "all"):
        raise InvalidCommand(
            f"I can list `mine`, `overdue`, `done` or `all`, not {quote(_join(tokens))}. "
            "Plain `/milestone list` shows the open ones."
        )
    return ListMilestones(scope=scope)


def _single_reference(command: str, tokens: list[Token]) -> str:
    if len(tokens) != 1:
        raise InvalidCommand(
            f"`/milestone {command}` needs one milestone reference, "
            f"like `/milestone {command} M-3`."
        )
    return tokens[0].text


def _split_reason(tokens: list[Token]) -> tuple[list[Token], str | None]:
    for index, token in enumerate(tokens):
        if token.is_keyword("because"):
            reason = _join(tokens[index + 1 :])
            if not reason:
                raise InvalidCommand("`because` needs a reason after it.")
            return tokens[:index], reason
    return tokens, None


def _parse_due(tokens: list[Token]) -> Reschedule:
    tokens, reason = _split_reason(tokens)
    if len(tokens) < 2:
        raise InvalidCommand(
            "`/milestone due` needs a reference and a new date, like "
            "`/milestone due M-3 next friday because the vendor is late`."
        )
    return Reschedule(reference=tokens[0].text, due_text=_join(tokens[1:]), reason=reason)


def _parse_cancel(tokens: list[Token]) -> Cancel:
    tokens, reason = _split_reason(tokens)
    return Cancel(reference=_single_reference("cancel", tokens), reason=reason)


def parse_weekday(text: str) -> int | None:
    word = text.lower().rstrip(".")
    if len(word) < 3:
        return None
    if word in _WEEKDAY_ALIASES:
        return _WEEKDAY_ALIASES[word]
    for number, name in enumerate(WEEKDAYS):
        if name.startswith(word) and (len(word) == 3 or word == name):
            return number
    return None


def _parse_settings(tokens: list[Token]) -> DigestSettings:
    usage = (
        "Set when this channel's weekly status posts with "
        "`/milestone settings digest <weekday> <HH:MM> [time zone]`, for example "
        "`/milestone settings digest monday 09:30 Europe/Paris`, or turn it off with "
        "`/milestone settings digest off`."
    )
    if not tokens:
        return DigestSettings(show=True)
    if tokens[0].text.lower() != "digest":
        raise InvalidCommand(f"I don't know the setting {quote(tokens[0].text)}. {usage}")
    values = tokens[1:]
    if not values:
        return DigestSettings(show=True)
    if len(values) == 1 and values[0].text.lower() in ("off", "on"):
        return DigestSettings(enabled=values[0].text.lower() == "on")
    if len(values) not in (2, 3):
        raise InvalidCommand(usage)
    weekday = parse_weekday(values[0].text)
    if weekday is None:
        raise InvalidCommand(f"{quote(values[0].text)} is not a day of the week. {usage}")
    match = _TIME.match(values[1].text)
    if not match:
        raise InvalidCommand(
            f"{quote(values[1].text)} is not a 24-hour time like 09:30 or 17:00. {usage}"
        )
    return DigestSettings(
        weekday=weekday,
        at=time(int(match.group(1)), int(match.group(2))),
        timezone=values[2].text if len(values) == 3 else None,
    )
