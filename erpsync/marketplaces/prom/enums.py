"""Prom.ua (and Satu.kz, the same API) vocabularies.

Sources:
- CONFIRMED: order statuses, cancellation reasons, delivery providers and the payment type
  ``evopay``: the contracts notes (../shared/contracts) and a public TypeScript client's order types
  (``OrderStatus``, ``OrderCancellationReason``, ``DeliveryProvider``, ``PaymentType``), which agree;
  ``POST /orders/set_status`` takes ``status`` and, for ``canceled`` only, ``cancellation_reason``
  (required) and ``cancellation_text``.
- ASSUMED: which statuses can be set (the client allows every status but ``draft`` to be sent);
  delivery codes ``pickup`` and ``courier`` and the payment codes other than ``evopay``: an order's
  ``delivery_option`` and ``payment_option`` are options each company configures (id and name), so
  delivery and payment are open sections and a shop maps its own options in its shop file.
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
    "price_changed": "The price changed",
    "buyers_request": "At the buyer's request",
    "not_enough_fields": "Not enough data to deliver",
    "duplicate": "Duplicate order",
    "invalid_phone_number": "Invalid phone number",
    "less_than_minimal_price": "Below the minimal order sum",
    "another": "Another reason (cancellation_text says which)",
}

DELIVERY_METHODS = {
    # delivery_provider_data.provider (confirmed), also the delivery_type of save_declaration_id
    "nova_poshta": "Nova Poshta",
    "justin": "Justin",
    "delivery_auto": "Delivery Auto",
    "ukrposhta": "Ukrposhta",
    "meest": "Meest",
    # assumed: options without a carrier
    "pickup": "Pickup",
    "courier": "Courier",
}

PAYMENT_METHODS = {
    "evopay": "Prom payment (Пром-оплата, payment_data.type)",  # confirmed
    # assumed: common payment options
    "cash_on_delivery": "Cash on delivery",
    "card_online": "Card online",
    "bank_transfer": "Bank transfer (invoice)",
    "credit": "Credit / instalments",
}

ENUMS = Enumerations(
    statuses=STATUSES,
    settable_statuses=SETTABLE_STATUSES,
    cancellation_reasons=CANCELLATION_REASONS,
    reason_required_for=frozenset({"canceled"}),
    delivery_methods=DELIVERY_METHODS,
    payment_methods=PAYMENT_METHODS,
    open_sections=frozenset({"delivery", "payment"}),
)
