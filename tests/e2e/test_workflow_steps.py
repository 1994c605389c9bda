"""Workflow Builder steps: Declare a milestone and Complete a milestone, run by Slack's
function_executed events and ended with functions.completeSuccess or completeError."""

from datetime import date

from sqlmodel import select

from bot.domain.errors import PastDueDate
from bot.render import answers
from bot.store.db import session_scope
from bot.store.models import Goal, Status
from tests.support.harness import APPROVER, CHANNEL, OTHER, OWNER
from tests.support.reading import message_text
from tests.support.workflows import STEP_TOKEN, completed, failed, run_step

DECLARE, COMPLETE = "declare_milestone", "complete_milestone"


def declare_inputs(**changes) -> dict:
    return {
        "user": OWNER,
        "channel": CHANNEL,
        "title": "Beta released to 100 users",
        "due_date": "2026-12-15",
        **changes,
    }


def cards(bot) -> list:
    return [c for c in bot.slack.calls_to("chat.postMessage") if c.params["channel"] == CHANNEL]


def test_declaring_posts_the_card_and_outputs_its_reference_and_permalink(bot):
    run_step(bot, DECLARE, declare_inputs(owner=OTHER, approver=APPROVER))

    [milestone] = bot.milestones()
    assert (milestone.title, milestone.channel_id) == ("Beta released to 100 users", CHANNEL)
    assert (milestone.owner_id, milestone.approver_id, milestone.creator_id) == (
        OTHER,
        APPROVER,
        OWNER,
    )
    assert milestone.due_date == date(2026, 12, 15)
    [card] = cards(bot)
    assert "Beta released to 100 users" in message_text(card)
    assert milestone.announcement_ts == card.response["ts"]
    [permalink] = bot.slack.calls_to("chat.getPermalink")
    assert completed(bot.slack) == [
        {"reference": milestone.reference, "permalink": permalink.response["permalink"]}
    ]
    assert milestone.announcement_ts.replace(".", "") in permalink.response["permalink"]
    [success] = bot.slack.calls_to("functions.completeSuccess")
    assert success.token == STEP_TOKEN
    assert failed(bot.slack) == []


def test_a_declared_milestone_is_owned_by_the_workflows_user_when_no_owner_is_given(bot):
    run_step(bot, DECLARE, declare_inputs(user=OTHER, due_date=""))

    [milestone] = bot.milestones()
    assert (milestone.owner_id, milestone.creator_id, milestone.due_date) == (OTHER, OTHER, None)
    assert [output["reference"] for output in completed(bot.slack)] == [milestone.reference]


def test_declaring_under_a_goal_of_the_channel(bot):
    bot.command('goal add "Launch the mobile app"')
    with session_scope(bot.engine) as session:
        [goal] = session.exec(select(Goal)).all()

    run_step(bot, DECLARE, declare_inputs(goal="Launch the mobile app"))

    [milestone] = bot.milestones()
    assert milestone.goal_id == goal.id
    assert len(completed(bot.slack)) == 1


def test_a_retried_declaration_has_one_effect(bot):
    run_step(bot, DECLARE, declare_inputs(), execution_id="Fx0RETRIED")
    run_step(bot, DECLARE, declare_inputs(), execution_id="Fx0RETRIED", retry=True)
    run_step(bot, DECLARE, declare_inputs(), execution_id="Fx0RETRIED", retry=True)

    assert len(bot.milestones()) == 1
    assert len(cards(bot)) == 1
    assert len(completed(bot.slack)) == 1
    assert failed(bot.slack) == []


def test_another_execution_declares_another_milestone(bot):
    run_step(bot, DECLARE, declare_inputs(), execution_id="Fx0FIRST")
    run_step(bot, DECLARE, declare_inputs(), execution_id="Fx0SECOND")

    assert len(bot.milestones()) == 2
    assert len(completed(bot.slack)) == 2


def test_a_past_due_date_ends_the_step_with_the_commands_refusal(bot):
    run_step(bot, DECLARE, declare_inputs(due_date="2026-11-20"))

    today = date(2026, 11, 26)
    assert failed(bot.slack) == [
        answers.refusal(PastDueDate(due_date=date(2026, 11, 20), today=today))
    ]
    assert bot.milestones() == []
    assert cards(bot) == []
    assert completed(bot.slack) == []


def test_a_goal_not_found_ends_the_step_with_an_error(bot):
    run_step(bot, DECLARE, declare_inputs(goal="Conquer the moon"))

    [error] = failed(bot.slack)
    assert "Conquer the moon" in error
    assert bot.milestones() == []


def test_a_refused_step_is_refused_once_when_retried(bot):
    run_step(bot, DECLARE, declare_inputs(title=""), execution_id="Fx0EMPTY")
    run_step(bot, DECLARE, declare_inputs(title=""), execution_id="Fx0EMPTY", retry=True)

    assert len(failed(bot.slack)) == 1
    assert bot.milestones() == []


def test_a_channel_the_bot_is_not_in_ends_the_step_with_how_to_fix_it(bot):
    bot.slack.fail("chat.postMessage", status=200, error="not_in_channel")

    run_step(bot, DECLARE, declare_inputs())

    [milestone] = bot.milestones()
    assert failed(bot.slack) == [
        answers.card_not_posted(milestone.reference, CHANNEL, "not_in_channel")
    ]
    assert "/invite @Milestones" in failed(bot.slack)[0]
    assert completed(bot.slack) == []


def test_completing_reaches_the_milestone_and_updates_its_card(bot):
    milestone = bot.add('"Beta released to 100 users" due 2026-12-15')

    run_step(bot, COMPLETE, {"user": OWNER, "reference": milestone.reference})

    assert bot.milestone(milestone.id).status == Status.REACHED
    assert completed(bot.slack) == [
        {"reference": milestone.reference, "status": "reached", "sent_for_approval": False}
    ]
    [update] = bot.slack.calls_to("chat.update")
    assert "Reached" in message_text(update)


def test_completing_a_milestone_with_an_approver_sends_it_for_approval(bot):
    milestone = bot.add(f'"Beta released to 100 users" due 2026-12-15 approver <@{APPROVER}>')

    run_step(bot, COMPLETE, {"user": OWNER, "reference": milestone.reference})

    assert bot.milestone(milestone.id).status == Status.AWAITING_APPROVAL
    assert completed(bot.slack) == [
        {
            "reference": milestone.reference,
            "status": "awaiting_approval",
            "sent_for_approval": True,
        }
    ]
    [opened] = bot.slack.calls_to("conversations.open")
    assert opened.params["users"] == APPROVER


def test_only_the_owner_may_complete_through_a_workflow(bot):
    milestone = bot.add('"Beta released to 100 users" due 2026-12-15')

    run_step(bot, COMPLETE, {"user": OTHER, "reference": milestone.reference})

    [error] = failed(bot.slack)
    assert f"<@{OWNER}>" in error and "Only the owner" in error
    assert bot.milestone(milestone.id).status == Status.OPEN
    assert completed(bot.slack) == []


def test_an_unknown_reference_ends_the_step_with_an_error(bot):
    run_step(bot, COMPLETE, {"user": OWNER, "reference": "M-999"})

    assert failed(bot.slack) == [
        "There is no milestone M-999 in this workspace. "
        "`/milestone list all` in its channel shows that channel's milestones."
    ]


def test_another_workspaces_milestone_is_not_found(bot):
    milestone = bot.add('"Beta released to 100 users" due 2026-12-15')

    run_step(bot, COMPLETE, {"user": OWNER, "reference": milestone.reference}, team="T222")

    [error] = failed(bot.slack)
    assert milestone.reference in error
    assert bot.milestone(milestone.id).status == Status.OPEN


def test_a_retried_completion_has_one_effect(bot):
    milestone = bot.add('"Beta released to 100 users" due 2026-12-15')
    inputs = {"user": OWNER, "reference": milestone.reference}

    run_step(bot, COMPLETE, inputs, execution_id="Fx0DONE")
    run_step(bot, COMPLETE, inputs, execution_id="Fx0DONE", retry=True)

    assert len(completed(bot.slack)) == 1
    assert failed(bot.slack) == []
    assert len(bot.slack.calls_to("chat.update")) == 1
    assert bot.milestone(milestone.id).status == Status.REACHED
