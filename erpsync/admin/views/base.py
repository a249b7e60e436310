"""What every page of the panel shares: role checks, read-only model views, filters in local time.

``PanelView`` (a page written by hand) and ``PanelModelView`` (a Flask-Admin model view, read-only by
default) allow the role in ``required_role``: ``ROLE_ACCOUNTANT`` (accountants and admins) or
``ROLE_ADMIN`` (admins only). An anonymous visitor is sent to the login page, a user without the role
gets 403.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from flask import abort, current_app, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_admin import BaseView
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_admin.contrib.sqla.typefmt import DEFAULT_FORMATTERS
from flask_admin.model import filters
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import select

from erpsync.admin.app import panel_db
from erpsync.admin.i18n import display_zone, local_day_bounds, local_time
from erpsync.models import Shop
from erpsync.sync.users import ROLE_ACCOUNTANT


class RoleRequired:
    """Mixin for Flask-Admin views: only users with ``required_role`` may open them."""

    required_role: str = ROLE_ACCOUNTANT

    def is_accessible(self) -> bool:
        return bool(current_user.is_authenticated and current_user.can(self.required_role))

    def inaccessible_callback(self, name: str, **kwargs: Any) -> ResponseReturnValue:
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        abort(403)


class PanelView(RoleRequired, BaseView):
    """A page of the panel written by hand (forms, buttons)."""


def _time_formatter(view: Any, value: datetime, name: str) -> str:
    return local_time(value)


def _json_formatter(view: Any, value: Any, name: str) -> Markup:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return escape(text if len(text) <= 120 else text[:119] + "…")


def pretty_json(value: Any) -> Markup:
    """A payload as indented JSON in a <pre> (escaped)."""
    if value is None:
        return Markup("")
    text = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str)
    return Markup('<pre class="erpsync-json">') + escape(text) + Markup("</pre>")


def detail_json_formatter(view: Any, context: Any, model: Any, name: str) -> Markup:
    return pretty_json(getattr(model, name))


def detail_text_formatter(view: Any, context: Any, model: Any, name: str) -> Markup:
    value = getattr(model, name)
    return Markup('<pre class="erpsync-text">') + escape(value or "") + Markup("</pre>")


PANEL_FORMATTERS = {**DEFAULT_FORMATTERS, datetime: _time_formatter, dict: _json_formatter, list: _json_formatter}


class PanelModelView(RoleRequired, ModelView):
    """A Flask-Admin model view of the panel: list, filters, search, details; no create/edit/delete.

    ``filter_keys`` names the entries of ``column_filters`` in order, for ``filtered_list_url``.
    """

    filter_keys: tuple[str, ...] = ()
    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = True
    can_set_page_size = True
    page_size = 50
    action_disallowed_list = ["delete"]
    column_type_formatters = PANEL_FORMATTERS
    column_type_formatters_detail = PANEL_FORMATTERS

    def _get_filter_groups(self) -> Any:
        """The filters for the page; drop-downs whose options come from the database are read again
        (Flask-Admin reads them once at start, so a shop added later would be missing)."""
        groups = super()._get_filter_groups()
        for items in (groups or {}).values():
            for item in items:
                options = self._filters[item["index"]].options
                if callable(options):
                    item["options"] = [(str(value), str(label)) for value, label in options()] or None
        return groups


def shop_options() -> list[tuple[str, str]]:
    """(id, name) of every shop, for a filter's drop-down."""
    rows = panel_db().session.execute(select(Shop.id, Shop.name).order_by(Shop.name)).all()
    return [(str(shop_id), name) for shop_id, name in rows]


class ShopFilter(BaseSQLAFilter, filters.BaseIntFilter):
    """Rows of one shop (a drop-down of the shops)."""

    def __init__(self, column: Any, name: Any = None) -> None:
        super().__init__(column, name or _l("Shop"), options=shop_options)

    def apply(self, query: Any, value: Any, alias: Any = None) -> Any:
        return query.filter(self.get_column(alias) == value)

    def operation(self) -> Any:
        return _l("is")


class ChoiceFilter(BaseSQLAFilter):
    """Rows whose column has one of a fixed set of values (``labels``: how to show a value)."""

    def __init__(
        self, column: Any, name: Any, choices: tuple[str, ...], labels: dict[str, Any] | None = None
    ) -> None:
        shown = labels or {}
        # a callable: read for every page, so the labels are in the reader's language
        super().__init__(column, name, options=lambda: [(value, str(shown.get(value, value))) for value in choices])
        self.choices = choices

    def validate(self, value: str) -> bool:
        return value in self.choices

    def apply(self, query: Any, value: Any, alias: Any = None) -> Any:
        return query.filter(self.get_column(alias) == value)

    def operation(self) -> Any:
        return _l("is")


class LocalDayFilter(BaseSQLAFilter, filters.BaseDateFilter):
    """Rows whose time falls on a day of the panel's time zone (stored times are UTC)."""

    def apply(self, query: Any, value: date, alias: Any = None) -> Any:
        start, end = local_day_bounds(value, display_zone())
        column = self.get_column(alias)
        return query.filter(column >= start, column < end)

    def operation(self) -> Any:
        return _l("on")


class LocalDayRangeFilter(BaseSQLAFilter, filters.BaseDateBetweenFilter):
    """Rows whose time falls between two days (both included) of the panel's time zone."""

    def __init__(self, column: Any, name: Any) -> None:
        super().__init__(column, name, data_type="daterangepicker")

    def apply(self, query: Any, value: list[date], alias: Any = None) -> Any:
        first, last = value
        zone = display_zone()
        start = local_day_bounds(first, zone)[0]
        end = local_day_bounds(last, zone)[1]
        column = self.get_column(alias)
        return query.filter(column >= start, column < end)


class ExpressionFilter(BaseSQLAFilter):
    """Rows for which a boolean SQL condition (made by ``condition()``) holds (yes) or does not (no).

    ``column`` is the model's primary key: the condition is correlated to the row, no join is needed.
    """

    def __init__(self, column: Any, name: Any, condition: Any) -> None:
        super().__init__(column, name, options=[("1", _l("yes")), ("0", _l("no"))])
        self.condition = condition

    def validate(self, value: str) -> bool:
        return value in ("0", "1")

    def apply(self, query: Any, value: Any, alias: Any = None) -> Any:
        condition = self.condition()
        return query.filter(condition if value == "1" else ~condition)

    def operation(self) -> Any:
        return _l("is")


class DistinctValueFilter(BaseSQLAFilter):
    """Rows with one of the values the column holds (a drop-down of its distinct values)."""

    def __init__(self, column: Any, name: Any) -> None:
        super().__init__(column, name, options=self._values)

    def _values(self) -> list[tuple[str, str]]:
        rows = panel_db().session.scalars(select(self.column).distinct().order_by(self.column))
        return [(value, value) for value in rows if value is not None]

    def apply(self, query: Any, value: Any, alias: Any = None) -> Any:
        return query.filter(self.get_column(alias) == value)

    def operation(self) -> Any:
        return _l("is")


def shop_names() -> dict[int, str]:
    """Shop id → name, read once per request."""
    if "erpsync_shop_names" not in g:
        g.erpsync_shop_names = dict(panel_db().session.execute(select(Shop.id, Shop.name)).all())
    return g.erpsync_shop_names


def level_formatter(view: Any, context: Any, model: Any, name: str) -> Markup:
    """A log level or a run's outcome, coloured (errors red, warnings amber)."""
    value = getattr(model, name) or ""
    return Markup('<span class="erpsync-level-{0} erpsync-status-{0}">{0}</span>').format(value)


def shop_name_formatter(view: Any, context: Any, model: Any, name: str) -> str:
    return shop_names().get(model.shop_id, "") if model.shop_id else ""


def filtered_list_url(endpoint: str, **filters: Any) -> str:
    """The list page of the model view ``endpoint`` with filters set by their ``filter_keys`` names."""
    keys: tuple[str, ...] = ()
    for admin in current_app.extensions.get("admin", []):
        for view in admin._views:
            if view.endpoint == endpoint:
                keys = getattr(view, "filter_keys", ())
    args = {f"flt{position}_{keys.index(key)}": value for position, (key, value) in enumerate(filters.items())}
    return url_for(f"{endpoint}.index_view", **args)
