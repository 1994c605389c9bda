"""Slash-command text -> typed commands. Pure: no database, no clock, no Slack calls."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from enum import StrEnum

from bot.domain.errors import InvalidCommand
from bot.domain.milestones import ListScope
from bot.domain.schedules import FIELDS, stored_value
from bot.render.text import quote
from bot.store.models import EscalateTo, Health, NudgeRoute

_TOKEN = re.compile(r"“([^”]*)”|\"([^\"]*)\"|‘([^’]*)’|(<[^>]*>)|(\S+)")
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
# The longest command text read: the longest command the grammar takes (a title, a reason,
# mentions and references) is well under it, and nothing longer is tokenized or echoed.
MAX_COMMAND_LENGTH = 4000
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
    goal: str | None = None  # a goal's reference or name
    after: tuple[str, ...] = ()  # references of prerequisites


@dataclass(frozen=True)
class NewMilestoneModal:
    """`/milestone` alone, or `add` without a title: the "New milestone" modal, prefilled."""

    draft: Add


@dataclass(frozen=True)
class ListMilestones:
    scope: ListScope = ListScope.OPEN


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
class SetHealth:
    """block / unblock / risk: `state` is Health.BLOCKED, Health.AT_RISK, or None to clear."""

    reference: str
    state: Health | None
    reason: str | None = None


@dataclass(frozen=True)
class Depends:
    reference: str
    prerequisites: tuple[str, ...]


@dataclass(frozen=True)
class NoDependencies:
    reference: str


@dataclass(frozen=True)
class History:
    reference: str


@dataclass(frozen=True)
class Review:
    pass


@dataclass(frozen=True)
class Status:
    """`status`: the channel's, posted in it; `status mine`: the caller's, privately."""

    mine: bool = False


@dataclass(frozen=True)
class PersonalDigestSetting:
    """`me digest monday 09:00` or `me digest off` (`weekday` None)."""

    weekday: int | None = None
    at: time | None = None


@dataclass(frozen=True)
class Chart:
    """`goal` None: the whole channel's timeline."""

    goal: str | None = None


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


@dataclass(frozen=True)
class Export:
    format: ExportFormat


@dataclass(frozen=True)
class GoalAdd:
    name: str
    due_text: str | None = None
    owner_id: str | None = None
    requires_approval: bool = False


@dataclass(frozen=True)
class GoalList:
    pass


@dataclass(frozen=True)
class GoalClose:
    goal: str


@dataclass(frozen=True)
class Away:
    """`first_text` None: away off."""

    first_text: str | None
    last_text: str | None = None


@dataclass(frozen=True)
class DigestSettings:
    """`enabled=False` turns the weekly status off; None fields mean "show the settings"."""

    enabled: bool = True
    weekday: int | None = None
    at: time | None = None
    timezone: str | None = None
    show: bool = False


@dataclass(frozen=True)
class ChannelSetting:
    """One of the other channel settings: `name` is a ChannelSettings field."""

    name: str
    value: object


@dataclass(frozen=True)
class CoachSetting:
    rule_id: str
    enabled: bool


@dataclass(frozen=True)
class ManagersSetting:
    """`settings managers @a @b`: only they (and workspace admins) may change the channel's
    settings; no one (`settings managers anyone`): anyone may."""

    user_ids: tuple[str, ...]


@dataclass(frozen=True)
class CalendarLink:
    """`calendar`: the channel's calendar feed URL; `calendar reset`: a new one."""

    reset: bool = False


@dataclass(frozen=True)
class Share:
    """`share [goal]`: a read-only page of the channel's (or the goal's) milestones."""

    goal: str | None = None


@dataclass(frozen=True)
class ShareRevoke:
    goal: str | None = None


@dataclass(frozen=True)
class ShareList:
    pass


@dataclass(frozen=True)
class MySettings:
    """`/milestone me`: show the caller's settings; with `name` ("hours", "days" or
    "holidays"), set that one to `value` (None: back to the default)."""

    name: str | None = None
    value: str | None = None


Command = (
    Help
    | Add
    | NewMilestoneModal
    | ListMilestones
    | Done
    | Reschedule
    | Cancel
    | SetHealth
    | Depends
    | NoDependencies
    | History
    | Review
    | Status
    | Chart
    | Export
    | GoalAdd
    | GoalList
    | GoalClose
    | Away
    | DigestSettings
    | ChannelSetting
    | CoachSetting
    | ManagersSetting
    | CalendarLink
    | Share
    | ShareRevoke
    | ShareList
    | PersonalDigestSetting
    | MySettings
)


def tokenize(text: str) -> list[Token]:
    tokens = []
    for match in _TOKEN.finditer(text):
        quoted_text = next((g for g in match.groups()[:3] if g is not None), None)
        if quoted_text is not None:
            tokens.append(Token(html.unescape(quoted_text), quoted=True))
        else:
            tokens.append(Token(unescape(match.group(4) or match.group(5)), quoted=False))
    return tokens


def unescape(text: str) -> str:
    # Slack escapes only these three in command text; html.unescape would also turn
    # "&copy;" typed by a user into "©".
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def parse_command(text: str) -> Command:
    if len(text) > MAX_COMMAND_LENGTH:
        raise InvalidCommand(
            f"That command has {len(text):,} characters; `/milestone` reads at most "
            f"{MAX_COMMAND_LENGTH:,}. Keep titles and reasons short; details belong elsewhere."
        )
    tokens = tokenize(text)
    if not tokens:
        return NewMilestoneModal(draft=Add(title=""))
    name, rest = tokens[0].text.lower(), tokens[1:]
    if name in _SUBCOMMANDS:
        return _SUBCOMMANDS[name](rest)
    return Help(problem=f"I don't know the command {quote(tokens[0].text)}.")


def subcommand_of(text: str) -> str:
    """The subcommand `text` asks for ("add", "list", ...): "form" when it is empty (the New
    milestone form), "unknown" when it names none. A small set of names, fit for a metric."""
    words = text.split(maxsplit=1)
    if not words:
        return "form"
    return words[0].lower() if words[0].lower() in _SUBCOMMANDS else "unknown"


def _join(tokens: list[Token]) -> str:
    return " ".join(token.text for token in tokens).strip()


def parse_mention(text: str) -> str | None:
    match = _MENTION.match(text)
    return match.group(1) if match else None


def _sections(tokens: list[Token], keywords: tuple[str, ...]) -> tuple[str, dict]:
    """Split "<head words> kw1 <words> kw2 <words>" into the head and {keyword: tokens}."""
    index = 0
    while index < len(tokens) and not tokens[index].is_keyword(*keywords):
        index += 1
    head = _join(tokens[:index])
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
    return head, parts


# What a milestone reference starts with: "M-3", "m3", "#3", "3".
_REFERENCE_START = re.compile(r"^(?:m-?|#)?\d", re.IGNORECASE)


def _after_in_due_dates(tokens: list[Token]) -> list[Token]:
    """`due 3 days after friday`, `due after the holidays`: an "after" inside the due date
    that no milestone reference follows is part of the date, not the prerequisites' keyword."""
    kept, in_due = [], False
    for index, token in enumerate(tokens):
        if token.is_keyword("due", "owner", "approver", "goal"):
            in_due = token.is_keyword("due")
        elif in_due and token.is_keyword("after"):
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            if following is None or not _REFERENCE_START.match(following.text):
                token = Token(token.text, quoted=True)
        kept.append(token)
    return kept


def _parse_add(tokens: list[Token]) -> Add | NewMilestoneModal:
    keywords = ("due", "owner", "approver", "goal", "after")
    title, parts = _sections(_after_in_due_dates(tokens), keywords)
    due_text = None
    if "due" in parts:
        due_text = _join(parts["due"])
        if not due_text:
            raise InvalidCommand("`due` needs a date after it, such as `due next friday`.")
    goal = None
    if "goal" in parts:
        goal = _join(parts["goal"])
        if not goal:
            raise InvalidCommand('`goal` needs a goal after it: `goal G-3` or `goal "Launch app"`.')
    after = _references(parts["after"], "after") if "after" in parts else ()
    draft = Add(
        title=title,
        due_text=due_text,
        owner_id=_person(parts, "owner"),
        approver_id=_person(parts, "approver"),
        goal=goal,
        after=after,
    )
    return draft if title else NewMilestoneModal(draft=draft)


def _references(tokens: list[Token], keyword: str) -> tuple[str, ...]:
    references = tuple(part for token in tokens for part in token.text.split(",") if part)
    if not references:
        raise InvalidCommand(f"`{keyword}` needs milestone references, like `{keyword} M-3, M-4`.")
    return references


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
    if len(tokens) > 1 or scope not in {scope.value for scope in ListScope}:
        raise InvalidCommand(
            f"I can list `mine`, `overdue`, `done` or `all`, not {quote(_join(tokens))}. "
            "Plain `/milestone list` shows the open ones."
        )
    return ListMilestones(scope=ListScope(scope))


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


# settings <name> <value>: the ChannelSettings field each sets, and the values it takes.
_CHANNEL_SETTINGS = {
    "nudges": ("nudges", {route.value: route for route in NudgeRoute}),
    "mentions": ("mentions", {"on": True, "off": False}),
    "chart": ("status_chart", {"on": True, "off": False}),
    "escalate": ("escalate_to", {to.value: to for to in EscalateTo}),
    "approvals": ("separate_approvals", {"separate": True, "shared": False}),
}
# settings/me <name> <value> for working time: what each takes, for the usage line.
_WORKING_TIME_USAGE = {
    "hours": "&lt;HH:MM-HH:MM&gt;|default",
    "days": "&lt;days such as mon-fri&gt;|default",
    "holidays": "&lt;country[-subdivision]&gt;|default",
}

SETTINGS_USAGE = (
    "Settings: `digest &lt;weekday&gt; &lt;HH:MM&gt; [time zone]` or `digest off`, "
    "`nudges dm|channel|off`, `mentions on|off`, `chart on|off`, `escalate channel|approver`, "
    "`approvals separate|shared`, `coach off|on &lt;rule&gt;`, `managers @someone …|anyone`, "
    "`hours 09:00-18:00`, `days mon-fri`, `holidays GB` (`default` for the workspace's). "
    "`/milestone settings` alone shows them."
)
# The ids of this many people fit the column that keeps them (ChannelSettings.managers).
MAX_MANAGERS = 12


def _parse_settings(
    tokens: list[Token],
) -> DigestSettings | ChannelSetting | CoachSetting | ManagersSetting:
    if not tokens:
        return DigestSettings(show=True)
    name, values = tokens[0].text.lower(), tokens[1:]
    if name == "digest":
        return _parse_digest(values)
    if name == "managers":
        return _parse_managers(values)
    if name == "coach":
        if len(values) != 2 or values[0].text.lower() not in ("on", "off"):
            raise InvalidCommand(
                "Turn one coach rule off or on with `/milestone settings coach off &lt;rule&gt;`, "
                "for example `settings coach off too-many`."
            )
        return CoachSetting(rule_id=values[1].text.lower(), enabled=values[0].text.lower() == "on")
    if name in FIELDS:
        text = _working_time_value("settings", name, values)
        return ChannelSetting(name=FIELDS[name], value=stored_value(name, text))
    if name in _CHANNEL_SETTINGS:
        field_name, choices = _CHANNEL_SETTINGS[name]
        if len(values) != 1 or values[0].text.lower() not in choices:
            allowed = "|".join(choices)
            raise InvalidCommand(f"Use `/milestone settings {name} {allowed}`.")
        return ChannelSetting(name=field_name, value=choices[values[0].text.lower()])
    raise InvalidCommand(f"I don't know the setting {quote(tokens[0].text)}. {SETTINGS_USAGE}")


def _working_time_value(command: str, name: str, values: list[Token]) -> str:
    if len(values) != 1:
        raise InvalidCommand(
            f"Use `/milestone {command} {name} {_WORKING_TIME_USAGE[name]}`, for example "
            f"`/milestone {command} {name} {_EXAMPLES[name]}`."
        )
    return values[0].text


_EXAMPLES = {"hours": "10:00-17:00", "days": "mon-thu", "holidays": "GB"}


def _parse_me(tokens: list[Token]) -> MySettings | PersonalDigestSetting:
    if not tokens:
        return MySettings()
    if tokens[0].is_keyword("digest"):
        return _parse_personal_digest(tokens[1:])
    name = tokens[0].text.lower()
    if name not in FIELDS:
        raise InvalidCommand(
            f"I don't know your setting {quote(tokens[0].text)}. Yours: "
            "`/milestone me hours 10:00-17:00`, `me days mon-thu`, `me holidays GB` "
            "(`default` for the workspace's); `/milestone me` alone shows them. " + ME_USAGE
        )
    text = _working_time_value("me", name, tokens[1:])
    return MySettings(name=name, value=stored_value(name, text))


def _parse_managers(values: list[Token]) -> ManagersSetting:
    usage = (
        "Say who may change this channel's settings as @-mentions, "
        "`/milestone settings managers @alex @sam`, or let anyone: "
        "`/milestone settings managers anyone`. Workspace admins always may."
    )
    if len(values) == 1 and values[0].is_keyword("anyone"):
        return ManagersSetting(user_ids=())
    user_ids = [parse_mention(value.text) for value in values if not value.quoted]
    if not values or len(user_ids) != len(values) or None in user_ids:
        raise InvalidCommand(usage)
    unique = tuple(user_id for user_id in dict.fromkeys(user_ids) if user_id)
    if len(unique) > MAX_MANAGERS:
        raise InvalidCommand(
            f"That names {len(unique)} people; a channel can have at most {MAX_MANAGERS} "
            "settings managers (workspace admins always may change the settings)."
        )
    return ManagersSetting(user_ids=unique)


def _parse_digest(values: list[Token]) -> DigestSettings:
    usage = (
        "Set when this channel's weekly status posts with "
        "`/milestone settings digest &lt;weekday&gt; &lt;HH:MM&gt; [time zone]`, for example "
        "`/milestone settings digest monday 09:30 Europe/Paris`, or turn it off with "
        "`/milestone settings digest off`."
    )
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


def _parse_status(tokens: list[Token]) -> Status:
    if not tokens:
        return Status()
    if len(tokens) == 1 and tokens[0].is_keyword("mine"):
        return Status(mine=True)
    raise InvalidCommand(
        "`/milestone status` posts this channel's status; `/milestone status mine` shows you "
        "yours, from every channel, privately."
    )


ME_USAGE = (
    "Your own settings: `/milestone me digest &lt;weekday&gt; &lt;HH:MM&gt;` sends you your week "
    "by DM (what you answer for that is due or overdue, and what waits for your approval), "
    "for example `/milestone me digest monday 09:00`, in your Slack time zone; "
    "`/milestone me digest off` stops it."
)


def _parse_personal_digest(values: list[Token]) -> PersonalDigestSetting:
    if len(values) == 1 and values[0].is_keyword("off"):
        return PersonalDigestSetting()
    if len(values) != 2:
        raise InvalidCommand(ME_USAGE)
    weekday = parse_weekday(values[0].text)
    if weekday is None:
        raise InvalidCommand(f"{quote(values[0].text)} is not a day of the week. {ME_USAGE}")
    match = _TIME.match(values[1].text)
    if not match:
        raise InvalidCommand(
            f"{quote(values[1].text)} is not a 24-hour time like 09:30 or 17:00. {ME_USAGE}"
        )
    return PersonalDigestSetting(weekday=weekday, at=time(int(match.group(1)), int(match.group(2))))


def _parse_health(command: str, tokens: list[Token]) -> SetHealth:
    tokens, reason = _split_reason(tokens)
    reference = _single_reference(command, tokens)
    if not reason:
        raise InvalidCommand(
            f"Say why, so the channel knows: `/milestone {command} {reference} because ...`."
        )
    state = Health.BLOCKED if command == "block" else Health.AT_RISK
    return SetHealth(reference=reference, state=state, reason=reason)


def _parse_depends(tokens: list[Token]) -> Depends:
    if len(tokens) < 3 or not tokens[1].is_keyword("on"):
        raise InvalidCommand(
            "Say what waits on what: `/milestone depends M-5 on M-3` "
            "(M-5 cannot be reached before M-3)."
        )
    return Depends(reference=tokens[0].text, prerequisites=_references(tokens[2:], "on"))


def _parse_goal(tokens: list[Token]) -> GoalAdd | GoalList | GoalClose:
    usage = (
        '`/milestone goal add "Launch mobile app" [due &lt;date&gt;] [owner @someone] '
        "[approvals]`, `goal list`, `goal close G-3`."
    )
    action = tokens[0].text.lower() if tokens else ""
    rest = tokens[1:]
    if action == "list" and not rest:
        return GoalList()
    if action == "close":
        goal = _join(rest)
        if not goal:
            raise InvalidCommand(f"Which goal? {usage}")
        return GoalClose(goal=goal)
    if action == "add":
        requires_approval = bool(rest) and rest[-1].is_keyword("approvals")
        if requires_approval:
            rest = rest[:-1]
        name, parts = _sections(rest, ("due", "owner"))
        if not name:
            raise InvalidCommand(f"A goal needs a name. {usage}")
        due_text = _join(parts.get("due", [])) or None
        if "due" in parts and not due_text:
            raise InvalidCommand("`due` needs a date after it, such as `due end of march`.")
        return GoalAdd(
            name=name,
            due_text=due_text,
            owner_id=_person(parts, "owner"),
            requires_approval=requires_approval,
        )
    raise InvalidCommand(f"Goals: {usage}")


def _parse_export(tokens: list[Token]) -> Export:
    words = [token.text.lower() for token in tokens]
    if len(words) != 1 or words[0] not in tuple(ExportFormat):
        raise InvalidCommand(
            "Export as a spreadsheet or as data: `/milestone export csv` or "
            "`/milestone export json`."
        )
    return Export(ExportFormat(words[0]))


def _parse_away(tokens: list[Token]) -> Away:
    if len(tokens) == 1 and tokens[0].is_keyword("off"):
        return Away(first_text=None)
    first, parts = _sections(tokens, ("to",))
    last = _join(parts.get("to", [])) or None
    if not first or ("to" in parts and not last):
        raise InvalidCommand(
            "Say when you are away: `/milestone away 2026-12-24 to 2027-01-02`, "
            "`/milestone away friday`, or `/milestone away off`."
        )
    return Away(first_text=first, last_text=last)


def _parse_calendar(tokens: list[Token]) -> CalendarLink:
    if not tokens:
        return CalendarLink()
    if len(tokens) == 1 and tokens[0].is_keyword("reset"):
        return CalendarLink(reset=True)
    raise InvalidCommand(
        "`/milestone calendar` gives this channel's calendar feed; `/milestone calendar reset` "
        "ends it and gives a new one."
    )


def _parse_share(tokens: list[Token]) -> Share | ShareRevoke | ShareList:
    if tokens and tokens[0].is_keyword("list"):
        if len(tokens) > 1:
            raise InvalidCommand("`/milestone share list` takes nothing after it.")
        return ShareList()
    if tokens and tokens[0].is_keyword("revoke"):
        return ShareRevoke(goal=_join(tokens[1:]) or None)
    return Share(goal=_join(tokens) or None)


_SUBCOMMANDS: dict[str, Callable[[list[Token]], Command]] = {
    "help": lambda rest: Help(),
    "add": _parse_add,
    "list": _parse_list,
    "done": lambda rest: Done(reference=_single_reference("done", rest)),
    "due": _parse_due,
    "cancel": _parse_cancel,
    "block": lambda rest: _parse_health("block", rest),
    "unblock": lambda rest: SetHealth(reference=_single_reference("unblock", rest), state=None),
    "risk": lambda rest: _parse_health("risk", rest),
    "depends": _parse_depends,
    "nodeps": lambda rest: NoDependencies(reference=_single_reference("nodeps", rest)),
    "history": lambda rest: History(reference=_single_reference("history", rest)),
    "review": lambda rest: Review(),
    "status": _parse_status,
    "me": _parse_me,
    "chart": lambda rest: Chart(goal=_join(rest) or None),
    "export": _parse_export,
    "goal": _parse_goal,
    "away": _parse_away,
    "settings": _parse_settings,
    "calendar": _parse_calendar,
    "share": _parse_share,
}
