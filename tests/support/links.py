"""The public links the bot gives (calendar feeds, shared pages): read from its private answer,
and fetched from the bot under test as a calendar program or a browser would."""

from __future__ import annotations

import re

import requests

from tests.support.harness import PUBLIC_URL
from tests.support.reading import answer

_LINK = re.compile(r"<(" + re.escape(PUBLIC_URL) + r"/[^|>]+)\|")


def links_in(response) -> list[str]:
    """The public links (as the bot wrote them, under PUBLIC_URL) in a command's answer."""
    return _LINK.findall(answer(response))


def link_in(response) -> str:
    [link] = links_in(response)
    return link


def served(bot, link: str) -> str:
    """Where the bot under test serves `link`."""
    assert link.startswith(PUBLIC_URL + "/"), link
    return bot.url + link[len(PUBLIC_URL) :]


def fetch(bot, link: str, **headers: str) -> requests.Response:
    return requests.get(served(bot, link), headers=headers, timeout=10)
