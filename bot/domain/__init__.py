"""The rules of goals and milestones: declaring, completing, approving and rescheduling
milestones, goals, dependencies, health, absences, people, channel settings, workspaces, the
coach, due dates, working time (hours, working days, public holidays) and people's and
channels' schedules, the weekly status's content and the domain errors. Functions take a session
and the time as parameters. It may import bot.store, never Slack (slack_sdk, slack_bolt,
bot.slack) nor the rendering (bot.render), with one exception pyproject.toml's contracts list:
five modules still quote the text people typed in their errors' messages with
bot.render.text's quote."""
