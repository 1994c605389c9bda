"""The rules of goals and milestones: declaring, completing, approving and rescheduling
milestones, goals, dependencies, health, absences, people, channel settings, workspaces, the
coach (with its reading of titles and the lexicon it reads them with), due dates, working time
(hours, working days, public holidays) and people's and channels' schedules, the weekly status's
content and the domain errors. Functions take a session and the time as parameters. It may
import bot.store, never Slack (slack_sdk, slack_bolt, bot.slack) nor the rendering (bot.render):
its errors carry fields, which bot.render words."""
