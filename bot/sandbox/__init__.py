"""The sandbox: the unchanged bot in a local page that plays Slack (`milestone-bot sandbox`).

Composition, like bot/cli.py: it wires a runtime and the Bolt app, and may import every layer.
slackapi.py is the Slack Web API core (the tests' fake Slack serves it too), slacklimits.py the
Block Kit limits it refuses by, world.py what each person sees, demo.py the seeded demo data,
server.py the one local server, and static/ the page."""
