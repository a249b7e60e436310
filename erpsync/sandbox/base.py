"""The sandbox framework: a local HTTP server (Flask on werkzeug, in a thread) that speaks one
marketplace's API, for the demo and the integration tests.

What every sandbox shares, built here: start/stop (a context manager; port 0 binds an ephemeral port
and ``url`` reports it), credentials checked on every API request, a record of every request received
(so tests can count pushes), fault injection (HTTP 500 at a rate, latency, a request rate beyond which
it answers 429 with ``Retry-After``; deterministic with a seed, and ``fail_next`` for exact tests), a
lock around state, and a small test API under ``/_sandbox/…`` (state, requests, faults). A marketplace
sandbox subclasses ``Sandbox``: its routes under ``prefix``, its authentication, its error body, its
data (generated, or seeded from a directory of real-format payload files).

Fault modes (``Faults``), each drawn per API request from one seeded generator and each counted when
injected (``faults_injected``, and ``"faults_injected"`` in ``/_sandbox/state``):

- ``error``: HTTP 500 (``fail_rate``);
- ``rate_limit``: HTTP 429 with ``Retry-After`` beyond ``rate_limit`` requests a second;
- ``reset``: the connection is closed without an answer, before the request is processed (``reset_rate``);
- ``slow``: the request is processed, then answered only after ``slow_seconds`` — past a client's timeout
  (``slow_rate``); a client that gave up does not know whether a change it sent was applied;
- ``malformed``: the request is processed and a successful JSON answer is cut in half (``malformed_rate``);
- ``duplicate``: a page of an order listing also carries an order of the page before (``duplicate_rate``);
- ``shift``: before a page after the first is answered, a new order is put at the front of the listing,
  so offset-paged listings shift under a reader (``shift_rate``).

The last two only exist in sandboxes whose listings page (they call ``listing_fault``); the others apply
to every API request, never to the test API.
"""

from __future__ import annotations

import json
import math
import random
import socket
import struct
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any, ClassVar

from flask import Flask, Request, Response, request
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from erpsync.core.errors import ValidationError

MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TEST_API = "/_sandbox"


FAULT_KINDS = ("error", "rate_limit", "reset", "slow", "malformed", "duplicate", "shift")


@dataclass(frozen=True)
class Faults:
    """Unreliability to inject into API requests (never into the test API); see the module docstring."""

    fail_rate: float = 0.0  # share of requests answered HTTP 500
    latency: float = 0.0  # seconds added to every request
    rate_limit: float | None = None  # requests a second; beyond it HTTP 429 with Retry-After
    seed: int | None = None  # for a repeatable sequence of failures
    reset_rate: float = 0.0  # share of requests whose connection is closed without an answer
    slow_rate: float = 0.0  # share of requests answered only after slow_seconds
    slow_seconds: float = 35.0  # past the client's timeout (erpsync's default is 30 s)
    malformed_rate: float = 0.0  # share of successful JSON answers cut in half
    duplicate_rate: float = 0.0  # share of listing pages that repeat an order of the page before
    shift_rate: float = 0.0  # share of listing pages (after the first) preceded by a new order at the front

    def __post_init__(self) -> None:
        for name in ("fail_rate", "reset_rate", "slow_rate", "malformed_rate", "duplicate_rate", "shift_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValidationError(f"--{name.replace('_', '-')} must be between 0 and 1, got {value}")
        if self.slow_seconds < 0:
            raise ValidationError(f"--slow-seconds must not be negative, got {self.slow_seconds}")
        if self.latency < 0:
            raise ValidationError(f"--latency must not be negative, got {self.latency}")
        if self.rate_limit is not None and self.rate_limit <= 0:
            raise ValidationError(f"--rate-limit must be positive, got {self.rate_limit}")


@dataclass(frozen=True)
class RecordedRequest:
    """One request the sandbox received, with the status it answered."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: str
    status: int
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def mutating(self) -> bool:
        return self.method in MUTATING_METHODS

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Requests are recorded by the sandbox, not printed by werkzeug."""

    def run_wsgi(self) -> None:
        sandbox: Sandbox | None = getattr(self.server, "sandbox", None)
        if sandbox is not None and sandbox._reset_now(self.command, self.path, dict(self.headers.items())):
            # Close without a byte of answer; linger 0 makes the close a TCP reset.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        super().run_wsgi()


class Sandbox:
    """Base of every marketplace sandbox."""

    marketplaces: ClassVar[tuple[str, ...]] = ()
    title: ClassVar[str] = "marketplace"
    prefix: ClassVar[str] = ""  # the API's path prefix, as in the real base URL
    secret_headers: ClassVar[frozenset[str]] = frozenset({"authorization", "x-auth-token", "shop-signature"})
    default_orders: ClassVar[int] = 20  # generated orders when not seeded

    def __init__(
        self,
        *,
        credentials: Mapping[str, str] | None = None,
        faults: Faults | None = None,
        seed_dir: Path | None = None,
        orders: int | None = None,
        random_seed: int | None = 0,
        host: str = "127.0.0.1",
        port: int = 0,
        log: Callable[[str], None] | None = None,
        marketplace: str | None = None,
    ) -> None:
        if marketplace is not None and marketplace not in self.marketplaces:
            raise ValidationError(f"the {self.title} sandbox plays {', '.join(self.marketplaces)}, not {marketplace}")
        self.marketplace = marketplace or (self.marketplaces[0] if self.marketplaces else "")
        self.credentials = dict(credentials or {})
        self.order_count = self.default_orders if orders is None else orders
        self.faults = faults or Faults()
        self.host = host
        self.port = port
        self.log = log
        self.rng = random.Random(random_seed)
        self.lock = threading.RLock()
        self.requests: list[RecordedRequest] = []
        self.messages: list[str] = []  # what the sandbox "sent" (SMS codes, notifications)
        self._fault_rng = random.Random(self.faults.seed if self.faults.seed is not None else random_seed)
        self.fault_counts: Counter[str] = Counter()
        self._forced: deque[tuple[int, int | None]] = deque()
        self._recent: deque[float] = deque()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.app = self._build_app()
        if seed_dir is not None:
            self.load_seed(Path(seed_dir))
        else:
            self.generate()

    # --- what a marketplace sandbox provides -----------------------------------------------------

    def register_routes(self, app: Flask) -> None:
        """Add the marketplace's routes (use ``self.route`` so handlers run under the lock)."""

    def authenticate(self, incoming: Request) -> bool:
        """Whether the request carries the sandbox's credentials."""
        return True

    def error(self, status: int, message: str) -> Response:
        """The marketplace's error answer."""
        return self.json_response({"error": message}, status)

    def generate(self) -> None:
        """Fill the sandbox with realistic data (when not seeded)."""

    def load_seed(self, directory: Path) -> None:
        """Fill the sandbox from a directory of payload files in the marketplace's own format."""
        raise ValidationError(f"the {self.title} sandbox cannot be seeded from files")

    def state(self) -> dict[str, Any]:
        """A summary of the sandbox's data for the test API."""
        return {}

    # --- helpers for subclasses ------------------------------------------------------------------

    def route(
        self, rule: str, methods: tuple[str, ...] = ("GET",)
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def decorate(handler: Callable[..., Any]) -> Callable[..., Any]:
            @wraps(handler)
            def locked(*args: Any, **kwargs: Any) -> Any:
                with self.lock:
                    return handler(*args, **kwargs)

            self.app.add_url_rule(rule, endpoint=f"{handler.__name__}:{rule}", view_func=locked, methods=list(methods))
            return handler

        return decorate

    @staticmethod
    def json_response(body: Any, status: int = 200, content_type: str = "application/json;charset=UTF-8") -> Response:
        text = json.dumps(body, ensure_ascii=False)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate (a seeded hostile text): sent as a \u escape, as JSON allows
            text = json.dumps(body)
        return Response(text, status=status, content_type=content_type)

    def announce(self, message: str) -> None:
        """Something the sandbox "sent" to a person (an SMS code…): kept, and printed by the CLI."""
        self.messages.append(message)
        if self.log is not None:
            self.log(message)

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> Sandbox:
        if self._server is not None:
            return self
        self._server = make_server(self.host, self.port, self.app, threaded=True, request_handler=_QuietHandler)
        self._server.sandbox = self  # type: ignore[attr-defined]  # the handler asks it about resets
        self.port = self._server.server_port
        server = self._server
        self._thread = threading.Thread(
            target=lambda: server.serve_forever(poll_interval=0.05), name=f"{self.title} sandbox", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server.server_close()
        self._server = None
        self._thread = None

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (the CLI)."""
        self.start()
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(timeout=0.5)
        finally:
            self.stop()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The server's root URL (``http://127.0.0.1:PORT``)."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The API base URL a shop is configured with."""
        return f"{self.url}{self.prefix}"

    # --- the test API, Python side ---------------------------------------------------------------

    def fail_next(self, count: int = 1, status: int = 500, retry_after: int | None = None) -> None:
        """Answer the next ``count`` API requests with ``status`` (429 → with ``Retry-After``)."""
        with self.lock:
            self._forced.extend([(status, retry_after)] * count)

    def mutating_requests(self, path: str | None = None) -> list[RecordedRequest]:
        """Every POST/PUT/PATCH/DELETE received (optionally only those to ``path``), oldest first."""
        with self.lock:
            return [r for r in self.requests if r.mutating and (path is None or r.path == path)]

    def requests_to(self, path: str, method: str | None = None) -> list[RecordedRequest]:
        with self.lock:
            return [r for r in self.requests if r.path == path and (method is None or r.method == method)]

    @property
    def faults_injected(self) -> dict[str, int]:
        """How many faults of each kind (``FAULT_KINDS``) the sandbox injected so far."""
        with self.lock:
            return {kind: self.fault_counts.get(kind, 0) for kind in FAULT_KINDS}

    def listing_fault(self, kind: str) -> bool:
        """Whether to inject the listing fault ``kind`` (``duplicate`` or ``shift``) into the page being
        answered; counted when it is. Sandboxes whose order listings page call this."""
        rate = {"duplicate": self.faults.duplicate_rate, "shift": self.faults.shift_rate}[kind]
        with self.lock:
            if rate and self._fault_rng.random() < rate:
                self.fault_counts[kind] += 1
                return True
        return False

    def clear_requests(self) -> None:
        with self.lock:
            self.requests.clear()

    # --- internals -------------------------------------------------------------------------------

    def _build_app(self) -> Flask:
        app = Flask(f"erpsync.sandbox.{self.title}")
        app.before_request(self._before)
        app.after_request(self._after)
        self.app = app
        self.route(f"{TEST_API}/state")(self._state_view)
        self.route(f"{TEST_API}/requests")(self._requests_view)
        self.route(f"{TEST_API}/fail", methods=("POST",))(self._fail_view)
        self.register_routes(app)
        return app

    def _before(self) -> Response | None:
        if request.path.startswith(TEST_API):
            return None
        request.get_data(cache=True)  # keep the body for the record
        if self.faults.latency:
            time.sleep(self.faults.latency)
        with self.lock:
            fault = self._fault()
        if fault is not None:
            return fault
        if not self.authenticate(request):
            return self.error(401, "Authentication failed: the token is missing or wrong")
        return None

    def _fault(self) -> Response | None:
        if self._forced:
            status, retry_after = self._forced.popleft()
            self.fault_counts["rate_limit" if status == 429 else "error"] += 1
            return self._fault_response(status, retry_after)
        if self.faults.rate_limit:
            now = time.monotonic()
            while self._recent and now - self._recent[0] >= 1.0:
                self._recent.popleft()
            if len(self._recent) >= self.faults.rate_limit:
                wait = max(1, math.ceil(1.0 - (now - self._recent[0])))
                self.fault_counts["rate_limit"] += 1
                return self._fault_response(429, wait)
            self._recent.append(now)
        if self.faults.fail_rate and self._fault_rng.random() < self.faults.fail_rate:
            self.fault_counts["error"] += 1
            return self._fault_response(500, None)
        return None

    def _reset_now(self, method: str, target: str, headers: dict[str, str]) -> bool:
        """Whether to drop this request's connection unanswered (decided before it is processed)."""
        path = target.split("?", 1)[0]
        if not self.faults.reset_rate or path.startswith(TEST_API):
            return False
        with self.lock:
            if self._fault_rng.random() >= self.faults.reset_rate:
                return False
            self.fault_counts["reset"] += 1
            self.requests.append(RecordedRequest(method=method, path=path, query={}, headers=headers, body="",
                                                 status=0))
        if self.log is not None:
            self.log(f"{method} {path} → connection reset (injected)")
        return True

    def _after_faults(self, response: Response) -> tuple[Response, bool]:
        """The answer with a malformed-body fault applied, and whether to answer it slowly."""
        if response.status_code >= 400:  # refusals and injected errors are answered as they are
            return response, False
        with self.lock:
            malformed = bool(self.faults.malformed_rate and "json" in (response.content_type or "")
                             and self._fault_rng.random() < self.faults.malformed_rate)
            slow = bool(not malformed and self.faults.slow_rate and self._fault_rng.random() < self.faults.slow_rate)
            if malformed:
                self.fault_counts["malformed"] += 1
            if slow:
                self.fault_counts["slow"] += 1
        if malformed:
            body = response.get_data()
            response.set_data(body[: max(1, len(body) // 2)])
        return response, slow

    def _fault_response(self, status: int, retry_after: int | None) -> Response:
        message = "Too many requests" if status == 429 else "Internal server error (injected by the sandbox)"
        response = self.error(status, message)
        if status == 429:
            response.headers["Retry-After"] = str(retry_after if retry_after is not None else 1)
        return response

    def _after(self, response: Response) -> Response:
        if request.path.startswith(TEST_API):
            return response
        response, slow = self._after_faults(response)
        record = RecordedRequest(
            method=request.method,
            path=request.path,
            query={k: v for k, v in request.args.items()},
            headers=dict(request.headers.items()),
            body=request.get_data(cache=True, as_text=True),
            status=response.status_code,
        )
        with self.lock:
            self.requests.append(record)
        if self.log is not None:
            self.log(f"{record.method} {record.path} → {record.status}")
        if slow:
            time.sleep(self.faults.slow_seconds)  # processed, answered too late
        return response

    def _state_view(self) -> Response:
        return self.json_response({**self.state(), "faults_injected": self.faults_injected})

    def _requests_view(self) -> Response:
        only_mutating = request.args.get("mutating") in ("1", "true", "yes")
        records = [r for r in self.requests if r.mutating or not only_mutating]
        return self.json_response([
            {
                "method": r.method,
                "path": r.path,
                "query": r.query,
                "headers": {k: ("****" if k.lower() in self.secret_headers else v) for k, v in r.headers.items()},
                "body": r.body,
                "status": r.status,
                "at": r.at.isoformat(),
            }
            for r in records
        ])

    def _fail_view(self) -> Response:
        spec = request.get_json(silent=True) or {}
        self.fail_next(int(spec.get("count", 1)), int(spec.get("status", 500)), spec.get("retry_after"))
        return self.json_response({"queued": len(self._forced)})
