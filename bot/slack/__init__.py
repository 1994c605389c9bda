"""Talking to Slack: the one Web API client with its pacing, background lanes and messenger
(client), the workspace budget, installations and tokens at rest, and request signatures. It
may import bot.domain and bot.store; Slack's error codes are read only here."""
