"""Orders: the list with filters (shop, status, date, unmatched lines, failed push) and an order's page
(lines, customer, reservations, waybills, status history, pushes, log, the raw marketplace payload).

The order's page changes its status and enters a waybill (block ``order_actions``) through the order use
cases: ``set_order_status`` and ``save_waybill`` write the change and its outbox message in one
transaction; workers (or ``erpsync run``) deliver it to the marketplace, and the page's "Pushes" table
shows how that went. The "failed push" filter finds the outbox messages those use cases write
(``order:<order id>:…`` keys, see ``erpsync.sync.order_queries``).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_sqlalchemy_lite import SQLAlchemy
from sqlalchemy.orm import joinedload

from erpsync.admin.app import app_settings, panel_db
from erpsync.admin.i18n import ORDER_STATUS_LABELS, order_status_label
from erpsync.admin.views.base import (
    ChoiceFilter,
    ExpressionFilter,
    LocalDayFilter,
    LocalDayRangeFilter,
    PanelModelView,
    ShopFilter,
    detail_json_formatter,
)
from erpsync.core.errors import ErpsyncError
from erpsync.core.money import format_money
from erpsync.mapping.accounting import load_vocabulary
from erpsync.marketplaces.registry import enumerations
from erpsync.models import ACCOUNTING_STATUSES, Order, Shop
from erpsync.sync.order_queries import has_failed_push, has_unmatched_lines, order_detail
from erpsync.sync.order_status import outbound_action, set_order_status, takes_waybills
from erpsync.sync.overview import order_time
from erpsync.sync.waybills import save_waybill

MENU_ORDER = 10

# What else a marketplace needs with a status change, asked on the order's page (name → label).
EXTRA_FIELDS = {
    "kaspi": (("number_of_space", _l("Places (parcels) — Kaspi needs them to assemble a Kaspi Delivery order")),),
}


def _total(view: Any, context: Any, model: Order, name: str) -> str:
    return format_money(model.total, model.currency)


class OrderView(PanelModelView):
    details_template = "erpsync/orders/details.html"
    column_list = ("placed_at", "shop", "number", "status", "external_status", "recipient_name", "total", "is_paid")
    column_labels = {
        "placed_at": _l("Placed"),
        "shop": _l("Shop"),
        "number": _l("Number"),
        "status": _l("Status"),
        "external_status": _l("Marketplace status"),
        "recipient_name": _l("Recipient"),
        "total": _l("Total"),
        "is_paid": _l("Paid"),
        "external_id": _l("External id"),
        "recipient_phone": _l("Recipient's phone"),
    }
    column_sortable_list = ("placed_at", "number", "status", "total")
    column_default_sort = ("placed_at", True)
    column_searchable_list = ("number", "external_id", "recipient_name", "recipient_phone")
    column_formatters = {
        "shop": lambda view, context, model, name: model.shop.name,
        "status": lambda view, context, model, name: order_status_label(model.status),
        "total": _total,
    }
    column_formatters_detail = {"raw_payload": detail_json_formatter}
    filter_keys = ("shop", "status", "placed_on", "placed_between", "unmatched", "failed_push")

    def __init__(self, db: SQLAlchemy) -> None:
        self.column_filters = [
            ShopFilter(Order.shop_id),
            ChoiceFilter(Order.status, _l("Status"), ACCOUNTING_STATUSES, ORDER_STATUS_LABELS),
            LocalDayFilter(order_time(), _l("Placed")),
            LocalDayRangeFilter(order_time(), _l("Placed")),
            ExpressionFilter(Order.id, _l("Unmatched lines"), has_unmatched_lines),
            ExpressionFilter(Order.id, _l("Failed push"), has_failed_push),
        ]
        super().__init__(Order, db, name=_l("Orders"), endpoint="orders", url="orders")

    def get_query(self) -> Any:
        return super().get_query().options(joinedload(Order.shop))

    def render(self, template: str, **kwargs: Any) -> str:
        if template == self.details_template and kwargs.get("model") is not None:
            detail = order_detail(panel_db().session, kwargs["model"].id)
            kwargs["detail"] = detail
            kwargs["actions"] = order_actions(detail.order.shop)
        return super().render(template, **kwargs)

    def _order(self, order_id: int) -> Order:
        order = panel_db().session.get(Order, order_id)
        if order is None:
            abort(404)
        return order

    @expose("/<int:order_id>/status", methods=("POST",))
    def change_status(self, order_id: int) -> ResponseReturnValue:
        """Change the order's accounting status; the marketplace gets it through the outbox."""
        session = panel_db().session
        order = self._order(order_id)
        form = request.form
        extra = {name: form[name].strip() for name, _label in EXTRA_FIELDS.get(order.shop.marketplace, ())
                 if form.get(name, "").strip()}
        try:
            result = set_order_status(
                session, order, form.get("status", ""), str(current_user.username),
                reason=form.get("reason", "").strip() or None, comment=form.get("comment", "").strip() or None,
                code=form.get("code", "").strip() or None, extra=extra, mappings_dir=app_settings().mappings_dir,
            )
            session.commit()
        except ErpsyncError as error:
            session.rollback()
            flash(str(error), "error")
        else:
            queued = _(" It goes to the marketplace with the next delivery of the outbox (see Pushes below).")
            flash(result.summary + (queued if result.message_ids else ""),
                  "success" if result.changed or result.message_ids else "info")
        return redirect(url_for(".details_view", id=order_id))

    @expose("/<int:order_id>/waybill", methods=("POST",))
    def enter_waybill(self, order_id: int) -> ResponseReturnValue:
        """Save a waybill (TTN) on the order; it is pushed when the order's status says so."""
        session = panel_db().session
        order = self._order(order_id)
        try:
            waybill, message_ids = save_waybill(
                session, order, request.form.get("number", ""), carrier=request.form.get("carrier", "").strip() or None,
                mappings_dir=app_settings().mappings_dir,
            )
            session.commit()
        except ErpsyncError as error:
            session.rollback()
            flash(str(error), "error")
            return redirect(url_for(".details_view", id=order_id))
        marketplace = order.shop.marketplace
        if message_ids:
            flash(_("Waybill %(number)s saved; it goes to %(marketplace)s with the next delivery of the outbox.",
                    number=waybill.number, marketplace=marketplace), "success")
        elif not takes_waybills(marketplace):
            flash(_("Waybill %(number)s saved; %(marketplace)s takes no waybills through its API, so it stays in "
                    "the accounting database.", number=waybill.number, marketplace=marketplace), "success")
        else:
            flash(_("Waybill %(number)s saved; it is pushed when the order reaches a status that pushes waybills "
                    "(it is %(status)s now).", number=waybill.number, status=order_status_label(order.status)),
                  "success")
        return redirect(url_for(".details_view", id=order_id))


def order_actions(shop: Shop) -> dict[str, Any]:
    """What the order's page offers for the shop: each status with what its mapping sends, the marketplace's
    cancellation reasons, whether it asks the buyer's code, extra fields, the accounting delivery methods."""
    settings = app_settings()
    enums = enumerations(shop.marketplace)
    sends: dict[str, str | None] = {}
    mapping_error = None
    try:
        for status in ACCOUNTING_STATUSES:
            action = outbound_action(shop, status, settings.mappings_dir)
            sends[status] = action.status
    except ErpsyncError as error:  # a broken mapping: the change is refused with this message anyway
        mapping_error = str(error)
    accounting = settings.mappings_dir / "accounting.yaml"
    carriers = load_vocabulary(accounting)[0].delivery_methods if accounting.is_file() else {}
    return {
        "statuses": [(status, order_status_label(status), sends.get(status)) for status in ACCOUNTING_STATUSES],
        "reasons": dict(enums.cancellation_reasons),
        "asks_code": bool(enums.security_code_for),
        "extra_fields": EXTRA_FIELDS.get(shop.marketplace, ()),
        "carriers": carriers,
        "takes_waybills": takes_waybills(shop.marketplace),
        "mapping_error": mapping_error,
    }


def make_views(db: SQLAlchemy) -> list[OrderView]:
    return [OrderView(db)]
