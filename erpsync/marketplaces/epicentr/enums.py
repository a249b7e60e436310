"""Epicentr marketplace (OMS API) vocabularies — for the mapping file only: erpsync reads no
Epicentr orders yet (the connector is feed-only, docs/contracts/epicentr.md).

Sources: third-party public clients, not Epicentr's own documentation (which is inside the seller
cabinet). Seen in several of them: order status codes ``new → confirmed_by_merchant → confirmed →
sent → delivered → completed``, ``canceled_by_merchant`` and ``canceled`` (an ``allowed-statuses``
answer quoted by one client); ``POST /v2/oms/orders/{id}/change-status/to/{status}`` with
``reason_code`` and ``comment`` for a cancellation (the reasons come from
``GET /v2/oms/order-cancel-reasons/customer``; ``product_not_available`` and the ``customer_*`` codes
below are the ones the clients send); carriers ``nova_poshta``, ``ukrposhta``, ``meest``. All of it
ASSUMED until an Epicentr order API is built on a confirmed contract; statuses, reasons, delivery and
payment are open sections.
"""

from __future__ import annotations

from erpsync.marketplaces.base import Enumerations

STATUSES = {
    "new": "New",
    "confirmed_by_merchant": "Confirmed by the seller",
    "confirmed": "Confirmed",
    "sent": "Sent",
    "delivered": "Delivered",
    "completed": "Completed",
    "canceled_by_merchant": "Cancelled by the seller",
    "canceled": "Cancelled",
}

SETTABLE_STATUSES = {
    "confirmed_by_merchant": "Confirm",
    "confirmed": "Confirm the order is ready",
    "sent": "Sent (set with the waybill)",
    "canceled_by_merchant": "Cancel (with a reason)",
}

CANCELLATION_REASONS = {
    "out_of_stock": "Немає в наявності",
    "product_not_available": "Товар недоступний",
    "customer_failed_to_contact": "Не вдалося зв'язатися з покупцем",
    "customer_other_reason": "Покупець передумав / інша причина",
    "customer_order_duplicate": "Дубль замовлення",
    "customer_prepayment_required": "Потрібна передоплата",
}

TRANSITIONS = {
    "confirmed_by_merchant": frozenset({"new"}),
    "confirmed": frozenset({"confirmed_by_merchant"}),
    "sent": frozenset({"confirmed"}),
    "canceled_by_merchant": frozenset({"new", "confirmed_by_merchant", "confirmed"}),
}

DELIVERY_METHODS = {
    "nova_poshta": "Нова Пошта",
    "ukrposhta": "Укрпошта",
    "meest": "Meest",
    "pickup": "Самовивіз з гіпермаркету",
}

PAYMENT_METHODS = {
    "cash_on_delivery": "Оплата при отриманні",
    "card_online": "Оплата карткою онлайн",
    "monobank": "Monobank (оплата частинами)",
}

ENUMS = Enumerations(
    statuses=STATUSES,
    settable_statuses=SETTABLE_STATUSES,
    cancellation_reasons=CANCELLATION_REASONS,
    reason_required_for=frozenset({"canceled_by_merchant"}),
    delivery_methods=DELIVERY_METHODS,
    payment_methods=PAYMENT_METHODS,
    transitions=TRANSITIONS,
    open_sections=frozenset({"statuses", "cancellation_reasons", "delivery", "payment"}),
)
