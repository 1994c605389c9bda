"""Helpers shared by the tests (not tests themselves): the fake Slack Web API, the bot served over
HTTP or run as a process, databases, sweeps, OAuth installs, hostile text, Slack's limits, and
readers of what the bot posted. pytest fixtures stay in the conftest.py files."""
