"""Feeds served over real HTTP by the web app: unguessable URL, ETag / Last-Modified / 304, and a bare
404 for a wrong token."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest
from werkzeug.serving import make_server

from erpsync.admin import create_app
from erpsync.core.config import Settings
from erpsync.sync.feeds import render_feed
from tests.feeds.conftest import YML_SETTINGS, Catalog


@pytest.fixture
def web(catalog: Catalog, feed_settings: Settings) -> Iterator[str]:
    app = create_app(feed_settings, catalog.database)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


def test_feed_is_served_with_etag_and_answers_304_when_unchanged(
    catalog: Catalog, feed_settings: Settings, web: str
) -> None:
    catalog.product("SERVED1")
    catalog.shop("prom-web", "prom", YML_SETTINGS)
    report = render_feed(catalog.database, feed_settings, "prom-web")
    url = web + report.urls[0].removeprefix(feed_settings.public_url)
    with httpx.Client(timeout=10) as client:
        first = client.get(url)
        assert first.status_code == 200
        assert first.headers["content-type"].startswith("application/xml")
        assert b'<offer id="SERVED1"' in first.content
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
        assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
        catalog.product("SERVED2")  # a new product: the next render changes the file and its ETag
        from erpsync.sync.listings import add_listings
        from erpsync.sync.shops import get_shop

        with catalog.database.session() as session:
            add_listings(session, get_shop(session, "prom-web"), skus=["SERVED2"])
        render_feed(catalog.database, feed_settings, "prom-web")
        changed = client.get(url, headers={"If-None-Match": etag})
        assert changed.status_code == 200 and changed.headers["etag"] != etag
        assert b'<offer id="SERVED2"' in changed.content


def test_wrong_token_unknown_file_and_unrendered_feed_all_get_the_same_bare_404(
    catalog: Catalog, feed_settings: Settings, web: str
) -> None:
    catalog.product("P1")
    shop = catalog.shop("prom-404", "prom", YML_SETTINGS)
    unrendered = client_get(f"{web}/feeds/{shop.feed_token}/feed.xml")
    render_feed(catalog.database, feed_settings, "prom-404")
    wrong_token = client_get(f"{web}/feeds/{'x' * len(shop.feed_token)}/feed.xml")
    wrong_file = client_get(f"{web}/feeds/{shop.feed_token}/products.csv")
    traversal = client_get(f"{web}/feeds/{shop.feed_token}/..%2F..%2Ferpsync.key")
    assert {r.status_code for r in (unrendered, wrong_token, wrong_file, traversal)} == {404}
    assert unrendered.content == wrong_token.content == wrong_file.content
    assert b"prom-404" not in wrong_token.content and shop.feed_token.encode() not in wrong_token.content


def client_get(url: str) -> httpx.Response:
    with httpx.Client(timeout=10) as client:
        return client.get(url)
