"""What each connector does with a marketplace's answer, codec call for codec call, without HTTP: the
fuzz tests feed these mutated payloads. An order that cannot be decoded is caught per order (as the
connectors do, yielding an ``UnreadableOrder``); every other ``PayloadError`` ends the whole read.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from erpsync.core.errors import PayloadError
from erpsync.marketplaces.base import Order, StockPriceItem
from erpsync.marketplaces.horoshop import codec as horoshop
from erpsync.marketplaces.kaspi import codec as kaspi
from erpsync.marketplaces.kasta import codec as kasta
from erpsync.marketplaces.kaufland import codec as kaufland
from erpsync.marketplaces.prom import codec as prom
from erpsync.marketplaces.rozetka import codec as rozetka

KYIV = ZoneInfo("Europe/Kyiv")
ITEMS = [StockPriceItem(sku="AB-120", quantity=3, price=Decimal("10.50")),
         StockPriceItem(sku="338390710", quantity=0, price=Decimal("1"))]


def each_order(decode: Callable[[], Order], orders: list[Order], refused: list[PayloadError]) -> None:
    try:
        orders.append(decode())
    except PayloadError as error:
        refused.append(error)


# --- Kaspi (JSON:API) ----------------------------------------------------------------------------------


def kaspi_orders(document: Any) -> tuple[list[Order], list[PayloadError]]:
    page = kaspi.decode_orders_page(document, "orders?state=NEW&page=0")
    orders: list[Order] = []
    refused: list[PayloadError] = []
    for resource in page.orders:
        def decode(resource: Any = resource) -> Order:
            order_id = kaspi.required_text(resource, "id", "orders.data")
            return kaspi.decode_order(resource, included=page.included, path=f"orders/{order_id}")
        each_order(decode, orders, refused)
    return orders, refused


def kaspi_entries(document: Any) -> list[Any]:
    lines = []
    for index, entry in enumerate(kaspi.resource_list(document, "orders/1/entries")):
        path = f"orders/1/entries.data[{index}]"
        kaspi.required_text(entry, "id", path)
        kaspi.related_id(entry, "product")
        kaspi.related_id(entry, "deliveryPointOfService")
        lines.append(kaspi.decode_entry(entry, path))
    return lines


KASPI: dict[str, Callable[[Any], Any]] = {
    "orders_list.json": kaspi_orders,
    "order_by_code.json": kaspi_orders,
    "accept_response.json": lambda d: kaspi.error_message(d),
    "entries.json": kaspi_entries,
    "entry_product.json": lambda d: kaspi.decode_master_product(d, "orderentries/1/product"),
    "merchant_product.json": lambda d: kaspi.decode_merchant_product(d, "masterproducts/1/merchantProduct"),
    "point_of_service.json": lambda d: kaspi.decode_point_of_service(d, "pointofservices/1"),
    "entry_point_of_service.json": lambda d: kaspi.decode_point_of_service(d, "orderentries/1/pos"),
    "entry_cancel_response.json": lambda d: kaspi.decode_entry_cancel(d, "1"),
    "import_state.json": lambda d: kaspi.decode_import_state(d, "import"),
    "import_result.json": lambda d: kaspi.decode_import_result(d, "1", "FINISHED"),
    "categories.json": kaspi.decode_categories,
    "attributes.json": kaspi.decode_attributes,
    "attribute_values.json": kaspi.decode_attribute_values,
}


# --- Prom / Satu -----------------------------------------------------------------------------------------


def prom_orders(document: Any) -> tuple[list[Order], list[PayloadError]]:
    orders: list[Order] = []
    refused: list[PayloadError] = []
    page = prom.orders_of(document, "orders/list?last_id=")
    for raw in page:
        prom.order_id_of(raw)
        try:
            orders.append(prom.decode_order(raw, currency="UAH", option_types={"2": "pickup"}))
        except PayloadError as error:
            refused.append(error)
            prom.created_at_of(raw, "date_created")
    prom.page_order_ids(page)
    return orders, refused


PROM: dict[str, Callable[[Any], Any]] = {
    "orders_list.json": prom_orders,
    "order_by_id.json": lambda d: prom.decode_order(prom.order_of(d, "orders/1"), currency="KZT"),
    "order_pending_cod.json": lambda d: prom_orders({"orders": [d]}),
    "order_custom_status_paid.json": lambda d: prom_orders({"orders": [d]}),
    "delivery_options.json": lambda d: prom.decode_options(d, "delivery_options", "type", "delivery_options/list"),
    "payment_options.json": lambda d: prom.decode_options(d, "payment_options", "type", "payment_options/list"),
    "edit_by_external_id_response.json": lambda d: prom.decode_edit_result(d, ITEMS, "products/edit"),
    "set_status_response.json": lambda d: prom.processed_ids(d, "orders/set_status"),
    "save_declaration_response.json": prom.waybill_refusal,
}


# --- Rozetka ---------------------------------------------------------------------------------------------


def rozetka_orders(document: Any) -> tuple[list[Order], list[PayloadError]]:
    content = rozetka.content_of(document, "orders/search", "rz")
    orders: list[Order] = []
    refused: list[PayloadError] = []
    page, _pages = rozetka.orders_page(content, "orders/search?page=1")
    for raw in page:
        rozetka.text_of(raw.get("id"))
        try:
            orders.append(rozetka.decode_order(raw))
        except PayloadError as error:
            refused.append(error)
            rozetka.created_at_of(raw, "created")
    return orders, refused


def rozetka_order(document: Any) -> Order:
    order = rozetka.decode_order(rozetka.object_of(rozetka.content_of(document, "orders/1", "rz"), "orders/1"),
                                 "orders/1")
    rozetka.available_statuses(order.raw)
    return order


ROZETKA: dict[str, Callable[[Any], Any]] = {
    "orders_search_expand.json": rozetka_orders,
    "order_fulfilment_other_recipient.json": rozetka_order,
    "order_status_changed.json": rozetka_order,
    "status_availables.json": lambda d: rozetka.decode_status_options(rozetka.content_of(d, "s", "rz"), "s"),
    "mass_update_ok.json": lambda d: rozetka.mass_update_result(d, ITEMS, "items/mass-update", "rz"),
    "mass_update_refused.json": lambda d: rozetka.mass_update_result(d, ITEMS, "items/mass-update", "rz"),
    "login_response.json": lambda d: rozetka.content_of(d, "the login", "rz"),
}


# --- Kaufland --------------------------------------------------------------------------------------------


def kaufland_orders(document: Any) -> tuple[list[Order], list[PayloadError]]:
    orders: list[Order] = []
    refused: list[PayloadError] = []
    page = kaufland.decode_page(document, "orders")
    for item in page.items:
        try:
            kaufland.decode_order_summary(item, "orders")
        except PayloadError as error:
            refused.append(error)
            kaufland.text_of(item.get("id_order"))
    return orders, refused


def kaufland_order(document: Any) -> tuple[list[Order], list[PayloadError]]:
    orders: list[Order] = []
    refused: list[PayloadError] = []
    each_order(lambda: kaufland.decode_order(kaufland.object_of(kaufland.data_of(document, "orders/1"),
                                                                "orders/1.data")), orders, refused)
    return orders, refused


def kaufland_single(decode: Callable[[Any, str], Any], where: str) -> Callable[[Any], Any]:
    return lambda d: decode(kaufland.object_of(kaufland.data_of(d, where), f"{where}.data"), where)


KAUFLAND: dict[str, Callable[[Any], Any]] = {
    "orders_list.json": kaufland_orders,
    "order.json": kaufland_order,
    "unit.json": kaufland_single(kaufland.decode_unit, "units"),
    "return.json": kaufland_single(kaufland.decode_return, "returns/1"),
    "ticket.json": kaufland_single(kaufland.decode_ticket, "tickets/1"),
    "report.json": kaufland_single(kaufland.decode_report, "reports/1"),
    "subscription.json": kaufland_single(kaufland.decode_subscription, "subscriptions"),
    "units_bulk_response.json": kaufland.decode_bulk_result,
    "import_file_seed_v1.json": lambda d: kaufland.decode_import_file(d, "product-data/import-files"),
    "product_data_import_file.json": lambda d: kaufland.decode_import_file(d, "product-data/import-files"),
    "notification_order_new.json": kaufland.decode_notification,
    "error.json": kaufland.error_message,
}


# --- Kasta -----------------------------------------------------------------------------------------------


def kasta_orders(document: Any) -> tuple[list[Order], list[PayloadError]]:
    orders: list[Order] = []
    refused: list[PayloadError] = []
    page = kasta.decode_orders_page(document, "orders/list?cursor=")
    for index, item in enumerate(page.items):
        payload = item if isinstance(item, dict) else {"item": item}
        kasta.text_of(payload.get("id"))
        try:
            orders.append(kasta.decode_order(payload, f"orders/list.items[{index}]"))
        except PayloadError as error:
            refused.append(error)
            kasta.first_status_time(payload)
    return orders, refused


def kasta_products(document: Any) -> list[Any]:
    page = kasta.decode_products_page(document)
    return [kasta.decode_product_state(item, f"products/list.items[{i}]") for i, item in enumerate(page.items)]


def kasta_schema(document: Any) -> Any:
    schema = kasta.decode_category_details(document, "2098-31")
    return kasta.schema_attributes(schema)


KASTA: dict[str, Callable[[Any], Any]] = {
    "orders_list.json": kasta_orders,
    "products_list.json": kasta_products,
    "category_all.json": kasta.decode_categories,
    "category_details.json": kasta_schema,
    "submit_products_response.json": kasta.decode_upload_id,
    "submit_image_response.json": kasta.decode_image_path,
}


# --- Horoshop --------------------------------------------------------------------------------------------


def horoshop_orders(document: Any) -> tuple[list[Order], list[PayloadError]]:
    orders: list[Order] = []
    refused: list[PayloadError] = []
    response = document.get("response") if isinstance(document, dict) else document
    for index, raw in enumerate(horoshop.orders_of(response)):
        _order_id = str(raw.get("order_id")) if isinstance(raw, dict) else None
        each_order(lambda raw=raw, index=index: horoshop.decode_order(raw, f"orders/get.orders[{index}]", zone=KYIV),
                   orders, refused)
    return orders, refused


def _response(document: Any) -> Any:
    return document.get("response") if isinstance(document, dict) else document


HOROSHOP: dict[str, Callable[[Any], Any]] = {
    "orders_get_docs_example.json": horoshop_orders,
    "orders_get_coupon.json": horoshop_orders,
    "statuses_response.json": lambda d: horoshop.decode_statuses(_response(d)),
    "orders_update_response.json": lambda d: [horoshop.entry_failed(e) or horoshop.entry_message(e)
                                              for e in horoshop.update_log(_response(d), "orders/update")],
    "import_residues_response.json": lambda d: [horoshop.entry_failed(e) or horoshop.entry_message(e)
                                                for e in horoshop.update_log(_response(d), "catalog/import")],
}

READERS: dict[str, dict[str, Callable[[Any], Any]]] = {
    "kaspi": KASPI, "prom": PROM, "rozetka": ROZETKA, "kaufland": KAUFLAND, "kasta": KASTA, "horoshop": HOROSHOP,
}
