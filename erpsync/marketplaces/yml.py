"""Reading a YML catalog (Yandex Market Language: ``yml_catalog/shop/offers/offer``), the format Prom.ua,
Satu.kz and other Ukrainian marketplaces export a shop's catalog in. Pure parsing: no HTTP.

Offers are read one at a time with ``lxml.etree.iterparse`` and cleared once read, so a catalog of any
size is parsed in flat memory. An offer that cannot be read (no id, a price that is not a number) is
reported through ``on_error`` with its line and the next offer is read; a document that is not XML at
all raises ``PayloadError`` naming the source and the line.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

from erpsync.core.errors import PayloadError
from erpsync.marketplaces.base import CatalogOffer

TRUE = {"true", "1", "yes"}
FALSE = {"false", "0", "no"}
# children read as the offer's quantity, in the order they are looked for (Prom, Rozetka, others)
QUANTITY_TAGS = ("quantity_in_stock", "stock_quantity", "quantity", "count")


def _text(offer: Any, tag: str) -> str | None:
    child = offer.find(tag)
    if child is None or child.text is None:
        return None
    text = child.text.strip()
    return text or None


def _available(value: str | None) -> bool | None:
    if value is None:
        return None
    value = value.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE or value == "":
        return False
    return None


def _decimal(value: str | None, where: str) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value.replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise PayloadError(f"expected a number, got {value!r}", field=where) from None


def _quantity(offer: Any, where: str) -> int | None:
    for tag in QUANTITY_TAGS:
        value = _text(offer, tag)
        if value is not None:
            number = _decimal(value, f"{where}.{tag}")
            return None if number is None else max(0, int(number))
    return None


def read_offer(offer: Any, source: str) -> CatalogOffer:
    """One ``<offer>`` element → a ``CatalogOffer``; a PayloadError names the source, line and field."""
    where = f"{source}: line {offer.sourceline}: offer"
    offer_id = (offer.get("id") or "").strip()
    if not offer_id:
        raise PayloadError("has no id attribute", field=where)
    where = f"{where} {offer_id}"
    raw = {"id": offer_id, **{k: v for k, v in offer.attrib.items() if k != "id"}}
    for child in offer:
        if isinstance(child.tag, str) and child.text and child.text.strip() and child.tag not in raw:
            raw[child.tag] = child.text.strip()
    return CatalogOffer(
        external_id=offer_id,
        sku=_text(offer, "vendorCode") or _text(offer, "article"),
        name=_text(offer, "name_ua") or _text(offer, "name") or _text(offer, "model"),
        price=_decimal(_text(offer, "price"), f"{where}.price"),
        currency=_text(offer, "currencyId"),
        available=_available(offer.get("available")),
        quantity=_quantity(offer, where),
        barcode=_text(offer, "barcode"),
        url=_text(offer, "url"),
        raw=raw,
    )


def parse_offers(
    content: bytes, source: str, on_error: Callable[[PayloadError], None] | None = None
) -> Iterator[CatalogOffer]:
    """The offers of a YML document, in document order. Offers that cannot be read go to ``on_error``
    (and are skipped); without ``on_error`` they raise."""
    root_checked = False
    events = etree.iterparse(io.BytesIO(content), events=("start", "end"), recover=False, huge_tree=True,
                             resolve_entities=False, no_network=True)
    try:
        for event, element in events:
            if event == "start":
                if not root_checked:
                    root_checked = True
                    if element.tag != "yml_catalog":
                        raise PayloadError(f"is not a YML catalog: the document is <{element.tag}>, "
                                           "not <yml_catalog>", field=source)
                continue
            if element.tag != "offer":
                continue
            try:
                yield read_offer(element, source)
            except PayloadError as error:
                if on_error is None:
                    raise
                on_error(error)
            finally:
                element.clear(keep_tail=False)
                while element.getprevious() is not None:
                    del element.getparent()[0]
    except etree.XMLSyntaxError as error:
        line = error.lineno if error.lineno else "?"
        raise PayloadError(f"is not a readable YML document (line {line}: {error.msg})", field=source) from None
    if not root_checked:
        raise PayloadError("is empty, not a YML catalog", field=source)


__all__ = ["parse_offers", "read_offer"]
