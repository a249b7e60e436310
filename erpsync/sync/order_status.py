"""Changing an order's accounting status, and pushing it to the marketplace through the outbox.

``set_order_status`` changes the status, writes the history row (source: accounting) and an outbox
message, all in the caller's transaction: either all of it is saved or none. ``deliver_status`` (the
outbox handler of ``order_status`` messages) translates the status through the shop's outbound
mapping and calls the connector. A status the marketplace would refuse from the order's current
marketplace status is not sent: the message fails at once with the reason, no retries.

Statuses a marketplace sets only with a code the buyer received (Kaspi COMPLETED,
``Enumerations.security_code_for``) take two steps: without a code, ``set_order_status`` leaves the
accounting status alone and queues a request that makes the marketplace send the buyer the code;
with ``code=…`` (told by the buyer) it changes the status and queues the change carrying the code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from erpsync.core.errors import (
    NotFoundError,
    PayloadError,
    TransitionError,
    Unsupported,
    ValidationError,
)
from erpsync.marketplaces.base import CAP_WAYBILL, Connector, OrderRef, StatusChange
from erpsync.marketplaces.registry import connector_class, enumerations
from erpsync.models import ACCOUNTING_STATUSES, Order, OrderStatusChange, OutboxMessage, Shop, Waybill, utcnow
from erpsync.models.db import Database
from erpsync.models.sales import STATUS_SOURCE_ACCOUNTING
from erpsync.sync.order_outbox import (
    KIND_STATUS,
    KIND_WAYBILL,
    BatchMemory,
    Delivery,
    deliver_order_messages,
    load_target,
    write_message,
)
from erpsync.sync.order_store import RELEASING_STATUSES
from erpsync.sync.reservations import release_lines
from erpsync.sync.translate import OutboundStatus, translator_for

STEP_SEND_CODE = "send_code"
STEP_SET = "set"


@dataclass(frozen=True)
class StatusRequest:
    """What ``set_order_status`` did: whether the status changed, the messages it queued, and a sentence."""

    changed: bool
    message_ids: tuple[int, ...]
    summary: str
    awaiting_code: bool = False


def outbound_action(shop: Shop, status: str, mappings_dir: Path | None = None) -> OutboundStatus:
    """What the shop's mapping says to do on the marketplace for an accounting status."""
    return translator_for(shop.marketplace, shop.name, mappings_dir).status_out(status)


def _check_reason(shop: Shop, action: OutboundStatus, reason: str | None) -> str | None:
    enums = enumerations(shop.marketplace)
    chosen = reason or action.reason
    if reason and enums.cancellation_reasons and reason not in enums.cancellation_reasons:
        known = ", ".join(enums.cancellation_reasons)
        raise ValidationError(f"{shop.marketplace} has no cancellation reason {reason!r} (reasons: {known})")
    if action.status in enums.reason_required_for and not chosen:
        raise ValidationError(
            f"{shop.marketplace} needs a reason to set {action.status}",
            hint=f"give --reason ({', '.join(enums.cancellation_reasons)}) or set one in the mapping",
        )
    return chosen


def set_order_status(
    session: Session,
    order: Order,
    status: str,
    actor: str,
    reason: str | None = None,
    comment: str | None = None,
    code: str | None = None,
    extra: Mapping[str, Any] | None = None,
    *,
    mappings_dir: Path | None = None,
) -> StatusRequest:
    """Change ``order``'s accounting status and queue the change for its marketplace (same transaction).

    ``reason`` is the marketplace's cancellation reason code (default: the mapping's), ``comment`` goes
    with it; ``code`` is the buyer's confirmation code where the marketplace needs one; ``extra`` holds
    what else the marketplace wants with this status (Kaspi ASSEMBLE: ``number_of_space``)."""
    if status not in ACCOUNTING_STATUSES:
        raise ValidationError(f"unknown status {status!r}; statuses: {', '.join(ACCOUNTING_STATUSES)}")
    shop = session.get(Shop, order.shop_id)
    assert shop is not None
    action = outbound_action(shop, status, mappings_dir)
    reason = _check_reason(shop, action, reason) if not action.ignore else reason
    needs_code = not action.ignore and action.status in enumerations(shop.marketplace).security_code_for
    if needs_code and not code:
        message = write_message(session, order, KIND_STATUS, f"order:{order.id}:status:{status}:{STEP_SEND_CODE}",
                                {"status": status, "step": STEP_SEND_CODE, "actor": actor})
        return StatusRequest(False, (message.id,), f"order {order.number}: asked {shop.marketplace} to send the "
                             f"buyer the code for {action.status}; set the status again with the code the buyer "
                             "tells you", awaiting_code=True)
    if status == order.status and not code:
        return StatusRequest(False, (), f"order {order.number} is {status} already")
    changed = status != order.status
    if changed:  # the same status again with a code only sends the code (a first code may have been wrong)
        note = "; ".join(p for p in (f"reason: {reason}" if reason else "", comment or "") if p) or None
        order.history.append(OrderStatusChange(from_status=order.status, to_status=status, actor=actor, note=note,
                                               source=STATUS_SOURCE_ACCOUNTING, changed_at=utcnow()))
        order.status = status
        if status in RELEASING_STATUSES:
            release_lines(order.lines)
    ids: list[int] = []
    if action.ignore:
        summary = f"order {order.number} is {status}; the mapping sends nothing to {shop.marketplace} for it"
    else:
        payload: dict[str, Any] = {"status": status, "step": STEP_SET, "actor": actor, "reason": reason,
                                   "comment": comment, "extra": dict(extra or {})}
        if code:
            payload["security_code"] = code
        ids.append(write_message(session, order, KIND_STATUS, f"order:{order.id}:status:{status}", payload).id)
        summary = f"order {order.number} is {status}; {action.status} queued for {shop.marketplace}"
    if action.push_waybill:
        ids.extend(queue_waybills(session, order))
    session.flush()
    return StatusRequest(changed, tuple(ids), summary)


def takes_waybills(marketplace: str) -> bool:
    """Whether the marketplace's connector can receive a waybill number."""
    try:
        return CAP_WAYBILL in connector_class(marketplace).capabilities
    except ValidationError:
        return False


def queue_waybills(session: Session, order: Order) -> list[int]:
    """Queue every waybill of the order that was not pushed yet (none where the marketplace takes no
    waybills through its API, e.g. Kaspi, which makes its own)."""
    shop = session.get(Shop, order.shop_id)
    if shop is None or not takes_waybills(shop.marketplace):
        return []
    ids = []
    for waybill in session.query(Waybill).filter(Waybill.order_id == order.id, Waybill.pushed_at.is_(None)):
        ids.append(write_message(session, order, KIND_WAYBILL, f"order:{order.id}:waybill:{waybill.id}",
                                 {"waybill_id": waybill.id}).id)
    return ids


# --- delivery ----------------------------------------------------------------------------------------


def deliver_status_message(
    database: Database, message_id: int, payload: Mapping[str, Any], connector: Connector, batch: BatchMemory
) -> Delivery:
    """Deliver one ``order_status`` message with an open connector of its shop.

    Raises ``TransitionError`` for a change the marketplace would refuse (not sent; not to be retried),
    ``WaitForEarlier`` while an earlier change of the order is undelivered, ``MarketplaceError`` when the
    marketplace fails (retryable when it says so)."""
    target, shop = load_target(database, message_id, int(payload["order_id"]), delivered=batch.delivered)
    current = batch.external_status.get(target.order_id, target.external_status)
    action = outbound_action(shop, payload["status"], batch.mappings_dir)
    if action.ignore:
        return Delivery(False, f"order {target.number}: the mapping sends nothing for {payload['status']}")
    connector.check_transition(current, action.status)
    extra: dict[str, Any] = dict(payload.get("extra") or {})
    if payload.get("security_code"):
        extra["security_code"] = payload["security_code"]
    ref = OrderRef(target.external_id, target.number, current)
    if message_id in batch.redelivered and payload.get("step") != STEP_SEND_CODE \
            and _already_set(connector, ref, action.status):
        batch.external_status[target.order_id] = action.status
        return Delivery(False, f"order {target.number}: {action.status} is already set on {shop.marketplace} "
                               "(an earlier attempt reached it); not sent again")
    change = StatusChange(
        order=ref, status=action.status,
        reason=payload.get("reason") or action.reason, comment=payload.get("comment") or action.comment, extra=extra,
    )
    answer = connector.set_status(change)
    if payload.get("step") == STEP_SEND_CODE:
        return Delivery(True, f"order {target.number}: {shop.marketplace} sent the buyer the code for {action.status}")
    new_status = answer.status if answer is not None and answer.status else action.status
    batch.external_status[target.order_id] = new_status
    return Delivery(True, f"order {target.number}: {action.status} set on {shop.marketplace}")


def _already_set(connector: Connector, ref: OrderRef, status: str) -> bool:
    """Whether the marketplace already shows ``status`` on the order: asked before sending a change again
    after an attempt that may have reached it (the worker died, or the answer was lost, between the send
    and the done-mark). A marketplace that cannot read an order back gets the change again (status pushes
    are idempotent: setting the status an order has changes nothing); one that fails to answer fails this
    attempt (``MarketplaceError``), and the outbox tries again later."""
    try:
        return connector.get_order(ref).status == status
    except (Unsupported, NotFoundError, PayloadError):
        return False


def deliver_statuses(delivery: Any) -> None:
    """The outbox handler of ``order_status`` messages: a batch of one shop, in the order written.

    A message that fails is failed alone (``delivery.fail``; the outbox retries transient failures with
    backoff), and later messages of the same order wait for it. The new marketplace statuses are written
    in the transaction that marks the messages done."""
    deliver_order_messages(delivery, deliver_status_message, _record_statuses)


def _record_statuses(batch: BatchMemory) -> Any:
    def write(session: Session) -> None:
        for order_id, status in batch.external_status.items():
            order = session.get(Order, order_id)
            if order is not None and order.external_status != status:
                order.external_status = status
        for message_id in batch.delivered:  # a used code is kept no longer than needed
            message = session.get(OutboxMessage, message_id)
            if message is not None and message.payload.get("security_code"):
                message.payload = {**message.payload, "security_code": "****"}
    return write


__all__ = ["STEP_SEND_CODE", "STEP_SET", "Delivery", "StatusRequest", "TransitionError", "deliver_status_message",
           "deliver_statuses", "queue_waybills", "set_order_status", "takes_waybills"]
