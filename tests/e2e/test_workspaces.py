"""Many workspaces: installing by OAuth, each workspace speaking with its own token, tokens
refreshed before they expire, and a workspace that removes the app hearing no more."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel

from bot.cli import main
from bot.delivery.status_sweep import run_digest_sweep
from bot.render import blocks
from bot.slack.installations import SlackAccess
from bot.store.db import session_scope
from bot.store.models import PostingBudget, Workspace
from tests.support.harness import CHANNEL, OTHER, OWNER, running_bot
from tests.support.installing import CLIENT_ID, install, oauth_settings
from tests.support.sweeping import at

TEAM_A, TEAM_B = "T0AAA", "T0BBB"
TOKEN_A, TOKEN_B = "xoxb-team-a", "xoxb-team-b"
# The Monday after the milestones below are declared, when their weekly status is due.
MONDAY_NINE = at(7, 9)


@pytest.fixture
def app_bot(database_url, slack, clock):
    """The bot as an app any workspace can install."""
    with running_bot(oauth_settings(database_url, slack), slack, clock) as running:
        yield running


def event_body(event: dict, *, team: str, enterprise: str | None = None, org: bool = False) -> str:
    return json.dumps(
        {
            "token": "verification_token",
            "team_id": team,
            "enterprise_id": enterprise,
            "api_app_id": "A111",
            "event": {"event_ts": f"{time.time():.6f}", **event},
            "type": "event_callback",
            "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "is_ext_shared_channel": False,
            "authorizations": [
                {
                    "enterprise_id": enterprise,
                    "team_id": None if org else team,
                    "user_id": "UBOT",
                    "is_bot": True,
                    "is_enterprise_install": org,
                }
            ],
        }
    )


def send_event(bot, event: dict, **where) -> None:
    response = bot.post(event_body(event, **where), content_type="application/json")
    assert response.status_code == 200, response.text


def posts_in(slack, team_token: str) -> list:
    return [call for call in slack.calls_to("chat.postMessage") if call.token == team_token]


def workspace(bot, team_id: str) -> Workspace | None:
    with session_scope(bot.engine) as session:
        return session.get(Workspace, team_id)


# ------------------------------------------------------------------ installing


def test_installing_stores_the_workspace_and_its_commands_use_its_token(app_bot, slack):
    done = install(app_bot, "code-a", team_id=TEAM_A, token=TOKEN_A)

    assert done.status_code == 200, done.text
    (exchange,) = slack.calls_to("oauth.v2.access")
    assert exchange.params["code"] == "code-a"
    assert workspace(app_bot, TEAM_A).uninstalled_at is None

    milestone = app_bot.add('"Beta shipped" due 2026-12-18', team=TEAM_A)

    assert milestone.team_id == TEAM_A
    (announcement,) = slack.calls_to("chat.postMessage")
    assert announcement.token == TOKEN_A


def test_a_redirect_without_the_install_pages_state_installs_nothing(app_bot, slack):
    slack.grant("code-a", team_id=TEAM_A, token=TOKEN_A)

    answer = requests.get(
        f"{app_bot.url}/slack/oauth_redirect", params={"code": "code-a", "state": "forged"}
    )

    assert answer.status_code == 400
    assert slack.calls_to("oauth.v2.access") == []
    assert workspace(app_bot, TEAM_A) is None


def test_a_workspace_that_has_not_installed_the_app_changes_nothing(app_bot, slack):
    response = app_bot.command('add "Beta shipped"', team=TEAM_A)

    assert response.status_code == 200
    assert app_bot.milestones() == []
    assert slack.calls_to("chat.postMessage") == []


def test_two_workspaces_each_speak_with_their_own_token(app_bot, slack):
    install(app_bot, "code-a", team_id=TEAM_A, token=TOKEN_A)
    install(app_bot, "code-b", team_id=TEAM_B, token=TOKEN_B)

    app_bot.add('"Beta shipped" due 2026-12-18', team=TEAM_A)
    app_bot.add('"Docs published" due 2026-12-18', team=TEAM_B)

    (to_a,) = posts_in(slack, TOKEN_A)
    (to_b,) = posts_in(slack, TOKEN_B)
    assert "Beta shipped" in to_a.params["text"]
    assert "Docs published" in to_b.params["text"]


def test_a_button_naming_another_workspaces_milestone_is_refused(app_bot, slack):
    install(app_bot, "code-a", team_id=TEAM_A, token=TOKEN_A)
    install(app_bot, "code-b", team_id=TEAM_B, token=TOKEN_B)
    theirs = app_bot.add('"Beta shipped" due 2026-12-18', team=TEAM_A)

    response = app_bot.press(blocks.COMPLETE, app_bot.button(theirs), team=TEAM_B)

    assert response.status_code == 200
    assert app_bot.milestone(theirs.id).status == "open"
    assert app_bot.milestone(theirs.id).revision == theirs.revision
    (answer,) = slack.wait_for_response(name="action")
    assert "out of date" in answer["body"]["text"]
    assert "Beta shipped" not in json.dumps(answer["body"])


def test_an_organisation_wide_install_serves_each_of_its_workspaces(app_bot, slack):
    install(
        app_bot, "code-org", team_id="", token="xoxb-org", enterprise_id="E0ORG", org_install=True
    )
    fields = {"enterprise_id": "E0ORG", "is_enterprise_install": "true"}
    body = app_bot.command_body('add "Beta shipped" due 2026-12-18', team=TEAM_A)
    body += "&" + "&".join(f"{k}={v}" for k, v in fields.items())
    body = body.replace("is_enterprise_install=false&", "")

    assert app_bot.post(body).status_code == 200

    (milestone,) = app_bot.milestones()
    assert milestone.team_id == TEAM_A
    seen = workspace(app_bot, TEAM_A)
    assert (seen.enterprise_id, seen.org_install) == ("E0ORG", True)
    assert [c.token for c in slack.calls_to("chat.postMessage")] == ["xoxb-org"]
    # A sweep finds the organisation's bot for the workspace by itself.
    slack.reset()
    run_digest_sweep(app_bot.runtime, now=MONDAY_NINE)
    app_bot.settle()
    assert [c.token for c in slack.calls_to("chat.postMessage")] == ["xoxb-org"]


# ------------------------------------------------------------------ token rotation


def test_an_expiring_token_is_refreshed_before_a_request_uses_it(app_bot, slack):
    install(app_bot, "code-a", team_id=TEAM_A, token=TOKEN_A, expires_in=60)

    app_bot.add('"Beta shipped" due 2026-12-18', team=TEAM_A)

    (refresh,) = slack.calls_to("oauth.v2.access")[1:]
    assert refresh.params["grant_type"] == "refresh_token"
    assert [c.token for c in slack.calls_to("chat.postMessage")] == ["xoxe.xoxb-refreshed-1"]


def test_a_sweep_refreshes_an_expiring_token_itself(app_bot, slack, database_url):
    install(app_bot, "code-a", team_id=TEAM_A, token=TOKEN_A, expires_in=3 * 3600)
    app_bot.add('"Beta shipped" due 2026-12-18', team=TEAM_A)
    assert len(slack.calls_to("oauth.v2.access")) == 1  # not expiring yet: no refresh
    expire_soon(app_bot, TEAM_A)
    slack.reset()

    run_digest_sweep(app_bot.runtime, now=MONDAY_NINE)
    app_bot.settle()

    assert len(slack.calls_to("oauth.v2.access")) == 1
    assert [c.token for c in slack.calls_to("chat.postMessage")] == ["xoxe.xoxb-refreshed-1"]


def expire_soon(bot, team_id: str) -> None:
    store = bot.runtime.slack.installation_store
    with bot.engine.begin() as connection:
        connection.execute(
            store.bots.update()
            .where(store.bots.c.team_id == team_id)
            .values(bot_token_expires_at=_utc_in(seconds=60))
        )


def _utc_in(*, seconds: int) -> datetime:
    """A naive UTC time, as slack_sdk's store keeps expiry times."""
    return datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=seconds)


def test_two_processes_needing_a_fresh_token_at_once_refresh_it_once(app_bot, slack):
    install(app_bot, "code-a", team_id=TEAM_A, token=TOKEN_A, expires_in=60)
    slack.reset()
    # Two processes: each with its own clients and locks, sharing only the database.
    accesses = [
        SlackAccess(app_bot.runtime.settings, app_bot.engine, clock=app_bot.clock) for _ in range(2)
    ]
    start = threading.Barrier(len(accesses) * 2)
    tokens = []

    def use(access: SlackAccess) -> None:
        start.wait()
        tokens.append(access.client_for(TEAM_A).token)

    threads = [threading.Thread(target=use, args=(a,)) for a in accesses for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(slack.calls_to("oauth.v2.access")) == 1
    assert tokens == ["xoxe.xoxb-refreshed-1"] * 4


# ------------------------------------------------------------------ leaving


@pytest.mark.parametrize("leaving", ["app_uninstalled", "tokens_revoked"])
def test_a_workspace_that_removes_the_app_gets_no_more_sweeps(app_bot, slack, leaving):
    install(app_bot, "code-a", team_id=TEAM_A, token=TOKEN_A)
    install(app_bot, "code-b", team_id=TEAM_B, token=TOKEN_B)
    app_bot.add('"Beta shipped" due 2026-12-18', team=TEAM_A)
    app_bot.add('"Docs published" due 2026-12-18', team=TEAM_B)
    event = {"type": leaving}
    if leaving == "tokens_revoked":
        event["tokens"] = {"oauth": [], "bot": ["UBOT"]}
    slack.reset()

    send_event(app_bot, event, team=TEAM_A)
    run_digest_sweep(app_bot.runtime, now=MONDAY_NINE)
    app_bot.settle()

    assert posts_in(slack, TOKEN_A) == []
    assert len(posts_in(slack, TOKEN_B)) == 1
    assert workspace(app_bot, TEAM_A).uninstalled_at is not None
    store = app_bot.runtime.slack.installation_store
    assert store.find_bot(enterprise_id=None, team_id=TEAM_A) is None
    # Its milestones stay until an operator purges them.
    assert {m.team_id for m in app_bot.milestones()} == {TEAM_A, TEAM_B}


def test_revoking_only_user_tokens_leaves_the_bot_speaking(app_bot, slack):
    install(app_bot, "code-a", team_id=TEAM_A, token=TOKEN_A)

    send_event(app_bot, {"type": "tokens_revoked", "tokens": {"oauth": [OWNER]}}, team=TEAM_A)

    assert workspace(app_bot, TEAM_A).uninstalled_at is None
    app_bot.add('"Beta shipped" due 2026-12-18', team=TEAM_A)
    assert len(posts_in(slack, TOKEN_A)) == 1


def test_installing_again_serves_the_workspace_again(app_bot, slack):
    install(app_bot, "code-a", team_id=TEAM_A, token=TOKEN_A)
    app_bot.add('"Beta shipped" due 2026-12-18', team=TEAM_A)
    send_event(app_bot, {"type": "app_uninstalled"}, team=TEAM_A)

    install(app_bot, "code-a2", team_id=TEAM_A, token="xoxb-team-a-again")
    slack.reset()
    run_digest_sweep(app_bot.runtime, now=MONDAY_NINE)
    app_bot.settle()

    assert [c.token for c in slack.calls_to("chat.postMessage")] == ["xoxb-team-a-again"]


def test_with_one_bot_token_uninstalling_stops_sweeps_until_slack_sends_requests_again(bot, slack):
    bot.add('"Beta shipped" due 2026-12-18')
    send_event(bot, {"type": "app_uninstalled"}, team="T111")
    slack.reset()

    run_digest_sweep(bot.runtime, now=MONDAY_NINE)
    bot.settle()
    assert slack.calls_to("chat.postMessage") == []

    # Reinstalled (a new token, a restart): Slack sends its requests again.
    assert bot.command("list").status_code == 200
    run_digest_sweep(bot.runtime, now=MONDAY_NINE)
    bot.settle()
    assert len(slack.calls_to("chat.postMessage")) == 1


# ------------------------------------------------------------------ purging


def test_purge_team_deletes_everything_about_a_workspace_that_left(
    app_bot, slack, database_url, monkeypatch, tmp_path, capsys
):
    install(app_bot, "code-a", team_id=TEAM_A, token=TOKEN_A)
    install(app_bot, "code-b", team_id=TEAM_B, token=TOKEN_B)
    first = app_bot.add('"Beta shipped" due 2026-12-18', team=TEAM_A)
    app_bot.add(f'"Launch party" due 2026-12-20 after {first.reference}', team=TEAM_A)
    app_bot.add('"Docs published" due 2026-12-18', team=TEAM_B)
    monkeypatch.chdir(tmp_path)
    environ = {
        "DATABASE_URL": database_url,
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": "client-secret",
        "SLACK_SIGNING_SECRET": "secret",
    }
    for name, value in environ.items():
        monkeypatch.setenv(name, value)

    assert main(["purge-team", TEAM_A]) == 2  # still installed: refused
    assert "uninstall" in capsys.readouterr().err
    assert len(app_bot.milestones()) == 3

    send_event(app_bot, {"type": "app_uninstalled"}, team=TEAM_A)
    with session_scope(app_bot.engine) as session:
        session.add(PostingBudget(team_id=TEAM_A, next_at=0.0))
    assert main(["purge-team", TEAM_A]) == 0

    assert "purged workspace T0AAA: " in capsys.readouterr().out
    assert [m.team_id for m in app_bot.milestones()] == [TEAM_B]
    assert workspace(app_bot, TEAM_A) is None
    assert workspace(app_bot, TEAM_B) is not None
    with session_scope(app_bot.engine) as session:
        for table in SQLModel.metadata.sorted_tables:
            if "team_id" in table.columns:
                left = session.execute(sa_select(table).where(table.c.team_id == TEAM_A)).all()
                assert left == [], table.name


def test_other_users_in_another_workspace_see_nothing_of_this_one(app_bot, slack):
    install(app_bot, "code-a", team_id=TEAM_A, token=TOKEN_A)
    install(app_bot, "code-b", team_id=TEAM_B, token=TOKEN_B)
    app_bot.add('"Beta shipped" due 2026-12-18', team=TEAM_A)

    response = app_bot.command("list", team=TEAM_B, channel=CHANNEL, user=OTHER)

    assert "Beta shipped" not in response.text
    assert "Beta shipped" in app_bot.command("list", team=TEAM_A, channel=CHANNEL).text
