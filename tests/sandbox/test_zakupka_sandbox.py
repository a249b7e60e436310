"""The Zakupka sandbox serves the CommerceML orders file at its secret path only, in windows-1251 or UTF-8,
new orders of the export period only, and is seeded from real-format files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from erpsync.core.errors import ValidationError
from erpsync.marketplaces.zakupka import codec
from erpsync.sandbox import sandbox_class
from erpsync.sandbox.zakupka import KYIV, ZakupkaSandbox
from tests.marketplaces.zakupka.conftest import FIXTURES


def test_zakupka_is_registered_and_its_link_is_unguessable() -> None:
    assert sandbox_class("zakupka") is ZakupkaSandbox
    first, second = ZakupkaSandbox(orders=0), ZakupkaSandbox(orders=0)
    assert first.file_path != second.file_path and len(first.file_path.rsplit("/", 1)[1]) >= 32


def test_the_file_is_windows_1251_with_its_declaration_and_charset() -> None:
    with ZakupkaSandbox(orders=3, random_seed=1) as server:
        response = httpx.get(server.orders_url)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/xml; charset=windows-1251"
        assert response.content.startswith(b"<?xml version='1.0' encoding='windows-1251'?>")
        response.content.decode("cp1251")
        root = codec.parse_file(response.content)
        assert root.get("ВерсияСхемы") == "2.05" and len(list(codec.documents(root))) == 3
        assert httpx.get(f"{server.url}/api/1c/orders/other.xml").status_code == 404
        assert httpx.get(f"{server.url}/").status_code == 404


def test_only_new_orders_of_the_export_period_are_in_the_file() -> None:
    now = datetime.now(UTC).astimezone(KYIV).replace(tzinfo=None)
    with ZakupkaSandbox(orders=0, days=7, encoding="utf-8") as server:
        fresh = server.add_order(created=now - timedelta(days=1))
        server.add_order(created=now - timedelta(days=8))
        handled = server.add_order(created=now - timedelta(hours=1))
        server.set_status(handled, "Выполнен")
        root = codec.parse_file(httpx.get(server.orders_url).content)
        assert [codec.element_text(d, "Ид") for d in codec.documents(root)] == [fresh]
        assert server.state() == {"orders": 3, "in_file": 1, "path_length": len(server.file_path)}


def test_a_given_link_keeps_its_path_across_restarts() -> None:
    link = "http://127.0.0.1:1/api/1c/orders/my-own-secret-key.xml"
    with ZakupkaSandbox(orders=1, credentials={"orders_url": link}) as server:
        assert server.orders_url.endswith("/api/1c/orders/my-own-secret-key.xml")
        assert server.credentials["orders_url"] == server.orders_url
        assert httpx.get(server.orders_url).status_code == 200


def test_a_seed_that_is_not_commerceml_is_refused_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "orders.xml").write_text("<html/>", encoding="utf-8")
    with pytest.raises(ValidationError, match=r"orders.xml: expected a CommerceML document"):
        ZakupkaSandbox(seed_dir=tmp_path)


def test_a_seeded_file_is_served_with_its_documents() -> None:
    with ZakupkaSandbox(seed_dir=FIXTURES / "sandbox", days=100000) as server:
        root = codec.parse_file(httpx.get(server.orders_url).content)
        assert [codec.element_text(d, "Ид") for d in root.iter("Документ")] == ["5512345", "5512346", "R-77"]
