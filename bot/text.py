"""The one escaping function for user-written text, and quoting built on it."""


def escape(text: str) -> str:
    """Make user text inert in a Slack message: no mention, channel ping or link comes out."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quote(text: str) -> str:
    """User text shown inside one of the bot's sentences, escaped and in quotation marks."""
    return f"“{escape(text)}”"
