"""A channel's milestones and their history sent as a file (CSV or JSON) to whoever asked,
in their direct messages with the app."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain import plan
from bot.domain.people import local_date
from bot.render import export
from bot.runtime import Runtime
from bot.store.db import session_scope

# People looked up longer ago are asked about again, for the names in the file.
PROFILE_FRESH_FOR = timedelta(hours=1)


def gather(runtime: Runtime, *, team_id: str, channel_id: str, now: datetime) -> plan.Plan:
    """Every milestone of the channel, cancelled ones too, for an export."""
    with session_scope(runtime.engine) as session:
        return plan.gather(
            session,
            team_id=team_id,
            channel_id=channel_id,
            today_of=runtime.timezones.today_of(now),
            cancelled=True,
        )


def build(
    runtime: Runtime,
    exported: plan.Plan,
    kind: str,
    *,
    now: datetime,
    zone: ZoneInfo,
) -> export.ExportFile:
    """The export file of `kind` ("csv" or "json"), people named as Slack names them."""
    with session_scope(runtime.engine) as session:
        history = plan.history_of(session, [m.id for m in exported.milestones])
    user_ids = {
        user_id
        for m in exported.milestones
        for user_id in (m.owner_id, m.approver_id, m.creator_id)
        if user_id
    }
    user_ids |= {e.actor_id for events in history.values() for e in events if e.actor_id}
    people = runtime.timezones.people(
        exported.team_id, user_ids, now=now, max_age=PROFILE_FRESH_FOR
    )
    names = {user_id: person.display_name for user_id, person in people.items()}
    if kind == "csv":
        content = export.to_csv(export.milestone_rows(exported, history, names))
    else:
        content = export.to_json(exported, history, names, exported_at=now)
    return export.export_file(
        kind, content, channel_id=exported.channel_id, today=local_date(now, zone)
    )


def send_export(
    runtime: Runtime, exported: plan.Plan, kind: str, *, user_id: str, now: datetime, zone: ZoneInfo
) -> str:
    """Build the export and upload it to `user_id`'s DM with the app; the file's id."""
    made = build(runtime, exported, kind, now=now, zone=zone)
    messenger = runtime.messenger(exported.team_id)
    return messenger.upload(
        messenger.direct_channel(user_id),
        filename=made.filename,
        content=made.content,
        title=made.title,
        comment=export.comment(exported.channel_id, kind),
    )
