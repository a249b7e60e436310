"""Reading a shop's YML catalog: offers in document order, bad offers named by line and set aside, a
document that is not a YML catalog refused as a whole."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from erpsync.core.errors import PayloadError
from erpsync.marketplaces.yml import parse_offers

CATALOG = Path(__file__).resolve().parents[1] / "fixtures" / "prom" / "catalog.yml"


def test_offers_are_read_with_their_ids_articles_prices_and_availability() -> None:
    errors: list[PayloadError] = []
    offers = list(parse_offers(CATALOG.read_bytes(), "catalog.yml", on_error=errors.append))
    assert [(o.external_id, o.sku, o.available) for o in offers] == [
        ("B43N1", "B43N1", True), ("2555951114", "B45N2", False), ("B47N4", "UNKNOWN-SKU", False)]
    first, second = offers[0], offers[1]
    assert (first.name, first.price, first.currency, first.quantity) == (
        "Високі чоловічі шкарпетки Nike - Білі, 5 пар", Decimal("250"), "UAH", 7)
    assert (second.price, second.barcode, second.quantity) == (Decimal("244.50"), "4820000000011", None)
    assert first.raw["url"].startswith("https://example.prom.ua/")
    assert [str(e) for e in errors] == [
        "catalog.yml: line 27: offer: has no id attribute",
        "catalog.yml: line 31: offer B46N3.price: expected a number, got 'дорого'",
    ]


def test_without_an_error_handler_the_first_bad_offer_raises() -> None:
    with pytest.raises(PayloadError, match="line 27: offer: has no id attribute"):
        list(parse_offers(CATALOG.read_bytes(), "catalog.yml"))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<html><body>Not found</body></html>", "is not a YML catalog: the document is <html>"),
        (b"<yml_catalog><shop><offers><offer id='1'>", "is not a readable YML document"),
        (b"", "is not a readable YML document"),
        (b"{\"orders\": []}", "is not a readable YML document"),
    ],
)
def test_a_document_that_is_not_a_yml_catalog_is_refused_naming_the_source(content: bytes, message: str) -> None:
    with pytest.raises(PayloadError, match=f"https://shop.example/export.yml: {message}"):
        list(parse_offers(content, "https://shop.example/export.yml"))


def test_a_large_catalog_is_read_offer_by_offer() -> None:
    offers = "".join(f'<offer id="P{i}" available="true"><price>{i}.5</price><vendorCode>S{i}</vendorCode></offer>'
                     for i in range(3000))
    document = f"<yml_catalog><shop><offers>{offers}</offers></shop></yml_catalog>".encode()
    read = parse_offers(document, "big.yml")
    assert next(read).external_id == "P0"
    assert sum(1 for _ in read) == 2999
