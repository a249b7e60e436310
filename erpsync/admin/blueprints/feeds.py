"""``/feeds/<feed token>/<file>``: each shop's rendered feed, at an unguessable URL, for marketplaces.

The shop's ``feed_token`` in the path is the only credential (marketplaces download feeds without
logging in). Answers carry ``ETag`` and ``Last-Modified`` and honour ``If-None-Match`` /
``If-Modified-Since`` with ``304``, so a marketplace polling every hour downloads only changed feeds.
A wrong token, an unknown file name and a feed not rendered yet all get the same bare ``404``: the
answer tells nothing about which shops exist.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, abort, send_file
from sqlalchemy import select

from erpsync.admin.app import app_database, app_settings
from erpsync.feeds.publish import shop_feed_dir
from erpsync.feeds.specs import FEED_SPECS
from erpsync.models import Shop
from erpsync.models.integration import token_shaped

blueprint = Blueprint("feeds", __name__)

_MAX_AGE = 300


def _shop_by_token(token: str) -> Shop | None:
    if not token_shaped(token):
        return None
    with app_database().session() as session:
        shop = session.scalar(select(Shop).where(Shop.feed_token == token))
        if shop is not None:
            session.expunge(shop)
    # the lookup is by a unique index; compare again in constant time before trusting it
    if shop is None or not hmac.compare_digest(shop.feed_token, token) or not shop.enabled:
        return None
    return shop


@blueprint.get("/feeds/<token>/<filename>")
def feed_file(token: str, filename: str) -> Response:
    shop = _shop_by_token(token)
    spec = FEED_SPECS.get(shop.marketplace) if shop is not None else None
    feed = next((f for f in spec.files if f.filename == filename), None) if spec is not None else None
    if shop is None or feed is None:
        abort(404)
    path = shop_feed_dir(app_settings().feed_dir, shop) / feed.filename
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=feed.media_type, conditional=True, etag=True, max_age=_MAX_AGE)
    response.headers["X-Robots-Tag"] = "noindex"
    return response
