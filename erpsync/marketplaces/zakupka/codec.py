"""Zakupka.com's orders file (CommerceML 2, "Файл заказов" for 1C) → normalized orders. Pure functions.

The file is a ``КоммерческаяИнформация`` with one ``Документ`` per order (directly, or inside
``Контейнер`` as CommerceML 2.08+ writes it; a namespace, if any, is ignored). Read per document:
``Ид``, ``Номер``, ``Дата`` + ``Время`` (the shop's local time), ``Валюта``, ``Сумма``,
``Комментарий``, ``Контрагенты/Контрагент`` (the buyer: ``Роль`` Покупатель; ``Наименование`` /
``ПолноеНаименование`` or ``Фамилия`` + ``Имя``; ``Контакты`` with phone and e-mail; an address with
``Представление`` and ``АдресноеПоле`` parts), ``Товары/Товар`` (``Ид``, ``Артикул``,
``Наименование``, ``ЦенаЗаЕдиницу``, ``Количество``, ``Сумма``; a row whose ``ВидНоменклатуры`` is
``Услуга`` or whose ``Ид`` is ``ORDER_DELIVERY`` is the delivery charge, not a line), ``Скидки`` and
``ЗначенияРеквизитов`` (order status, payment and delivery method, address, …: all kept in ``extra``).

Encodings: the declaration's encoding is used, but a file that is valid UTF-8 is read as UTF-8
whatever it declares, and a file that is neither falls back to the HTTP charset, then windows-1251.
Entities are never resolved and nothing is fetched over the network. A document that cannot be
read raises ``PayloadError`` naming the document and the field; the others are still read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

from erpsync.core.errors import PayloadError
from erpsync.core.money import finite_decimal
from erpsync.marketplaces.base import Address, Customer, Order, OrderLine
from erpsync.marketplaces.methods import delivery_code, payment_code
from erpsync.marketplaces.names import split_full_name

STATUS_NEW = "new"
ORDER_OPERATION = "заказ товара"
DELIVERY_ROW_IDS = frozenset({"ORDER_DELIVERY", "DELIVERY"})
CURRENCIES = {"грн": "UAH", "грн.": "UAH", "uah": "UAH", "₴": "UAH", "руб": "RUB", "руб.": "RUB", "usd": "USD",
              "eur": "EUR", "980": "UAH"}
_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""", re.IGNORECASE)
_CHARSET = re.compile(r"charset\s*=\s*\"?([A-Za-z0-9._-]+)", re.IGNORECASE)
_PARSER_OPTIONS = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False,
                   "remove_comments": True}


# --- the file ---------------------------------------------------------------------------------------


def decode_text(content: bytes, content_type: str | None = None) -> str:
    """The file's text (see the module docstring for how its encoding is chosen)."""
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="replace")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    candidates = []
    declared = _DECLARED_ENCODING.match(content)
    if declared:
        candidates.append(declared.group(1).decode("ascii"))
    charset = _CHARSET.search(content_type or "")
    if charset:
        candidates.append(charset.group(1))
    candidates.append("windows-1251")
    for encoding in candidates:
        try:
            return content.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return content.decode("windows-1251", errors="replace")  # unreachable: every byte is windows-1251


def parse_file(content: bytes, content_type: str | None = None, *, source: str = "orders file") -> etree._Element:
    """The root element of an orders file, namespaces dropped; a file that is not XML is a PayloadError."""
    if not content.strip():
        raise PayloadError("the file is empty", field=source)
    text = decode_text(content, content_type)
    body = _DECLARATION.sub(b"", text.encode("utf-8"), count=1)
    parser = etree.XMLParser(**_PARSER_OPTIONS)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as error:
        raise PayloadError(f"line {error.lineno}: not well-formed XML ({error.msg})", field=source) from None
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.startswith("{"):
            element.tag = etree.QName(element).localname
    if root.tag != "КоммерческаяИнформация":
        raise PayloadError(f"expected a CommerceML document (КоммерческаяИнформация), got <{root.tag}>", field=source)
    return root


def documents(root: etree._Element) -> Iterator[etree._Element]:
    """Every ``Документ`` of the file that is an order (``ХозОперация`` Заказ товара, or none)."""
    for document in root.iter("Документ"):
        operation = element_text(document, "ХозОперация")
        if operation is None or operation.lower() == ORDER_OPERATION:
            yield document


# --- values -----------------------------------------------------------------------------------------


def element_text(element: etree._Element | None, path: str) -> str | None:
    if element is None:
        return None
    found = element.find(path)
    if found is None or found.text is None:
        return None
    text = " ".join(found.text.split())
    return text or None


def _decimal(text: str | None, field: str, *, required: bool = False) -> Decimal | None:
    if text is None:
        if required:
            raise PayloadError("is missing", field=field)
        return None
    try:
        return finite_decimal(text.replace("\u00a0", "").replace(" ", "").replace(",", "."))
    except InvalidOperation:
        raise PayloadError(f"expected a number, got {text!r}", field=field) from None


def _requisites(element: etree._Element | None) -> dict[str, str]:
    """``ЗначенияРеквизитов/ЗначениеРеквизита`` (Наименование → Значение)."""
    values: dict[str, str] = {}
    if element is None:
        return values
    for requisite in element.findall("ЗначенияРеквизитов/ЗначениеРеквизита"):
        name, value = element_text(requisite, "Наименование"), element_text(requisite, "Значение")
        if name and value is not None:
            values[name] = value
    return values


def _pick(values: Mapping[str, str], *names: str) -> str | None:
    lowered = {key.lower(): value for key, value in values.items()}
    for name in names:
        if lowered.get(name.lower()):
            return lowered[name.lower()]
    return None


def document_created(document: etree._Element, field: str, zone: tzinfo) -> datetime:
    day_text = element_text(document, "Дата")
    if day_text is None:
        raise PayloadError("is missing", field=f"{field}.Дата")
    day_text, _, time_in_date = day_text.partition("T")
    try:
        day = date.fromisoformat(day_text) if "-" in day_text else datetime.strptime(day_text, "%d.%m.%Y").date()
    except ValueError:
        raise PayloadError(f"expected a date like 2024-05-22, got {day_text!r}", field=f"{field}.Дата") from None
    clock_text = element_text(document, "Время") or time_in_date or "00:00:00"
    try:
        clock = time.fromisoformat(clock_text)
    except ValueError:
        raise PayloadError(f"expected a time like 17:12:09, got {clock_text!r}", field=f"{field}.Время") from None
    return datetime.combine(day, clock.replace(tzinfo=None), tzinfo=zone)


# --- the buyer --------------------------------------------------------------------------------------


def _buyer(document: etree._Element) -> etree._Element | None:
    parties = document.findall("Контрагенты/Контрагент")
    for party in parties:
        if (element_text(party, "Роль") or "").lower() in ("покупатель", "покупець", "buyer"):
            return party
    return parties[0] if parties else None


def _contacts(party: etree._Element) -> tuple[str | None, str | None]:
    phone = email = None
    for contact in party.iter("Контакт"):
        kind, value = (element_text(contact, "Тип") or "").lower(), element_text(contact, "Значение")
        if not value:
            continue
        if phone is None and ("телефон" in kind or "phone" in kind):
            phone = value
        elif email is None and ("почта" in kind or "пошта" in kind or "mail" in kind):
            email = value
    return phone, email


ADDRESS_FIELDS = {"город": "city", "місто": "city", "населенный пункт": "city", "почтовый индекс": "postcode",
                  "індекс": "postcode", "улица": "street", "вулиця": "street", "дом": "house", "будинок": "house",
                  "квартира": "apartment", "регион": "region", "область": "region"}


def _address(party: etree._Element | None, requisites: Mapping[str, str]) -> Address | None:
    parts: dict[str, str] = {}
    formatted = None
    if party is not None:
        for tag in ("АдресДоставки", "Адрес", "АдресРегистрации"):
            block = party.find(tag)
            if block is None:
                continue
            formatted = formatted or element_text(block, "Представление")
            for field in block.findall("АдресноеПоле"):
                key = ADDRESS_FIELDS.get((element_text(field, "Тип") or "").lower())
                value = element_text(field, "Значение")
                if key and value and key not in parts:
                    parts[key] = value
    given = _pick(requisites, "Адрес доставки", "Адреса доставки", "Адрес")
    formatted = given or formatted
    point = _pick(requisites, "Отделение", "Відділення", "Номер отделения", "Склад")
    if not (formatted or parts or point):
        return None
    return Address(formatted=formatted, pickup_point=point, **parts)


def _customer(party: etree._Element | None, name_order: str) -> tuple[Customer, str | None]:
    if party is None:
        return Customer(), None
    phone, email = _contacts(party)
    full = element_text(party, "ПолноеНаименование") or element_text(party, "Наименование")
    first, last = element_text(party, "Имя"), element_text(party, "Фамилия")
    patronymic = element_text(party, "Отчество")
    if not (first or last):
        split = split_full_name(full, name_order)
        first, last, patronymic = split.first_name, split.last_name, split.patronymic
    if not full:
        full = " ".join(p for p in (last, first, patronymic) if p) or None
    customer = Customer(external_id=element_text(party, "Ид"), full_name=full, first_name=first, last_name=last,
                        phone=phone, email=email)
    return customer, patronymic


# --- lines ------------------------------------------------------------------------------------------


@dataclass
class _Rows:
    lines: list[OrderLine]
    delivery_cost: Decimal | None


def _is_service(row: etree._Element) -> bool:
    kinds = {value.lower() for key, value in _requisites(row).items()
             if key.lower() in ("видноменклатуры", "типноменклатуры")}
    return "услуга" in kinds or "послуга" in kinds or (element_text(row, "Ид") or "").upper() in DELIVERY_ROW_IDS


def _rows(document: etree._Element, field: str) -> _Rows:
    lines: list[OrderLine] = []
    delivery_cost: Decimal | None = None
    seen: dict[str, int] = {}
    for index, row in enumerate(document.findall("Товары/Товар")):
        path = f"{field}.Товары.Товар[{index + 1}]"
        quantity = _decimal(element_text(row, "Количество"), f"{path}.Количество", required=True)
        price = _decimal(element_text(row, "ЦенаЗаЕдиницу"), f"{path}.ЦенаЗаЕдиницу")
        total = _decimal(element_text(row, "Сумма"), f"{path}.Сумма")
        assert quantity is not None
        if price is None and total is None:
            raise PayloadError("has neither ЦенаЗаЕдиницу nor Сумма", field=path)
        if _is_service(row):
            delivery_cost = (delivery_cost or Decimal(0)) + (total if total is not None else price * quantity)
            continue
        if quantity != quantity.to_integral_value() or quantity < 0:
            raise PayloadError(f"expected a whole number of items, got {element_text(row, 'Количество')!r}",
                               field=f"{path}.Количество")
        unit = price if price is not None else total / quantity if quantity else Decimal(0)
        product_id = element_text(row, "Ид")
        base = product_id or element_text(row, "Артикул") or f"line{index + 1}"
        seen[base] = seen.get(base, 0) + 1
        lines.append(OrderLine(
            external_id=base if seen[base] == 1 else f"{base}#{seen[base]}",
            quantity=int(quantity),
            unit_price=unit,
            total=total if total is not None else unit * quantity,
            sku=element_text(row, "Артикул") or product_id,
            external_product_id=product_id,
            name=element_text(row, "Наименование"),
            raw={"xml": etree.tostring(row, encoding="unicode")},
            extra={k: v for k, v in {"unit": element_text(row, "БазоваяЕдиница"), **_requisites(row)}.items() if v},
        ))
    return _Rows(lines, delivery_cost)


def _discount(document: etree._Element, field: str) -> Decimal | None:
    total = Decimal(0)
    for index, discount in enumerate(document.findall("Скидки/Скидка")):
        amount = _decimal(element_text(discount, "Сумма"), f"{field}.Скидки.Скидка[{index + 1}].Сумма")
        total += amount or Decimal(0)
    return total or None


# --- the order --------------------------------------------------------------------------------------


def _is_true(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "1", "да", "так", "yes", "оплачен", "оплачено")


def decode_document(document: etree._Element, *, zone: tzinfo, name_order: str = "first_last") -> Order:
    """One ``Документ`` of the orders file → an order (always status ``new``: the file holds new orders)."""
    order_id = element_text(document, "Ид") or element_text(document, "Номер")
    field = f"Документ[Ид={order_id}]" if order_id else f"Документ[line {document.sourceline}]"
    if order_id is None:
        raise PayloadError("is missing", field=f"{field}.Ид")
    total = _decimal(element_text(document, "Сумма"), f"{field}.Сумма", required=True)
    assert total is not None
    requisites = _requisites(document)
    party = _buyer(document)
    customer, patronymic = _customer(party, name_order)
    rows = _rows(document, field)
    currency_text = element_text(document, "Валюта") or "UAH"
    delivery_title = _pick(requisites, "Способ доставки", "Спосіб доставки", "Метод доставки", "Служба доставки",
                           "Доставка")
    payment_title = _pick(requisites, "Метод оплаты", "Способ оплаты", "Спосіб оплати", "Метод оплати", "Оплата")
    extra: dict[str, Any] = {"requisites": requisites} if requisites else {}
    status_text = _pick(requisites, "Статус заказа", "Статус замовлення", "Статус")
    if status_text:
        extra["status_text"] = status_text
    if patronymic:
        extra["buyer_patronymic"] = patronymic
    if delivery_title:
        extra["delivery_title"] = delivery_title
    if payment_title:
        extra["payment_title"] = payment_title
    return Order(
        external_id=order_id,
        number=element_text(document, "Номер") or order_id,
        status=STATUS_NEW,
        created_at=document_created(document, field, zone),
        total=total,
        currency=CURRENCIES.get(currency_text.lower(), currency_text.upper()[:3]),
        lines=rows.lines,
        customer=customer,
        delivery_method=delivery_code(delivery_title) if delivery_title else None,
        delivery_address=_address(party, requisites),
        delivery_cost=rows.delivery_cost,
        payment_method=payment_code(payment_title) if payment_title else None,
        is_paid=_is_true(_pick(requisites, "Заказ оплачен", "Оплачен", "Замовлення оплачено", "Оплачено")),
        comment=element_text(document, "Комментарий"),
        source="zakupka",
        discount=_discount(document, field),
        extra=extra,
        raw={"xml": etree.tostring(document, encoding="unicode")},
    )
