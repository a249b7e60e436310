"""Kaufland test helpers: payloads in Kaufland's format, a running sandbox, a connector pointed at it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from erpsync.marketplaces.base import ShopConfig
from erpsync.marketplaces.http import RetryPolicy
from erpsync.marketplaces.kaufland import KauflandConnector
from erpsync.sandbox.kaufland import KauflandSandbox

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "kaufland"
CLIENT_KEY = "0123456789abcdef0123456789abcdef"
SECRET_KEY = "b3575f222f7b768c25160b879699118b331c6883dd6010864b7ead130be77cd5"
CREDENTIALS = {"client_key": CLIENT_KEY, "secret_key": SECRET_KEY}
QUICK_RETRIES = RetryPolicy(attempts=3, initial_wait=0.01, max_wait=0.05, jitter=0.01, max_retry_after=2.0)


def payload(name: str) -> Any:
    """A payload in Kaufland's format (tests/fixtures/kaufland/NAME.json)."""
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def sandbox() -> Iterator[KauflandSandbox]:
    """An empty Kaufland sandbox (tests add what they need) on an ephemeral port."""
    with KauflandSandbox(credentials=CREDENTIALS, orders=0, random_seed=11) as server:
        server.kaufland.units.clear()
        server.kaufland.products.clear()
        yield server


def make_connector(base_url: str, credentials: dict[str, str] | None = None, storefront: str = "de",
                   **options: Any) -> KauflandConnector:
    options.setdefault("retry", QUICK_RETRIES)
    options.setdefault("rate_limit", False)
    shop = ShopConfig("de-main", "kaufland", base_url, credentials or CREDENTIALS, {"storefront": storefront})
    return KauflandConnector(shop, **options)


@pytest.fixture
def connector(sandbox: KauflandSandbox) -> Iterator[KauflandConnector]:
    with make_connector(sandbox.base_url) as kaufland:
        yield kaufland


class FileServer:
    """A small web server on 127.0.0.1:0 standing for the places Kaufland fetches from: files by path, and a
    push endpoint that answers Kaufland's URL check (``?mode=subscribe&challenge=…``) and records posts."""

    def __init__(self) -> None:
        from flask import Flask, Response, request
        from werkzeug.serving import make_server

        self.files: dict[str, bytes] = {}
        self.posts: list[tuple[dict[str, str], bytes]] = []
        app = Flask("kaufland-test-files")

        @app.route("/files/<path:name>")
        def file(name: str) -> Response:
            if name not in self.files:
                return Response("not found", 404)
            return Response(self.files[name], 200, content_type="text/csv; charset=utf-8")

        @app.route("/push", methods=["GET", "POST"])
        def push() -> Response:
            if request.method == "GET":
                return Response(request.args.get("challenge", ""), 200)
            self.posts.append((dict(request.headers), request.get_data()))
            return Response(status=204)

        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        import threading

        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)
        self._server.server_close()


@pytest.fixture
def files() -> Iterator[FileServer]:
    server = FileServer()
    try:
        yield server
    finally:
        server.stop()
