"""Prom.ua (and Satu.kz, the same API) vocabularies. See docs/contracts/prom.md for every source.

CONFIRMED (public clients agree: a TypeScript client's order and product types, a Go client's order
constants, PHP and C# clients quoting the documentation, a real order payload):
- order statuses pending, received, delivered, canceled, draft, paid; a company may also define its own
  statuses, which orders carry as ``custom-<id>`` with ``status_name`` (a real payload shows
  ``custom-137639`` "Підтверджено"), listed by ``GET /order_status_options/list`` — so ``statuses`` is an
  open section: a shop maps its own custom statuses in its shop file;
- ``POST /orders/set_status`` takes ``status`` and ``ids``; for ``canceled`` a ``cancellation_reason`` from
  the list below, and ``cancellation_text`` which is required for price_changed, not_enough_fields and
  another;
- order sources portal, company_site, company_cabinet, mobile_app, bigl (real payloads also show
  ``mobile_catalog_app``: sources are kept as sent);
- delivery providers nova_poshta, justin, delivery_auto, ukrposhta (``delivery_provider_data.provider``);
  the waybill's ``delivery_type`` is nova_poshta, justin or meest; clients also send ukrposhta;
- delivery options of a company have a ``type`` (``courier``, ``pickup`` in a client's fixtures): an order
  without provider data is given its option's type;
- payment: ``payment_data.type`` ``evopay`` (Пром-оплата) with status paid / unpaid / refunded / paid_out;
- product presence available, not_available, order, waiting (and service, not settable).

ASSUMED: which statuses may be set (every standard status but draft); meest as a delivery provider of
orders; payment options other than evopay are per company (their ids are the codes, open section).
"""

from __future__ import annotations

from erpsync.marketplaces.base import Enumerations

STATUSES = {
    "pending": "New, not processed yet",
    "received": "Accepted by the seller",
    "delivered": "Completed (delivered)",
    "canceled": "Cancelled",
    "draft": "Draft (created in the cabinet, not sent)",
    "paid": "Paid",
}

SETTABLE_STATUSES = {
    "pending": "Back to new",
    "received": "Accept",
    "delivered": "Complete",
    "canceled": "Cancel (with cancellation_reason)",
    "paid": "Mark as paid",
}

CANCELLATION_REASONS = {
    "not_available": "Not available",
    "price_changed": "The price changed (cancellation_text required)",
    "buyers_request": "At the buyer's request",
    "not_enough_fields": "Not enough data to deliver (cancellation_text required)",
    "duplicate": "Duplicate order",
    "invalid_phone_number": "Invalid phone number",
    "less_than_minimal_price": "Below the minimal order sum",
    "another": "Another reason (cancellation_text required)",
}

# reasons Prom accepts only with an explanation in cancellation_text
REASONS_NEEDING_TEXT = frozenset({"price_changed", "not_enough_fields", "another"})

ORDER_SOURCES = {
    "portal": "Prom.ua / Satu.kz portal",
    "company_site": "The company's own site on Prom",
    "company_cabinet": "Created in the seller's cabinet",
    "mobile_app": "Mobile app",
    "bigl": "Bigl.ua",
}

DELIVERY_METHODS = {
    # delivery_provider_data.provider (confirmed), also the delivery_type of save_declaration_id
    "nova_poshta": "Nova Poshta",
    "justin": "Justin",
    "delivery_auto": "Delivery Auto",
    "ukrposhta": "Ukrposhta",
    "meest": "Meest",
    # the type of a company's delivery option, for orders without a carrier
    "pickup": "Pickup",
    "courier": "Courier",
}

# delivery_type values POST /delivery/save_declaration_id takes
WAYBILL_DELIVERY_TYPES = frozenset({"nova_poshta", "justin", "meest", "ukrposhta", "delivery_auto"})

PAYMENT_METHODS = {
    "evopay": "Prom payment (Пром-оплата, payment_data.type)",
}

PAYMENT_STATUSES = {"paid": "Paid", "unpaid": "Unpaid", "refunded": "Refunded", "paid_out": "Paid out to the seller"}

PRESENCE = {
    "available": "In stock",
    "not_available": "Not available",
    "order": "On order",
    "waiting": "Awaited (expected delivery)",
}

ENUMS = Enumerations(
    statuses=STATUSES,
    settable_statuses=SETTABLE_STATUSES,
    cancellation_reasons=CANCELLATION_REASONS,
    reason_required_for=frozenset({"canceled"}),
    delivery_methods=DELIVERY_METHODS,
    payment_methods=PAYMENT_METHODS,
    open_sections=frozenset({"statuses", "delivery", "payment"}),
)
