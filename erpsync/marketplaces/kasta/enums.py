"""Kasta vocabularies, with where each was confirmed (see docs/contracts/kasta.md).

CONFIRMED from public clients of ``https://hub.kasta.ua/api/orders/list``:
- order status types (an order's ``statuses`` history holds ``{"type", "created_at"}`` entries; the
  current status is the latest, and a ``Cancelled`` entry wins over a technical ``Refunded`` that
  follows it): one client maps every one of the types below;
- delivery type ``novaposhta`` (``delivery_properties.type``) and payment ``cod``
  (``requested_payment_method``).

ASSUMED: the other delivery and payment codes (Kasta's own naming style, unconfirmed), which is why
statuses, delivery and payment are open sections: a code Kasta really sends and this module lacks is
a warning in ``erpsync mappings check`` and is mapped in a shop's file.

No public client changes an order's status or sends a waybill through the API (the cabinet's order
page is where a seller confirms orders and types the tracking number), so nothing is settable: the
connector answers "kasta does not support setting an order status" and the default mapping file
ignores every outbound status.

Product states (``products/list`` → ``status``) are ASSUMED as well: ``new`` is the cabinet's "New
products" tab (moderation, seed 000), the others what a moderated product becomes.
"""

from __future__ import annotations

from erpsync.marketplaces.base import Enumerations

STATUSES = {
    "Created": "Нове замовлення",
    "ConfirmedBySupplier": "Підтверджено продавцем",
    "Packed": "Зібрано",
    "AnnouncedForDelivery": "Створено відправлення (ТТН)",
    "SentToDelivery": "Передано перевізнику",
    "SentToSelfDelivery": "Відправлено до пункту самовивозу",
    "Delivered": "Доставлено",
    "ReceivedAtSelfDelivery": "Отримано в пункті самовивозу",
    "Cancelled": "Скасовано",
    "Refunded": "Кошти повернено",
    "ReturnCreated": "Створено повернення",
    "ReturnSent": "Повернення відправлено",
    "ReturnDelivered": "Повернення доставлено",
    "ReturnArrived": "Повернення отримано продавцем",
}

CANCELLED = "Cancelled"
REFUNDED = "Refunded"
CREATED = "Created"

DELIVERY_METHODS = {
    "novaposhta": "Нова Пошта",  # confirmed
    "ukrposhta": "Укрпошта",  # assumed
    "meest": "Meest",  # assumed
}

PAYMENT_METHODS = {
    "cod": "Накладений платіж (оплата при отриманні)",  # confirmed
    "card": "Оплата карткою онлайн",  # assumed
}

# products/list ``status`` (assumed) → the listing state erpsync keeps (erpsync.models.LISTING_STATES).
PRODUCT_STATES = {
    "new": "moderation",
    "moderation": "moderation",
    "active": "active",
    "rejected": "rejected",
    "declined": "rejected",
    "inactive": "inactive",
    "hidden": "inactive",
    "archived": "inactive",
}

# Card payment states that mean the buyer has paid (assumed: ``card_payment_state`` is read by public
# clients, its values are not listed).
PAID_CARD_STATES = frozenset({"paid", "captured", "success", "succeeded"})

ENUMS = Enumerations(
    statuses=STATUSES,
    settable_statuses={},
    delivery_methods=DELIVERY_METHODS,
    payment_methods=PAYMENT_METHODS,
    open_sections=frozenset({"statuses", "delivery", "payment"}),
)
