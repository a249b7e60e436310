"""What the Kaufland use-case tests share: a sandbox, a shop row pointed at it, and the web app served over
real HTTP (so the sandbox can fetch our files and post notifications to it)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server

from erpsync.admin import create_app
from erpsync.core.config import Settings, load_settings
from erpsync.marketplaces.http import RetryPolicy
from erpsync.models import Shop
from erpsync.models.db import Database
from erpsync.sandbox.kaufland import KauflandSandbox
from erpsync.sync.shops import add_shop, get_shop

CREDENTIALS = {"client_key": "0123456789abcdef0123456789abcdef",
               "secret_key": "b3575f222f7b768c25160b879699118b331c6883dd6010864b7ead130be77cd5"}
QUICK = RetryPolicy(attempts=2, initial_wait=0.01, max_wait=0.02, jitter=0.0)
SHOP = "kaufland-de"


@contextmanager
def kaufland_sandbox(**options: Any) -> Iterator[KauflandSandbox]:
    with KauflandSandbox(credentials=CREDENTIALS, orders=0, random_seed=5, **options) as server:
        server.kaufland.units.clear()
        server.kaufland.products.clear()
        yield server


def add_kaufland_shop(database: Database, secret_key: str, base_url: str, name: str = SHOP,
                      **settings: Any) -> Shop:
    with database.session() as session:
        add_shop(session, name=name, marketplace="kaufland", secret_key=secret_key, base_url=base_url,
                 credentials=CREDENTIALS, settings={"storefront": "de", **settings})
    with database.session() as session:
        shop = get_shop(session, name)
        session.expunge(shop)
    return shop


class WebApp:
    """erpsync's web app on 127.0.0.1:<free port>, with ERPSYNC_PUBLIC_URL pointing at it."""

    def __init__(self, database: Database, secret_key: str, tmp_path: Path, **env: str) -> None:
        self._app: Callable[..., Any] | None = None
        self._server = make_server("127.0.0.1", 0, self._dispatch, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self.settings: Settings = load_settings({
            "ERPSYNC_DATABASE_URL": database.url, "ERPSYNC_SECRET_KEY": secret_key, "ERPSYNC_PUBLIC_URL": self.url,
            "ERPSYNC_FEED_DIR": str(tmp_path / "feeds"), **env,
        }, cwd=tmp_path)
        self.flask = create_app(self.settings, database)
        self._app = self.flask
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def _dispatch(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        assert self._app is not None
        return self._app(environ, start_response)

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)
        self._server.server_close()


@contextmanager
def web_app(database: Database, secret_key: str, tmp_path: Path, **env: str) -> Iterator[WebApp]:
    app = WebApp(database, secret_key, tmp_path, **env)
    try:
        yield app
    finally:
        app.stop()
