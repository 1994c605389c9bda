"""Domain errors: each carries a message fit to show the person who caused it."""


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
    """Only the owner may do this."""


class NotApprover(MilestoneError):
    """Only the approver may do this."""


class StaleAction(MilestoneError):
    """A button or request refers to a state the milestone has already left."""
