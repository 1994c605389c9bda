"""The public links served over HTTP: GET /calendar/<token>.ics (a channel's calendar feed) and
GET /share/<token> (a stakeholder page). No Slack signature: the secret token is the
credential. A token that is wrong, revoked or malformed gets the server's one 404, the same as
any path it does not serve.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from urllib.parse import urlparse

from bot.delivery.status_sweep import channel_zone
from bot.domain import channels, links, public_view
from bot.render.calendar import calendar_feed
from bot.render.share_page import page_html
from bot.runtime import Runtime
from bot.store.db import session_scope
from bot.store.models import LinkKind

log = logging.getLogger(__name__)

# Calendars and browsers may keep a copy, but must ask again (If-None-Match) before using it;
# shared caches (proxies) must not keep one: the URL is a secret.
CACHE_CONTROL = "private, no-cache"
PAGE_HEADERS = [
    ("Cache-Control", CACHE_CONTROL),
    # Nothing runs on the page and nothing is loaded from elsewhere.
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'",
    ),
    # The token in the address is not sent on to any site a link leads to.
    ("Referrer-Policy", "no-referrer"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Robots-Tag", "noindex, nofollow"),
]

# A public link's answer: (status, headers, body), or None for "not found".
Answer = tuple[str, list[tuple[str, str]], bytes]


def public_links(runtime: Runtime) -> Callable[[str, dict], Answer | None]:
    """What serves the public links of `runtime`'s database: given a GET's path and WSGI
    environ, the answer, or None when the path is not a working link."""
    key = runtime.settings.link_key()
    host = urlparse(runtime.settings.public_url or "http://milestone-bot").hostname or "bot"

    def serve(path: str, environ: dict) -> Answer | None:
        if path.startswith(links.CALENDAR_PATH) and path.endswith(".ics"):
            token = path[len(links.CALENDAR_PATH) : -len(".ics")]
            body = _calendar(runtime, token, key=key, host=host)
            content_type = "text/calendar; charset=utf-8"
            headers = [("Cache-Control", CACHE_CONTROL), ("X-Robots-Tag", "noindex, nofollow")]
        elif path.startswith(links.PAGE_PATH):
            token = path[len(links.PAGE_PATH) :]
            body = _page(runtime, token, key=key)
            content_type = "text/html; charset=utf-8"
            headers = list(PAGE_HEADERS)
        else:
            return None
        if body is None:
            return None
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        headers += [("ETag", etag)]
        if _matches(environ.get("HTTP_IF_NONE_MATCH", ""), etag):
            return "304 Not Modified", headers, b""
        return "200 OK", [("Content-Type", content_type), *headers], body

    return serve


def _matches(if_none_match: str, etag: str) -> bool:
    """Whether If-None-Match names `etag` (weakly compared, as RFC 9110 asks for GET) or *."""
    tags = [tag.strip() for tag in if_none_match.split(",") if tag.strip()]
    return "*" in tags or any(tag.removeprefix("W/") == etag for tag in tags)


def _calendar(runtime: Runtime, token: str, *, key: bytes | None, host: str) -> bytes | None:
    now = runtime.clock()
    with session_scope(runtime.engine) as session:
        link = links.resolve(session, token, kind=LinkKind.CALENDAR, key=key)
        if link is None:
            return None
        entries, names = public_view.calendar_entries(
            session, link, today_of=runtime.timezones.today_of(now)
        )
        name = f"Milestones · {link.label}"
    return calendar_feed(entries, names, name=name, host=host)


def _page(runtime: Runtime, token: str, *, key: bytes | None) -> bytes | None:
    now = runtime.clock()
    with session_scope(runtime.engine) as session:
        link = links.resolve(session, token, kind=LinkKind.PAGE, key=key)
        if link is None:
            return None
        # Dated on the channel's calendar, as its chart and weekly status are.
        zone = channel_zone(
            channels.settings_for(session, team_id=link.team_id, channel_id=link.channel_id),
            runtime.settings.default_timezone,
        )
        view = public_view.page(
            session,
            link,
            now=now,
            zone=zone,
            today_of=runtime.timezones.today_of(now),
        )
        html = page_html(view)
    return html.encode()


def answer(start_response: Callable, found: Answer) -> Iterable[bytes]:
    status, headers, body = found
    if not status.startswith("304"):
        headers = [*headers, ("Content-Length", str(len(body)))]
    start_response(status, headers)
    return [body]
