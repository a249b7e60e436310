"""Every path of Kaufland's Seller API v2 that erpsync calls, in one place (relative to the base URL
``https://sellerapi.kaufland.com/v2``), so that a correction is one line. Sources: Kaufland's OpenAPI
document 2.27.0 and the documentation pages named in docs/contracts/kaufland.md.

``{…}`` placeholders are filled with ``path(TEMPLATE, name=value)``, which quotes each value.
"""

from __future__ import annotations

from urllib.parse import quote

PING = "status/ping"
STOREFRONTS = "info/storefront"
CARRIERS = "carriers"

ORDERS = "orders"
ORDER = "orders/{id_order}"
ORDER_UNITS = "order-units"
ORDER_UNIT = "order-units/{id_order_unit}"
ORDER_UNIT_SEND = "order-units/{id_order_unit}/send"
ORDER_UNIT_CANCEL = "order-units/{id_order_unit}/cancel"
ORDER_UNIT_FULFIL = "order-units/{id_order_unit}/fulfil"
ORDER_INVOICES = "order-invoices"
ORDER_INVOICE_UPLOAD = "order-invoices/{id_order}"

UNITS = "units"
UNIT = "units/{id_unit}"
UNITS_BULK = "units/bulk"

# The product data file (CSV) and the inventory file: Kaufland downloads them from the URL we register.
PRODUCT_DATA_FILES = "product-data/import-files"
PRODUCT_DATA_FILE = "product-data/import-files/{id_import_file}"
INVENTORY_FEED_FILES = "import-files/inventory-feed"
INVENTORY_FEED_FILE = "import-files/inventory-feed/{id_import_file}"

RETURNS = "returns"
RETURN = "returns/{id_return}"
RETURN_UNITS = "return-units"
RETURN_UNIT = "return-units/{id_return_unit}"

TICKETS = "tickets"
TICKET = "tickets/{id_ticket}"

REPORTS = "reports"
REPORT = "reports/{id_report}"
# Report kind → the path that queues it (``POST``); those marked take ``date_from``/``date_to``.
REPORT_KINDS = {
    "account-listing": ("reports/account-listing", False),
    "sales": ("reports/sales-new", True),
    "bookings": ("reports/bookings-new", True),
    "cancellations": ("reports/cancellations", False),
    "competitors-comparer": ("reports/competitors-comparer", False),
    "eans-not-found": ("reports/eans-not-found", False),
    "product-data-changes": ("reports/product-data-changes", False),
    "price-competitiveness": ("reports/price-competitiveness", False),
}

SUBSCRIPTIONS = "subscriptions"
SUBSCRIPTION = "subscriptions/{id_subscription}"


def path(template: str, **values: object) -> str:
    """``template`` with its placeholders filled, each value quoted as one path segment."""
    return template.format(**{name: quote(str(value), safe="") for name, value in values.items()})
