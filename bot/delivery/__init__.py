"""What the bot sends without being asked at that moment: announcements after a change, the
weekly status and nudge sweeps, fan-out over channels, recorded deliveries and the scheduler
that triggers the sweeps; and the files it uploads (the timeline chart, exports). It may
import bot.render, bot.slack, bot.domain and bot.store, never the listeners."""
