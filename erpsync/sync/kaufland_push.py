"""Kaufland push notifications: subscribing a shop, and receiving what Kaufland sends.

A shop's notifications arrive at ``<public URL>/push/kaufland/<shop feed token>`` (see the blueprint
``erpsync.admin.blueprints.kaufland_push``). Every incoming request is written to the sync log (kind
``kaufland_push``) before anything else happens; one without a valid signature is refused and logged as
refused, and nothing in it is acted on. A verified order event (a new order, a new order unit, a unit
whose status changed) asks for the shop's order import (job kind ``import_orders``), so a new order is in
the accounting database within seconds instead of at the next poll.
"""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from erpsync.core.errors import AuthenticationError, ErpsyncError, NotFoundError, PayloadError, ValidationError
from erpsync.marketplaces.kaufland import signing
from erpsync.marketplaces.kaufland.codec import Notification, Subscription, decode_notification
from erpsync.marketplaces.kaufland.connector import KauflandConnector
from erpsync.marketplaces.kaufland.enums import ORDER_EVENTS
from erpsync.models import Shop
from erpsync.models.db import Database
from erpsync.models.integration import token_shaped
from erpsync.sync.connectors import connector_for
from erpsync.sync.log import SyncLog
from erpsync.sync.shops import get_shop, shop_credentials

RUN_KIND = "kaufland_push"
ORDERS_JOB = "import_orders"  # the job kind that imports a shop's orders
PUSH_PATH = "/push/kaufland/{token}"
DEFAULT_EVENTS = ("order_new", "order_unit_status_changed", "return_new")


class PushRefused(AuthenticationError):
    """A notification whose signature is missing, wrong or stale: it is not processed."""


@dataclass(frozen=True)
class Received:
    """A verified notification and what it asks for (``job``: a job kind to run for the shop, or None)."""

    shop_id: int
    shop_name: str
    notification: Notification
    job: str | None
    run_id: int


def push_url(public_url: str, shop: Shop) -> str:
    """The callback URL Kaufland posts a shop's notifications to."""
    return public_url.rstrip("/") + PUSH_PATH.format(token=shop.feed_token)


def kaufland_shop_by_token(database: Database, token: str) -> Shop:
    """The enabled Kaufland shop whose push URL carries ``token`` (a bare NotFoundError otherwise)."""
    shop = None
    if token_shaped(token):
        with database.session() as session:
            shop = session.scalar(select(Shop).where(Shop.feed_token == token))
            if shop is not None:
                session.expunge(shop)
    if shop is None or shop.marketplace != "kaufland" or not shop.enabled or not hmac.compare_digest(
            shop.feed_token, token):
        raise NotFoundError("no such push endpoint")
    return shop


def receive_notification(
    database: Database,
    secret_key: str,
    token: str,
    urls: Sequence[str],
    body: bytes,
    headers: Mapping[str, str],
    *,
    now: Callable[[], float] = time.time,
) -> Received:
    """Verify, log and read one notification posted to a shop's push URL. ``urls`` are the addresses the
    request may have been signed for (as registered, and as received). Raises ``NotFoundError`` for an
    unknown URL, ``PushRefused`` for a bad signature, ``PayloadError`` for a body that is no notification."""
    shop = kaufland_shop_by_token(database, token)
    secret = shop_credentials(shop, secret_key).get("secret_key") or ""
    verdicts = [signing.verify(secret, "POST", url, body, headers, now=now) for url in dict.fromkeys(urls)]
    verdict = next((v for v in verdicts if v.ok), verdicts[0] if verdicts else None)
    log = SyncLog(database, RUN_KIND, shop.id)
    if verdict is None or not secret or not verdict.ok:
        reason = verdict.reason if verdict is not None else "no URL to check the signature against"
        log.counts.failed = 1
        log.warning(f"push notification refused: {reason}", entity_type="notification",
                    payload={"headers": _visible_headers(headers), "bytes": len(body)})
        log.finish("failed", f"refused: {reason}")
        raise PushRefused(f"kaufland push for shop {shop.name!r} refused: {reason}", status_code=401)
    try:
        document = json.loads(body.decode("utf-8"))
        notification = decode_notification(document)
    except (ValueError, PayloadError) as error:
        log.counts.failed = 1
        log.error(f"push notification unreadable: {error}", entity_type="notification",
                  payload={"body": body.decode("utf-8", errors="replace")[:2000]})
        log.finish("failed", "unreadable notification")
        raise PayloadError(f"not a Kaufland notification: {error}", field="notification") from None
    job = ORDERS_JOB if notification.event_name in ORDER_EVENTS else None
    entity_type, entity_id = _entity(notification)
    log.counts.fetched = 1
    log.info(f"{notification.event_name} {notification.resource or ''}".strip()
             + (f" → {job}" if job else " (logged, nothing to run)"),
             entity_type=entity_type, entity_id=entity_id, payload=document)
    log.finish(message=f"{notification.event_name} received")
    return Received(shop.id, shop.name, notification, job, log.run_id)


def _entity(notification: Notification) -> tuple[str | None, str | None]:
    for collection, entity in (("orders", "order"), ("order-units", "order_unit"), ("returns", "return"),
                               ("return-units", "return_unit"), ("units", "unit")):
        found = notification.resource_id(collection)
        if found:
            return entity, found
    return "notification", notification.id_message


def _visible_headers(headers: Mapping[str, str]) -> dict[str, str]:
    hidden = {"shop-signature", "shop-client-key", "authorization", "cookie"}
    return {k: ("****" if k.lower() in hidden else v) for k, v in headers.items()}


def subscribe_shop(
    database: Database,
    secret_key: str,
    shop_name: str,
    public_url: str,
    fallback_email: str,
    events: Sequence[str] = DEFAULT_EVENTS,
    **connector_options: Any,
) -> list[Subscription]:
    """Subscribe a shop to ``events`` at its push URL (Kaufland then checks the URL answers). The web app
    must be reachable at ``public_url`` (``ERPSYNC_PUBLIC_URL``) from Kaufland."""
    if "@" not in fallback_email:
        raise ValidationError(f"--email must be an email address Kaufland writes to when the URL fails, "
                              f"got {fallback_email!r}")
    with database.session() as session:
        shop = get_shop(session, shop_name)
        if shop.marketplace != "kaufland":
            raise ValidationError(f"shop {shop_name!r} is a {shop.marketplace} shop, not a Kaufland one")
        url = push_url(public_url, shop)
        connector = connector_for(shop, secret_key, **connector_options)
    log = SyncLog(database, "kaufland_subscribe", shop.id)
    try:
        with connector:
            assert isinstance(connector, KauflandConnector)
            subscriptions = connector.subscribe(events, url, fallback_email)
    except ErpsyncError as error:
        log.error(f"subscribing {', '.join(events)} to {url} failed: {error}")
        log.finish("failed", str(error))
        raise
    log.info(f"subscribed {', '.join(s.event_name for s in subscriptions)} to {url}",
             payload={"subscriptions": [s.__dict__ for s in subscriptions]})
    log.counts.updated = len(subscriptions)
    log.finish(message=f"{len(subscriptions)} subscriptions")
    return subscriptions


__all__ = ["ORDERS_JOB", "PushRefused", "Received", "kaufland_shop_by_token", "push_url", "receive_notification",
           "subscribe_shop"]
