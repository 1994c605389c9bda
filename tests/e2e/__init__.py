"""End-to-end tests: the bot served over HTTP to a fake Slack, with a database, or run as a
process (`milestone-bot serve`, the CLI, Socket Mode, gunicorn)."""
