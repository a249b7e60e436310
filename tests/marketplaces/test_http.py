"""The shared connector HTTP: authentication pieces (Kaufland's signature against its documented
formula), retries and Retry-After, masking, rate limit, error mapping — over real HTTP to a minimal
sandbox built on the sandbox framework."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from flask import Flask, Request, Response, request

from erpsync.core.errors import AuthenticationError, MarketplaceError, PayloadError
from erpsync.marketplaces.http import (
    BearerAuth,
    HeaderTokenAuth,
    HmacSignatureAuth,
    HttpClient,
    RateLimiter,
    RetryPolicy,
    parse_retry_after,
    shop_rate_limiter,
)
from erpsync.sandbox.base import Sandbox

QUICK = RetryPolicy(attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
SECRET = "kaufland-secret-key"


class EchoSandbox(Sandbox):
    """Answers what it received; ``/signed`` checks Kaufland's signature, ``/text`` is not JSON."""

    title = "echo"

    def register_routes(self, app: Flask) -> None:
        self.route("/echo", ("GET", "POST"))(self._echo)
        self.route("/text")(lambda: Response("<html>maintenance</html>", content_type="text/html"))
        self.route("/signed", ("GET", "POST"))(self._signed)

    def authenticate(self, incoming: Request) -> bool:
        return incoming.path != "/echo" or incoming.headers.get("Authorization") != "Bearer expired"

    def _echo(self) -> Response:
        return self.json_response({"headers": dict(request.headers), "body": request.get_data(as_text=True)})

    def _signed(self) -> Response:
        timestamp = request.headers["Shop-Timestamp"]
        body = request.get_data(as_text=True) if request.method != "GET" else ""
        message = f"{request.method}\n{request.url}\n{body}\n{timestamp}"
        expected = hmac.new(SECRET.encode(), message.encode(), hashlib.sha256).hexdigest()
        ok = hmac.compare_digest(expected, request.headers.get("Shop-Signature", ""))
        return self.json_response({"verified": ok}, 200 if ok else 401)


@pytest.fixture
def echo() -> Iterator[EchoSandbox]:
    with EchoSandbox() as server:
        yield server


def _client(**options: object) -> HttpClient:
    options.setdefault("retry", QUICK)
    return HttpClient(marketplace="test", shop="s1", **options)  # type: ignore[arg-type]


def test_kaufland_signature_is_hmac_sha256_over_method_uri_body_and_timestamp() -> None:
    auth = HmacSignatureAuth("client-key", SECRET, clock=lambda: 1700000000.7)
    uri = "https://sellerapi.kaufland.com/v2/units?storefront=de"
    body = '{"ean":"4006381333931","condition":"NEW"}'
    post = httpx.Request("POST", uri, content=body.encode())
    auth.apply(post)
    documented = hmac.new(SECRET.encode(), f"POST\n{uri}\n{body}\n1700000000".encode(), hashlib.sha256).hexdigest()
    assert post.headers["Shop-Signature"] == documented
    assert post.headers["Shop-Client-Key"] == "client-key" and post.headers["Shop-Timestamp"] == "1700000000"
    get = httpx.Request("GET", "https://sellerapi.kaufland.com/v2/orders?storefront=de&limit=20")
    auth.apply(get)
    expected = hmac.new(SECRET.encode(), b"GET\nhttps://sellerapi.kaufland.com/v2/orders?storefront=de&limit=20\n\n"
                        b"1700000000", hashlib.sha256).hexdigest()
    assert get.headers["Shop-Signature"] == expected


def test_a_server_holding_the_secret_verifies_signed_requests(echo: EchoSandbox) -> None:
    client = _client(auth=HmacSignatureAuth("client-key", SECRET))
    for method, body in (("GET", None), ("POST", b'{"price": 1999}')):
        response = client.request(method, f"{echo.url}/signed", params={"storefront": "de"}, content=body)
        assert response.json() == {"verified": True}
    forged = _client(auth=HmacSignatureAuth("client-key", "another-secret"))
    with pytest.raises(AuthenticationError):
        forged.request("GET", f"{echo.url}/signed")


def test_token_headers_are_sent_and_masked_in_the_exchange(echo: EchoSandbox) -> None:
    client = _client(auth=HeaderTokenAuth("X-Auth-Token", "secret-token-1234"))
    received = client.json(client.request("GET", f"{echo.url}/echo"), "echo")["headers"]
    assert received["X-Auth-Token"] == "secret-token-1234"
    assert received["User-Agent"].startswith("erpsync")
    assert client.last_exchange is not None
    assert client.last_exchange.request_headers["X-Auth-Token"] == "****"
    bearer = _client(auth=BearerAuth("prom-token"))
    assert bearer.json(bearer.request("GET", f"{echo.url}/echo"), "echo")["headers"]["Authorization"] == (
        "Bearer prom-token"
    )
    assert bearer.last_exchange.request_headers["Authorization"] == "****"


def test_refused_credentials_raise_authentication_error_with_a_hint(echo: EchoSandbox) -> None:
    client = _client(auth=BearerAuth("expired"))
    with pytest.raises(AuthenticationError, match=r"test refused the credentials of shop 's1' \(HTTP 401\)") as e:
        client.request("GET", f"{echo.url}/echo")
    assert "erpsync shop set s1 --credential" in str(e.value)
    assert len(echo.requests) == 1


def test_a_body_that_is_not_json_is_a_payload_error_naming_what_was_read(echo: EchoSandbox) -> None:
    client = _client()
    response = client.request("GET", f"{echo.url}/text")
    with pytest.raises(PayloadError, match=r"status page: the answer is not JSON .*text/html") as e:
        client.json(response, "status page")
    assert e.value.exchange is not None and "maintenance" in e.value.exchange["response_body"]


def test_long_bodies_are_truncated_in_the_exchange(echo: EchoSandbox) -> None:
    client = _client()
    client.request("POST", f"{echo.url}/echo", content=b"x" * 5000)
    exchange = client.last_exchange
    assert exchange is not None
    assert exchange.request_body is not None and exchange.request_body.endswith("(5000 characters)")
    assert len(exchange.request_body) < 2100


def test_server_errors_are_retried_with_backoff_then_given_up(echo: EchoSandbox) -> None:
    waits: list[float] = []
    client = _client(sleep=waits.append)
    echo.fail_next(2, 502)
    assert client.request("GET", f"{echo.url}/echo").status_code == 200
    assert len(waits) == 2 and all(0 < wait <= 0.02 for wait in waits)
    echo.fail_next(5, 500)
    with pytest.raises(MarketplaceError, match="gave up after 3 attempts") as e:
        client.request("GET", f"{echo.url}/echo")
    assert e.value.retryable and e.value.status_code == 500 and e.value.exchange["attempt"] == 3


def test_retry_after_is_honoured_and_capped(echo: EchoSandbox) -> None:
    waits: list[float] = []
    client = _client(sleep=waits.append, retry=RetryPolicy(attempts=3, initial_wait=0.01, max_retry_after=5))
    echo.fail_next(1, 429, retry_after=3)
    echo.fail_next(1, 429, retry_after=600)
    assert client.request("GET", f"{echo.url}/echo").status_code == 200
    assert waits == [3.0, 5.0]


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Wed, 01 Jan 2025 12:00:30 GMT", now=lambda: now) == 30.0
    assert parse_retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now=lambda: now) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_rate_limiter_spaces_requests_evenly() -> None:
    clock = [100.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(round(seconds, 6))

    limiter = RateLimiter(10, clock=lambda: clock[0], sleep=sleep)
    for _ in range(3):
        limiter.acquire()
    assert waits == [0.1, 0.2]  # the first goes at once
    clock[0] += 5
    assert limiter.acquire() == 0  # after a pause the next request goes at once


def test_a_shop_has_one_rate_limiter_for_all_its_connectors() -> None:
    assert shop_rate_limiter("kaspi", "kz-a", 5) is shop_rate_limiter("kaspi", "kz-a", 5)
    assert shop_rate_limiter("kaspi", "kz-a", 5) is not shop_rate_limiter("kaspi", "kz-b", 5)
    assert shop_rate_limiter("kaspi", "kz-a", None) is None
