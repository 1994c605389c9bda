"""Every message and view the bot builds fits Slack's limits, for any input the bot accepts.

Property tests draw the worst of it (fields at their longest, made of text that escaping makes
longer, multi-byte text, would-be pings; hundreds of milestones) for every builder and check
what it builds with one checker; examples show how a cut looks.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.delivery.announce import DECISIONS
from bot.domain.coach import Context, review
from bot.domain.dashboard import Dashboard
from bot.domain.errors import MilestoneError
from bot.domain.milestones import MAX_DEFINITION_LENGTH, Change
from bot.domain.status_report import (
    ChangeKind,
    Reached,
    WeekChange,
    channel_status,
    personal_week,
)
from bot.domain.suggestions import draft_of
from bot.listeners import parsing
from bot.listeners.parsing import MAX_COMMAND_LENGTH
from bot.render import answers, blocks, milestone_modal
from bot.render.home import home_view
from bot.render.text import escape, quote, shorten
from bot.store.models import Absence, ChannelSettings, Goal, Milestone, MilestoneEvent, Status
from tests.support.hostile import (
    NOW,
    TODAY,
    details,
    display_names,
    events,
    goals,
    hostile_text,
    many,
    milestones,
    progress_lists,
    reasons,
    user_ids,
)
from tests.support.slacklimits import assert_fits, assert_options_fit

settings.register_profile(
    "limits",
    # 50, or fewer under a profile asking for fewer (pytest --hypothesis-profile=quick).
    max_examples=min(50, settings.default.max_examples),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
LIMITS = settings.get_profile("limits")

any_milestone = milestones()
open_milestone = milestones(status=Status.OPEN)
dated_milestone = open_milestone.filter(lambda m: m.due_date is not None)
several_milestones = many(any_milestone, 400)
optional_reason = st.none() | reasons
# Where hostile text goes in a command: each start leads to an answer that quotes it.
COMMAND_STARTS = ["", "add ", "list ", "settings digest ", "settings ", "due M-1 ", "goal "]


def details_for(milestones_shown: list[Milestone], detail) -> dict:
    return {m.id: detail for m in milestones_shown}


# ---------------------------------------------------------------- messages about one milestone


@LIMITS
@given(any_milestone, details())
def test_the_card_fits_whatever_its_milestone_holds(milestone, detail):
    assert_fits(blocks.announcement(milestone, detail))


@LIMITS
@given(any_milestone, optional_reason, user_ids, st.sampled_from(sorted(set(DECISIONS.values()))))
def test_notes_under_the_card_and_approval_messages_fit(milestone, reason, actor, decision):
    assert_fits(blocks.celebration(milestone))
    assert_fits(blocks.rescheduled(milestone, old_due_date=TODAY, reason=reason))
    assert_fits(blocks.cancelled(milestone, actor_id=actor, reason=reason))
    with_approver = milestone.model_copy(update={"approver_id": milestone.approver_id or actor})
    assert_fits(blocks.approval_request(with_approver))
    assert_fits(blocks.approval_decided(with_approver, decision=decision, reason=reason))
    assert_fits(blocks.changes_requested(milestone, approver_id=actor, reason=reason or "x"))
    assert_fits(blocks.notice(blocks.sent_for_approval(with_approver)))


@LIMITS
@given(dated_milestone, st.integers(1, 10**4), st.integers(1, 10**3), st.booleans())
def test_nudges_reminders_and_escalations_fit(milestone, days, nudges, flag):
    assert_fits(blocks.overdue_nudge(milestone, days_overdue=days, in_channel=flag))
    assert_fits(blocks.due_soon_reminder(milestone))
    assert_fits(blocks.escalation(milestone, days_overdue=days, nudges=nudges, to_approver=flag))


@LIMITS
@given(open_milestone, open_milestone)
def test_notes_about_dependencies_fit(dependent, prerequisite):
    assert_fits(blocks.prerequisite_slipped(dependent, prerequisite))
    assert_fits(blocks.ready_for_next_step(dependent, prerequisite))


@LIMITS
@given(any_milestone, optional_reason, st.sampled_from(["blocked", "at_risk", "unblocked"]))
def test_health_answers_fit(milestone, reason, kind):
    change = Change(kind, milestone, "U0ACTOR", reason=reason)
    assert_fits(blocks.notice(blocks.health_changed(change)))


@LIMITS
@given(any_milestone, st.lists(events, max_size=3), st.integers(0, 3000))
def test_a_history_of_thousands_of_changes_fits(milestone, drawn, count):
    history = [drawn[i % len(drawn)] for i in range(count)] if drawn else []
    assert_fits(blocks.history(milestone, history))


# ---------------------------------------------------------------- the coach


@LIMITS
@given(any_milestone, several_milestones)
def test_the_coachs_notes_and_review_fit(milestone, channel):
    context = Context(
        today=TODAY,
        open_milestones=tuple(draft_of(m) for m in channel[:50]),
        goals_requiring_approval=frozenset(),
        references={m.id: m.reference for m in channel[:50]},
    )
    suggestions = review(draft_of(milestone), context)
    assert_fits(blocks.coaching(milestone, suggestions))
    assert_fits(blocks.notice(blocks.coaching_text(milestone, suggestions)))
    reviewed = [(m, review(draft_of(m), context) or suggestions) for m in channel]
    assert_fits(blocks.review(reviewed))


# ---------------------------------------------------------------- answers about a channel


@LIMITS
@given(several_milestones, details(), st.sampled_from(["open", "mine", "overdue", "done", "all"]))
def test_lists_of_hundreds_of_milestones_fit(found, detail, scope):
    message = blocks.milestone_list(
        found, scope=scope, today=TODAY, details=details_for(found, detail)
    )
    assert_fits(message)


@LIMITS
@given(
    several_milestones,
    details(),
    progress_lists,
    st.booleans(),
    display_names,
    st.dictionaries(user_ids, st.none() | st.just(TODAY), max_size=30),
    optional_reason,
)
def test_weekly_status_and_status_answers_fit(
    channel, detail, progress, mentions, name, away, reason
):
    reached = [replace_status(m, Status.REACHED, reached_at=NOW) for m in channel]
    kinds = list(ChangeKind)
    changes = [
        WeekChange(kinds[n % len(kinds)], m, m.due_date, m.due_date, reason)
        for n, m in enumerate(channel)
    ]
    status = channel_status(
        channel + reached,
        team_id="T0TEAM",
        channel_id="C0CHANNEL",
        today=TODAY,
        zone=ZoneInfo("Pacific/Kiritimati"),
        reached_since=NOW - timedelta(days=7),
        details=details_for(channel, detail),
        progress=progress,
        changes=changes,
        reached_lately=[Reached(TODAY, TODAY - timedelta(days=3), p.goal.id) for p in progress],
    )
    person = blocks.user if mentions else blocks.plain_names(dict.fromkeys(away, name))
    for message in blocks.with_away_note(blocks.weekly_status(status, person), away, person):
        assert_fits(message)
    for message in blocks.personal_status([status, status], person):
        assert_fits(message)
    for user_id in {m.responsible_id for m in channel} | {m.approver_id for m in channel}:
        week = personal_week(channel, team_id="T0TEAM", user_id=user_id or "U0", today=TODAY)
        for message in blocks.personal_digest(week):
            assert_fits(message)


def replace_status(milestone: Milestone, status: str, **fields) -> Milestone:
    return milestone.model_copy(update={"status": status, "id": milestone.id + 10**6, **fields})


@LIMITS
@given(st.lists(goals, max_size=1), progress_lists)
def test_goal_answers_fit(declared, progress):
    for goal in declared:
        assert_fits(blocks.goal_declared(goal))
    assert_fits(blocks.goal_list(progress))


# ---------------------------------------------------------------- the App Home


@LIMITS
@given(several_milestones, several_milestones, progress_lists, details(), st.booleans())
def test_the_app_home_fits_however_much_is_on_someones_plate(
    mine, approvals, goal_progress, detail, with_notice
):
    dashboard = Dashboard(
        user_id="U0ME",
        today=TODAY,
        updated_at=NOW,
        mine=[m.model_copy(update={"owner_id": "U0ME"}) for m in mine],
        waiting_for_my_approval=[
            replace_status(m, Status.AWAITING_APPROVAL, approver_id="U0ME") for m in approvals
        ],
        goals=goal_progress,
        details=details_for(mine + approvals, detail),
    )
    notice = blocks.coaching_text(mine[0], []) if with_notice and mine else None
    assert_fits(home_view(dashboard, notice=notice), "home")


# ---------------------------------------------------------------- modals and menus


@LIMITS
@given(any_milestone, many(goals, 300), several_milestones, st.booleans(), hostile_text(200))
def test_the_milestone_form_and_its_menus_fit(milestone, goal_list, candidates, editing, typed):
    chosen = candidates[:5]
    prefill = milestone_modal.Prefill.of(milestone.model_copy(update={"goal_id": 1}), chosen)
    view = milestone_modal.milestone_modal(
        metadata=milestone_modal.Metadata(
            channel_id="C0CHANNEL",
            key="k" * 40,
            milestone_id=milestone.id,
            revision=milestone.revision,
        ),
        prefill=prefill,
        goals=goal_list,
        candidates=candidates,
        reference=milestone.reference if editing else None,
    )
    assert_fits(view, "modal")
    assert_options_fit(milestone_modal.prerequisite_options(candidates, typed))
    assert_options_fit(milestone_modal.prerequisite_options(candidates))
    assert_fits(blocks.reschedule_modal(milestone), "modal")
    assert_fits(blocks.changes_modal(milestone), "modal")


# ---------------------------------------------------------------- settings, away, errors


@LIMITS
@given(st.booleans(), st.sampled_from(["dm", "channel", "off"]), st.booleans())
def test_the_settings_answer_fits(digest, nudges, mentions):
    settings_shown = ChannelSettings(
        team_id="T0TEAM",
        channel_id="C0CHANNEL",
        digest_enabled=digest,
        digest_timezone="America/Argentina/ComodRivadavia",
        nudges=nudges,
        mentions=mentions,
        coach_disabled=",".join(["vague-title", "no-owner", "no-due-date"] * 5),
    )
    assert_fits(blocks.channel_settings(settings_shown, "UTC"))


def _channel_settings(*, digest: bool, nudges: str, mentions: bool, managers: list[str]):
    return ChannelSettings(
        team_id="T0TEAM",
        channel_id="C0CHANNEL",
        digest_enabled=digest,
        digest_timezone="America/Argentina/ComodRivadavia",
        nudges=nudges,
        mentions=mentions,
        coach_disabled=",".join(["vague-title", "no-owner", "no-due-date"] * 5),
        managers=",".join(managers),
    )


@LIMITS
@given(
    st.booleans(),
    st.sampled_from(["dm", "channel", "off"]),
    st.lists(user_ids, max_size=parsing.MAX_MANAGERS),
    st.lists(user_ids, max_size=parsing.MAX_MANAGERS),
    user_ids,
    display_names,
)
def test_settings_changes_told_to_the_channel_fit(digest, nudges, before, after, actor, name):
    old = _channel_settings(digest=digest, nudges=nudges, mentions=True, managers=before)
    new = _channel_settings(digest=not digest, nudges="off", mentions=False, managers=after)
    assert_fits(blocks.channel_settings(new, "UTC"))
    names = blocks.plain_names(dict.fromkeys([actor, *before, *after], name))
    changed = blocks.settings_changed(
        old, new, actor_id=actor, default_timezone="UTC", person=names
    )
    assert_fits(changed)


@LIMITS
@given(any_milestone, user_ids, user_ids)
def test_approver_changes_fit(milestone, actor, old_approver):
    assert_fits(blocks.approver_changed(milestone, actor_id=actor, old_approver_id=old_approver))
    assert_fits(blocks.no_longer_approver(milestone, actor_id=actor))


@LIMITS
@given(st.dates(), st.integers(0, 10**4))
@example(date(9992, 2, 1), 2891)  # an absence that would run past the last date there is
def test_the_away_answer_fits(first_day, length):
    # At most the last day there is (adding past it overflows rather than stopping there).
    last_day = first_day + timedelta(days=min(length, (first_day.max - first_day).days))
    absence = Absence(team_id="T0TEAM", user_id="U0ME", first_day=first_day, last_day=last_day)
    assert_fits(blocks.away_noted(absence))


@LIMITS
@given(
    hostile_text(MAX_COMMAND_LENGTH + 100),
    st.sampled_from(["", "add ", "list ", "settings digest ", "due M-1 ", "goal "]),
)
def test_answers_to_any_command_text_fit(text, start):
    try:
        command = parsing.parse_command(start + text)
    except MilestoneError as error:
        assert_fits(blocks.notice(answers.refusal(error)))
    else:
        if isinstance(command, parsing.Help):
            assert_fits(blocks.help_message(command.problem))


# ---------------------------------------------------------------- how a cut looks


def test_a_definition_of_done_full_of_ampersands_is_cut_between_entities_with_a_visible_ellipsis():
    milestone = Milestone(
        id=12,
        team_id="T0TEAM",
        channel_id="C0CHANNEL",
        title="Beta & launch",
        creator_id="U0ME",
        definition_of_done="&" * MAX_DEFINITION_LENGTH,
        created_at=NOW,
    )

    card = blocks.announcement(milestone)

    assert_fits(card)
    done_when = card["blocks"][2]["elements"][0]["text"]
    assert done_when == "Done when: " + "&amp;" * 597 + "…"


def test_a_cut_never_splits_an_entity_a_character_or_a_mention():
    assert shorten(escape("ab&cd"), 8) == "ab&amp;…"
    assert shorten(escape("ab&cd"), 7) == "ab…"
    assert shorten("hi <@U0123456> there", 10) == "hi…"
    assert shorten("👩\u200d💻👩\u200d💻", 4) == "👩\u200d💻…"
    assert shorten("cafe\u0301s", 5) == "caf…"
    assert shorten("fits", 4) == "fits"


def test_a_long_quotation_in_an_answer_is_shortened_not_cut_silently():
    quoted = quote("<" * 500)
    assert quoted.endswith("…”")
    assert "&lt;" in quoted and len(quoted) <= 202


def test_a_history_too_long_for_one_message_says_so_rather_than_stopping_silently():
    milestone = Milestone(
        id=12,
        team_id="T0TEAM",
        channel_id="C0CHANNEL",
        title="Beta",
        creator_id="U0ME",
        created_at=NOW,
    )
    event = MilestoneEvent(
        milestone_id=12, kind="rescheduled", actor_id="U0ME", at=NOW, reason="&" * 500
    )

    message = blocks.history(milestone, [event] * 200)

    assert_fits(message)
    last = message["blocks"][-1]
    assert last["type"] == "context"
    assert "too long to show whole" in last["elements"][0]["text"]


def test_the_form_shortens_a_long_goal_name_in_its_menu():
    goal = Goal(
        id=1,
        team_id="T0TEAM",
        channel_id="C0CHANNEL",
        name="Ship " + "ü" * 140,
        creator_id="U0ME",
        created_at=NOW,
    )
    view = milestone_modal.milestone_modal(
        metadata=milestone_modal.Metadata(channel_id="C0CHANNEL", key="k"),
        prefill=milestone_modal.Prefill(),
        goals=[goal],
        candidates=[],
    )
    option = view["blocks"][1]["element"]["options"][0]["text"]["text"]
    assert len(option) == milestone_modal.MAX_OPTION_TEXT and option.endswith("ü…")


# ---------------------------------------------------------------- public links


LINK = "https://milestones.example.com/share/" + "A" * 43
labels = hostile_text(200)


@LIMITS
@given(
    labels, many(st.tuples(labels, user_ids), 300, renumber=lambda drawn, _: drawn), st.booleans()
)
def test_the_answers_giving_public_links_fit(label, shared, fresh):
    assert_fits(blocks.calendar_link(LINK, made_by="U1", made_at=NOW, reset=fresh))
    assert_fits(blocks.share_link(LINK, label=label, is_new=fresh))
    assert_fits(blocks.share_revoked(label))
    assert_fits(blocks.share_list([(name, LINK, person, NOW) for name, person in shared]))
