"""The milestone bot: a Slack app that helps teams reach their goals through milestones."""
