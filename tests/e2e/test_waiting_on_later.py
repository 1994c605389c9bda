"""Which milestones wait on an open one due after them (what puts them at risk however far
their due date is) is kept in the database as every change happens, so that the health
sweep finds their cards without reading the links: declaring, linking and unlinking,
rescheduling either side, editing, completing, approving and cancelling."""

from sqlmodel import select

from bot.render import blocks
from bot.store.db import session_scope
from bot.store.models import Dependency, Milestone
from tests.support.forms import closed, edit_form, values
from tests.support.harness import APPROVER


def marked(bot) -> dict[int, bool]:
    """Each milestone's kept mark: whether it waits on an open milestone due after it."""
    with session_scope(bot.engine) as session:
        return dict(session.exec(select(Milestone.id, Milestone.waits_on_later)).all())


def as_the_links_say(bot) -> dict[int, bool]:
    """The same, worked out from the milestones and their links as they stand."""
    with session_scope(bot.engine) as session:
        milestones = {m.id: m for m in session.exec(select(Milestone)).all()}
        links = session.exec(select(Dependency)).all()
    later = dict.fromkeys(milestones, False)
    for link in links:
        dependent, prerequisite = milestones[link.milestone_id], milestones[link.prerequisite_id]
        if (
            prerequisite.is_active
            and None not in (prerequisite.due_date, dependent.due_date)
            and prerequisite.due_date > dependent.due_date
        ):
            later[dependent.id] = True
    return later


def test_declaring_after_a_later_milestone_marks_it_and_after_an_earlier_one_does_not(bot):
    contract = bot.add('"Vendor contract signed" due 2026-12-18')
    design = bot.add('"Design approved" due 2026-12-04')

    beta = bot.add(f'"Beta version completed" due 2026-12-15 after {contract.reference}')
    docs = bot.add(f'"Docs published" due 2026-12-15 after {design.reference}')
    undated = bot.add(f'"Press kit ready" after {contract.reference}')

    assert marked(bot)[beta.id] is True
    assert marked(bot)[docs.id] is False
    assert marked(bot)[undated.id] is False
    assert marked(bot) == as_the_links_say(bot)


def test_depends_on_a_later_milestone_marks_it_and_nodeps_clears_it(bot):
    contract = bot.add('"Vendor contract signed" due 2026-12-18')
    beta = bot.add('"Beta version completed" due 2026-12-15')

    bot.command(f"depends {beta.reference} on {contract.reference}")
    assert marked(bot)[beta.id] is True

    bot.command(f"nodeps {beta.reference}")
    assert marked(bot)[beta.id] is False
    assert marked(bot) == as_the_links_say(bot)


def test_moving_a_prerequisite_past_its_dependents_marks_them_and_moving_it_back_clears_them(
    bot,
):
    contract = bot.add('"Vendor contract signed" due 2026-12-07')
    beta = bot.add(f'"Beta version completed" due 2026-12-15 after {contract.reference}')
    launch = bot.add(f'"Public launch" due 2026-12-20 after {contract.reference}')

    bot.command(f"due {contract.reference} 2026-12-18 because legal is slow")
    assert (marked(bot)[beta.id], marked(bot)[launch.id]) == (True, False)

    bot.command(f"due {contract.reference} 2026-12-22 because legal is slower")
    assert (marked(bot)[beta.id], marked(bot)[launch.id]) == (True, True)

    bot.command(f"due {contract.reference} 2026-12-11 because legal found time")
    assert (marked(bot)[beta.id], marked(bot)[launch.id]) == (False, False)
    assert marked(bot) == as_the_links_say(bot)


def test_moving_a_dependent_before_or_after_its_prerequisite_marks_or_clears_it(bot):
    contract = bot.add('"Vendor contract signed" due 2026-12-18')
    beta = bot.add(f'"Beta version completed" due 2026-12-21 after {contract.reference}')
    assert marked(bot)[beta.id] is False

    bot.command(f"due {beta.reference} 2026-12-15 because the demo moved")
    assert marked(bot)[beta.id] is True

    bot.command(f"due {beta.reference} 2026-12-22 because the demo moved back")
    assert marked(bot)[beta.id] is False
    assert marked(bot) == as_the_links_say(bot)


def test_editing_the_due_date_or_what_it_waits_on_marks_or_clears_it(bot):
    contract = bot.add('"Vendor contract signed" due 2026-12-18')
    design = bot.add('"Design approved" due 2026-12-04')
    beta = bot.add(f'"Beta version completed" due 2026-12-21 after {contract.reference}')

    for edited, form, waits in [
        (beta, values("Beta version completed", due="2026-12-15", after=(contract.id,)), True),
        (beta, values("Beta version completed", due="2026-12-15", after=(design.id,)), False),
        # The prerequisite's own edit moves it past its dependent.
        (design, values("Design approved", due="2026-12-16"), True),
    ]:
        assert closed(bot.submit_view(edit_form(bot, bot.milestone(edited.id)), form))
        assert marked(bot)[beta.id] is waits
    assert marked(bot) == as_the_links_say(bot)


def test_a_later_prerequisite_reached_or_cancelled_no_longer_marks_its_dependents(bot):
    contract = bot.add('"Vendor contract signed" due 2026-12-18')
    design = bot.add('"Design approved" due 2026-12-19')
    beta = bot.add(f'"Beta version completed" due 2026-12-15 after {contract.reference}')
    docs = bot.add(f'"Docs published" due 2026-12-15 after {design.reference}')

    bot.command(f"done {contract.reference}")
    bot.command(f"cancel {design.reference} because the design is reused")

    assert (marked(bot)[beta.id], marked(bot)[docs.id]) == (False, False)
    assert marked(bot) == as_the_links_say(bot)


def test_a_later_prerequisite_awaiting_approval_still_marks_its_dependent_until_approved(bot):
    contract = bot.add(f'"Vendor contract signed" due 2026-12-18 approver <@{APPROVER}>')
    beta = bot.add(f'"Beta version completed" due 2026-12-15 after {contract.reference}')

    bot.command(f"done {contract.reference}")
    assert marked(bot)[beta.id] is True

    request = bot.slack.calls_to("chat.postMessage")[-1]
    bot.press(
        blocks.APPROVE,
        bot.button(bot.milestone(contract.id)),
        user=APPROVER,
        channel=request.params["channel"],
        message_ts=request.response["ts"],
    )
    assert marked(bot)[beta.id] is False
    assert marked(bot) == as_the_links_say(bot)
