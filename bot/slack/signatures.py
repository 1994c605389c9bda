"""Slack's request signatures, checked without trusting the headers to be well formed.

slack_sdk's SignatureVerifier raises on a timestamp that is not a number (and hmac on a
signature that is not ASCII, the verifier on a body that is not UTF-8, which callers refuse
first); these checks say what is wrong instead, so that a hostile request is refused with a
401 and one log line rather than an exception.
"""

from __future__ import annotations

import re

from slack_sdk.signature import SignatureVerifier

# Slack's timestamps are Unix seconds; its signatures are "v0=" and a hex SHA-256 HMAC.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
# Slack's own advice: refuse requests more than five minutes old (replays).
MAX_AGE_SECONDS = 5 * 60


def verifier(signing_secret: str | None) -> SignatureVerifier | None:
    """The verifier for `signing_secret`; None without one (Socket Mode), which verifies
    nothing."""
    return SignatureVerifier(signing_secret) if signing_secret else None


def signature_problem(
    verifier: SignatureVerifier | None,
    *,
    body: str,
    timestamp: str | None,
    signature: str | None,
) -> str | None:
    """What is wrong with a request's signature, in a few words; None when Slack signed it."""
    if verifier is None:
        return "a signature there is no signing secret to check"
    if not timestamp:
        return "no timestamp"
    if not _TIMESTAMP.fullmatch(timestamp):
        return "a malformed timestamp"
    if abs(verifier.clock.now() - int(timestamp)) > MAX_AGE_SECONDS:
        return "a stale timestamp"
    if not signature:
        return "no signature"
    if not _SIGNATURE.fullmatch(signature):
        return "a malformed signature"
    if not verifier.is_valid(body=body, timestamp=timestamp, signature=signature):
        return "a wrong signature"
    return None
