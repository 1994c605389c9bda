"""The milestone coach at work: private suggestions after /milestone add, /milestone review over
the channel, and the channel's coach settings."""

from datetime import date, timedelta

from bot.domain.coach import RULE_IDS
from bot.render import blocks
from bot.store.models import Status
from tests.support.harness import APPROVER, OTHER, OWNER


def body(response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def text_of(message: dict) -> str:
    return "\n".join(
        block["text"]["text"] for block in message["blocks"] if block["type"] == "section"
    )


def declare(bot, text: str, **kwargs):
    """Declare a milestone; return it and the private answer ({} when there is none)."""
    before = len(bot.milestones())
    response = bot.command(f"add {text}", **kwargs)
    assert response.status_code == 200, response.text
    assert len(bot.milestones()) == before + 1, response.text
    return bot.milestones()[-1], (response.json() if response.text else {})


def coach_rules(message: dict) -> set[str]:
    """Which rules spoke, told apart by words only their messages use."""
    words = {
        "vague": "rather than a result anyone could check",
        "date-title": "is a date, not a milestone",
        "routine-task": "reads like a single task",
        "no-due-date": "There is no due date yet",
        "no-owner": "Nobody owns this yet",
        "duplicate": "This looks very like",
        "too-many": "When everything is a milestone",
        "skipped-approval": "Its goal asks for approvals",
    }
    text = text_of(message)
    return {rule for rule, phrase in words.items() if phrase in text}


def test_a_good_milestone_gets_no_coaching_at_all(bot):
    milestone, answer = declare(bot, '"Beta version completed" due 2026-12-15')

    assert answer == {}
    assert milestone.status == Status.OPEN
    assert bot.slack.responses == []
    assert bot.slack.calls_to("chat.postEphemeral") == []


def test_a_vague_milestone_is_declared_and_coached_privately_with_an_edit_button(bot):
    milestone, answer = declare(bot, '"Improve the website" due 2026-12-15')

    assert answer.get("response_type", "ephemeral") == "ephemeral"
    text = text_of(answer)
    assert f"A few thoughts on *{milestone.reference}* · Improve the website" in text
    assert "“Improve the website” names a direction rather than a result" in text
    assert "Try: “Website at [your target]”" in text
    assert coach_rules(answer) == {"vague"}
    [actions] = [block for block in answer["blocks"] if block["type"] == "actions"]
    [edit] = actions["elements"]
    assert (edit["action_id"], edit["value"]) == (blocks.EDIT, f"{milestone.id}:1")
    # The coach never blocks: the milestone is declared and announced as usual.
    assert milestone.status == Status.OPEN
    [card] = bot.slack.calls_to("chat.postMessage")
    assert bot.milestone(milestone.id).announcement_ts == card.response["ts"]


def test_each_rule_the_add_command_can_trip_speaks_once(bot):
    _, date_title = declare(bot, '"June 15" due 2026-12-15')
    _, routine = declare(bot, '"Send one email" due 2026-12-16')
    _, undated = declare(bot, '"Prototype completed"')
    _, several = declare(bot, '"Work on the app"')
    declare(bot, '"Contract signed" due 2026-12-17')
    _, duplicate = declare(bot, '"The contract signed" due 2026-12-18')

    assert coach_rules(date_title) == {"date-title"}
    assert coach_rules(routine) == {"routine-task"}
    assert coach_rules(undated) == {"no-due-date"}
    assert coach_rules(several) == {"vague", "no-due-date"}
    assert coach_rules(duplicate) == {"duplicate"}
    assert "M-5 “Contract signed”" in text_of(duplicate)


def test_coaching_escapes_what_the_declarer_wrote(bot):
    _, answer = declare(bot, '"Work on <!channel> & stuff" due 2026-12-15')

    text = text_of(answer)
    assert "Work on &lt;!channel&gt; &amp; stuff" in text
    assert "<!channel>" not in text


def test_a_retried_add_is_not_coached_twice(bot):
    response = bot.command('add "Improve the website" due 2026-12-15', trigger_id="1.2.same")
    again = bot.command('add "Improve the website" due 2026-12-15', trigger_id="1.2.same")

    assert "rather than a result" in text_of(body(response))
    assert again.text == ""
    assert len(bot.milestones()) == 1


def test_review_lists_suggestions_for_the_channels_open_milestones(bot):
    vague, _ = declare(bot, '"Improve the website" due 2026-12-15')
    undated, _ = declare(bot, '"Prototype completed"')
    good, _ = declare(bot, '"Beta version completed" due 2026-12-15')
    reached, _ = declare(bot, '"Work on the logo" due 2026-12-10')
    bot.command(f"done {reached.reference}")
    declare(bot, '"Work on pricing" due 2026-12-10', channel="C222")

    answer = body(bot.command("review"))

    assert answer.get("response_type", "ephemeral") == "ephemeral"
    lines = text_of(answer).split("\n")
    assert lines[0] == "*The coach's review* (2 milestones to look at)"
    assert lines[1] == f"*{vague.reference}* · Improve the website"
    assert "rather than a result" in lines[2]
    assert lines[3] == f"*{undated.reference}* · Prototype completed"
    assert "There is no due date yet" in lines[4]
    assert len(lines) == 5
    for left_out in (good, reached):
        assert f"*{left_out.reference}*" not in text_of(answer)
    assert "pricing" not in text_of(answer)


def test_review_of_one_milestone_counts_one(bot):
    declare(bot, '"Improve the website" due 2026-12-15')
    declare(bot, '"Beta version completed" due 2026-12-15')

    answer = body(bot.command("review"))

    assert text_of(answer).startswith("*The coach's review* (1 milestone to look at)\n")


def test_review_of_a_channel_with_nothing_to_improve_says_so(bot):
    declare(bot, '"Beta version completed" due 2026-12-15')

    answer = body(bot.command("review"))

    assert "nothing to suggest" in text_of(answer)


def test_a_rule_turned_off_stays_quiet_until_turned_back_on(bot):
    settings = text_of(body(bot.command("settings coach off vague")))

    assert "The coach skips vague" in settings
    _, quiet = declare(bot, '"Improve the website" due 2026-12-15')
    assert quiet == {}
    assert "nothing to suggest" in text_of(body(bot.command("review")))
    # Another channel keeps its coach as it was.
    _, elsewhere = declare(bot, '"Improve the app" due 2026-12-15', channel="C222")
    assert coach_rules(elsewhere) == {"vague"}

    settings = text_of(body(bot.command("settings coach on vague")))

    assert "The coach uses all its rules" in settings
    _, coached = declare(bot, '"Improve the checkout" due 2026-12-16')
    assert coach_rules(coached) == {"vague"}
    assert "rather than a result" in text_of(body(bot.command("review")))


def test_several_rules_can_be_off_and_the_settings_say_which(bot):
    bot.command("settings coach off no-due-date")
    settings = text_of(body(bot.command("settings coach off VAGUE")))

    assert "The coach skips vague, no-due-date" in settings
    _, quiet = declare(bot, '"Work on the app"')
    assert quiet == {}
    assert "The coach skips vague, no-due-date" in text_of(body(bot.command("settings")))


def test_an_unknown_rule_is_refused_naming_the_rules(bot):
    text = text_of(body(bot.command("settings coach off spelling")))

    assert "The coach has no rule “spelling”" in text
    assert ", ".join(RULE_IDS) in text
    assert "uses all its rules" in text_of(body(bot.command("settings")))


def test_coach_settings_need_on_or_off_and_one_rule(bot):
    for text in ("settings coach", "settings coach off", "settings coach maybe vague"):
        assert "settings coach off &lt;rule&gt;" in text_of(body(bot.command(text))), text


def test_a_milestone_without_approver_under_a_goal_that_asks_for_approvals(bot):
    bot.command('goal add "Launch mobile app" approvals')
    bot.command('goal add "Pricing revamp"')

    _, unchecked = declare(bot, '"Beta version completed" due 2026-12-15 goal G-1')
    _, checked = declare(
        bot, f'"App store listing approved" due 2026-12-16 goal G-1 approver <@{APPROVER}>'
    )
    _, relaxed = declare(bot, '"New plans published" due 2026-12-17 goal G-2')

    assert coach_rules(unchecked) == {"skipped-approval"}
    assert "Choose an approver" in text_of(unchecked)
    assert checked == {} and relaxed == {}


def test_more_than_twelve_open_milestones_under_one_goal_is_too_many(bot):
    bot.command('goal add "Launch mobile app"')
    first = date(2026, 11, 30)
    for number in range(1, 13):
        due = first + timedelta(weeks=number)
        _, answer = declare(bot, f'"Phase {number} complete" due {due} goal G-1')
        assert answer == {}, number

    _, crowded = declare(bot, f'"Phase 13 complete" due {first + timedelta(weeks=13)} goal G-1')

    assert coach_rules(crowded) == {"too-many"}
    assert "This goal has 13 open milestones" in text_of(crowded)

    # Reached milestones leave room: eleven open, and the new one makes twelve.
    bot.command("done M-1")
    bot.command("done M-2")
    _, roomy = declare(bot, f'"Phase 14 complete" due {first + timedelta(weeks=14)} goal G-1')
    assert roomy == {}


def test_more_than_five_due_to_one_owner_in_a_week_is_too_many(bot):
    for day in range(1, 6):
        _, answer = declare(bot, f'"Module {day} certified" due 2026-12-0{day}')
        assert answer == {}
    declare(bot, f'"Module 6 certified" due 2026-12-04 owner <@{OTHER}>')

    _, crowded = declare(bot, '"Module 7 certified" due 2026-12-03')

    assert coach_rules(crowded) == {"too-many"}
    assert "Its owner has 6 milestones due in the week of Mon 30 Nov" in text_of(crowded)
    assert OWNER not in text_of(crowded)


def test_completing_without_approval_under_a_goal_that_asks_for_approvals_is_noted(bot):
    bot.command('goal add "Launch mobile app" approvals')
    by_command = bot.add('"Beta version completed" due 2026-12-15 goal G-1')
    by_button = bot.add('"Store listing approved" due 2026-12-16 goal G-1')
    bot.slack.reset()

    answer = bot.command(f"done M-{by_command.id}").json()
    bot.press(blocks.COMPLETE, bot.button(by_button))

    assert "Its goal asks for approvals" in answer["text"] + str(answer["blocks"])
    [told] = bot.slack.responses
    assert "Its goal asks for approvals" in told["body"]["text"]
    # It never blocks: both are reached.
    assert bot.milestone(by_command.id).status == bot.milestone(by_button.id).status == "reached"


def test_completing_under_a_goal_without_approvals_says_nothing(bot):
    bot.command('goal add "Launch mobile app"')
    milestone = bot.add('"Beta version completed" due 2026-12-15 goal G-1')

    response = bot.command(f"done M-{milestone.id}")

    assert response.text == ""
