"""Orders: the list with filters (shop, status, date, unmatched lines, failed push) and an order's page
(lines, customer, reservations, waybills, status history, pushes, log, the raw marketplace payload).

Read-only here; changing the status and entering a waybill are actions of the order's page
(``erpsync/orders/details.html``, block ``order_actions``) added with the order sync.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_sqlalchemy_lite import SQLAlchemy
from sqlalchemy.orm import joinedload

from erpsync.admin.app import panel_db
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
from erpsync.core.money import format_money
from erpsync.models import ACCOUNTING_STATUSES, Order
from erpsync.sync.order_queries import has_failed_push, has_unmatched_lines, order_detail
from erpsync.sync.overview import order_time

MENU_ORDER = 10


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
            kwargs["detail"] = order_detail(panel_db().session, kwargs["model"].id)
        return super().render(template, **kwargs)


def make_views(db: SQLAlchemy) -> list[OrderView]:
    return [OrderView(db)]
