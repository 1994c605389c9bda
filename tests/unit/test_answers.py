"""Tests for the words of the domain's refusals: each error's fields become the sentence a
person reads, with mentions, quotations and the commands that help."""

from datetime import date

import pytest

from bot.domain import errors
from bot.domain.coach import Context, Draft, review
from bot.domain.errors import Already, DateProblem, Role, Standing, Waiting, Written
from bot.render import answers
from bot.store.models import Status

TODAY = date(2026, 6, 1)
OPEN = Standing(reference="M-3", status=Status.OPEN, approver_id=None, due_date=date(2026, 6, 17))


def at(status: Status, due_date: date | None = None) -> Standing:
    return Standing(reference="M-3", status=status, approver_id="U_APPROVER", due_date=due_date)


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (
            errors.UnreadableDate("blah <!here>", DateProblem.UNREADABLE),
            "I couldn't read “blah &lt;!here&gt;” as a date. Try 2026-12-15, next friday, "
            "in 2 weeks, Dec 15, the 12th or end of month.",
        ),
        (
            errors.UnreadableDate("feb 30", DateProblem.NOT_ON_CALENDAR),
            "“feb 30” does not exist on the calendar. Try 2026-12-15, next friday, in 2 weeks, "
            "Dec 15, the 12th or end of month.",
        ),
        (
            errors.UnreadableDate(
                "1/2", DateProblem.AMBIGUOUS, days=(date(2027, 1, 2), date(2027, 2, 1))
            ),
            "“1/2” could be 2 January 2027 (2027-01-02) or 1 February 2027 (2027-02-01). "
            "Please write it year first.",
        ),
        (
            errors.UnreadableDate("12/15", DateProblem.AMBIGUOUS, days=(date(2026, 12, 15),)),
            "“12/15” reads only as 15 December 2026 (2026-12-15). Please write it year first "
            "to be sure.",
        ),
        (
            errors.UnreadableDate("13/45", DateProblem.AMBIGUOUS),
            "“13/45” is no day of the year, month first or day first. Try 2026-12-15, next "
            "friday, in 2 weeks, Dec 15, the 12th or end of month.",
        ),
        (
            errors.UnreadableDate(
                "Monday 12 March 2027", DateProblem.WRONG_WEEKDAY, days=(date(2027, 3, 12),)
            ),
            "“Monday 12 March 2027” doesn't add up: 12 March 2027 is a Friday. Which did you mean?",
        ),
        (
            errors.UnreadableDate(
                "after the holidays", DateProblem.HOLIDAYS, days=(date(2027, 1, 4),)
            ),
            "“after the holidays” depends on whose holidays, so I can't pick a day. Give the "
            "day you expect, like 2027-01-04.",
        ),
        (
            errors.UnreadableDate("ASAP", DateProblem.NO_DAY),
            "“ASAP” isn't a day anyone can plan around. Try 2026-12-15, next friday, in 2 weeks, "
            "Dec 15, the 12th or end of month.",
        ),
        (
            errors.UnreadableDate("q1 2027", DateProblem.WHOLE_QUARTER, period="Q1 2027"),
            "“q1 2027” is a whole quarter. Say which end you mean: start of Q1 2027 or end of "
            "Q1 2027.",
        ),
        (
            errors.UnreadableDate("sept", DateProblem.WHOLE_MONTH, period="September"),
            "“sept” is a whole month. Say which part you mean, like early September, "
            "mid-September or end of September.",
        ),
        (
            errors.PastDueDate(due_date=date(2026, 5, 29), today=TODAY),
            "Fri 29 May 2026 is in the past (today is Mon 1 Jun 2026). Pick today or a later date.",
        ),
        (
            errors.NotAReference("X-1"),
            "“X-1” is not a milestone reference. References look like M-12; `/milestone list` "
            "shows them.",
        ),
        (
            errors.MissingTitle(),
            "A milestone needs a title, for example: "
            "`/milestone add “Beta version completed” due next friday`.",
        ),
        (
            errors.TooLong(Written.TITLE, length=151, limit=150),
            "That title has 151 characters; a milestone title can have at most 150. Name the "
            "checkpoint briefly and keep the details elsewhere.",
        ),
        (
            errors.TooLong(Written.REASON, length=501, limit=500),
            "That reason has 501 characters; please keep it under 500.",
        ),
        (
            errors.TooLong(Written.DEFINITION, length=2001, limit=2000),
            "The definition of done has 2001 characters; keep it under 2000.",
        ),
        (errors.ReasonRequired(), "Please say what needs to change."),
        (
            errors.SelfApproval(),
            "This channel asks for separate approvals: the owner cannot also be the approver. "
            "Choose someone else to approve.",
        ),
        (errors.SelfDependency("M-3"), "M-3 cannot wait on itself."),
        (errors.CancelledPrerequisite("M-4"), "M-4 was cancelled; nothing can wait on it."),
        (
            errors.DependencyCycle((3, 4, 5)),
            "That would close a circle: M-3, which waits on M-4, which waits on M-5. "
            "A milestone cannot wait, even indirectly, on one that waits on it.",
        ),
        (
            errors.UnknownTimeZone("Mars/Base"),
            "“Mars/Base” is not a time zone I know. Use an IANA name such as Europe/Paris, "
            "America/New_York or UTC.",
        ),
        (
            errors.UnknownCoachRule("nope", ("vague", "duplicate")),
            "The coach has no rule “nope”. Its rules: vague, duplicate.",
        ),
        (
            errors.GoalExists(reference="G-2", name="Launch <b>"),
            "This channel already has the goal G-2 “Launch &lt;b&gt;”.",
        ),
        (
            errors.GoalNotFound("Launch"),
            "There is no open goal “Launch” in this channel. `/milestone goal list` shows them; "
            'name one by reference (G-3) or by its name in quotes (`goal "Launch mobile app"`).',
        ),
        (
            errors.AbsenceBackwards(first_day=date(2026, 6, 10), last_day=date(2026, 6, 8)),
            "The absence would end (Mon 8 Jun 2026) before it starts (Wed 10 Jun 2026).",
        ),
        (errors.AbsencePast(date(2026, 5, 29)), "Fri 29 May 2026 is already past."),
        (errors.MilestoneNotFound(), "That milestone no longer exists."),
        (
            errors.MilestoneNotFound("M-9"),
            "There is no milestone M-9 in this channel. `/milestone list all` shows this "
            "channel's milestones.",
        ),
        (
            errors.MilestoneNotFound("M-9", as_prerequisite=True),
            "There is no milestone M-9 in this channel; a milestone can only wait on milestones "
            "of its own channel.",
        ),
        (
            errors.NotReady("M-3", (Waiting("M-1", "Spec <ok>"),)),
            "M-3 waits on M-1 (Spec &lt;ok&gt;), not reached yet. Reach it first, or remove the "
            "link with `/milestone nodeps M-3`.",
        ),
        (
            errors.NotReady("M-3", (Waiting("M-1", "Spec"), Waiting("M-2", "Beta"))),
            "M-3 waits on M-1 (Spec), M-2 (Beta), not reached yet. Reach them first, or remove "
            "the link with `/milestone nodeps M-3`.",
        ),
        (
            errors.NotOwner(person_id="U1", role=Role.DECLARER, action="reschedule M-3"),
            "Only the person who declared it, <@U1>, can reschedule M-3.",
        ),
        (
            errors.NotInvolved("M-3"),
            "Only M-3's owner, approver or declarer can change its health.",
        ),
        (
            errors.NotApprover(reference="M-3", approver_id="U2"),
            "Only the approver, <@U2>, can decide on M-3.",
        ),
        (
            errors.NotGoalOwner(reference="G-1", owner_id="U3"),
            "Only the goal's owner, <@U3>, or whoever declared it can close G-1.",
        ),
        (
            errors.NotManager(["U4", "U5"]),
            "Only <@U4>, <@U5> or a workspace admin can change this channel's settings. "
            "Nothing was changed.",
        ),
        (
            errors.AdminCheckFailed(),
            "I could not check with Slack whether you are a workspace admin, so nothing was "
            "changed. Please try again in a moment.",
        ),
        (
            errors.InvalidCommand("`because` needs a reason after it."),
            "`because` needs a reason after it.",
        ),
        (
            errors.AwaitingApproval(at(Status.AWAITING_APPROVAL)),
            "M-3 is already waiting for <@U_APPROVER>'s approval.",
        ),
        (
            errors.AwaitingApproval(at(Status.AWAITING_APPROVAL), then="rescheduled"),
            "M-3 is waiting for <@U_APPROVER>'s approval; it can be rescheduled if changes are "
            "requested.",
        ),
        (errors.AlreadyInState(Already.SAME_DUE_DATE, OPEN), "M-3 is already due Wed 17 Jun 2026."),
        (
            errors.AlreadyInState(Already.NOT_MARKED, OPEN),
            "M-3 is not blocked or at risk by hand.",
        ),
        (errors.AlreadyInState(Already.SAME_MARK, OPEN), "M-3 is already marked that way."),
        (
            errors.AlreadyInState(Already.NO_PREREQUISITES, OPEN),
            "M-3 does not wait on other milestones.",
        ),
        (
            errors.AlreadyInState(Already.OUT_OF_DATE, OPEN),
            "That message is out of date. M-3 is open, due Wed 17 Jun 2026. Nothing was changed.",
        ),
        (
            errors.AlreadyInState(Already.SETTLED, at(Status.REACHED)),
            "M-3 was already reached. Nothing was changed.",
        ),
        (
            errors.AlreadyInState(Already.SETTLED, at(Status.CANCELLED)),
            "M-3 was cancelled. Nothing was changed.",
        ),
        (
            errors.AlreadyInState(Already.SETTLED, at(Status.AWAITING_APPROVAL)),
            "M-3 is waiting for <@U_APPROVER>'s approval. Nothing was changed.",
        ),
        (
            errors.AlreadyInState(Already.OUT_OF_DATE, at(Status.OPEN)),
            "That message is out of date. M-3 is open, with no due date. Nothing was changed.",
        ),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else "",
)
def test_each_refusal_is_worded_from_its_fields(error: errors.MilestoneError, words: str) -> None:
    assert answers.refusal(error) == words


def test_an_error_without_words_is_a_programming_error_not_a_blank_answer() -> None:
    with pytest.raises(TypeError):
        answers.refusal(errors.MilestoneError())


def test_the_coach_quotes_what_people_typed_and_names_the_look_alike() -> None:
    other = Draft("Beta <!channel> shipped", None, "U1", None, None, milestone_id=7)
    draft = Draft("Beta <!channel> shipped", None, "U1", None, None)
    context = Context(
        today=TODAY,
        open_milestones=(other,),
        goals_requiring_approval=frozenset(),
        references={7: "M-7"},
    )
    (duplicate,) = [s for s in review(draft, context) if s.rule_id == "duplicate"]
    assert answers.advice(duplicate) == (
        "This looks very like M-7 “Beta &lt;!channel&gt; shipped”, which is still open. If they "
        "are the same milestone, keep just one."
    )
