"""Kaufland's request signature: what we send is signed, what Kaufland sends us is verified."""

from __future__ import annotations

import hashlib
import hmac

from erpsync.marketplaces.kaufland import signing

SECRET = "a7d0cb1da1ddbc86c96ee5fedd341b7d8ebfbb2f5c83cfe0909f4e57f05dd403"
URL = "https://erp.example.com/push/kaufland/tok?x=1"
BODY = b'{"event_name":"order_new","resource":"/v2/orders/MB7UWLD/"}'
NOW = 1_700_000_000


def _signed(timestamp: int = NOW, body: bytes = BODY, url: str = URL, secret: str = SECRET) -> dict[str, str]:
    message = f"POST\n{url}\n{body.decode()}\n{timestamp}".encode()
    return {"Shop-Timestamp": str(timestamp),
            "Shop-Signature": hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()}


def test_a_notification_signed_like_an_api_request_is_verified() -> None:
    verdict = signing.verify(SECRET, "POST", URL, BODY, _signed(), now=lambda: NOW + 3)
    assert verdict.ok and verdict.outcome == signing.VERIFIED


def test_a_notification_without_a_signature_is_refused() -> None:
    assert signing.verify(SECRET, "POST", URL, BODY, {}, now=lambda: NOW).outcome == signing.MISSING
    only_time = {"Shop-Timestamp": str(NOW)}
    assert signing.verify(SECRET, "POST", URL, BODY, only_time, now=lambda: NOW).outcome == signing.MISSING


def test_a_signature_made_with_another_key_or_over_another_body_or_url_is_refused() -> None:
    other_key = _signed(secret="other")
    assert signing.verify(SECRET, "POST", URL, BODY, other_key, now=lambda: NOW).outcome == signing.MISMATCH
    changed = BODY.replace(b"MB7UWLD", b"XXXXXXX")
    assert signing.verify(SECRET, "POST", URL, changed, _signed(), now=lambda: NOW).outcome == signing.MISMATCH
    assert signing.verify(SECRET, "POST", URL + "&y=2", BODY, _signed(), now=lambda: NOW).outcome == signing.MISMATCH


def test_an_old_signed_notification_replayed_later_is_refused() -> None:
    verdict = signing.verify(SECRET, "POST", URL, BODY, _signed(), now=lambda: NOW + signing.MAX_SKEW_SECONDS + 1)
    assert verdict.outcome == signing.STALE and "away from our clock" in verdict.reason


def test_header_names_are_case_insensitive_and_a_garbled_timestamp_is_refused() -> None:
    headers = {k.lower(): v for k, v in _signed().items()}
    assert signing.verify(SECRET, "POST", URL, BODY, headers, now=lambda: NOW).ok
    garbled = {**_signed(), "Shop-Timestamp": "yesterday"}
    assert signing.verify(SECRET, "POST", URL, BODY, garbled, now=lambda: NOW).outcome == signing.MALFORMED


def test_our_signature_function_is_the_documented_one() -> None:
    expected = hmac.new(SECRET.encode(), f"POST\n{URL}\n{BODY.decode()}\n{NOW}".encode(), hashlib.sha256).hexdigest()
    assert signing.sign(SECRET, "POST", URL, BODY.decode(), NOW) == expected
