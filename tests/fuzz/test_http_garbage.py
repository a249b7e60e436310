"""The web app answers garbage with a 4xx (or a redirect to the login page), never a 500: random paths,
methods, query strings, bodies and headers, sent by hypothesis through the Flask test client to the feed
URLs, the Kaufland push receiver, the login page and every panel page, anonymous and logged in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask, got_request_exception
from hypothesis import given, settings
from hypothesis import strategies as st

from erpsync.admin import create_app
from erpsync.models.db import Database
from tests.admin.conftest import PanelClient, make_settings
from tests.admin.factories import make_shop, make_users
from tests.fuzz.strategies import DERANDOMIZE, EXAMPLES, ODD_TEXTS

METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "PROPFIND"]
SEGMENTS = st.one_of(
    st.sampled_from(["%00", "%ff", "%c0%af", "..", "%2e%2e", "%2F", "~", "%", "%zz", "a" * 300, "1", "-1", "0",
                     "99999999999999999999", "NaN", "null", "<script>", "'", "%27%22", "%0d%0aX:1", "prom.yml",
                     "kaspi.xml", "products.csv", "new", "edit", "details", "ajax", "export", "csv", "x.css"]),
    st.text(st.characters(codec="ascii", categories=["L", "N", "P"], exclude_characters="?#"), min_size=1,
            max_size=12),
)
# a URL can carry any byte (percent-encoded) but no lone surrogate: those texts are left out
QUERY_VALUES = st.one_of(st.sampled_from([t for t in ODD_TEXTS if not any("\ud800" <= c <= "\udfff" for c in t)]),
                         st.text(max_size=20), st.integers().map(str))
QUERY_KEYS = st.sampled_from(["page", "sort", "desc", "search", "flt0_0", "flt1_status_equals", "url", "id",
                              "next", "challenge", "mode", "page_size", "shop", "level", "q", "lang", "since",
                              "csrf_token", "rowid", "action", "export_type"])
BODIES = st.one_of(st.none(), st.binary(max_size=200), st.text(max_size=200).map(str.encode),
                   st.sampled_from([b"{", b"[]", b'{"event_name": null}', b"\x00" * 50, b"a=1&a=2&csrf_token=x",
                                    b"--boundary\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n"]))
HEADERS = st.dictionaries(
    st.sampled_from(["Content-Type", "Accept", "Accept-Language", "If-None-Match", "If-Modified-Since", "Range",
                     "Cookie", "Hm-Signature", "Hm-Timestamp", "X-Forwarded-For", "Host", "Content-Encoding"]),
    st.one_of(st.sampled_from(["application/json", "multipart/form-data", "multipart/form-data; boundary=",
                               "text/xml; charset=nonsense", "bytes=5-1", "bytes=0-0,0-0,0-0", "session=garbage",
                               "*/*;q=abc", "uk;q=0.5,zz;q=9", "gzip", "W/\"x\"", "Mon, 99 Foo 2024"]),
              st.text(st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=30)),
    max_size=4,
)


@st.composite
def requests(draw: st.DrawFn, known: list[str]) -> dict[str, Any]:
    if draw(st.booleans()):
        base = draw(st.sampled_from(known))
        parts = base.split("/")
        if draw(st.booleans()) and len(parts) > 2:  # replace one segment of a real URL by garbage
            parts[draw(st.integers(2, len(parts) - 1))] = draw(SEGMENTS)
        path = "/".join(parts)
    else:
        path = "/" + "/".join(draw(st.lists(SEGMENTS, min_size=1, max_size=4)))
    query = draw(st.lists(st.tuples(QUERY_KEYS, QUERY_VALUES), max_size=4))
    return {"method": draw(st.sampled_from(METHODS)), "path": path, "query_string": query,
            "data": draw(BODIES), "headers": draw(HEADERS)}


def _known_paths(app: Flask, feed_token: str, push_token: str) -> list[str]:
    paths = [f"/feeds/{feed_token}/prom.yml", f"/push/kaufland/{push_token}", "/admin/login", "/admin/logout",
             "/admin/language", "/healthz", "/"]
    for rule in app.url_map.iter_rules():
        if "<" not in rule.rule:
            paths.append(rule.rule)
        else:
            paths.append("/".join("1" if part.startswith("<") else part for part in rule.rule.split("/")))
    return sorted(set(paths))


@pytest.fixture
def web(database: Database, secret_key: str, tmp_path: Path) -> tuple[Flask, list[str]]:
    make_users(database)
    make_shop(database, secret_key, "prom-web", "prom")
    make_shop(database, secret_key, "de-web", "kaufland", credentials={"client_key": "c" * 32, "secret_key": "s" * 64})
    from sqlalchemy import select

    from erpsync.models import Shop
    with database.session() as session:
        tokens = {s.marketplace: s.feed_token for s in session.scalars(select(Shop))}
    app = create_app(make_settings(database, secret_key, tmp_path), database)
    return app, _known_paths(app, tokens["prom"], tokens["kaufland"])


@pytest.mark.parametrize("who", ["anonymous", "admin"])
def test_garbage_requests_get_a_4xx_or_a_redirect_never_a_500(web: tuple[Flask, list[str]], who: str) -> None:
    app, known = web
    client = PanelClient(app.test_client())
    if who == "admin":
        assert client.login("boss").status_code == 302
    crashes: list[BaseException] = []

    def record(_sender: object, exception: BaseException, **_: object) -> None:
        crashes.append(exception)

    @settings(max_examples=max(30, EXAMPLES), deadline=None, derandomize=DERANDOMIZE)
    @given(requests(known))
    def check(request: dict[str, Any]) -> None:
        crashes.clear()
        response = client.client.open(request["path"], method=request["method"], query_string=request["query_string"],
                                      data=request["data"], headers=request["headers"])
        assert response.status_code < 500 or response.status_code == 503, (
            response.status_code, request, [repr(c) for c in crashes])
        assert not crashes, [repr(c) for c in crashes]

    got_request_exception.connect(record, app)
    try:
        check()
    finally:
        got_request_exception.disconnect(record, app)


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/feeds/%00/prom.yml"), ("GET", "/feeds/a%00b/prom.yml"), ("GET", "/feeds/%ff%fe/prom.yml"),
    ("GET", "/push/kaufland/%00?mode=subscribe&challenge=x"), ("POST", "/push/kaufland/%00"),
    ("POST", "/push/kaufland/" + "a" * 5000), ("GET", "/feeds/" + "%F0%9F%98%80" * 20 + "/prom.yml"),
    ("GET", "/admin/order/?search=%00"), ("GET", "/admin/log/?search=%00"), ("GET", "/admin/order/?page=-1"),
    ("GET", "/admin/order/?page=99999999999999999999"), ("GET", "/admin/order/?sort=999"),
])
def test_nul_bytes_and_odd_tokens_in_urls_are_a_4xx(web: tuple[Flask, list[str]], method: str, path: str) -> None:
    """PostgreSQL refuses a NUL in a text parameter: a token or a search with one must never reach a query."""
    app, _known = web
    client = PanelClient(app.test_client())
    assert client.login("boss").status_code == 302
    response = client.client.open(path, method=method)
    assert 200 <= response.status_code < 500 and response.status_code != 500, response.status_code
    if path.startswith(("/feeds/", "/push/")):
        assert response.status_code == 404 and b"token" not in response.data.lower()
