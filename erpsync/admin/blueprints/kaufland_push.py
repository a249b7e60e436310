"""``/push/kaufland/<shop token>``: where Kaufland posts a shop's push notifications. Public (Kaufland does
not log in); the signature is the credential.

- ``GET ?mode=subscribe&challenge=…`` answers the challenge, as Kaufland's URL check expects.
- ``POST`` with a notification: verified (``Shop-Timestamp``/``Shop-Signature`` with the shop's secret key),
  logged, then answered at once; a request with no or a wrong signature gets 401 and is not processed, an
  unknown token 404. An order event starts the shop's order import: queued for the workers when
  ``ERPSYNC_REDIS_URL`` is set, else run here in a background thread.
"""

from __future__ import annotations

import logging
import threading

from flask import Blueprint, Response, abort, request

from erpsync.admin.app import app_database, app_settings
from erpsync.core.errors import ErpsyncError, NotFoundError, PayloadError
from erpsync.sync.kaufland_push import PushRefused, Received, kaufland_shop_by_token, push_url, receive_notification

blueprint = Blueprint("kaufland_push", __name__)
logger = logging.getLogger(__name__)


@blueprint.get("/push/kaufland/<token>")
def verify_callback(token: str) -> Response:
    try:
        kaufland_shop_by_token(app_database(), token)
    except NotFoundError:
        abort(404)
    challenge = request.args.get("challenge", "")
    if request.args.get("mode") != "subscribe" or not challenge or len(challenge) > 256:
        return Response("expected mode=subscribe and a challenge", 400, content_type="text/plain")
    return Response(challenge, 200, content_type="text/plain")


@blueprint.post("/push/kaufland/<token>")
def notification(token: str) -> Response:
    database, settings = app_database(), app_settings()
    try:
        shop = kaufland_shop_by_token(database, token)
        urls = [push_url(settings.public_url, shop) + _query(), request.url]
        received = receive_notification(database, settings.require_secret_key(), token, urls,
                                        request.get_data(cache=True), dict(request.headers))
    except NotFoundError:
        abort(404)
    except PushRefused:
        return Response("signature refused", 401, content_type="text/plain")
    except PayloadError:
        return Response("not a notification", 400, content_type="text/plain")
    if received.job:
        _start(received)
    return Response(status=204)


def _query() -> str:
    query = request.query_string.decode("latin-1")
    return f"?{query}" if query else ""


def _start(received: Received) -> None:
    """Queue the job for the workers, or run it here after answering (Kaufland wants an answer in 5 s)."""
    from erpsync.jobs.queues import enqueue, redis_connection
    from erpsync.jobs.runner import run_inline

    database, settings = app_database(), app_settings()
    if settings.redis_url:
        connection = redis_connection(settings.redis_url)
        try:
            enqueue(connection, received.job, received.shop_id)
        except ErpsyncError as error:
            logger.error("kaufland push: could not queue %s for shop %s: %s", received.job, received.shop_name, error)
        finally:
            connection.close()
        return

    def run() -> None:
        try:
            run_inline(received.job, received.shop_id, database=database, config=settings)
        except ErpsyncError as error:  # e.g. no such job kind: the log of the push run says what came in
            logger.error("kaufland push: %s for shop %s failed: %s", received.job, received.shop_name, error)

    threading.Thread(target=run, name=f"kaufland push {received.shop_name}", daemon=True).start()
