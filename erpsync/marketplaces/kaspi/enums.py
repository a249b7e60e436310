"""Kaspi.kz vocabularies, as the merchant API documentation (seed 004) lists them."""

from __future__ import annotations

from erpsync.marketplaces.base import Enumerations

STATUSES = {
    "APPROVED_BY_BANK": "Approved by the bank — the merchant must accept it",
    "ACCEPTED_BY_MERCHANT": "Accepted by the merchant",
    "COMPLETED": "Completed (handed to the buyer)",
    "CANCELLED": "Cancelled",
    "CANCELLING": "Being cancelled",
    "KASPI_DELIVERY_RETURN_REQUESTED": "Awaiting return (Kaspi Delivery)",
    "RETURNED": "Returned",
}

SETTABLE_STATUSES = {
    "ACCEPTED_BY_MERCHANT": "Accept",
    "COMPLETED": "Complete (with the buyer's SMS code)",
    "CANCELLED": "Cancel (with a reason)",
    "ARRIVED": "Pre-ordered goods arrived at the warehouse",
    "ARRIVED_BACKWARD": "Returned goods arrived at the warehouse",
    "ASSEMBLE": "Assembled: form the Kaspi Delivery waybill (with the number of places)",
}

CANCELLATION_REASONS = {
    "BUYER_CANCELLATION_BY_MERCHANT": "The buyer cancelled",
    "BUYER_NOT_REACHABLE": "The buyer could not be reached",
    "MERCHANT_OUT_OF_STOCK": "Out of stock",
}

DELIVERY_MODES = {
    "DELIVERY_LOCAL": "Within the city (Kaspi Delivery or the merchant's own)",
    "DELIVERY_PICKUP": "Pickup",
    "DELIVERY_REGIONAL_TODOOR": "Regional delivery to the door",
    "DELIVERY_REGIONAL_PICKUP": "Regional delivery to a pickup warehouse",
}

PAYMENT_MODES = {
    "PAY_WITH_CREDIT": "Kaspi credit for purchases",
    "PREPAID": "Prepaid (cashless)",
}

# Order states (``filter[orders][state]``): every order is in exactly one, so walking all of them
# lists every order of a creation-date window.
ORDER_STATES = ("NEW", "SIGN_REQUIRED", "PICKUP", "DELIVERY", "KASPI_DELIVERY", "ARCHIVE")

# Reasons of a partial cancel of entries (orderEntryCancelOperation) and of a weight change
# (orderPartialCancel, which also takes PRODUCT_UNDERWEIGHT).
ENTRY_CANCELLATION_REASONS = dict(CANCELLATION_REASONS)
WEIGHT_CHANGE_REASONS = {**CANCELLATION_REASONS, "PRODUCT_UNDERWEIGHT": "The product weighs less than ordered"}

# Target status → the statuses an order may be in (seed 004, "Описание статусов"). The seed lists
# ACCEPTED_BY_MERCHANT "for orders in ACCEPTED_BY_MERCHANT"; accepting is what a new order
# (APPROVED_BY_BANK, "the merchant must accept it") needs, so acceptance is allowed from there.
TRANSITIONS = {
    "ACCEPTED_BY_MERCHANT": frozenset({"APPROVED_BY_BANK"}),
    "COMPLETED": frozenset({"ACCEPTED_BY_MERCHANT"}),
    "CANCELLED": frozenset({"ACCEPTED_BY_MERCHANT", "APPROVED_BY_BANK"}),
    "ARRIVED": frozenset({"ACCEPTED_BY_MERCHANT"}),
    "ARRIVED_BACKWARD": frozenset({"CANCELLING", "KASPI_DELIVERY_RETURN_REQUESTED"}),
    "ASSEMBLE": frozenset({"ACCEPTED_BY_MERCHANT"}),
}

ENUMS = Enumerations(
    statuses=STATUSES,
    settable_statuses=SETTABLE_STATUSES,
    cancellation_reasons=CANCELLATION_REASONS,
    reason_required_for=frozenset({"CANCELLED"}),
    delivery_methods=DELIVERY_MODES,
    payment_methods=PAYMENT_MODES,
    transitions=TRANSITIONS,
    security_code_for=frozenset({"COMPLETED"}),  # the buyer's SMS code (X-Security-Code), two requests
)
