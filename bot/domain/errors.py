"""Domain errors: each carries a plain message, and those that name people carry them as
fields, for bot.render to word (render.blocks.refusal) with mentions."""


class MilestoneError(Exception):
    """A request the bot understood but cannot carry out; `message` is shown to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnreadableDate(MilestoneError):
    """The due date text could not be read as a calendar date."""


class PastDueDate(MilestoneError):
    """The due date lies before today in the caller's time zone."""


class InvalidCommand(MilestoneError):
    """The command text does not follow the grammar; the message says what was wrong."""


class MilestoneNotFound(MilestoneError):
    """No milestone with that reference exists in this channel."""


class NotOwner(MilestoneError):
    """Only the owner may do this. For a milestone, `person_id` answers for it as its `role`
    ("owner", or "person who declared it" while nobody owns it) and `action` is what was
    refused ("reschedule M-3"); other refusals carry only their message."""

    def __init__(
        self,
        message: str,
        *,
        person_id: str | None = None,
        role: str | None = None,
        action: str | None = None,
    ) -> None:
        super().__init__(message)
        self.person_id, self.role, self.action = person_id, role, action


class NotGoalOwner(MilestoneError):
    """Only the goal's owner, `owner_id`, or whoever declared it may close the goal `reference`."""

    def __init__(self, *, reference: str, owner_id: str | None) -> None:
        super().__init__(f"Only the goal's owner or whoever declared it can close {reference}.")
        self.reference, self.owner_id = reference, owner_id


class NotApprover(MilestoneError):
    """Only the approver, `approver_id`, may decide on the milestone `reference`."""

    def __init__(self, *, reference: str, approver_id: str | None) -> None:
        super().__init__(f"Only the approver can decide on {reference}.")
        self.reference, self.approver_id = reference, approver_id


class StaleAction(MilestoneError):
    """A button or request refers to a state the milestone has already left."""


class NotManager(MilestoneError):
    """Only the channel's settings managers, and workspace admins, may change its settings."""

    def __init__(self, managers: list[str]) -> None:
        super().__init__(
            "Only this channel's managers or a workspace admin can change its settings. "
            "Nothing was changed."
        )
        self.managers = managers


class UnreadableWorkingTime(InvalidCommand):
    """`text` could not be read as working hours or days (`what`: "hours" or "days");
    `problem` says why in a few words."""

    def __init__(self, *, what: str, text: str, problem: str) -> None:
        super().__init__(f"{text!r} is not valid working {what}: {problem}.")
        self.what, self.text, self.problem = what, text, problem


class UnknownHolidays(InvalidCommand):
    """No holiday calendar has the code `code`; `nearest` are codes that look like it."""

    def __init__(self, code: str, nearest: list[str]) -> None:
        hint = f" Did you mean {', '.join(nearest)}?" if nearest else ""
        super().__init__(f"No public holidays are known for {code!r}.{hint}")
        self.code, self.nearest = code, nearest
