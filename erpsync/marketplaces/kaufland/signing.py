"""Kaufland's request signature, checked on what Kaufland sends us (push notifications).

Kaufland signs a notification "with the same function that you use to sign your API requests": headers
``Shop-Timestamp`` (Unix seconds) and ``Shop-Signature`` = hex HMAC-SHA256 with the shop's secret key over
``METHOD + "\\n" + FULL_URI + "\\n" + BODY + "\\n" + TIMESTAMP`` (``HmacSignatureAuth`` computes it for our
requests). A notification without a signature, with a wrong one, or with a timestamp too far from our
clock (a replayed request) is refused; nothing in it is processed.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from erpsync.marketplaces.http import HmacSignatureAuth

# How far a notification's timestamp may be from our clock (either way) before it counts as replayed.
MAX_SKEW_SECONDS = 300

VERIFIED = "verified"
MISSING = "missing"
MALFORMED = "malformed"
MISMATCH = "mismatch"
STALE = "stale"


@dataclass(frozen=True)
class Verdict:
    outcome: str
    reason: str

    @property
    def ok(self) -> bool:
        return self.outcome == VERIFIED


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def sign(secret_key: str, method: str, uri: str, body: str, timestamp: int) -> str:
    """The hex signature Kaufland puts in ``Shop-Signature``."""
    return HmacSignatureAuth("", secret_key).signature(method, uri, body, timestamp)


def verify(
    secret_key: str,
    method: str,
    uri: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    now: Callable[[], float] = time.time,
    max_skew: int = MAX_SKEW_SECONDS,
) -> Verdict:
    """Check a signed request; ``uri`` is the full URL it was sent to (scheme, host, path and query)."""
    signature, stamp = _header(headers, "Shop-Signature"), _header(headers, "Shop-Timestamp")
    if not signature or not stamp:
        return Verdict(MISSING, "the request carries no Shop-Signature/Shop-Timestamp")
    try:
        timestamp = int(stamp.strip())
        text = body.decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return Verdict(MALFORMED, "Shop-Timestamp is not a Unix time or the body is not UTF-8")
    if abs(now() - timestamp) > max_skew:
        return Verdict(STALE, f"Shop-Timestamp is {int(now() - timestamp)} s away from our clock (at most {max_skew})")
    expected = sign(secret_key, method, uri, text, timestamp)
    if not hmac.compare_digest(expected, signature.strip().lower()):
        return Verdict(MISMATCH, "Shop-Signature does not match the request")
    return Verdict(VERIFIED, "signature verified")
