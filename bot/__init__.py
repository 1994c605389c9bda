"""The milestone bot: a Slack app that helps teams reach their goals through milestones.

The top of the package is the composition: the command line (cli), the Bolt app (app), the
HTTP server (server, wsgi), what every listener and sweep works with (runtime), and the
settings, logs and metrics every layer may use. The layers below, from the top: listeners,
delivery, render, slack, domain, store; each imports only those below it."""
