"""Shops (admins only): the list, adding a shop of any marketplace, editing one, testing its connection.

Credentials are typed once and shown masked afterwards (``****abcd``); an empty credential field keeps
the stored value. They are stored encrypted by ``erpsync.sync.shops``. Settings come with their
explanations and are checked one by one; a refused value is shown next to its field.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy_lite import SQLAlchemy
from flask_wtf import FlaskForm

from erpsync.admin.app import app_settings, panel_db
from erpsync.admin.views.base import PanelView
from erpsync.admin.views.shop_forms import (
    attach_errors,
    credential_fields,
    fill_form,
    grouped_settings,
    read_form,
    setting_help,
    shop_form_class,
)
from erpsync.core.crypto import mask_credentials
from erpsync.core.errors import (
    AuthenticationError,
    CredentialError,
    ErpsyncError,
    MarketplaceError,
    Unsupported,
    ValidationError,
)
from erpsync.core.marketplaces import MARKETPLACES
from erpsync.models import Shop
from erpsync.models.shop_settings import effective_settings
from erpsync.sync.connectors import check_connection, has_connector
from erpsync.sync.feed_preview import feed_statuses
from erpsync.sync.shops import (
    add_shop,
    list_shops,
    shop_credentials,
    shop_settings,
    update_shop,
)
from erpsync.sync.users import ROLE_ADMIN

MENU_ORDER = 80
log = logging.getLogger(__name__)


def masked_credentials(shop: Shop, secret_key: str) -> dict[str, str] | None:
    """The shop's credentials masked, or None when they cannot be decrypted with the configured key."""
    try:
        return mask_credentials(shop_credentials(shop, secret_key))
    except CredentialError:
        return None


class ShopsView(PanelView):
    required_role = ROLE_ADMIN

    def __init__(self) -> None:
        super().__init__(name=_l("Shops"), endpoint="shops", url="shops")

    def _shop(self, shop_id: int) -> Shop:
        shop = panel_db().session.get(Shop, shop_id)
        if shop is None:
            abort(404)
        return shop

    @expose("/")
    def index(self) -> str:
        key = app_settings().require_secret_key()
        shops = list_shops(panel_db().session)
        return self.render(
            "erpsync/shops/list.html",
            shops=shops,
            credentials={shop.id: masked_credentials(shop, key) for shop in shops},
            feeds=feed_statuses(panel_db().session, app_settings(), shops),
            marketplaces=MARKETPLACES,
        )

    def _render_form(self, form: FlaskForm, marketplace: str, shop: Shop | None, status: int = 200) -> Any:
        key = app_settings().require_secret_key()
        page = self.render(
            "erpsync/shops/form.html",
            form=form,
            shop=shop,
            marketplace=MARKETPLACES[marketplace],
            groups=grouped_settings(marketplace),
            credential_fields=list(credential_fields(form, marketplace)),
            masked=masked_credentials(shop, key) if shop is not None else {},
            connector=has_connector(marketplace),
            setting_help=setting_help,
        )
        return page, status

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self) -> ResponseReturnValue:
        marketplace = request.values.get("marketplace", "")
        if marketplace not in MARKETPLACES:
            return self.render("erpsync/shops/choose.html", marketplaces=MARKETPLACES)
        form = shop_form_class(marketplace, creating=True)()
        if request.method == "GET":
            form.base_url.data = MARKETPLACES[marketplace].default_base_url
            fill_form(form, marketplace, effective_settings({}), form.base_url.data, True)
            return self._render_form(form, marketplace, None)
        if not form.validate():
            return self._render_form(form, marketplace, None, 422)
        posted = read_form(form, marketplace)
        if posted.errors:
            attach_errors(form, posted.errors)
            return self._render_form(form, marketplace, None, 422)
        session = panel_db().session
        try:
            shop = add_shop(
                session, name=form.name.data.strip(), marketplace=marketplace,
                secret_key=app_settings().require_secret_key(), base_url=posted.base_url,
                credentials=posted.credentials, settings=posted.settings, enabled=posted.enabled,
            )
            session.commit()
        except ValidationError as error:
            session.rollback()
            flash(error.message, "error")
            return self._render_form(form, marketplace, None, 422)
        flash(_("Shop %(name)s added.", name=shop.name), "success")
        return redirect(url_for(".edit_view", shop_id=shop.id))

    @expose("/<int:shop_id>/", methods=("GET", "POST"))
    def edit_view(self, shop_id: int) -> ResponseReturnValue:
        shop = self._shop(shop_id)
        form = shop_form_class(shop.marketplace, creating=False)()
        if request.method == "GET":
            fill_form(form, shop.marketplace, shop_settings(shop), shop.base_url, shop.enabled)
            return self._render_form(form, shop.marketplace, shop)
        if not form.validate():
            return self._render_form(form, shop.marketplace, shop, 422)
        posted = read_form(form, shop.marketplace)
        if posted.errors:
            attach_errors(form, posted.errors)
            return self._render_form(form, shop.marketplace, shop, 422)
        session = panel_db().session
        try:
            update_shop(
                session, shop, secret_key=app_settings().require_secret_key(), base_url=posted.base_url,
                credentials=posted.credentials, settings=posted.settings, enabled=posted.enabled,
            )
            session.commit()
        except ErpsyncError as error:
            session.rollback()
            flash(error.message, "error")
            return self._render_form(form, shop.marketplace, self._shop(shop_id), 422)
        flash(_("Shop %(name)s saved.", name=shop.name), "success")
        return redirect(url_for(".edit_view", shop_id=shop.id))

    @expose("/<int:shop_id>/check", methods=("POST",))
    def check(self, shop_id: int) -> ResponseReturnValue:
        """Test the connection: one authenticated request; the outcome is a message, never an error page."""
        shop = self._shop(shop_id)
        category, message = connection_report(shop, app_settings().require_secret_key())
        flash(message, category)
        return redirect(url_for(".edit_view", shop_id=shop.id))


def connection_report(shop: Shop, secret_key: str) -> tuple[str, str]:
    """(flash category, message) of a connection test of ``shop``."""
    if not has_connector(shop.marketplace):
        return "warning", _(
            "erpsync cannot talk to %(marketplace)s's API yet, so the connection cannot be tested. "
            "Feeds and the data in the database work without it.", marketplace=MARKETPLACES[shop.marketplace].title)
    try:
        check_connection(shop, secret_key)
    except AuthenticationError as error:
        return "error", _("%(marketplace)s refused the credentials: %(reason)s",
                          marketplace=MARKETPLACES[shop.marketplace].title, reason=error.message)
    except CredentialError as error:
        return "error", _("The credentials are incomplete or unreadable: %(reason)s", reason=error.message)
    except Unsupported:
        return "warning", _("The %(marketplace)s connector cannot test a connection.",
                            marketplace=MARKETPLACES[shop.marketplace].title)
    except MarketplaceError as error:
        return "error", _("%(marketplace)s could not be reached or failed: %(reason)s",
                          marketplace=MARKETPLACES[shop.marketplace].title, reason=error.message)
    except ErpsyncError as error:
        return "error", _("The connection test failed: %(reason)s", reason=error.message)
    except Exception as error:  # a connector's bug must not become an error page
        log.exception("connection test of shop %s failed unexpectedly", shop.name)
        return "error", _("The connection test failed unexpectedly: %(reason)s", reason=type(error).__name__)
    return "success", _("%(marketplace)s accepted the credentials of %(name)s.",
                        marketplace=MARKETPLACES[shop.marketplace].title, name=shop.name)


def make_views(db: SQLAlchemy) -> list[ShopsView]:
    return [ShopsView()]
