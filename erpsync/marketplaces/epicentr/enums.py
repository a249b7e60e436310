"""Epicentr marketplace (OMS API) vocabularies.

Sources:
- CONFIRMED BY A PUBLIC CLIENT (not by Epicentr's own documentation): order status codes
  ``new → confirmed_by_merchant → confirmed → sent → delivered → completed`` and
  ``canceled_by_merchant``; ``POST /v2/oms/orders/{id}/change-status/to/{status}`` (statuses may
  not be skipped; ``GET …/allowed-statuses`` lists the next ones); a cancellation carries a reason
  code from ``GET /v2/oms/order-cancel-reasons/customer`` (example ``out_of_stock``); waybills go
  to ``POST /v3/oms/orders/{id}/shipping/{provider}`` with providers ``nova_poshta``, ``ukrposhta``
  and ``meest`` (participants np, up, meest).
- ASSUMED: that the list of statuses is complete (statuses are an open section); the reason codes
  other than ``out_of_stock`` (reasons are downloaded, an open section); the payment codes
  (``monobank`` from the seller help's page on Monobank payments).
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
}

SETTABLE_STATUSES = {
    "confirmed_by_merchant": "Confirm",
    "confirmed": "Confirm the order is ready",
    "sent": "Sent (set with the waybill)",
    "canceled_by_merchant": "Cancel (with a reason)",
}

CANCELLATION_REASONS = {
    "out_of_stock": "Немає в наявності",
    "buyer_request": "На прохання покупця",
    "buyer_not_reachable": "Не вдалося зв'язатися з покупцем",
    "price_changed": "Змінилася ціна",
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
