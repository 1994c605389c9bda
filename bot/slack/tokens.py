"""Slack tokens at rest: encrypted with Fernet under TOKEN_ENCRYPTION_KEY's keys (newest first,
MultiFernet), or kept as they are when no key is set."""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.config import ConfigError

# Every Fernet token starts with these characters (its version byte, then the high bytes of
# its timestamp, zero until 2106); every Slack token starts with "xox". A stored value is
# told apart by them.
FERNET_PREFIX = "gAAAAA"
WRONG_KEY = (
    "TOKEN_ENCRYPTION_KEY cannot decrypt a Slack token in the database: add the key it was "
    "encrypted with (keys are separated by commas, newest first)."
)


class TokenKeyError(ConfigError):
    """A stored token cannot be read with the keys given; the message says what to set."""


def is_encrypted(stored: str) -> bool:
    return stored.startswith(FERNET_PREFIX)


class TokenCipher:
    """Encrypts tokens with the first key and decrypts them with any; without keys it keeps
    them in clear text (and refuses to hand out an encrypted one it cannot read)."""

    def __init__(self, keys: Sequence[str]) -> None:
        self._fernet = MultiFernet([Fernet(key) for key in keys]) if keys else None

    @property
    def encrypting(self) -> bool:
        return self._fernet is not None

    def seal(self, token: str | None) -> str | None:
        """`token` as it is stored: encrypted under the newest key (left alone if it already
        is, so that sealing twice is harmless), or in clear text without a key."""
        if token is None or self._fernet is None or is_encrypted(token):
            return token
        return self._fernet.encrypt(token.encode()).decode()

    def open(self, stored: str | None) -> str | None:
        """The token a stored value holds; one stored in clear text is returned as it is."""
        if stored is None or not is_encrypted(stored):
            return stored
        if self._fernet is None:
            raise TokenKeyError(
                "the database holds encrypted Slack tokens but TOKEN_ENCRYPTION_KEY is not set: "
                "set it to the keys they were encrypted with."
            )
        try:
            return self._fernet.decrypt(stored.encode()).decode()
        except InvalidToken:
            raise TokenKeyError(WRONG_KEY) from None

    def rotate(self, stored: str | None) -> str | None:
        """`stored` encrypted under the newest key, whichever key (or none) it had before."""
        if stored is None or self._fernet is None or not is_encrypted(stored):
            return self.seal(stored)
        try:
            return self._fernet.rotate(stored.encode()).decode()
        except InvalidToken:
            raise TokenKeyError(WRONG_KEY) from None
