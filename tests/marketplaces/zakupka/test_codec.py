"""CommerceML orders files (tests/fixtures/zakupka, see its README) decode whatever their encoding, layout
or namespace; one unreadable document is named and the others are read."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from erpsync.core.errors import PayloadError
from erpsync.marketplaces.zakupka import codec
from tests.marketplaces.zakupka.conftest import orders_file

KYIV = ZoneInfo("Europe/Kyiv")


def _decode_all(content: bytes, content_type: str | None = None) -> tuple[list, list[PayloadError]]:
    orders, errors = [], []
    for document in codec.documents(codec.parse_file(content, content_type)):
        try:
            orders.append(codec.decode_document(document, zone=KYIV))
        except PayloadError as error:
            errors.append(error)
    return orders, errors


def test_a_zakupka_style_order_decodes_with_buyer_lines_delivery_and_discount() -> None:
    orders, _errors = _decode_all(orders_file("zakupka_style_utf8.xml"))
    order = orders[0]
    assert (order.external_id, order.number, order.status) == ("5512345", "5512345", "new")
    assert order.created_at == datetime(2024, 5, 20, 6, 41, 7, tzinfo=UTC)
    assert (order.total, order.currency, order.delivery_cost, order.discount) == (
        Decimal("1547.00"), "UAH", Decimal("99.00"), Decimal(50))
    assert order.customer.full_name == "Коваленко Олена Петрівна"
    assert (order.customer.first_name, order.customer.last_name) == ("Олена", "Коваленко")
    assert (order.customer.phone, order.customer.email) == ("+380501112233", "olena@example.com.ua")
    assert order.customer.external_id == "zk-buyer-881"
    assert (order.delivery_method, order.payment_method) == ("nova_poshta", "cash_on_delivery")
    assert order.delivery_address is not None
    assert order.delivery_address.formatted == "Київ, Відділення №25: вул. Хрещатик, 22"
    assert order.delivery_address.city == "Київ"
    assert order.comment == "Передзвоніть, будь ласка"
    assert [(line.sku, line.quantity, line.unit_price, line.total) for line in order.lines] == [
        ("ZK-1003", 1, Decimal("1299.00"), Decimal("1299.00")),
        ("ZK-1004", 1, Decimal("149.00"), Decimal("149.00")),
    ]
    assert order.extra["status_text"] == "Новый" and order.extra["buyer_patronymic"] == "Петрівна"
    assert order.raw["xml"].startswith("<Документ>")


def test_a_document_without_a_total_is_named_and_another_operation_is_not_an_order() -> None:
    orders, errors = _decode_all(orders_file("zakupka_style_utf8.xml"))
    assert [o.external_id for o in orders] == ["5512345"]
    [error] = errors
    assert error.field == "Документ[Ид=5512346].Сумма" and "is missing" in str(error)


def test_a_windows_1251_file_reads_as_declared() -> None:
    [order], _ = _decode_all(orders_file("cscart_orders_cp1251.xml"))
    assert order.external_id == "108" and order.currency == "RUB"
    assert (order.customer.first_name, order.customer.last_name) == ("New", "New")
    assert (order.customer.phone, order.customer.email) == ("+79512111111", "new@test.test")
    assert order.delivery_address is not None and order.delivery_address.postcode == "520111"
    assert order.lines[0].name == "Nike \"Untouchable\" Women's Tank Top"
    assert order.lines[0].extra["unit"] == "шт"
    assert order.extra["status_text"] == "Принят"  # kept; the status is still "new": the file holds new orders
    assert order.status == "new"


def test_a_windows_1251_file_without_a_declaration_falls_back_to_1251() -> None:
    orders, _ = _decode_all(orders_file("no_declaration_cp1251.xml"))
    assert orders[0].customer.full_name == "Коваленко Олена Петрівна"


def test_a_utf8_file_declared_as_windows_1251_is_read_as_utf8() -> None:
    content = orders_file("zakupka_style_utf8.xml").replace(b'encoding="UTF-8"', b'encoding="windows-1251"')
    orders, _ = _decode_all(content)
    assert orders[0].lines[0].name == "Навушники бездротові"


def test_the_http_charset_is_used_when_the_file_says_nothing() -> None:
    content = orders_file("no_declaration_cp1251.xml").decode("cp1251").replace("№", "N").encode("koi8_u")
    orders, _ = _decode_all(content, "application/xml; charset=KOI8-U")
    assert orders[0].customer.last_name == "Коваленко"


def test_a_namespaced_cml_208_container_is_read() -> None:
    [order], _ = _decode_all(orders_file("cml208_namespace_container.xml"))
    assert order.external_id == "9001" and order.currency == "UAH"
    assert order.created_at == datetime(2024, 6, 1, 4, 30, tzinfo=UTC)  # the time inside <Дата>
    assert order.is_paid and order.payment_method == "card_online"
    assert order.customer.phone == "0671234567"
    assert [(line.sku, line.quantity) for line in order.lines] == [("ZK-1001", 2)]


@pytest.mark.parametrize(("content", "message"), [
    (b"", "the file is empty"),
    (b"<html><body>Login</body></html>", "expected a CommerceML document"),
    ('<?xml version="1.0"?><КоммерческаяИнформация><Документ>'.encode(), "line 1: not well-formed XML"),
])
def test_a_file_that_is_not_an_orders_file_is_one_clear_error(content: bytes, message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        codec.parse_file(content)


def test_entities_are_never_expanded() -> None:
    content = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
               '<КоммерческаяИнформация><Документ><Ид>1</Ид><Дата>2024-01-01</Дата><Сумма>1</Сумма>'
               '<Комментарий>&e;</Комментарий></Документ></КоммерческаяИнформация>').encode()
    [order], _ = _decode_all(content)
    assert "root:" not in (order.comment or "")
