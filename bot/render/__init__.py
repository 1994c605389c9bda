"""Rendering: pure functions from domain objects to what Slack shows (messages, the App Home,
the milestone modal), with the one escaping function and the one shortening function that keep
every text within Slack's limits; the timeline (its data, and its picture drawn with
matplotlib) and the CSV and JSON exports. Future renderers (ICS) go here too. It may import
bot.domain and the tables of bot.store, never the database sessions nor a Slack client."""
