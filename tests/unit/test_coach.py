"""Tests for the milestone coach: each rule's suggestions, and the milestones it leaves alone."""

import re
from dataclasses import replace
from datetime import date, timedelta

import pytest

from bot.domain.coach import RULE_IDS, RULES, Context, Draft, review
from bot.render.answers import advice
from bot.render.text import escape
from tests.support.labelled_titles import SETS, TITLE_RULES, labelled_titles, scores

TODAY = date(2026, 6, 1)  # a Monday
DUE = date(2026, 6, 17)  # a Wednesday; its ISO week runs Mon 15 to Sun 21 June
GOAL = 3
OWNER = "U_OWNER"


def make_draft(title: str = "Beta version completed", **changes: object) -> Draft:
    draft = Draft(title=title, due_date=DUE, owner_id=OWNER, approver_id=None, goal_id=None)
    return replace(draft, **changes)


def make_context(**changes: object) -> Context:
    context = Context(today=TODAY, open_milestones=(), goals_requiring_approval=frozenset())
    return replace(context, **changes)


def saved(milestone_id: int, title: str = "Some other milestone", **changes: object) -> Draft:
    return make_draft(title, milestone_id=milestone_id, **changes)


def rule_ids(draft: Draft, context: Context | None = None) -> list[str]:
    return [suggestion.rule_id for suggestion in review(draft, context or make_context())]


def message(rule_id: str, draft: Draft, context: Context | None = None) -> str:
    (found,) = [s for s in review(draft, context or make_context()) if s.rule_id == rule_id]
    return advice(found)


# The guide's examples of good milestones, and a few more in the same spirit.
GOOD_MILESTONES = [
    "Beta version completed",
    "Prototype completed",
    "Contract signed",
    "Budget approved",
    "Website launched",
    "User testing finished",
    "First sale made",
    "Training completed",
    "Final draft submitted",
    "Product shipped",
    "Customer feedback collected",
    "Client approves final proposal",
    "Publish redesigned homepage",
    "Complete user testing by June 15",
    "First 1,000 customers reached",
    "Foundation completed",
    "First working prototype delivered",
    "Research proposal approved",
    "Completed the first month of training",
    "Campaign assets approved",
    "Project requirements approved",
    "First customer demo completed",
    "Complete first draft",
    "Approve final design",
]


@pytest.mark.parametrize("title", GOOD_MILESTONES)
def test_good_milestone_gets_no_suggestion(title: str) -> None:
    assert review(make_draft(title), make_context()) == []


@pytest.mark.parametrize(
    "title",
    [
        "make progress",
        "Make progress",
        "Improve the website",
        "improve website",
        "Project moving forward",
        "Work on pricing page",
        "Working on the mobile app",
        "Ongoing",
        "Onboarding ongoing",
        "Continue user interviews",
        "Keep going",
        "Various fixes",
        "Stuff",
        "misc",
        "Progress on hiring",
        "Look into caching",
        "Try to fix login",
        "Reduce churn",
        "Improve website by 2026-06-15",  # a date is not a target
        "Improve website for Q3",
    ],
)
def test_vague_title_gets_a_suggestion(title: str) -> None:
    assert "vague" in rule_ids(make_draft(title))


@pytest.mark.parametrize(
    "title",
    [
        "Continuous integration pipeline live",
        "Improve checkout conversion to 3%",  # a target makes a direction checkable
        "Reduce page load under 2 seconds",
        "Increase trial signups by 20%",
        "Progress report submitted",
        "Networking event held",
        "Growth plan approved",
        "Publish redesigned homepage",
        "First customer demo completed",
    ],
)
def test_title_naming_a_checkable_result_is_not_vague(title: str) -> None:
    assert "vague" not in rule_ids(make_draft(title))


@pytest.mark.parametrize(
    "title",
    [
        "June 15",
        "15 June",
        "June 15th.",
        "2026-12-15",
        "Dec 15",
        "Dec 15, 2026",
        "Friday",
        "next friday",
        "by Friday",
        "Due: June 15",
        "Deadline",
        "June 15 deadline",
        "end of month",
        "End of Q3",
        "Q3",
        "Q3 2026",
        "mid-June",
        "next quarter",
        "EOD",
        "in 2 weeks",
        "15/06",
    ],
)
def test_title_that_is_only_a_date_gets_a_suggestion(title: str) -> None:
    assert rule_ids(make_draft(title)) == ["date-title"]


@pytest.mark.parametrize(
    "title",
    [
        "Complete user testing by June 15",
        "User testing complete by June 15",
        "Q3 budget approved",
        "Friday release shipped",
        "Deadline extension approved",
        "On track for launch review",
        "Due diligence finished",
    ],
)
def test_title_that_holds_a_date_and_a_result_is_not_a_date_title(title: str) -> None:
    assert "date-title" not in rule_ids(make_draft(title))


@pytest.mark.parametrize(
    "title",
    [
        "Send one email",
        "sending one email",
        "Send the email to Dana",
        "Write an email",
        "One email sent",
        "Update a doc",
        "updating one document",
        "Update the spreadsheet",
        "Spreadsheet updated",
        "Schedule a meeting",
        "Weekly sync scheduled",
        "Book a room",
        "Call Sam",
        "Reply to the client",
        "Email the vendor",
        "Ping <@U123>",
        "Fix typo",
        "Typos fixed",
        "Review PR 123",
        "PR #123 reviewed",
        "Attend the standup",
    ],
)
def test_routine_task_gets_a_suggestion(title: str) -> None:
    assert "routine-task" in rule_ids(make_draft(title))


@pytest.mark.parametrize(
    "title",
    [
        "Contract signed",
        "Campaign assets approved",
        "Final draft submitted",
        "Customer feedback collected",
        "Email campaign launched",
        "Call routing live",
        "Call for papers published",
        "Design review completed",
        "Release notes published",
        "Data sync set up",
        "Newsletter sent to 1,000 subscribers",
    ],
)
def test_stage_is_not_a_routine_task(title: str) -> None:
    assert "routine-task" not in rule_ids(make_draft(title))


@pytest.mark.parametrize("which", SETS)
@pytest.mark.parametrize("rule", TITLE_RULES)
def test_title_rule_is_precise_and_finds_most_titles_it_should(which: str, rule: str) -> None:
    (score,) = [score for score in scores(labelled_titles(which)) if score.rule == rule]
    assert score.labelled >= 10
    assert score.precision >= 0.95, f"drew wrongly: {score.wrong}"
    assert score.recall >= 0.85, f"missed: {score.missed}"


def test_first_labelled_set_has_300_titles_from_many_fields() -> None:
    titles = labelled_titles("first")
    assert len(titles) >= 300
    assert len({title.title for title in titles}) == len(titles)
    fields = {title.field for title in titles}
    assert fields >= {
        "software", "hardware", "construction", "research", "events", "hiring", "marketing",
        "finance", "education",
    }  # fmt: skip
    assert {rule for title in titles for rule in title.rules} == set(TITLE_RULES)
    assert sum(not title.rules for title in titles) >= 100


@pytest.mark.parametrize(
    ("title", "rule_id"),
    [
        ("Keep moving on the backend", "vague"),
        ("Make headway on hiring", "vague"),
        ("Better docs", "vague"),
        ("Friday the 12th", "date-title"),
        # Any inflection of the effort reads alike.
        ("Kept working on the backend", "vague"),
        ("Keeps moving on the backend", "vague"),
        ("Making headway on hiring", "vague"),
        ("Made some headway with hiring", "vague"),
        ("Improving the docs", "vague"),
        ("Smoother deploys", "vague"),
        ("Sent the proposal", "routine-task"),
        ("Sending the proposal", "routine-task"),
    ],
)
def test_titles_nobody_on_the_team_wrote_are_coached(title: str, rule_id: str) -> None:
    assert rule_ids(make_draft(title)) == [rule_id]


@pytest.mark.parametrize(
    ("title", "rewrites"),
    [
        ("Keep moving on the backend", "Try: “Backend shipped” or “Backend signed off”."),
        ("Make headway on hiring", "Try: “Hiring plan approved” or “Hiring complete”."),
        ("Better docs", "Try: “Docs at [your target]” or “Docs goal reached”."),
        ("Improve test coverage", "Try: “Test coverage at [your target]” or “Test coverage goal"),
        ("Look into flaky tests", "Try: “Decision on flaky tests recorded” or “Findings on flaky"),
        ("Data collection", "Try: “Data collection plan approved” or “Data collection complete”."),
        ("Keep going", "Try: “Beta released to 100 users” or “Contract signed”."),
        ("Continue refactoring the billing module", "Try: “Billing module shipped”"),
        ("Work on pricing page by June 15", "Try: “Pricing page shipped”"),
    ],
)
def test_vague_suggestion_offers_rewrites_built_from_the_title(title: str, rewrites: str) -> None:
    assert rewrites in message("vague", make_draft(title))


@pytest.mark.parametrize(
    ("title", "opening"),
    [
        ("Keep moving on the backend", "describes effort"),
        ("Explore GraphQL", "describes looking into something"),
        ("Reduce costs", "names a direction"),
        ("Event logistics", "names a topic"),
    ],
)
def test_vague_suggestion_says_what_the_title_names_instead_of_a_result(
    title: str, opening: str
) -> None:
    assert message("vague", make_draft(title)).startswith(
        f"“{title}” {opening} rather than a result anyone could check. Say what will be true "
        "once it is reached. Try: "
    )


@pytest.mark.parametrize(
    ("title", "rewrites"),
    [
        ("Send the proposal", "Try: “Proposal accepted” or “Proposal signed off”."),
        ("Schedule the sprint demo", "Try: “Sprint demo held” or “Decisions from sprint demo"),
        ("Call the inspector", "Try: “Contract signed” or “Launch checklist complete”."),
    ],
)
def test_routine_task_suggestion_names_the_stage_it_could_lead_to(
    title: str, rewrites: str
) -> None:
    text = message("routine-task", make_draft(title))
    assert text.startswith(f"“{title}” reads like a single task. A milestone marks a change")
    assert text.endswith(rewrites) or rewrites in text


def test_rewrite_built_from_hostile_text_stays_inert() -> None:
    text = message("vague", make_draft("Keep moving on <!channel> & <@U123>"))
    assert "Try: “&lt;!channel&gt; &amp; &lt;@U123&gt; shipped”" in text


def test_rewrite_of_a_very_long_title_is_shortened() -> None:
    text = message("vague", make_draft("Keep moving on " + "the backend " * 40))
    assert len(text) < 800
    assert "…" in text


@pytest.mark.parametrize(("due_date", "suggested"), [(None, True), (DUE, False), (TODAY, False)])
def test_missing_due_date_gets_a_suggestion(due_date: date | None, suggested: bool) -> None:
    assert ("no-due-date" in rule_ids(make_draft(due_date=due_date))) is suggested


@pytest.mark.parametrize(("owner_id", "suggested"), [(None, True), (OWNER, False)])
def test_missing_owner_gets_a_suggestion(owner_id: str | None, suggested: bool) -> None:
    assert ("no-owner" in rule_ids(make_draft(owner_id=owner_id))) is suggested


@pytest.mark.parametrize(
    ("title", "open_title"),
    [
        ("Beta version completed", "Beta version completed"),
        ("Beta version completed", "beta version completed."),
        ("Beta version completed", "Beta version complete"),
        ("Completed beta version", "Beta version completed"),
        ("Publish the redesigned homepage", "Publish redesigned homepage"),
        ("First 1,000 customers reached", "First 1000 customers reached!"),
    ],
)
def test_near_duplicate_of_an_open_milestone_is_named(title: str, open_title: str) -> None:
    context = make_context(open_milestones=(saved(8, open_title),), references={8: "M-8"})
    assert message("duplicate", make_draft(title), context).startswith(
        f"This looks very like M-8 “{open_title}”"
    )


@pytest.mark.parametrize(
    ("title", "open_title"),
    [
        ("Phase 1 complete", "Phase 2 complete"),
        ("Prototype completed", "Prototype approved"),
        ("Contract signed", "Budget approved"),
        ("Beta version completed", "Beta version launched to customers"),
    ],
)
def test_distinct_milestones_are_not_duplicates(title: str, open_title: str) -> None:
    context = make_context(open_milestones=(saved(8, open_title),), references={8: "M-8"})
    assert "duplicate" not in rule_ids(make_draft(title), context)


def test_saved_milestone_is_not_its_own_duplicate() -> None:
    itself = saved(7, "Beta version completed")
    context = make_context(open_milestones=(itself,), references={7: "M-7"})
    assert "duplicate" not in rule_ids(itself, context)


def test_saved_milestone_is_still_compared_with_the_others() -> None:
    itself, twin = saved(7, "Beta version completed"), saved(8, "Beta version complete")
    context = make_context(open_milestones=(itself, twin), references={7: "M-7", 8: "M-8"})
    assert "M-8" in message("duplicate", itself, context)


def test_the_closest_of_many_open_milestones_is_named() -> None:
    # Many titles of every length and many alike, as in a busy channel: the review names the
    # most alike, not the first that comes close enough.
    others = [saved(100 + n, f"Vendor contract v{n % 7} for region {n}") for n in range(300)]
    close = saved(8, "Beta version complete for customers")
    closer = saved(9, "For customers: beta version completed")
    others[120:120] = [close]
    others[250:250] = [closer]
    references = {other.milestone_id: f"M-{other.milestone_id}" for other in others}
    context = make_context(open_milestones=tuple(others), references=references)
    named = message("duplicate", make_draft("Beta version completed for customers"), context)
    assert named.startswith("This looks very like M-9 “For customers: beta version completed”")


def test_duplicate_without_a_reference_is_named_by_title() -> None:
    context = make_context(open_milestones=(saved(8, "Beta version completed"),))
    assert message("duplicate", make_draft(), context).startswith(
        "This looks very like “Beta version completed”"
    )


def under_goal(count: int) -> tuple[Draft, ...]:
    # Undated, so they never crowd an owner's week.
    return tuple(
        saved(100 + n, f"Stage {n} reached", goal_id=GOAL, due_date=None) for n in range(count)
    )


@pytest.mark.parametrize(("others", "suggested"), [(11, False), (12, True)])
def test_more_than_twelve_open_milestones_under_a_goal_gets_a_suggestion(
    others: int, suggested: bool
) -> None:
    draft = make_draft(goal_id=GOAL, due_date=None)
    context = make_context(open_milestones=under_goal(others))
    assert ("too-many" in rule_ids(draft, context)) is suggested


def test_too_many_under_a_goal_says_how_many() -> None:
    draft = make_draft(goal_id=GOAL)
    context = make_context(open_milestones=under_goal(12))
    assert message("too-many", draft, context).startswith("This goal has 13 open milestones.")


@pytest.mark.parametrize(("open_count", "suggested"), [(12, False), (13, True)])
def test_edited_milestone_already_under_its_goal_counts_once(
    open_count: int, suggested: bool
) -> None:
    open_milestones = under_goal(open_count)
    draft = replace(open_milestones[0], title="Stage 0 reached and signed off")
    context = make_context(open_milestones=open_milestones)
    assert ("too-many" in rule_ids(draft, context)) is suggested


def test_open_milestones_under_other_goals_are_not_counted() -> None:
    others = tuple(replace(m, goal_id=GOAL + 1) for m in under_goal(20))
    context = make_context(open_milestones=others)
    assert "too-many" not in rule_ids(make_draft(goal_id=GOAL), context)


def due_to(owner_id: str, days: list[date]) -> tuple[Draft, ...]:
    return tuple(
        saved(200 + n, f"Step {n} done", owner_id=owner_id, due_date=day)
        for n, day in enumerate(days)
    )


SAME_WEEK = [date(2026, 6, 15) + timedelta(days=n % 7) for n in range(10)]


@pytest.mark.parametrize(("others", "suggested"), [(4, False), (5, True)])
def test_more_than_five_due_to_one_owner_in_a_week_gets_a_suggestion(
    others: int, suggested: bool
) -> None:
    context = make_context(open_milestones=due_to(OWNER, SAME_WEEK[:others]))
    assert ("too-many" in rule_ids(make_draft(), context)) is suggested


def test_too_many_in_a_week_says_how_many_and_which_week() -> None:
    context = make_context(open_milestones=due_to(OWNER, SAME_WEEK[:5]))
    assert message("too-many", make_draft(), context).startswith(
        "Its owner has 6 milestones due in the week of Mon 15 Jun."
    )


def test_milestones_due_in_another_week_or_to_another_owner_are_not_counted() -> None:
    sunday_before, monday_after = date(2026, 6, 14), date(2026, 6, 22)
    others = (
        due_to(OWNER, [sunday_before, sunday_before, monday_after, monday_after])
        + due_to(OWNER, [DUE.replace(year=2027)])
        + due_to("U_SOMEONE_ELSE", SAME_WEEK[:5])
        + due_to(OWNER, SAME_WEEK[:4])
    )
    assert "too-many" not in rule_ids(make_draft(), make_context(open_milestones=others))


def test_iso_week_spanning_new_year_is_one_week() -> None:
    new_year_week = [date(2026, 12, 28), date(2026, 12, 30), date(2027, 1, 1), date(2027, 1, 3)]
    context = make_context(open_milestones=due_to(OWNER, new_year_week + [date(2027, 1, 2)]))
    assert "too-many" in rule_ids(make_draft(due_date=date(2026, 12, 31)), context)


def test_both_kinds_of_crowding_are_named_together() -> None:
    context = make_context(open_milestones=under_goal(12) + due_to(OWNER, SAME_WEEK[:5]))
    assert message("too-many", make_draft(goal_id=GOAL), context).startswith(
        "This goal has 13 open milestones and its owner has 6 milestones due in the week of "
        "Mon 15 Jun."
    )


@pytest.mark.parametrize(
    ("goal_id", "approver_id", "suggested"),
    [
        (GOAL, None, True),
        (GOAL, "U_APPROVER", False),
        (GOAL + 1, None, False),
        (None, None, False),
    ],
)
def test_goal_asking_for_approvals_without_an_approver_gets_a_suggestion(
    goal_id: int | None, approver_id: str | None, suggested: bool
) -> None:
    draft = make_draft(goal_id=goal_id, approver_id=approver_id)
    context = make_context(goals_requiring_approval=frozenset({GOAL}))
    assert ("skipped-approval" in rule_ids(draft, context)) is suggested


def test_rule_ids_are_the_table_in_order() -> None:
    assert RULE_IDS == (
        "vague",
        "date-title",
        "routine-task",
        "no-due-date",
        "no-owner",
        "duplicate",
        "too-many",
        "skipped-approval",
    )
    assert tuple(rule.id for rule in RULES) == RULE_IDS


def test_suggestions_come_in_table_order() -> None:
    draft = make_draft("Work on stuff", due_date=None, owner_id=None, goal_id=GOAL)
    context = make_context(goals_requiring_approval=frozenset({GOAL}))
    assert rule_ids(draft, context) == ["vague", "no-due-date", "no-owner", "skipped-approval"]


HOSTILE = "<!channel> & <@U123> {0}"

# One draft and context that set off each rule, with hostile user text wherever a rule quotes it.
TRIGGERS: dict[str, tuple[Draft, Context]] = {
    "vague": (make_draft(f"Work on {HOSTILE}"), make_context()),
    "date-title": (make_draft("<June 15>"), make_context()),
    "routine-task": (make_draft(f"Send the email to {HOSTILE}"), make_context()),
    "no-due-date": (make_draft(HOSTILE, due_date=None), make_context()),
    "no-owner": (make_draft(HOSTILE, owner_id=None), make_context()),
    "duplicate": (
        make_draft(f"Ship {HOSTILE}"),
        make_context(open_milestones=(saved(8, f"Ship {HOSTILE}!"),), references={8: "M-8"}),
    ),
    "too-many": (
        make_draft(HOSTILE, goal_id=GOAL),
        make_context(open_milestones=under_goal(12) + due_to(OWNER, SAME_WEEK[:5])),
    ),
    "skipped-approval": (
        make_draft(HOSTILE, goal_id=GOAL),
        make_context(goals_requiring_approval=frozenset({GOAL})),
    ),
}


def test_every_rule_has_a_trigger() -> None:
    assert tuple(TRIGGERS) == RULE_IDS


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_disabled_rule_says_nothing(rule_id: str) -> None:
    draft, context = TRIGGERS[rule_id]
    assert rule_id in rule_ids(draft, context)
    disabled = replace(context, disabled=frozenset({rule_id}))
    assert rule_id not in rule_ids(draft, disabled)


def test_channel_with_every_rule_disabled_gets_no_suggestion() -> None:
    draft = make_draft("Work on stuff", due_date=None, owner_id=None)
    assert review(draft, make_context(disabled=frozenset(RULE_IDS))) == []


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_every_message_keeps_user_text_inert(rule_id: str) -> None:
    draft, context = TRIGGERS[rule_id]
    text = message(rule_id, draft, context)
    assert "<" not in text and ">" not in text
    assert re.search(r"&(?!amp;|lt;|gt;)", text) is None


@pytest.mark.parametrize("rule_id", ["vague", "date-title", "routine-task", "duplicate"])
def test_message_quotes_the_title_it_is_about(rule_id: str) -> None:
    draft, context = TRIGGERS[rule_id]
    quoted = context.open_milestones[0].title if rule_id == "duplicate" else draft.title
    assert f"“{escape(quoted)}”" in message(rule_id, draft, context)
