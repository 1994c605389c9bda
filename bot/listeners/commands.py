"""The /milestone slash command: parse, call the service, answer, announce after the ack."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.delivery import charts, exports, status_sweep
from bot.delivery.announce import announce, announce_settings_change
from bot.domain import (
    away,
    channels,
    goals,
    links,
    listing,
    milestones,
    personal_digests,
    public_view,
    schedules,
    suggestions,
)
from bot.domain.dates import parse_due_date
from bot.domain.errors import AdminCheckFailed, MilestoneError
from bot.domain.status_report import channel_reached, goal_records, track_record
from bot.listeners import forms, parsing
from bot.listeners.context import runtime_of
from bot.logs import add_log_context, current_ids
from bot.metrics import note_refused
from bot.render import answers, blocks
from bot.render.text import quote
from bot.runtime import Runtime
from bot.slack.client import ChannelGone, slack_error
from bot.store.claims import claim, mark_dropped, mark_sent
from bot.store.db import reading, session_scope
from bot.store.models import ChannelSettings, DeliveryKind, EventKind

log = logging.getLogger(__name__)

COMMAND = "/milestone"
# How old a name may be when a link is made: older ones are looked up again after the answer.
NAMES_FRESH_FOR = timedelta(days=1)


def milestone_command(ack: Ack, context: BoltContext, command: dict, respond: Respond) -> None:
    runtime = runtime_of(context)
    call = Call(
        runtime=runtime,
        ack=ack,
        respond=respond,
        team_id=command["team_id"],
        channel_id=command["channel_id"],
        user_id=command["user_id"],
        request_key=command.get("trigger_id"),
        now=runtime.clock(),
        channel_name=command.get("channel_name") or "",
    )
    try:
        parsed = parsing.parse_command(command.get("text", ""))
        HANDLERS[type(parsed)](call, parsed)
    except MilestoneError as error:
        note_refused()
        ack(**blocks.notice(answers.refusal(error)))


def register(app: App) -> None:
    app.command(COMMAND)(milestone_command)


@dataclass
class Call:
    """One /milestone invocation: who, where, when, and how to answer."""

    runtime: Runtime
    ack: Ack
    respond: Respond
    team_id: str
    channel_id: str
    user_id: str
    request_key: str | None
    now: datetime
    channel_name: str = ""

    def today(self):
        return self.runtime.timezones.today(self.team_id, self.user_id, now=self.now)

    def tell_later(self, message: blocks.Message) -> None:
        """A private answer after the ack, through the command's response URL."""
        self.respond(text=message["text"], blocks=message["blocks"], response_type="ephemeral")

    def channel_gone(self, reference: str) -> Callable[[str], None]:
        def tell(error: str) -> None:
            self.tell_later(
                blocks.notice(
                    f"{reference} is saved, but I can't post in this channel ({error}). "
                    "Invite me with `/invite @Milestones`, then try again."
                )
            )

        return tell


def _find(call: Call, session, reference: str):
    milestone = milestones.find(
        session, team_id=call.team_id, channel_id=call.channel_id, reference=reference
    )
    # The first one named is the one the command works on (the others are prerequisites).
    if "milestone_id" not in current_ids():
        add_log_context(milestone_id=milestone.id)
    return milestone


def _change_milestone(
    call: Call, reference: str, change: Callable[..., milestones.Change]
) -> milestones.Change:
    """`change(session, milestone=, user_id=, now=)` made by the caller to the channel's
    milestone `reference`, in one transaction."""
    with session_scope(call.runtime.engine) as session:
        milestone = _find(call, session, reference)
        return change(session, milestone=milestone, user_id=call.user_id, now=call.now)


def handle_help(call: Call, command: parsing.Help) -> None:
    call.ack(**blocks.help_message(command.problem))


def handle_add(call: Call, command: parsing.Add) -> None:
    today = call.today()
    due_date = parse_due_date(command.due_text, today=today) if command.due_text else None
    with session_scope(call.runtime.engine) as session:
        goal = (
            goals.find_goal(
                session, team_id=call.team_id, channel_id=call.channel_id, text=command.goal
            )
            if command.goal
            else None
        )
        prerequisites = tuple(_find(call, session, reference) for reference in command.after)
        settings = channels.settings_for(session, team_id=call.team_id, channel_id=call.channel_id)
        # Read before writing: on SQLite the write lock is then held for the inserts only, and
        # the review below runs after the commit, on what was read here.
        context = suggestions.channel_context(
            session,
            team_id=call.team_id,
            channel_id=call.channel_id,
            today=today,
            settings=settings,
            goals=[goal] if goal else [],
        )
        change = milestones.declare(
            session,
            team_id=call.team_id,
            channel_id=call.channel_id,
            creator_id=call.user_id,
            title=command.title,
            due_date=due_date,
            owner_id=command.owner_id,
            approver_id=command.approver_id,
            today=today,
            now=call.now,
            request_key=call.request_key,
            goal_id=goal.id if goal else None,
            prerequisites=prerequisites,
            separate_approvals=settings.separate_approvals,
        )
        add_log_context(milestone_id=change.milestone.id)
    advice = [] if change.repeated else suggestions.advise_in(context, milestone=change.milestone)
    # The coach answers privately, and only when it has something to say.
    call.ack(**blocks.coaching(change.milestone, advice)) if advice else call.ack()
    on_channel_gone = call.channel_gone(change.milestone.reference)
    announce(call.runtime, change, on_channel_gone=on_channel_gone, goal=goal)


def handle_new_milestone_modal(call: Call, command: parsing.NewMilestoneModal) -> None:
    forms.open_milestone_modal(
        call.runtime,
        trigger_id=call.request_key,
        team_id=call.team_id,
        channel_id=call.channel_id,
        user_id=call.user_id,
        draft=command.draft,
        now=call.now,
        tell=lambda text: call.tell_later(blocks.notice(text)),
    )
    call.ack()


def handle_list(call: Call, command: parsing.ListMilestones) -> None:
    today = call.today()
    runtime = call.runtime
    with reading(runtime.engine) as connection:
        found, details = listing.channel_list(
            connection,
            team_id=call.team_id,
            channel_id=call.channel_id,
            scope=command.scope,
            user_id=call.user_id,
            today=today,
            today_of=runtime.timezones.today_of(call.now),
        )
    call.ack(**blocks.milestone_list(found, scope=command.scope, today=today, details=details))


def handle_done(call: Call, command: parsing.Done) -> None:
    with session_scope(call.runtime.engine) as session:
        milestone = _find(call, session, command.reference)
        change = milestones.request_completion(
            session, milestone=milestone, user_id=call.user_id, now=call.now
        )
        advice = suggestions.on_completion(session, milestone=change.milestone, today=call.today())
    if change.kind == EventKind.COMPLETION_REQUESTED:
        call.ack(**blocks.notice(blocks.sent_for_approval(change.milestone)))
    elif advice:
        call.ack(**blocks.coaching(change.milestone, advice))
    else:
        call.ack()
    announce(call.runtime, change, on_channel_gone=call.channel_gone(change.milestone.reference))


def handle_reschedule(call: Call, command: parsing.Reschedule) -> None:
    today = call.today()
    new_due_date = parse_due_date(command.due_text, today=today)
    change = _change_milestone(
        call,
        command.reference,
        partial(
            milestones.reschedule, new_due_date=new_due_date, reason=command.reason, today=today
        ),
    )
    call.ack()
    announce(call.runtime, change, on_channel_gone=call.channel_gone(change.milestone.reference))


def handle_cancel(call: Call, command: parsing.Cancel) -> None:
    change = _change_milestone(
        call, command.reference, partial(milestones.cancel, reason=command.reason)
    )
    call.ack()
    announce(call.runtime, change, on_channel_gone=call.channel_gone(change.milestone.reference))


def handle_set_health(call: Call, command: parsing.SetHealth) -> None:
    change = _change_milestone(
        call,
        command.reference,
        partial(milestones.set_health, state=command.state, reason=command.reason),
    )
    call.ack(**blocks.notice(blocks.health_changed(change)))
    announce(call.runtime, change)


def handle_depends(call: Call, command: parsing.Depends) -> None:
    with session_scope(call.runtime.engine) as session:
        milestone = _find(call, session, command.reference)
        prerequisites = [_find(call, session, reference) for reference in command.prerequisites]
        change = milestones.add_dependencies(
            session,
            milestone=milestone,
            prerequisites=prerequisites,
            user_id=call.user_id,
            now=call.now,
        )
    names = ", ".join(p.reference for p in prerequisites)
    call.ack(**blocks.notice(f"{milestone.reference} now waits on {names}."))
    announce(call.runtime, change)


def handle_no_dependencies(call: Call, command: parsing.NoDependencies) -> None:
    change = _change_milestone(call, command.reference, milestones.remove_dependencies)
    reference = change.milestone.reference
    call.ack(**blocks.notice(f"{reference} no longer waits on other milestones."))
    announce(call.runtime, change)


def handle_history(call: Call, command: parsing.History) -> None:
    with session_scope(call.runtime.engine) as session:
        milestone = _find(call, session, command.reference)
        events = milestones.history(session, milestone=milestone)
    call.ack(**blocks.history(milestone, events))


def handle_review(call: Call, command: parsing.Review) -> None:
    today = call.today()
    with session_scope(call.runtime.engine) as session:
        reviewed = suggestions.review_channel(
            session, team_id=call.team_id, channel_id=call.channel_id, today=today
        )
    call.ack(**blocks.review(reviewed))


def handle_goal_add(call: Call, command: parsing.GoalAdd) -> None:
    today = call.today()
    due_date = parse_due_date(command.due_text, today=today) if command.due_text else None
    with session_scope(call.runtime.engine) as session:
        goal = goals.add_goal(
            session,
            team_id=call.team_id,
            channel_id=call.channel_id,
            creator_id=call.user_id,
            name=command.name,
            due_date=due_date,
            owner_id=command.owner_id,
            requires_approval=command.requires_approval,
            today=today,
            now=call.now,
        )
    call.ack()
    message = blocks.goal_declared(goal)
    tell_channel_gone = call.channel_gone(goal.reference)

    def post() -> None:
        try:
            call.runtime.messenger(call.team_id).post(call.channel_id, message)
        except ChannelGone as gone:
            tell_channel_gone(gone.code)

    call.runtime.background.submit(call.channel_id, post)


def handle_goal_list(call: Call, command: parsing.GoalList) -> None:
    with session_scope(call.runtime.engine) as session:
        progress = goals.channel_progress(session, team_id=call.team_id, channel_id=call.channel_id)
        settings = channels.settings_for(session, team_id=call.team_id, channel_id=call.channel_id)
        zone = status_sweep.channel_zone(settings, call.runtime.settings.default_timezone)
        reached = channel_reached(
            session, team_id=call.team_id, channel_id=call.channel_id, now=call.now, zone=zone
        )
    call.ack(**blocks.goal_list(progress, goal_records(reached), track_record(reached)))


def handle_goal_close(call: Call, command: parsing.GoalClose) -> None:
    with session_scope(call.runtime.engine) as session:
        goal = goals.find_goal(
            session, team_id=call.team_id, channel_id=call.channel_id, text=command.goal
        )
        goals.close_goal(session, goal=goal, user_id=call.user_id, now=call.now)
    call.ack(
        **blocks.notice(
            f"Goal {goal.reference} {quote(goal.name)} is closed. Its milestones keep their "
            "history; the weekly status no longer groups them under it."
        )
    )


def handle_away(call: Call, command: parsing.Away) -> None:
    today = call.today()
    if command.first_text is None:
        with session_scope(call.runtime.engine) as session:
            away.come_back(session, team_id=call.team_id, user_id=call.user_id, today=today)
        call.ack(**blocks.notice("Welcome back: reminders about your milestones are on again."))
        return
    with session_scope(call.runtime.engine) as session:
        first = parse_due_date(command.first_text, today=today)
        last = parse_due_date(command.last_text, today=today) if command.last_text else first
        absence = away.go_away(
            session,
            team_id=call.team_id,
            user_id=call.user_id,
            first_day=first,
            last_day=last,
            today=today,
        )
    call.ack(**blocks.away_noted(absence))


# A private answer can be given once with the ack and four times more through the response URL.
MAX_PRIVATE_ANSWERS = 5


def handle_status(call: Call, command: parsing.Status) -> None:
    if command.mine:
        handle_status_mine(call)
        return
    runtime = call.runtime
    with session_scope(runtime.engine) as session:
        settings = channels.settings_for(session, team_id=call.team_id, channel_id=call.channel_id)
    request = status_sweep.channel_request(
        runtime, settings, key=call.request_key or "", now=call.now
    )
    status = status_sweep.load_statuses(runtime, [request], now=call.now)[
        call.team_id, call.channel_id
    ]
    request_claim = _first_asking(call, DeliveryKind.STATUS_REQUEST)
    if request_claim is None:
        return
    call.ack()

    def post() -> None:
        try:
            with _settled(runtime, request_claim, now=call.now):
                status_sweep.post_status(
                    runtime,
                    call.team_id,
                    call.channel_id,
                    status_sweep.status_messages(
                        runtime, status, mentions=settings.mentions, now=call.now
                    ),
                    now=call.now,
                    zone=request.zone,
                    chart=settings.status_chart,
                )
        except ChannelGone:
            call.tell_later(blocks.notice(blocks.not_in_channel("/milestone status")))

    runtime.background.submit(call.channel_id, post)


def _first_asking(call: Call, kind: DeliveryKind) -> int | None:
    """Claim the request under its trigger id, so that Slack's retry of it (or the same request
    sent twice at once) is answered once: the claim's id; None for a request claimed already,
    acknowledged with nothing more."""
    with session_scope(call.runtime.engine) as session:
        won = claim(
            session,
            [
                {
                    "team_id": call.team_id,
                    "kind": kind,
                    "key": call.request_key,
                    "channel_id": call.channel_id,
                    "claimed_at": call.now,
                }
            ],
        )
    if not won:
        call.ack()
        return None
    [claimed] = won.values()
    return claimed


@contextmanager
def _settled(runtime: Runtime, claimed: int, *, now: datetime) -> Iterator[None]:
    """Mark a request's claim sent once the block is done; dropped when it raises, never
    retried (the person asks again, with a new trigger id)."""
    try:
        yield
    except Exception as error:
        with session_scope(runtime.engine) as session:
            mark_dropped(session, claimed, error=slack_error(error) or repr(error))
        raise
    with session_scope(runtime.engine) as session:
        mark_sent(session, claimed, now=now)


def handle_chart(call: Call, command: parsing.Chart) -> None:
    runtime = call.runtime
    with session_scope(runtime.engine) as session:
        goal = (
            goals.find_goal(
                session, team_id=call.team_id, channel_id=call.channel_id, text=command.goal
            )
            if command.goal
            else None
        )
        settings = channels.settings_for(session, team_id=call.team_id, channel_id=call.channel_id)
    zone = status_sweep.channel_zone(settings, runtime.settings.default_timezone)
    drawn = charts.draw(
        runtime,
        team_id=call.team_id,
        channel_id=call.channel_id,
        now=call.now,
        zone=zone,
        goal=goal,
    )
    if drawn.is_empty:
        call.ack(**blocks.notice(blocks.nothing_to_chart(goal)))
        return
    request_claim = _first_asking(call, DeliveryKind.CHART_REQUEST)
    if request_claim is None:
        return
    call.ack()

    def post() -> None:
        with _upload_refusals_told(call, "chart"), _settled(runtime, request_claim, now=call.now):
            charts.post_chart(runtime, call.team_id, call.channel_id, drawn)

    runtime.background.submit(call.channel_id, post)


def handle_export(call: Call, command: parsing.Export) -> None:
    runtime = call.runtime
    exported = exports.gather(
        runtime, team_id=call.team_id, channel_id=call.channel_id, now=call.now
    )
    if not exported.milestones:
        call.ack(**blocks.notice("This channel has no milestones to export yet."))
        return
    with session_scope(runtime.engine) as session:
        settings = channels.settings_for(session, team_id=call.team_id, channel_id=call.channel_id)
    zone = status_sweep.channel_zone(settings, runtime.settings.default_timezone)
    request_claim = _first_asking(call, DeliveryKind.EXPORT_REQUEST)
    if request_claim is None:
        return
    call.ack(**blocks.notice(blocks.export_on_its_way(command.format)))

    def send() -> None:
        with (
            _upload_refusals_told(call, f"export {command.format}"),
            _settled(runtime, request_claim, now=call.now),
        ):
            exports.send_export(
                runtime, exported, command.format, user_id=call.user_id, now=call.now, zone=zone
            )

    runtime.background.submit(call.user_id, send)


@contextmanager
def _upload_refusals_told(call: Call, subcommand: str) -> Iterator[None]:
    """Tell the person privately when Slack refused an upload they asked for: the bot is not
    in the channel, or the app was installed before it could upload files."""
    try:
        yield
    except ChannelGone:
        call.tell_later(blocks.notice(blocks.not_in_channel(f"/milestone {subcommand}")))
    except SlackApiError as error:
        if slack_error(error) != "missing_scope":
            raise
        call.tell_later(blocks.notice(blocks.missing_files_scope()))


def handle_status_mine(call: Call) -> None:
    """The caller's milestones in every channel, privately: the first message with the ack,
    the others through the response URL."""
    statuses = status_sweep.personal_statuses(
        call.runtime, team_id=call.team_id, user_id=call.user_id, now=call.now
    )
    messages = blocks.personal_status(statuses)
    if len(messages) > MAX_PRIVATE_ANSWERS:
        messages = messages[: MAX_PRIVATE_ANSWERS - 1] + [
            blocks.notice(
                "That is all that fits in a private answer; `/milestone status` in each "
                "channel shows the rest."
            )
        ]
    call.ack(**messages[0])
    for message in messages[1:]:
        call.tell_later(message)


def handle_personal_digest(call: Call, command: parsing.PersonalDigestSetting) -> None:
    with session_scope(call.runtime.engine) as session:
        if command.weekday is None:
            personal_digests.stop_personal_digest(
                session, team_id=call.team_id, user_id=call.user_id
            )
        else:
            personal_digests.set_personal_digest(
                session,
                team_id=call.team_id,
                user_id=call.user_id,
                weekday=command.weekday,
                at=command.at,
                now=call.now,
            )
    zone = call.runtime.timezones.name(call.team_id, call.user_id, now=call.now)
    call.ack(**blocks.personal_digest_setting(command.weekday, command.at, zone))


def handle_settings(call: Call, command: parsing.DigestSettings) -> None:
    if command.show:
        with session_scope(call.runtime.engine) as session:
            settings = channels.settings_for(
                session, team_id=call.team_id, channel_id=call.channel_id
            )
        call.ack(**_settings_message(call, settings))
        return
    _change_settings(
        call,
        partial(
            channels.update_digest,
            enabled=command.enabled,
            weekday=command.weekday,
            at=command.at,
            timezone=command.timezone,
        ),
    )


def handle_channel_setting(call: Call, command: parsing.ChannelSetting) -> None:
    _change_settings(call, partial(channels.update, **{command.name: command.value}))


def handle_coach_setting(call: Call, command: parsing.CoachSetting) -> None:
    _change_settings(
        call,
        partial(channels.set_coach_rule, rule_id=command.rule_id, enabled=command.enabled),
    )


def handle_managers_setting(call: Call, command: parsing.ManagersSetting) -> None:
    _change_settings(call, partial(channels.set_managers, user_ids=command.user_ids))


def _change_settings(call: Call, change: Callable[..., ChannelSettings]) -> None:
    """Make `change(session, team_id=, channel_id=)` to the channel's settings if the caller
    may, show them the settings, and tell the channel who changed what, after the answer."""
    with session_scope(call.runtime.engine) as session:
        before = channels.settings_for(session, team_id=call.team_id, channel_id=call.channel_id)
    # Asked outside the transaction: nothing is held while Slack answers.
    channels.ensure_may_change(
        before,
        user_id=call.user_id,
        is_admin=lambda: is_workspace_admin(call.runtime, call.team_id, call.user_id),
    )
    with session_scope(call.runtime.engine) as session:
        after = change(session, team_id=call.team_id, channel_id=call.channel_id)
    call.ack(**_settings_message(call, after))
    announce_settings_change(
        call.runtime,
        before=before,
        after=after,
        actor_id=call.user_id,
        on_channel_gone=call.channel_gone("The new setting"),
    )


def _settings_message(call: Call, settings: ChannelSettings) -> blocks.Message:
    defaults = call.runtime.settings
    return blocks.channel_settings(settings, defaults.default_timezone, defaults.working_week)


def handle_my_settings(call: Call, command: parsing.MySettings) -> None:
    """Show the caller's settings, after changing one if asked: theirs alone, no one told."""
    with session_scope(call.runtime.engine) as session:
        if command.name is None:
            chosen = schedules.schedule_of(session, team_id=call.team_id, user_id=call.user_id)
        else:
            chosen = schedules.set_for_person(
                session,
                team_id=call.team_id,
                user_id=call.user_id,
                name=command.name,
                value=command.value,
            )
    week = schedules.week_of(call.runtime.settings.working_week, chosen)
    zone = call.runtime.timezones.name(call.team_id, call.user_id, now=call.now)
    call.ack(**blocks.my_settings(week, chosen, zone))


def is_workspace_admin(runtime: Runtime, team_id: str, user_id: str) -> bool:
    """Whether Slack says `user_id` is an admin or owner of the workspace (users.info).

    Asked before the answer, so with a short timeout and no retries; when Slack does not
    answer in time, AdminCheckFailed tells the person to try again.
    """
    try:
        found = runtime.quick_messenger(team_id).client.users_info(user=user_id).get("user") or {}
    except (SlackClientError, OSError) as error:
        log.warning("could not check whether %s is a workspace admin: %r", user_id, error)
        raise AdminCheckFailed() from None
    return bool(found.get("is_admin") or found.get("is_owner"))


# What Slack sends as channel_name where a channel has no name to show.
_UNNAMED_CHANNELS = ("privategroup", "directmessage", "mpdm")


def _link_settings(call: Call) -> tuple[str, bytes]:
    """The public address and the key links are made with; NoLinks when either is missing."""
    settings = call.runtime.settings
    key = settings.link_key()
    if not settings.public_url or key is None:
        raise links.NoLinks()
    return settings.public_url, key


def _channel_label(call: Call) -> str:
    name = call.channel_name
    if not name or name.startswith(_UNNAMED_CHANNELS):
        return "This channel's milestones"
    return f"#{name}"


def _learn_names(call: Call) -> None:
    """After the answer: the names of the channel's owners, looked up if not known lately,
    so a link shows names (it never asks Slack itself)."""
    runtime = call.runtime
    with session_scope(runtime.engine) as session:
        owners = public_view.owners(session, team_id=call.team_id, channel_id=call.channel_id)
    runtime.background.submit(
        "timezones",
        lambda: runtime.timezones.people(
            call.team_id, owners, now=call.now, max_age=NAMES_FRESH_FOR
        ),
    )


def handle_calendar(call: Call, command: parsing.CalendarLink) -> None:
    public_url, key = _link_settings(call)
    with session_scope(call.runtime.engine) as session:
        link = links.calendar(
            session,
            team_id=call.team_id,
            channel_id=call.channel_id,
            user_id=call.user_id,
            label=_channel_label(call),
            now=call.now,
            key=key,
            reset=command.reset,
        )
        url = links.calendar_url(public_url, links.token_of(link, key))
        made_by, made_at = link.created_by, link.created_at
    call.ack(**blocks.calendar_link(url, made_by=made_by, made_at=made_at, reset=command.reset))
    _learn_names(call)


def _goal_named(call: Call, session, text: str | None):
    if not text:
        return None
    return goals.find_goal(session, team_id=call.team_id, channel_id=call.channel_id, text=text)


def handle_share(call: Call, command: parsing.Share) -> None:
    public_url, key = _link_settings(call)
    with session_scope(call.runtime.engine) as session:
        goal = _goal_named(call, session, command.goal)
        link, is_new = links.share(
            session,
            team_id=call.team_id,
            channel_id=call.channel_id,
            goal=goal,
            user_id=call.user_id,
            label=_channel_label(call),
            now=call.now,
            key=key,
        )
        url = links.page_url(public_url, links.token_of(link, key))
        label = link.label
    call.ack(**blocks.share_link(url, label=label, is_new=is_new))
    _learn_names(call)


def handle_share_revoke(call: Call, command: parsing.ShareRevoke) -> None:
    with session_scope(call.runtime.engine) as session:
        revoked = links.revoke_share(
            session,
            team_id=call.team_id,
            channel_id=call.channel_id,
            goal=command.goal,
            user_id=call.user_id,
            now=call.now,
        )
        label = revoked[0].label
    call.ack(**blocks.share_revoked(label))


def handle_share_list(call: Call, command: parsing.ShareList) -> None:
    public_url, key = _link_settings(call)
    with session_scope(call.runtime.engine) as session:
        shared = [
            (
                link.label,
                links.page_url(public_url, links.token_of(link, key)),
                link.created_by,
                link.created_at,
            )
            for link in links.shares(session, team_id=call.team_id, channel_id=call.channel_id)
        ]
    call.ack(**blocks.share_list(shared))


HANDLERS: dict[type, Callable] = {
    parsing.Help: handle_help,
    parsing.Add: handle_add,
    parsing.NewMilestoneModal: handle_new_milestone_modal,
    parsing.ListMilestones: handle_list,
    parsing.Done: handle_done,
    parsing.Reschedule: handle_reschedule,
    parsing.Cancel: handle_cancel,
    parsing.SetHealth: handle_set_health,
    parsing.Depends: handle_depends,
    parsing.NoDependencies: handle_no_dependencies,
    parsing.History: handle_history,
    parsing.Review: handle_review,
    parsing.Status: handle_status,
    parsing.Chart: handle_chart,
    parsing.Export: handle_export,
    parsing.GoalAdd: handle_goal_add,
    parsing.GoalList: handle_goal_list,
    parsing.GoalClose: handle_goal_close,
    parsing.Away: handle_away,
    parsing.DigestSettings: handle_settings,
    parsing.ChannelSetting: handle_channel_setting,
    parsing.CoachSetting: handle_coach_setting,
    parsing.ManagersSetting: handle_managers_setting,
    parsing.CalendarLink: handle_calendar,
    parsing.Share: handle_share,
    parsing.ShareRevoke: handle_share_revoke,
    parsing.ShareList: handle_share_list,
    parsing.PersonalDigestSetting: handle_personal_digest,
    parsing.MySettings: handle_my_settings,
}
