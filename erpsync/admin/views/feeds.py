"""Feeds (accountants and admins): every feed shop's files with their URLs and last render, a preview of a
shop's feed (its first offers as the next render writes them, the products left out on the way, the file's
text) and "why is this product not in the feed?" for one SKU — through ``erpsync.sync.feed_preview``, which
uses the feeds' own selection rules. The feed files themselves are served by the public blueprint
(``/feeds/<token>/<file>``); this page is ``/admin/feeds/``.
"""

from __future__ import annotations

from flask import abort, request
from flask.typing import ResponseReturnValue
from flask_admin import expose
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy_lite import SQLAlchemy
from sqlalchemy import select

from erpsync.admin.app import app_database, app_settings, panel_db
from erpsync.admin.views.base import PanelView
from erpsync.core.errors import ErpsyncError
from erpsync.core.marketplaces import MARKETPLACES
from erpsync.feeds.specs import FEED_SPECS
from erpsync.models import Shop
from erpsync.sync.feed_preview import PREVIEW_MAX, explain_product, feed_statuses, preview_feed
from erpsync.sync.users import ROLE_ACCOUNTANT

MENU_ORDER = 30
DEFAULT_OFFERS = 20


class FeedsView(PanelView):
    required_role = ROLE_ACCOUNTANT

    def __init__(self) -> None:
        # "feeds" is the public blueprint serving the files: this view has an endpoint of its own
        super().__init__(name=_l("Feeds"), endpoint="feed_preview", url="feeds")

    @expose("/")
    def index(self) -> str:
        session = panel_db().session
        shops = list(session.scalars(select(Shop).where(Shop.marketplace.in_(list(FEED_SPECS))).order_by(Shop.name)))
        return self.render("erpsync/feeds/index.html", shops=shops,
                           feeds=feed_statuses(session, app_settings(), shops), marketplaces=MARKETPLACES)

    @expose("/<int:shop_id>/")
    def preview(self, shop_id: int) -> ResponseReturnValue:
        session = panel_db().session
        shop = session.get(Shop, shop_id)
        if shop is None or shop.marketplace not in FEED_SPECS:
            abort(404)
        limit = min(max(request.args.get("offers", DEFAULT_OFFERS, type=int) or DEFAULT_OFFERS, 1), PREVIEW_MAX)
        sku = request.args.get("sku", "").strip()
        name = shop.name
        status = feed_statuses(session, app_settings(), [shop])[shop.id]
        session.close()  # reading the catalog happens on connections of its own
        preview = error = verdict = verdict_error = None
        try:
            preview = preview_feed(app_database(), app_settings(), shop_id, limit)
        except ErpsyncError as problem:
            error = str(problem)
        if sku:
            try:
                verdict = explain_product(app_database(), app_settings(), shop_id, sku)
            except ErpsyncError as problem:
                verdict_error = str(problem)
        return self.render("erpsync/feeds/preview.html", shop_id=shop_id, shop_name=name, status=status,
                           preview=preview, error=error, limit=limit, sku=sku, verdict=verdict,
                           verdict_error=verdict_error, limits=(10, 20, 50, PREVIEW_MAX))


def make_views(db: SQLAlchemy) -> list[FeedsView]:
    return [FeedsView()]
