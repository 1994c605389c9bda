"""Slack's Block Kit limits for the tests: the checker the sandbox's Web API refuses with
(bot/sandbox/slacklimits.py), with assertions."""

from __future__ import annotations

from bot.sandbox.slacklimits import options_problems, problems


def assert_fits(surface: dict, kind: str = "message") -> None:
    found = problems(surface, kind)
    assert not found, "\n".join(found)


def assert_options_fit(options: list[dict]) -> None:
    """Options as an external select loads them."""
    found = options_problems(options)
    assert not found, "\n".join(found)
