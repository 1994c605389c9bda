"""The tests. `pytest tests/unit` runs the pure layers in-process in seconds; tests/e2e
serves the bot over HTTP to a fake Slack, with a database, and runs it as a process."""
