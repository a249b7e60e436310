"""The Zakupka.com sandbox: the CommerceML orders file ("Файл заказов") at a URL with an unguessable path.

The file is rendered on every request from the sandbox's orders: only orders in status «Новый»
created within the export period (``days``, seven by default, as the seller sets it in the cabinet),
as ``<КоммерческаяИнформация ВерсияСхемы="2.05">`` with one ``Документ`` per order, in windows-1251
(``encoding``; ``utf-8`` too) with the matching declaration and ``Content-Type`` charset. Any other
path answers 404, as a wrong link would. The secret path is random, or the path of an
``orders_url`` credential given to the sandbox (``--credential orders_url=http://…/PATH``), so a
shop keeps its link across restarts. ``set_status(order_id, status)`` is the seller changing a status
by hand in the cabinet: the order leaves the file. Faults, the request record and the test API are
the framework's.

Seeding (``--seed DIR``): every ``*.xml`` file of DIR is a CommerceML orders file (any encoding);
its ``Документ`` elements are served as they are. Without a seed, orders are generated.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Flask, Request, Response, request
from lxml import etree

from erpsync.core.errors import PayloadError, ValidationError
from erpsync.marketplaces.zakupka import codec
from erpsync.sandbox.base import Sandbox

KYIV = ZoneInfo("Europe/Kyiv")
STATUS_NEW = "Новый"
BUYERS = (
    ("Коваленко Олена Петрівна", "+380501112233", "olena@example.com.ua", "Київ", "Відділення №25"),
    ("Мельник Андрій", "+380671234567", "", "Львів", "Відділення №3"),
    ("Ірина Бондар", "+380931234500", "iryna.b@example.com.ua", "Одеса", "Поштомат №112"),
)
PRODUCTS = (("ZK-1001", "Чохол для телефону", Decimal("199")), ("ZK-1002", "Зарядний пристрій 20W", Decimal("459")),
            ("ZK-1003", "Навушники бездротові", Decimal("1299")), ("ZK-1004", "Кабель USB-C 1 м", Decimal("149")))
DELIVERIES = ("Нова Пошта", "Укрпошта", "Самовивіз")
PAYMENTS = ("Наложенный платеж", "Оплата на карту", "Безналичный расчет")


@dataclass
class ZakupkaOrder:
    """One order of the sandbox: its Документ element, when it was placed, its status in the cabinet."""

    order_id: str
    document: etree._Element
    created: datetime | None  # naive Kyiv time
    status: str = STATUS_NEW
    history: list[str] = field(default_factory=list)


def _sub(parent: etree._Element, tag: str, text: Any = None) -> etree._Element:
    element = etree.SubElement(parent, tag)
    if text is not None:
        element.text = str(text)
    return element


def _requisites(parent: etree._Element, values: dict[str, str]) -> None:
    block = _sub(parent, "ЗначенияРеквизитов")
    for name, value in values.items():
        requisite = _sub(block, "ЗначениеРеквизита")
        _sub(requisite, "Наименование", name)
        _sub(requisite, "Значение", value)


def make_document(number: str, created: datetime, buyer: tuple[str, str, str, str, str],
                  items: list[tuple[str, str, Decimal, int]], delivery: str, payment: str,
                  delivery_cost: Decimal = Decimal(0), comment: str = "") -> etree._Element:
    """A CommerceML 2 ``Документ`` of a new order, as 1C-style order exports write it."""
    name, phone, email, city, branch = buyer
    document = etree.Element("Документ")
    total = sum((price * quantity for _, _, price, quantity in items), Decimal(0)) + delivery_cost
    for tag, value in (("Ид", number), ("Номер", number), ("Дата", created.date().isoformat()),
                       ("ХозОперация", "Заказ товара"), ("Роль", "Продавец"), ("Валюта", "грн"), ("Курс", "1"),
                       ("Сумма", f"{total:.2f}")):
        _sub(document, tag, value)
    party = _sub(_sub(document, "Контрагенты"), "Контрагент")
    _sub(party, "Ид", f"buyer-{phone[-7:]}")
    _sub(party, "Наименование", name)
    _sub(party, "Роль", "Покупатель")
    _sub(party, "ПолноеНаименование", name)
    address = _sub(party, "АдресРегистрации")
    _sub(address, "Представление", f"{city}, {branch}")
    field_ = _sub(address, "АдресноеПоле")
    _sub(field_, "Тип", "Город")
    _sub(field_, "Значение", city)
    contacts = _sub(party, "Контакты")
    for kind, value in (("Телефон рабочий", phone), ("Почта", email)):
        if value:
            contact = _sub(contacts, "Контакт")
            _sub(contact, "Тип", kind)
            _sub(contact, "Значение", value)
    _sub(document, "Время", created.strftime("%H:%M:%S"))
    _sub(document, "Комментарий", comment)
    rows = _sub(document, "Товары")
    for article, title, price, quantity in items:
        row = _sub(rows, "Товар")
        for tag, value in (("Ид", article), ("Артикул", article), ("Наименование", title)):
            _sub(row, tag, value)
        unit = _sub(row, "БазоваяЕдиница", "шт")
        unit.set("Код", "796")
        unit.set("НаименованиеПолное", "Штука")
        _sub(row, "ЦенаЗаЕдиницу", f"{price:.2f}")
        _sub(row, "Количество", quantity)
        _sub(row, "Сумма", f"{price * quantity:.2f}")
        _requisites(row, {"ВидНоменклатуры": "Товар", "ТипНоменклатуры": "Товар"})
    if delivery_cost:
        row = _sub(rows, "Товар")
        _sub(row, "Ид", "ORDER_DELIVERY")
        _sub(row, "Наименование", "Доставка заказа")
        _sub(row, "ЦенаЗаЕдиницу", f"{delivery_cost:.2f}")
        _sub(row, "Количество", 1)
        _sub(row, "Сумма", f"{delivery_cost:.2f}")
        _requisites(row, {"ВидНоменклатуры": "Услуга", "ТипНоменклатуры": "Услуга"})
    _requisites(document, {"Статус заказа": STATUS_NEW, "Способ доставки": delivery, "Метод оплаты": payment,
                           "Адрес доставки": f"{city}, {branch}"})
    return document


class ZakupkaSandbox(Sandbox):
    marketplaces = ("zakupka",)
    title = "Zakupka.com"
    prefix = ""
    default_orders = 8

    def __init__(self, *, days: int = 7, encoding: str = "windows-1251",
                 now: Callable[[], datetime] = lambda: datetime.now(UTC), **options: Any) -> None:
        self.days = days
        self.encoding = encoding
        self.now = now
        self.orders: dict[str, ZakupkaOrder] = {}
        credentials = dict(options.pop("credentials", None) or {})
        given = credentials.get("orders_url")
        self.file_path = urlsplit(given).path if given else f"/api/1c/orders/{secrets.token_urlsafe(24)}.xml"
        if not self.file_path.startswith("/") or self.file_path == "/":
            raise ValidationError(f"orders_url {given!r} has no path to serve the file at")
        super().__init__(credentials=credentials, **options)

    @property
    def orders_url(self) -> str:
        """The link a shop is configured with (``--credential orders_url=…``)."""
        return f"{self.url}{self.file_path}"

    def start(self) -> ZakupkaSandbox:
        super().start()
        self.credentials["orders_url"] = self.orders_url
        return self

    # --- data --------------------------------------------------------------------------------------

    def _kyiv_now(self) -> datetime:
        return self.now().astimezone(KYIV).replace(tzinfo=None, microsecond=0)

    def generate(self) -> None:
        for _ in range(self.order_count):
            self.add_order(created=self._kyiv_now() - timedelta(minutes=self.rng.randint(10, self.days * 24 * 60 - 60)))

    def add_order(self, *, created: datetime | None = None, number: str | None = None,
                  items: list[tuple[str, str, Decimal, int]] | None = None, delivery: str | None = None,
                  payment: str | None = None, delivery_cost: Decimal | None = None, comment: str = "") -> str:
        """Add a new order (``created``: naive Kyiv time); returns its id."""
        with self.lock:
            number = number or str(100000 + len(self.orders) + 1)
            created = created or self._kyiv_now()
            if items is None:
                picked = self.rng.sample(PRODUCTS, k=self.rng.randint(1, 2))
                items = [(article, title, price, self.rng.randint(1, 2)) for article, title, price in picked]
            document = make_document(
                number, created, self.rng.choice(BUYERS), items, delivery or self.rng.choice(DELIVERIES),
                payment or self.rng.choice(PAYMENTS),
                Decimal(self.rng.choice((0, 70, 90))) if delivery_cost is None else delivery_cost, comment,
            )
            self.orders[number] = ZakupkaOrder(number, document, created)
            return number

    def set_status(self, order_id: str, status: str) -> None:
        """The seller changes the order's status by hand in the cabinet (it leaves the file unless «Новый»)."""
        with self.lock:
            order = self.orders[order_id]
            order.history.append(order.status)
            order.status = status

    def load_seed(self, directory: Path) -> None:
        if not directory.is_dir():
            raise ValidationError(f"seed directory {directory} does not exist")
        for path in sorted(directory.glob("*.xml")):
            try:
                root = codec.parse_file(path.read_bytes(), source=str(path))
            except PayloadError as error:
                raise ValidationError(str(error)) from None
            for index, document in enumerate(root.iter("Документ")):
                order_id = (codec.element_text(document, "Ид") or codec.element_text(document, "Номер")
                            or f"{path.stem}-{index}")
                try:
                    created = codec.document_created(document, order_id, KYIV).replace(tzinfo=None)
                except PayloadError:
                    created = None  # served anyway: the connector sets it aside with the reason
                self.orders[order_id] = ZakupkaOrder(order_id, document, created)

    def state(self) -> dict[str, Any]:
        return {"orders": len(self.orders), "in_file": len(self._exported()), "path_length": len(self.file_path)}

    # --- the file ----------------------------------------------------------------------------------

    def _exported(self) -> list[ZakupkaOrder]:
        oldest = self._kyiv_now() - timedelta(days=self.days)
        return [order for order in self.orders.values()
                if order.status == STATUS_NEW and (order.created is None or order.created >= oldest)]

    def render(self) -> bytes:
        root = etree.Element("КоммерческаяИнформация")
        root.set("ВерсияСхемы", "2.05")
        root.set("ДатаФормирования", self._kyiv_now().isoformat())
        for order in self._exported():
            root.append(copy.deepcopy(order.document))  # a copy: the stored one stays where it is
        return etree.tostring(root, xml_declaration=True, encoding=self.encoding, pretty_print=True)

    # --- HTTP --------------------------------------------------------------------------------------

    def authenticate(self, incoming: Request) -> bool:
        return True  # the secret is the path: a wrong one is "not found"

    def error(self, status: int, message: str) -> Response:
        return Response(message, status=status, content_type="text/plain; charset=utf-8")

    def register_routes(self, app: Flask) -> None:
        self.route("/<path:anything>", methods=("GET", "HEAD"))(self._file)

    def _file(self, anything: str) -> Response:
        if request.path != self.file_path:
            return self.error(404, "Not Found")
        return Response(self.render(), status=200, content_type=f"application/xml; charset={self.encoding}")


SANDBOX = ZakupkaSandbox
