"""Helpers for tests of the app installed by OAuth: its settings, and an install driven the
way a workspace admin does it (the install page, Slack's consent, the redirect back)."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlparse

import requests

from bot.slack.installations import BOT_SCOPES
from tests.support.harness import make_settings

CLIENT_ID = "1111.2222"


def oauth_settings(database_url, slack, **overrides):
    return make_settings(
        database_url,
        slack,
        SLACK_BOT_TOKEN="",
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET="client-secret",
        **overrides,
    )


def install(bot, code: str, *, team_id: str, token: str, **grant) -> requests.Response:
    """Someone opens /slack/install, approves the app in Slack, and is sent back."""
    bot.slack.grant(code, team_id=team_id, token=token, **grant)
    browser = requests.Session()
    page = browser.get(f"{bot.url}/slack/install")
    assert page.status_code == 200, page.text
    link = html.unescape(
        re.search(r'href="(https://slack.com/oauth/v2/authorize[^"]+)"', page.text)[1]
    )
    query = parse_qs(urlparse(link).query)
    assert query["client_id"] == [CLIENT_ID]
    assert set(query["scope"][0].split(",")) == set(BOT_SCOPES)
    # The state cookie is marked Secure (Slack's apps are served over https): sent by hand here.
    cookie = page.headers["Set-Cookie"].split(";")[0]
    return browser.get(
        f"{bot.url}/slack/oauth_redirect",
        params={"code": code, "state": query["state"][0]},
        headers={"Cookie": cookie},
    )
