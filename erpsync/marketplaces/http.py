"""The HTTP every connector shares: one pooled httpx client per connector, timeouts, retries with
exponential backoff and jitter (tenacity) on connection errors, 5xx and 429 (honouring ``Retry-After``),
a per-shop request rate, pluggable authentication, and errors mapped to ``erpsync.core.errors``.

Every request/response pair is kept as an ``Exchange`` (headers with secrets masked, bodies truncated):
the last one is ``HttpClient.last_exchange`` and a failure carries it as ``error.exchange``, so a sync
run can write what was sent and answered to its log. Every failed attempt — also one a retry then
mends — is told to the observers registered with ``observe_failed_attempts`` (a sync run logs each).

A request that ``expect_json`` treats a successful answer labelled JSON whose body does not parse (cut
off on the way) as a failed attempt too. The timeout is ``ERPSYNC_HTTP_TIMEOUT`` seconds (default 30).
"""

from __future__ import annotations

import email.utils
import hashlib
import hmac
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from erpsync.core.errors import AuthenticationError, ConfigError, MarketplaceError, PayloadError

# httpx logs every request's full URL at INFO, and some marketplaces carry a secret in the URL (Zakupka's
# orders file URL is its credential): those request lines stay out of our logs. Failures are logged by
# the sync log, with secrets masked.
logging.getLogger("httpx").setLevel(logging.WARNING)

try:
    USER_AGENT = f"erpsync/{version('erpsync')}"
except PackageNotFoundError:  # running from a source tree that is not installed
    USER_AGENT = "erpsync"

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
BODY_LOG_LIMIT = 2000  # characters of a body kept in an exchange
MASK = "****"
ALWAYS_SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "x-auth-token", "x-security-code", "cookie", "set-cookie",
     "shop-signature", "shop-client-key"}
)
RETRY_STATUSES = frozenset({408, 429})  # and every 5xx
TIMEOUT_VARIABLE = "ERPSYNC_HTTP_TIMEOUT"


def default_timeout() -> httpx.Timeout:
    """The timeout of requests: ``ERPSYNC_HTTP_TIMEOUT`` seconds when set, else 30 s (connect 10 s)."""
    value = os.environ.get(TIMEOUT_VARIABLE, "").strip()
    if not value:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise ConfigError(f"{TIMEOUT_VARIABLE} must be a positive number of seconds, got {value!r}")
    return httpx.Timeout(seconds, connect=min(seconds, 10.0))


# --- failed attempts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FailedAttempt:
    """One attempt of a request that failed: ``fault`` is ``server_error``, ``rate_limited``, ``timeout``,
    ``connection`` or ``malformed``; ``retrying`` says whether another attempt follows."""

    marketplace: str
    shop: str
    fault: str
    message: str
    attempt: int
    retrying: bool
    exchange: Exchange


_observers: ContextVar[tuple[Callable[[FailedAttempt], None], ...]] = ContextVar("erpsync_http_observers",
                                                                                 default=())


@contextmanager
def observe_failed_attempts(observer: Callable[[FailedAttempt], None]) -> Iterator[None]:
    """Call ``observer`` with every failed attempt of a request made in this context (thread)."""
    token = _observers.set((*_observers.get(), observer))
    try:
        yield
    finally:
        _observers.reset(token)


# --- authentication ---------------------------------------------------------------------------------


class Auth:
    """Adds credentials to a request just before it is sent (so a signature covers the final URL)."""

    secret_headers: frozenset[str] = frozenset()

    def apply(self, request: httpx.Request) -> None:
        """Set the authentication headers of ``request``."""


class HeaderTokenAuth(Auth):
    """A token in a header of its own (Kaspi: ``X-Auth-Token``)."""

    def __init__(self, header: str, token: str) -> None:
        self.header = header
        self.token = token
        self.secret_headers = frozenset({header.lower()})

    def apply(self, request: httpx.Request) -> None:
        request.headers[self.header] = self.token


class BearerAuth(HeaderTokenAuth):
    """``Authorization: Bearer <token>`` (Prom, Satu, Rozetka after login)."""

    def __init__(self, token: str) -> None:
        super().__init__("Authorization", token)

    def apply(self, request: httpx.Request) -> None:
        request.headers["Authorization"] = f"Bearer {self.token}"


class HmacSignatureAuth(Auth):
    """Kaufland's signed requests: ``Shop-Client-Key``, ``Shop-Timestamp`` (Unix seconds) and
    ``Shop-Signature`` = hex HMAC-SHA256 with the secret key over
    ``METHOD + "\\n" + FULL_URI + "\\n" + BODY + "\\n" + TIMESTAMP`` (full URI with scheme, host and query;
    empty body for GET)."""

    secret_headers = frozenset({"shop-signature", "shop-client-key"})

    def __init__(self, client_key: str, secret_key: str, *, clock: Callable[[], float] = time.time) -> None:
        self.client_key = client_key
        self.secret_key = secret_key
        self.clock = clock

    def signature(self, method: str, uri: str, body: str, timestamp: int) -> str:
        message = f"{method.upper()}\n{uri}\n{body}\n{timestamp}"
        return hmac.new(self.secret_key.encode(), message.encode(), hashlib.sha256).hexdigest()

    def apply(self, request: httpx.Request) -> None:
        timestamp = int(self.clock())
        body = request.read().decode("utf-8") if request.method != "GET" else ""
        request.headers["Shop-Client-Key"] = self.client_key
        request.headers["Shop-Timestamp"] = str(timestamp)
        request.headers["Shop-Signature"] = self.signature(request.method, str(request.url), body, timestamp)


# --- rate limit -------------------------------------------------------------------------------------


class RateLimiter:
    """At most ``per_second`` requests a second, spaced evenly; shared by every thread of a process."""

    def __init__(
        self,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError("a rate limit must be positive")
        self.interval = 1.0 / per_second
        self.clock = clock
        self.sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait for the next slot; returns the seconds waited."""
        with self._lock:
            now = self.clock()
            start = max(now, self._next)
            self._next = start + self.interval
        wait = start - now
        if wait > 0:
            self.sleep(wait)
        return wait


_limiters: dict[str, RateLimiter] = {}
_limiters_lock = threading.Lock()


def shop_rate_limiter(marketplace: str, shop: str, per_second: float | None) -> RateLimiter | None:
    """The process-wide limiter of one shop (every connector of that shop shares it)."""
    if not per_second:
        return None
    key = f"{marketplace}:{shop}:{per_second}"
    with _limiters_lock:
        limiter = _limiters.get(key)
        if limiter is None:
            limiter = _limiters[key] = RateLimiter(per_second)
        return limiter


# --- retries ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a failed request is tried again."""

    attempts: int = 5
    initial_wait: float = 1.0
    max_wait: float = 30.0
    jitter: float = 1.0
    max_retry_after: float = 120.0  # a longer Retry-After is cut to this


# --- exchanges --------------------------------------------------------------------------------------


@dataclass
class Exchange:
    """One request and what came back, fit for the sync log: secrets masked, bodies truncated."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str | None
    attempt: int
    status_code: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str | None = None
    error: str | None = None
    elapsed_ms: int | None = None

    def as_log(self) -> dict[str, Any]:
        return asdict(self)


def mask_headers(headers: httpx.Headers, secret: frozenset[str]) -> dict[str, str]:
    """Headers as sent (names in their own case), secret values replaced by ``****``."""
    hidden = ALWAYS_SECRET_HEADERS | secret
    masked = {}
    for raw_name, raw_value in headers.raw:
        name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
        masked[name] = MASK if name.lower() in hidden and value else value
    return masked


def mask_json_fields(body: bytes | None, fields: frozenset[str]) -> bytes | None:
    """``body`` with the values of the named JSON keys (at any depth) replaced by ``****``; a body that is
    not JSON is returned as it is. For APIs that carry secrets in the body (Horoshop's token and password)."""
    if not body or not fields:
        return body
    try:
        document = json.loads(body)
    except ValueError:
        return body

    def masked(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: (MASK if k in fields and v not in (None, "") else masked(v)) for k, v in value.items()}
        if isinstance(value, list):
            return [masked(item) for item in value]
        return value

    return json.dumps(masked(document), ensure_ascii=False).encode("utf-8")


def truncate_body(body: bytes | None, limit: int = BODY_LOG_LIMIT) -> str | None:
    if not body:
        return None
    text = body.decode("utf-8", errors="replace")
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def parse_retry_after(value: str | None, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now()).total_seconds())


class _TransientFailure(Exception):
    """A failure worth another attempt (connection error, 5xx, 429); turned into MarketplaceError at the end."""

    def __init__(self, message: str, exchange: Exchange, status_code: int | None, retry_after: float | None,
                 fault: str = "server_error") -> None:
        super().__init__(message)
        self.message = message
        self.exchange = exchange
        self.status_code = status_code
        self.retry_after = retry_after
        self.fault = fault


# --- the client -------------------------------------------------------------------------------------


class HttpClient:
    """Requests of one shop on one marketplace, over one pooled connection."""

    def __init__(
        self,
        *,
        marketplace: str,
        shop: str,
        auth: Auth | None = None,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout | float | None = None,
        rate_limiter: RateLimiter | None = None,
        headers: Mapping[str, str] | None = None,
        error_detail: Callable[[httpx.Response], str | None] | None = None,
        secret_fields: frozenset[str] = frozenset(),
        secret_texts: frozenset[str] = frozenset(),
        auth_hint: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.marketplace = marketplace
        self.shop = shop
        self.auth = auth or Auth()
        self.retry = retry or RetryPolicy()
        self.rate_limiter = rate_limiter
        self.error_detail = error_detail
        self.secret_fields = secret_fields  # JSON keys whose values never reach an exchange (log)
        self.secret_texts = frozenset(t for t in secret_texts if t)  # e.g. the secret path of a file URL
        self.auth_hint = auth_hint
        self.sleep = sleep
        self.last_exchange: Exchange | None = None
        self._backoff = wait_exponential_jitter(
            multiplier=self.retry.initial_wait, max=self.retry.max_wait, jitter=self.retry.jitter
        )
        self._client = httpx.Client(
            timeout=default_timeout() if timeout is None else timeout,
            headers={"User-Agent": USER_AGENT, **(headers or {})},
            transport=transport,
            follow_redirects=False,
        )

    def close(self) -> None:
        self._client.close()

    # -- public -----------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        expect_json: bool = False,
    ) -> httpx.Response:
        """Send a request, retrying transient failures; a refused or failed request raises an ErpsyncError.
        With ``expect_json`` a successful answer labelled JSON that does not parse is retried too."""
        retrying = Retrying(
            stop=stop_after_attempt(max(1, self.retry.attempts)),
            wait=self._wait,
            retry=retry_if_exception_type(_TransientFailure),
            sleep=self.sleep,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    number = attempt.retry_state.attempt_number
                    try:
                        return self._attempt(method, url, params, content, headers, number, expect_json)
                    except _TransientFailure as failure:
                        self._tell(failure, number)
                        raise
        except _TransientFailure as failure:
            raise MarketplaceError(
                f"{failure.message} (gave up after {self.retry.attempts} attempts)",
                status_code=failure.status_code,
                retryable=True,
                exchange=failure.exchange.as_log(),
            ) from None
        raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover

    def json(self, response: httpx.Response, what: str) -> Any:
        """The JSON of a response; a body that is not JSON is a PayloadError naming ``what``."""
        try:
            return response.json()
        except ValueError:
            snippet = response.text[:80].replace("\n", " ")
            raise PayloadError(
                f"the answer is not JSON (Content-Type {response.headers.get('content-type')!r}, starts {snippet!r})",
                field=what,
                exchange=self.last_exchange.as_log() if self.last_exchange else None,
            ) from None

    # -- internals --------------------------------------------------------------------------------

    def mask_text(self, text: str) -> str:
        """``text`` with every secret text (``secret_texts``) replaced by ``****``."""
        for secret in self.secret_texts:
            text = text.replace(secret, MASK)
        return text

    def _tell(self, failure: _TransientFailure, number: int) -> None:
        observers = _observers.get()
        if not observers:
            return
        attempt = FailedAttempt(marketplace=self.marketplace, shop=self.shop, fault=failure.fault,
                                message=failure.message, attempt=number,
                                retrying=number < max(1, self.retry.attempts), exchange=failure.exchange)
        for observer in observers:
            observer(attempt)

    def _wait(self, state: RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome else None
        if isinstance(failure, _TransientFailure) and failure.retry_after is not None:
            return min(failure.retry_after, self.retry.max_retry_after)
        return float(self._backoff(state))

    def _attempt(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        content: bytes | None,
        headers: Mapping[str, str] | None,
        number: int,
        expect_json: bool = False,
    ) -> httpx.Response:
        if self.rate_limiter is not None:
            self.rate_limiter.acquire()
        request = self._client.build_request(method, url, params=params, content=content, headers=headers)
        self.auth.apply(request)
        exchange = Exchange(
            method=method,
            url=self.mask_text(str(request.url)),
            request_headers=mask_headers(request.headers, self.auth.secret_headers),
            request_body=truncate_body(mask_json_fields(content, self.secret_fields)),
            attempt=number,
        )
        self.last_exchange = exchange
        where = f"{self.marketplace}: {method} {self.mask_text(request.url.path)}"
        started = time.monotonic()
        try:
            response = self._client.send(request)
            response.read()
        except httpx.TransportError as error:
            exchange.error = self.mask_text(f"{type(error).__name__}: {error}")
            exchange.elapsed_ms = int((time.monotonic() - started) * 1000)
            fault = "timeout" if isinstance(error, httpx.TimeoutException) else "connection"
            raise _TransientFailure(f"{where} failed: {exchange.error}", exchange, None, None, fault) from None
        exchange.elapsed_ms = int((time.monotonic() - started) * 1000)
        exchange.status_code = response.status_code
        exchange.response_headers = mask_headers(response.headers, self.auth.secret_headers)
        exchange.response_body = truncate_body(mask_json_fields(response.content, self.secret_fields))
        if response.status_code < 400:
            if expect_json and response.content and "json" in response.headers.get("content-type", "").lower():
                try:
                    json.loads(response.content)
                except ValueError:
                    size = len(response.content)
                    raise _TransientFailure(f"{where} answered HTTP {response.status_code} with JSON that does not "
                                            f"parse ({size} bytes, cut off?)", exchange, response.status_code, None,
                                            "malformed") from None
            return response
        self._raise_for(response, exchange, where)
        raise AssertionError("unreachable")  # pragma: no cover

    def _raise_for(self, response: httpx.Response, exchange: Exchange, where: str) -> None:
        status = response.status_code
        detail = self._detail(response)
        suffix = f": {detail}" if detail else ""
        if status == 429 or status >= 500 or status in RETRY_STATUSES:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            label = "rate limited" if status == 429 else "answered"
            fault = "rate_limited" if status == 429 else "server_error"
            raise _TransientFailure(f"{where} {label} HTTP {status}{suffix}", exchange, status, retry_after, fault)
        if status in (401, 403):
            raise AuthenticationError(
                f"{self.marketplace} refused the credentials of shop {self.shop!r} (HTTP {status}){suffix}",
                status_code=status,
                hint=self.auth_hint or f"check the shop's credentials: erpsync shop set {self.shop} --credential …",
                exchange=exchange.as_log(),
            )
        raise MarketplaceError(
            f"{where} was refused with HTTP {status}{suffix}",
            status_code=status,
            retryable=False,
            exchange=exchange.as_log(),
        )

    def _detail(self, response: httpx.Response) -> str | None:
        if self.error_detail is not None:
            try:
                detail = self.error_detail(response)
            except (ValueError, TypeError, KeyError, AttributeError):
                detail = None
            if detail:
                return detail
        text = response.text.strip()
        return text[:200] if text else None
