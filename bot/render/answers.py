"""The words of the domain's refusals and of the coach's suggestions: pure functions from the
fields the domain gives to the sentences people read, with mentions, quotations and the
commands that help."""

from __future__ import annotations

from datetime import date

from bot.domain.coach import Suggestion, Typed
from bot.domain.dates import format_day
from bot.domain.errors import (
    AbsenceBackwards,
    AbsencePast,
    AdminCheckFailed,
    Already,
    AlreadyInState,
    AwaitingApproval,
    CancelledPrerequisite,
    DateProblem,
    DependencyCycle,
    GoalExists,
    GoalNotFound,
    InvalidCommand,
    MilestoneError,
    MilestoneNotFound,
    MissingTitle,
    NotApprover,
    NotAReference,
    NotGoalOwner,
    NotInvolved,
    NotManager,
    NotOwner,
    NotReady,
    PastDueDate,
    ReasonRequired,
    SelfApproval,
    SelfDependency,
    Standing,
    TooLong,
    UnknownCoachRule,
    UnknownHolidays,
    UnknownTimeZone,
    UnreadableDate,
    UnreadableWorkingTime,
    Written,
)
from bot.domain.links import NoLinks, NothingShared
from bot.render.text import escape, quote, user
from bot.store.models import Status

DATE_EXAMPLES = "Try 2026-12-15, next friday, in 2 weeks, Dec 15, the 12th or end of month."


def refusal(error: MilestoneError) -> str:
    """What a refused request tells the person: the domain's error worded, people mentioned."""
    match error:
        case AwaitingApproval(then=None):
            return f"{error.reference} is already waiting for {user(error.approver_id)}'s approval."
        case AwaitingApproval():
            return (
                f"{error.reference} is waiting for {user(error.approver_id)}'s approval; "
                f"it can be {error.then} if changes are requested."
            )
        case AlreadyInState():
            return _already(error.why, error.standing)
        case NotApprover():
            return f"Only the approver, {user(error.approver_id)}, can decide on {error.reference}."
        case NotOwner():
            return f"Only the {error.role}, {user(error.person_id)}, can {error.action}."
        case NotInvolved():
            return f"Only {error.reference}'s owner, approver or declarer can change its health."
        case NotGoalOwner():
            return (
                f"Only the goal's owner, {user(error.owner_id)}, or whoever declared it can close "
                f"{error.reference}."
            )
        case NotManager():
            names = ", ".join(user(manager) for manager in error.managers)
            return (
                f"Only {names} or a workspace admin can change this channel's settings. "
                "Nothing was changed."
            )
        case UnreadableDate():
            return _unreadable(error)
        case PastDueDate():
            past, today = format_day(error.due_date), format_day(error.today)
            return f"{past} is in the past (today is {today}). Pick today or a later date."
        case MilestoneNotFound(reference=None):
            return "That milestone no longer exists."
        case MilestoneNotFound(as_prerequisite=True):
            return (
                f"There is no milestone {error.reference} in this channel; a milestone "
                "can only wait on milestones of its own channel."
            )
        case MilestoneNotFound(in_workspace=True):
            return (
                f"There is no milestone {error.reference} in this workspace. "
                "`/milestone list all` in its channel shows that channel's milestones."
            )
        case MilestoneNotFound():
            return (
                f"There is no milestone {error.reference} in this channel. "
                "`/milestone list all` shows this channel's milestones."
            )
        case NotReady():
            names = ", ".join(f"{m.reference} ({escape(m.title)})" for m in error.waiting_on)
            return (
                f"{error.reference} waits on {names}, not reached yet. Reach "
                f"{'it' if len(error.waiting_on) == 1 else 'them'} first, or remove the link with "
                f"`/milestone nodeps {error.reference}`."
            )
        case GoalNotFound():
            return (
                f"There is no open goal {quote(error.text)} in this channel. "
                "`/milestone goal list` shows them; name one by reference (G-3) or by its name "
                'in quotes (`goal "Launch mobile app"`).'
            )
        case UnreadableWorkingTime(what="hours"):
            return (
                f"{quote(error.text)} is not working hours ({error.problem}). Write opening and "
                "closing on a 24-hour clock, like `09:00-18:00` or `10:00-17:00`, or `default`. "
                "Nothing was changed."
            )
        case UnreadableWorkingTime():
            return (
                f"{quote(error.text)} is not a set of working days. Use three-letter days with "
                "ranges or commas, like `mon-fri`, `mon-thu` or `mon,tue,thu`, or `default`. "
                "Nothing was changed."
            )
        case UnknownHolidays():
            hint = f" Did you mean {', '.join(error.nearest)}?" if error.nearest else ""
            return (
                f"I know no public holidays for {quote(error.code)}.{hint} Use a country code, "
                "with a subdivision if you like, as the holidays library names them: `GB`, "
                "`FR`, `US-CA`, `DE-BY`; or `default`. Nothing was changed."
            )
        case NoLinks():
            return (
                "Calendar feeds and shared pages are off: the bot's admin has to set PUBLIC_URL "
                "(the address people reach this bot at) and FEED_SECRET (see .env.example)."
            )
        case NothingShared():
            shared = "this channel" if error.goal is None else "that goal"
            return (
                f"There is no page shared for {shared}, so nothing was revoked. "
                "`/milestone share list` shows the pages shared from here."
            )
        case AdminCheckFailed():
            return (
                "I could not check with Slack whether you are a workspace admin, so nothing was "
                "changed. Please try again in a moment."
            )
        case InvalidCommand():
            return _invalid(error)
    raise TypeError(f"no words for {error!r}")


def _invalid(error: InvalidCommand) -> str:
    match error:
        case NotAReference():
            return (
                f"{quote(error.text)} is not a milestone reference. References look like M-12; "
                "`/milestone list` shows them."
            )
        case MissingTitle():
            return (
                "A milestone needs a title, for example: "
                "`/milestone add “Beta version completed” due next friday`."
            )
        case TooLong(what=Written.TITLE):
            return (
                f"That title has {error.length} characters; a milestone title can have at most "
                f"{error.limit}. Name the checkpoint briefly and keep the details elsewhere."
            )
        case TooLong(what=Written.REASON):
            return f"That reason has {error.length} characters; please keep it under {error.limit}."
        case TooLong():
            return f"The {error.what} has {error.length} characters; keep it under {error.limit}."
        case ReasonRequired():
            return "Please say what needs to change."
        case SelfApproval():
            return (
                "This channel asks for separate approvals: the owner cannot also be the "
                "approver. Choose someone else to approve."
            )
        case SelfDependency():
            return f"{error.reference} cannot wait on itself."
        case CancelledPrerequisite():
            return f"{error.reference} was cancelled; nothing can wait on it."
        case DependencyCycle():
            described = ", which waits on ".join(f"M-{number}" for number in error.chain)
            return (
                f"That would close a circle: {described}. "
                "A milestone cannot wait, even indirectly, on one that waits on it."
            )
        case UnknownTimeZone():
            return (
                f"{quote(error.zone)} is not a time zone I know. Use an IANA name such as "
                "Europe/Paris, America/New_York or UTC."
            )
        case UnknownCoachRule():
            rules = ", ".join(error.rules)
            return f"The coach has no rule {quote(error.rule_id)}. Its rules: {rules}."
        case GoalExists():
            return f"This channel already has the goal {error.reference} {quote(error.name)}."
        case AbsenceBackwards():
            return (
                f"The absence would end ({format_day(error.last_day)}) before it starts "
                f"({format_day(error.first_day)})."
            )
        case AbsencePast():
            return f"{format_day(error.last_day)} is already past."
    if error.message is None:
        raise TypeError(f"no words for {error!r}")
    return error.message


def _unreadable(error: UnreadableDate) -> str:
    shown = quote(error.text)
    match error.problem:
        case DateProblem.NOT_ON_CALENDAR:
            return f"{shown} does not exist on the calendar. {DATE_EXAMPLES}"
        case DateProblem.AMBIGUOUS:
            return _ambiguous(shown, error.days)
        case DateProblem.WRONG_WEEKDAY:
            (day,) = error.days
            return f"{shown} doesn't add up: {_long_day(day)} is a {day:%A}. Which did you mean?"
        case DateProblem.HOLIDAYS:
            (day,) = error.days
            return (
                f"{shown} depends on whose holidays, so I can't pick a day. "
                f"Give the day you expect, like {day.isoformat()}."
            )
        case DateProblem.NO_DAY:
            return f"{shown} isn't a day anyone can plan around. {DATE_EXAMPLES}"
        case DateProblem.WHOLE_QUARTER:
            quarter = escape(error.period)
            return (
                f"{shown} is a whole quarter. Say which end you mean: start of {quarter} "
                f"or end of {quarter}."
            )
        case DateProblem.WHOLE_MONTH:
            month = escape(error.period)
            return (
                f"{shown} is a whole month. Say which part you mean, like early {month}, "
                f"mid-{month} or end of {month}."
            )
        case DateProblem.UNREADABLE:
            return f"I couldn't read {shown} as a date. {DATE_EXAMPLES}"


def _long_day(day: date) -> str:
    """ "12 March 2027": a day named in full, where the reader must tell two days apart."""
    return f"{day.day} {day:%B %Y}"


def _ambiguous(shown: str, readings: tuple[date, ...]) -> str:
    """12/11 read month-first and day-first, by the readings the calendar has."""
    said = " or ".join(f"{_long_day(day)} ({day.isoformat()})" for day in readings)
    match len(readings):
        case 0:
            return f"{shown} is no day of the year, month first or day first. {DATE_EXAMPLES}"
        case 1:
            return f"{shown} reads only as {said}. Please write it year first to be sure."
        case _:
            return f"{shown} could be {said}. Please write it year first."


# Why a request changed nothing, for a milestone {reference}, due {due}, where it {stands}.
_ALREADY = {
    Already.SETTLED: "{stands} Nothing was changed.",
    Already.AWAITING_APPROVAL: "{stands} Nothing was changed.",
    Already.OUT_OF_DATE: "That message is out of date. {stands} Nothing was changed.",
    Already.SAME_DUE_DATE: "{reference} is already due {due}.",
    Already.NOT_MARKED: "{reference} is not blocked or at risk by hand.",
    Already.SAME_MARK: "{reference} is already marked that way.",
    Already.NO_PREREQUISITES: "{reference} does not wait on other milestones.",
}
# Where a milestone {reference} stands, by its status, with its {approver} and {due} date.
_STANDING = {
    Status.REACHED: "{reference} was already reached.",
    Status.CANCELLED: "{reference} was cancelled.",
    Status.AWAITING_APPROVAL: "{reference} is waiting for {approver}'s approval.",
    Status.OPEN: "{reference} is open, {due}.",
}


def _already(why: Already, standing: Standing) -> str:
    return _ALREADY[why].format(
        reference=standing.reference,
        due=_due(standing),
        stands=describe_state(standing),
    )


def describe_state(standing: Standing) -> str:
    """One sentence on where a milestone stands, for answers to stale buttons."""
    return _STANDING[standing.status].format(
        reference=standing.reference,
        approver=user(standing.approver_id),
        due=f"due {_due(standing)}" if standing.due_date else "with no due date",
    )


def _due(standing: Standing) -> str:
    return format_day(standing.due_date) if standing.due_date else ""


def advice(suggestion: Suggestion) -> str:
    """A coach's suggestion in mrkdwn: its rule's words, with what people typed quoted."""
    values = {
        name: quote(value) if isinstance(value, Typed) else value
        for name, value in suggestion.values.items()
    }
    return suggestion.message.format(**values)


def card_not_posted(reference: str, channel_id: str, why: str) -> str:
    """Why a workflow step saved `reference` but could not post its card in the channel."""
    return (
        f"{reference} is saved, but I can't post in <#{channel_id}> ({why}). Invite me there "
        "with `/invite @Milestones` and its card is posted there."
    )


def step_failed() -> str:
    """A workflow step that broke on the bot's side, not on what it was given."""
    return "Something went wrong on the Milestones side; nothing is lost. Try the workflow again."
