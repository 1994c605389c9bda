"""Dependencies: what waits on what, cycles refused, completion held back, and the owners of
dependent milestones told when a prerequisite slips past them or the last one is reached."""

import threading

from sqlmodel import select

from bot.render import blocks
from bot.store.db import session_scope
from bot.store.models import Dependency, Status
from tests.support.harness import APPROVER, CHANNEL, OTHER, OWNER
from tests.support.reading import answer, message_text


def waits_on(bot, milestone) -> list[int]:
    with session_scope(bot.engine) as session:
        return sorted(
            session.exec(
                select(Dependency.prerequisite_id).where(Dependency.milestone_id == milestone.id)
            ).all()
        )


def direct_messages(bot, user_id: str) -> list:
    return [
        call
        for call in bot.slack.calls_to("chat.postMessage")
        if call.params["channel"] == f"D{user_id}"
    ]


def list_line(bot, milestone) -> str:
    [line] = [
        line
        for line in answer(bot.command("list all")).split("\n")
        if f"*{milestone.reference}*" in line
    ]
    return line


def card_of(bot, milestone) -> str:
    """The latest text of the milestone's channel card."""
    ts = bot.milestone(milestone.id).announcement_ts
    shown = [
        call
        for call in bot.slack.calls_to("chat.postMessage") + bot.slack.calls_to("chat.update")
        if (call.params["channel"], call.params.get("ts", call.response.get("ts"))) == (CHANNEL, ts)
    ]
    return message_text(shown[-1])


def test_add_after_makes_a_milestone_wait_on_several(bot):
    design = bot.add('"Design approved" due 2026-12-04')
    contract = bot.add('"Vendor contract signed" due 2026-12-07')

    beta = bot.add(
        f'"Beta version completed" due 2026-12-15 after {design.reference}, M-{contract.id}'
    )

    assert waits_on(bot, beta) == [design.id, contract.id]
    assert f"Waits on {design.reference}, {contract.reference}" in card_of(bot, beta)


def test_a_new_cards_health_is_judged_on_its_prerequisites_open_ones_only(bot):
    reached = bot.add('"Design approved" due 2026-12-04')
    bot.command(f"done {reached.reference}")
    late = bot.add('"Vendor contract signed" due 2026-12-18')

    beta = bot.add(
        f'"Beta version completed" due 2026-12-15 after {reached.reference}, {late.reference}'
    )

    card = card_of(bot, beta)
    assert f"Waits on {late.reference}" in card
    assert reached.reference not in card
    assert f"At risk: {late.reference} is due after it" in card


def test_depends_adds_a_prerequisite_and_nodeps_removes_them_all(bot):
    design = bot.add('"Design approved" due 2026-12-04')
    contract = bot.add('"Vendor contract signed" due 2026-12-07')
    beta = bot.add(f'"Beta version completed" due 2026-12-15 after {design.reference}')
    bot.slack.reset()

    text = answer(bot.command(f"depends {beta.reference} on {contract.reference}"))

    assert text == f"{beta.reference} now waits on {contract.reference}."
    assert waits_on(bot, beta) == [design.id, contract.id]
    assert f"Waits on {design.reference}, {contract.reference}" in card_of(bot, beta)

    text = answer(bot.command(f"nodeps {beta.reference}"))

    assert text == f"{beta.reference} no longer waits on other milestones."
    assert waits_on(bot, beta) == []
    assert "Waits on" not in card_of(bot, beta)
    assert "does not wait on other milestones" in answer(bot.command(f"nodeps {beta.reference}"))


def test_only_the_owner_changes_what_a_milestone_waits_on(bot):
    design = bot.add('"Design approved" due 2026-12-04')
    beta = bot.add('"Beta version completed" due 2026-12-15')

    text = answer(bot.command(f"depends {beta.reference} on {design.reference}", user=OTHER))

    assert f"Only the owner, <@{OWNER}>" in text
    assert waits_on(bot, beta) == []


def test_a_milestone_cannot_wait_on_itself(bot):
    beta = bot.add('"Beta version completed" due 2026-12-15')

    text = answer(bot.command(f"depends {beta.reference} on {beta.reference}"))

    assert f"{beta.reference} cannot wait on itself." in text
    assert waits_on(bot, beta) == []


def test_a_direct_cycle_is_refused_with_its_path(bot):
    design = bot.add('"Design approved" due 2026-12-04')
    beta = bot.add(f'"Beta version completed" due 2026-12-15 after {design.reference}')

    text = answer(bot.command(f"depends {design.reference} on {beta.reference}"))

    assert (
        f"That would close a circle: {design.reference}, which waits on {beta.reference}, "
        f"which waits on {design.reference}."
    ) in text
    assert waits_on(bot, design) == []


def test_an_indirect_cycle_is_refused_with_the_path_that_closes_it(bot):
    design = bot.add('"Design approved" due 2026-12-04')
    beta = bot.add(f'"Beta version completed" due 2026-12-15 after {design.reference}')
    launch = bot.add(f'"Public launch" due 2026-12-20 after {beta.reference}')
    unrelated = bot.add('"Press kit ready" due 2026-12-18')

    text = answer(
        bot.command(f"depends {design.reference} on {unrelated.reference}, {launch.reference}")
    )

    assert (
        f"{design.reference}, which waits on {launch.reference}, which waits on "
        f"{beta.reference}, which waits on {design.reference}."
    ) in text
    # Nothing of the refused command is kept, not even the link that was fine.
    assert waits_on(bot, design) == []


def test_a_milestone_of_another_channel_cannot_be_a_prerequisite(bot):
    elsewhere = bot.add('"Pricing page live" due 2026-12-04', channel="C222")
    bot.slack.reset()

    refused = answer(
        bot.command(f'add "Beta version completed" due 2026-12-15 after {elsewhere.reference}')
    )
    assert f"There is no milestone {elsewhere.reference} in this channel" in refused
    assert len(bot.milestones()) == 1

    beta = bot.add('"Beta version completed" due 2026-12-15')
    refused = answer(bot.command(f"depends {beta.reference} on {elsewhere.reference}"))
    assert f"There is no milestone {elsewhere.reference} in this channel" in refused
    assert waits_on(bot, beta) == []


def test_completing_before_the_prerequisites_are_reached_is_refused_naming_them(bot):
    design = bot.add('"Design approved" due 2026-12-04')
    contract = bot.add('"Vendor contract signed" due 2026-12-07')
    beta = bot.add(
        f'"Beta version completed" due 2026-12-15 after {design.reference}, {contract.reference}'
    )
    bot.command(f"done {design.reference}")
    bot.slack.reset()

    text = answer(bot.command(f"done {beta.reference}"))

    assert f"{beta.reference} waits on {contract.reference} (Vendor contract signed)" in text
    assert design.reference not in text.split("waits on")[1].split("not reached")[0]
    assert bot.milestone(beta.id).status == Status.OPEN

    response = bot.press(blocks.COMPLETE, bot.button(beta))
    assert response.status_code == 200
    assert f"waits on {contract.reference}" in bot.slack.responses[-1]["body"]["text"]
    assert bot.milestone(beta.id).status == Status.OPEN
    assert bot.slack.calls_to("chat.update") == []

    bot.command(f"done {contract.reference}")
    bot.command(f"done {beta.reference}")
    assert bot.milestone(beta.id).status == Status.REACHED


def test_a_cancelled_prerequisite_no_longer_holds_back(bot):
    design = bot.add('"Design approved" due 2026-12-04')
    beta = bot.add(f'"Beta version completed" due 2026-12-15 after {design.reference}')

    bot.command(f"cancel {design.reference} because the design is reused")
    bot.command(f"done {beta.reference}")

    assert bot.milestone(beta.id).status == Status.REACHED


def test_a_prerequisite_moved_past_the_dependent_puts_it_at_risk_and_tells_its_owner_once(bot):
    contract = bot.add('"Vendor contract signed" due 2026-12-07')
    beta = bot.add(
        f'"Beta version completed" due 2026-12-15 owner <@{OTHER}> after {contract.reference}'
    )
    bot.slack.reset()

    bot.command(f"due {contract.reference} 2026-12-18 because legal is slow")

    [told] = direct_messages(bot, OTHER)
    assert f"{contract.reference}" in message_text(told)
    assert "Fri 18 Dec 2026" in message_text(told)
    assert f"{beta.reference} is at risk" in message_text(told)
    assert f"At risk: {contract.reference} is due after it" in card_of(bot, beta)
    assert f"at risk: {contract.reference} is due after it" in list_line(bot, beta)

    # The same move again changes nothing and tells nobody.
    refused = answer(bot.command(f"due {contract.reference} 2026-12-18"))
    assert "already due" in refused
    assert len(direct_messages(bot, OTHER)) == 1

    # A further slip is news again.
    bot.command(f"due {contract.reference} 2026-12-22 because legal is slower")
    assert len(direct_messages(bot, OTHER)) == 2
    assert "Tue 22 Dec 2026" in message_text(direct_messages(bot, OTHER)[-1])


def test_moving_a_prerequisite_earlier_or_still_before_the_dependent_tells_nobody(bot):
    contract = bot.add('"Vendor contract signed" due 2026-12-07')
    beta = bot.add(
        f'"Beta version completed" due 2026-12-15 owner <@{OTHER}> after {contract.reference}'
    )
    bot.slack.reset()

    bot.command(f"due {contract.reference} 2026-12-11")
    assert direct_messages(bot, OTHER) == []
    assert "on track" in list_line(bot, beta)

    bot.command(f"due {contract.reference} 2026-12-21")
    bot.command(f"due {contract.reference} 2026-12-18 because legal found time")
    # Earlier than before, though still after the dependent: good news, not a slip.
    assert len(direct_messages(bot, OTHER)) == 1

    # Back before the dependent, then past it again: a new slip.
    bot.command(f"due {contract.reference} 2026-12-12")
    bot.command(f"due {contract.reference} 2026-12-21")
    assert len(direct_messages(bot, OTHER)) == 2


def test_reaching_the_last_prerequisite_tells_the_dependents_owner_once(bot):
    design = bot.add('"Design approved" due 2026-12-04')
    contract = bot.add(f'"Vendor contract signed" due 2026-12-07 approver <@{APPROVER}>')
    beta = bot.add(
        f'"Beta version completed" due 2026-12-15 owner <@{OTHER}> '
        f"after {design.reference}, {contract.reference}"
    )
    bot.slack.reset()

    bot.command(f"done {design.reference}")
    assert direct_messages(bot, OTHER) == []

    bot.command(f"done {contract.reference}")
    assert direct_messages(bot, OTHER) == []  # waiting for the approver
    request = direct_messages(bot, APPROVER)[-1]
    bot.press(
        blocks.APPROVE,
        bot.button(contract),
        user=APPROVER,
        channel=request.params["channel"],
        message_ts=request.response["ts"],
    )
    bot.press(
        blocks.APPROVE,
        bot.button(contract),
        user=APPROVER,
        channel=request.params["channel"],
        message_ts=request.response["ts"],
    )

    [told] = direct_messages(bot, OTHER)
    assert f"{contract.reference}" in message_text(told)
    assert "ready for the next step" in message_text(told)
    assert "Waits on" not in card_of(bot, beta)


def test_two_links_added_at_once_cannot_close_a_cycle(bot):
    first = bot.add('"Design approved" due 2026-12-10')
    second = bot.add('"Build finished" due 2026-12-15')
    bodies = [
        bot.command_body(f"depends M-{first.id} on M-{second.id}"),
        bot.command_body(f"depends M-{second.id} on M-{first.id}"),
    ]
    barrier = threading.Barrier(len(bodies))
    answers = []

    def send(body: str) -> None:
        barrier.wait()
        answers.append(bot.post(body))

    threads = [threading.Thread(target=send, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    bot.settle()

    assert [answer.status_code for answer in answers] == [200, 200]
    with session_scope(bot.engine) as session:
        links = session.exec(select(Dependency)).all()
    assert len(links) == 1
    assert sum("close a circle" in answer.json()["text"] for answer in answers) == 1
