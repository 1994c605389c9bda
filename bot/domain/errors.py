"""Domain errors: each carries the facts of a refusal as fields (references, titles as typed,
dates, people, kinds as enums) and no sentence; bot.render.answers words them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.store.models import Status


class MilestoneError(Exception):
    """A request the bot understood but cannot carry out."""


class InvalidCommand(MilestoneError):
    """The request cannot be carried out as asked. The slash command's grammar raises it with
    its own `message`; the domain raises the subclasses below, which carry fields instead."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(*([message] if message else []))
        self.message = message


class DateProblem(StrEnum):
    NOT_ON_CALENDAR = "not on the calendar"  # understood, but no such day (31 June)
    # 12/11: month-first or day-first; `days` holds the readings the calendar has (0 to 2).
    AMBIGUOUS = "ambiguous"
    WRONG_WEEKDAY = "wrong weekday"  # "Monday 12 March 2027": `days` holds 12 March (a Friday)
    # "after the holidays": whose? `days` holds a day to suggest (the new year's first Monday).
    HOLIDAYS = "holidays"
    NO_DAY = "no day"  # "asap", "soon", "tbd": no day anyone can plan around
    WHOLE_QUARTER = "whole quarter"  # "Q1": `period` names it as typed ("Q1 2027", "this quarter")
    WHOLE_MONTH = "whole month"  # "March": `period` is the month's name
    UNREADABLE = "unreadable"


class UnreadableDate(MilestoneError):
    """The due date `text` (as typed, stripped) could not be read as a calendar date, for
    `problem`; `days` and `period` hold what the problem names (see DateProblem)."""

    def __init__(
        self,
        text: str,
        problem: DateProblem,
        *,
        days: tuple[date, ...] = (),
        period: str = "",
    ) -> None:
        super().__init__(text, problem)
        self.text, self.problem, self.days, self.period = text, problem, days, period


class PastDueDate(MilestoneError):
    """The due date lies before `today` in the caller's time zone."""

    def __init__(self, *, due_date: date, today: date) -> None:
        super().__init__(due_date, today)
        self.due_date, self.today = due_date, today


class NotAReference(InvalidCommand):
    """`text` is not a milestone reference such as M-12."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class MissingTitle(InvalidCommand):
    """A milestone (or goal) was declared without a title."""


class Written(StrEnum):
    """Which piece of text someone wrote."""

    TITLE = "title"
    REASON = "reason"
    DEFINITION = "definition of done"


class TooLong(InvalidCommand):
    """The `what` someone wrote has `length` characters, more than `limit`."""

    def __init__(self, what: Written, *, length: int, limit: int) -> None:
        super().__init__()
        self.what, self.length, self.limit = what, length, limit


class ReasonRequired(InvalidCommand):
    """Asking for changes needs a reason."""


class SelfApproval(InvalidCommand):
    """The owner would approve their own milestone where the channel asks for separation."""


class SelfDependency(InvalidCommand):
    """The milestone `reference` would wait on itself."""

    def __init__(self, reference: str) -> None:
        super().__init__()
        self.reference = reference


class CancelledPrerequisite(InvalidCommand):
    """The milestone `reference` was cancelled: nothing can wait on it."""

    def __init__(self, reference: str) -> None:
        super().__init__()
        self.reference = reference


class DependencyCycle(InvalidCommand):
    """Waiting would close a circle: each milestone id of `chain` waits on the next, the last
    on the first."""

    def __init__(self, chain: tuple[int, ...]) -> None:
        super().__init__()
        self.chain = chain


class UnknownTimeZone(InvalidCommand):
    """`zone`, as typed, is not an IANA time zone."""

    def __init__(self, zone: str) -> None:
        super().__init__()
        self.zone = zone


class UnknownCoachRule(InvalidCommand):
    """The coach has no rule `rule_id` (as typed); `rules` are the ones it has."""

    def __init__(self, rule_id: str, rules: tuple[str, ...]) -> None:
        super().__init__()
        self.rule_id, self.rules = rule_id, rules


class GoalExists(InvalidCommand):
    """The channel already has the open goal `reference` named `name`."""

    def __init__(self, *, reference: str, name: str) -> None:
        super().__init__()
        self.reference, self.name = reference, name


class GoalNotFound(MilestoneError):
    """No open goal named `text` (a reference or a name, as typed) in this channel."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class AbsenceBackwards(InvalidCommand):
    """The absence would end on `last_day`, before it starts on `first_day`."""

    def __init__(self, *, first_day: date, last_day: date) -> None:
        super().__init__()
        self.first_day, self.last_day = first_day, last_day


class AbsencePast(InvalidCommand):
    """The absence would end on `last_day`, already past."""

    def __init__(self, last_day: date) -> None:
        super().__init__()
        self.last_day = last_day


class MilestoneNotFound(MilestoneError):
    """No milestone `reference` in this channel (`in_workspace`: in the whole workspace, where a
    workflow step looks); `as_prerequisite` when it was named as one to wait on (it is another
    channel's). Without a reference: the milestone no longer exists."""

    def __init__(
        self,
        reference: str | None = None,
        *,
        as_prerequisite: bool = False,
        in_workspace: bool = False,
    ) -> None:
        super().__init__(*([reference] if reference else []))
        self.reference, self.as_prerequisite = reference, as_prerequisite
        self.in_workspace = in_workspace


@dataclass(frozen=True)
class Waiting:
    """A prerequisite not reached yet."""

    reference: str
    title: str


class NotReady(MilestoneError):
    """The milestone `reference` waits on `waiting_on`, not all reached."""

    def __init__(self, reference: str, waiting_on: tuple[Waiting, ...]) -> None:
        super().__init__(reference)
        self.reference, self.waiting_on = reference, waiting_on


class Role(StrEnum):
    """Who answers for a milestone."""

    OWNER = "owner"
    DECLARER = "person who declared it"  # while nobody owns it


class NotOwner(MilestoneError):
    """Only `person_id`, who answers for the milestone as its `role`, may do `action` (in words
    such as "reschedule M-3")."""

    def __init__(self, *, person_id: str, role: Role, action: str) -> None:
        super().__init__(person_id, role, action)
        self.person_id, self.role, self.action = person_id, role, action


class NotInvolved(MilestoneError):
    """Only the owner, approver or declarer of the milestone `reference` may change its health."""

    def __init__(self, reference: str) -> None:
        super().__init__(reference)
        self.reference = reference


class NotGoalOwner(MilestoneError):
    """Only the goal's owner, `owner_id`, or whoever declared it may close the goal `reference`."""

    def __init__(self, *, reference: str, owner_id: str | None) -> None:
        super().__init__(reference, owner_id)
        self.reference, self.owner_id = reference, owner_id


class NotApprover(MilestoneError):
    """Only the approver, `approver_id`, may decide on the milestone `reference`."""

    def __init__(self, *, reference: str, approver_id: str | None) -> None:
        super().__init__(reference, approver_id)
        self.reference, self.approver_id = reference, approver_id


class NotManager(MilestoneError):
    """Only the channel's settings managers, and workspace admins, may change its settings."""

    def __init__(self, managers: list[str]) -> None:
        super().__init__(managers)
        self.managers = managers


@dataclass(frozen=True)
class Standing:
    """Where a milestone stood when a request was refused: copied, so that the refusal can be
    worded after the session that loaded the milestone is gone."""

    reference: str
    status: Status
    approver_id: str | None
    due_date: date | None


class AdminCheckFailed(MilestoneError):
    """Whether someone is a workspace admin, which would let them change a channel's settings,
    could not be learnt in time."""


class StaleAction(MilestoneError):
    """A button or request refers to a state the milestone has already left."""


class Already(StrEnum):
    """Why a request changes nothing."""

    SETTLED = "settled"  # reached, cancelled, or waiting for approval when it should not be
    OUT_OF_DATE = "out of date"  # the message pressed shows an older revision
    SAME_DUE_DATE = "same due date"
    NOT_MARKED = "not marked"  # unblock, yet nobody marked it blocked or at risk
    SAME_MARK = "same mark"
    NO_PREREQUISITES = "no prerequisites"
    AWAITING_APPROVAL = "awaiting approval"


class AlreadyInState(StaleAction):
    """The request asks for a state the milestone is already in, or has moved past: `why`,
    and where it stands."""

    def __init__(self, why: Already, standing: Standing) -> None:
        super().__init__(why, standing)
        self.why, self.standing = why, standing


class AwaitingApproval(AlreadyInState):
    """The milestone waits for its approver's decision. `then` is what it could be once the
    approver asks for changes ("rescheduled", "edited"); None when completion was asked again."""

    def __init__(self, standing: Standing, *, then: str | None = None) -> None:
        super().__init__(Already.AWAITING_APPROVAL, standing)
        self.reference, self.approver_id, self.then = (
            standing.reference,
            standing.approver_id,
            then,
        )


class UnreadableWorkingTime(InvalidCommand):
    """`text` could not be read as working hours or days (`what`: "hours" or "days");
    `problem` says why in a few words."""

    def __init__(self, *, what: str, text: str, problem: str) -> None:
        super().__init__()
        self.what, self.text, self.problem = what, text, problem


class UnknownHolidays(InvalidCommand):
    """No holiday calendar has the code `code`; `nearest` are codes that look like it."""

    def __init__(self, code: str, nearest: list[str]) -> None:
        super().__init__()
        self.code, self.nearest = code, nearest
