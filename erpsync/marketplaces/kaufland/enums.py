"""Kaufland Marketplace Seller API v2 vocabularies (statuses are those of an order unit).

Sources:
- CONFIRMED: order unit statuses (``OrderUnitStatus``) and cancellation reasons
  (``OrderUnitCancelReason``) from the OpenAPI document 2.17.2 as generated into a public PHP client;
  ``PATCH /order-units/{id}/send`` marks a unit sent (with carrier and tracking numbers) and
  ``PATCH /order-units/{id}/cancel`` cancels it with a reason, which the request requires.
- ASSUMED: the carrier codes. Kaufland lists carriers at ``GET /info/carriers`` (name, is_hauler),
  so delivery is an open section; the usual German parcel carriers are listed. Buyers pay Kaufland,
  not the seller: there are no payment codes (mapping files set ``defaults.payment``).
"""

from __future__ import annotations

from erpsync.marketplaces.base import Enumerations

STATUSES = {
    "open": "Open: ordered, not yet to be shipped",
    "need_to_be_sent": "To be shipped by the seller",
    "sent": "Sent",
    "received": "Received by the buyer",
    "returned": "Returned",
    "returned_paid": "Returned, the refund paid",
    "sent_and_autopaid": "Sent and paid out automatically",
    "cancelled": "Cancelled",
}

SETTABLE_STATUSES = {
    "sent": "Mark sent (carrier code and tracking number)",
    "cancelled": "Cancel (with a reason)",
}

CANCELLATION_REASONS = {
    "BuyerCancelled": "The buyer cancelled",
    "ShippingAddressUndeliverable": "The shipping address is undeliverable",
    "WrongCatalogData": "Wrong catalog data",
    "GeneralAdjustment": "General adjustment",
    "MerchandiseNotReceived": "Merchandise not received",
    "NoInventory": "No inventory",
    "DelayedInventory": "Inventory delayed",
    "WrongPrice": "Wrong price",
    "NoReactionBuyer": "No reaction from the buyer",
    "UndeliverableRegion": "Undeliverable region",
}

CARRIERS = {
    "DHL": "DHL",
    "DPD": "DPD",
    "GLS": "GLS",
    "Hermes": "Hermes",
    "UPS": "UPS",
    "Deutsche Post": "Deutsche Post",
}

TRANSITIONS = {
    "sent": frozenset({"need_to_be_sent"}),
    "cancelled": frozenset({"open", "need_to_be_sent"}),
}

ENUMS = Enumerations(
    statuses=STATUSES,
    settable_statuses=SETTABLE_STATUSES,
    cancellation_reasons=CANCELLATION_REASONS,
    reason_required_for=frozenset({"cancelled"}),
    delivery_methods=CARRIERS,
    transitions=TRANSITIONS,
    open_sections=frozenset({"delivery"}),
)
