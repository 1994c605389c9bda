"""Rendering: pure functions from domain objects to what Slack shows (messages, the App Home,
the milestone modal, the words of refusals), with the one escaping function and the one
shortening function that keep every text within Slack's limits; the timeline (its data, and
its picture drawn with matplotlib), the CSV and JSON exports, the iCalendar feed and the
shared page's HTML. It may import bot.domain and the tables of bot.store, never the database
sessions nor a Slack client."""
