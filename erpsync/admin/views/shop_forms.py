"""The shop form, built for one marketplace from ``erpsync.models.shop_settings.SETTINGS``: credentials
(password fields, never filled back in), the API base URL, the switch, and every setting that applies,
with its help text; and the conversion of the posted form into ``add_shop``/``update_shop`` arguments.

A setting left at its default is not stored, so a later change of the default reaches the shop.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, Regexp

from erpsync.core.errors import ValidationError
from erpsync.core.marketplaces import marketplace_info
from erpsync.models.shop_settings import SETTINGS, SettingSpec, validate_settings

# How the settings are grouped on the form; a setting not named here goes under "Other".
SETTING_GROUPS: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (_l("Synchronisation"), ("sync_orders", "sync_stock_prices", "poll_interval_minutes",
                             "stock_price_interval_minutes", "full_push_at", "feed_interval_minutes")),
    (_l("Orders"), ("auto_accept", "auto_invoice", "reservation_days", "delayed_payment_methods",
                    "delayed_payment_minutes")),
    (_l("Stock and prices"), ("warehouses", "price_type", "default_quantity", "zero_stock", "only_in_stock",
                              "only_with_photos")),
    (_l("Feed"), ("company", "url", "currency", "photo_base_url", "merchant_id", "store_ids", "storefront")),
)
OTHER_GROUP = _l("Other")

SETTING_LABELS: dict[str, Any] = {
    "sync_orders": _l("Import orders"),
    "sync_stock_prices": _l("Push stock and prices"),
    "poll_interval_minutes": _l("Order import interval, minutes"),
    "stock_price_interval_minutes": _l("Stock and price pass interval, minutes"),
    "full_push_at": _l("Full stock and price pass at (UTC)"),
    "feed_interval_minutes": _l("Feed render interval, minutes"),
    "warehouses": _l("Warehouses"),
    "price_type": _l("Price type"),
    "reservation_days": _l("Reservation, days"),
    "auto_invoice": _l("Invoice paid orders automatically"),
    "auto_accept": _l("Accept new orders automatically"),
    "delayed_payment_methods": _l("Hold unpaid orders paid by"),
    "delayed_payment_minutes": _l("Hold unpaid orders for, minutes"),
    "default_quantity": _l("Quantity for products without stock tracking"),
    "only_in_stock": _l("Only products in stock"),
    "only_with_photos": _l("Only products with photos"),
    "zero_stock": _l("Products without stock"),
    "company": _l("Company name"),
    "url": _l("Website"),
    "currency": _l("Currency"),
    "merchant_id": _l("Kaspi merchant id"),
    "store_ids": _l("Kaspi store ids"),
    "photo_base_url": _l("Photo base URL"),
    "storefront": _l("Kaufland storefront"),
}

CREDENTIAL_LABELS: dict[str, Any] = {
    "token": _l("API token"),
    "username": _l("Login"),
    "password": _l("Password"),
    "client_key": _l("Client key"),
    "secret_key": _l("Secret key"),
    "orders_url": _l("Orders file URL"),
}

_NAME = Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", message=_l("Use Latin letters, digits, dot, dash and underscore."))


def settings_for(marketplace: str) -> list[SettingSpec]:
    """The settings a shop of ``marketplace`` may carry, in declaration order."""
    return [spec for spec in SETTINGS if not spec.marketplaces or marketplace in spec.marketplaces]


def grouped_settings(marketplace: str) -> list[tuple[Any, list[SettingSpec]]]:
    specs = {spec.key: spec for spec in settings_for(marketplace)}
    groups = []
    for title, keys in SETTING_GROUPS:
        members = [specs.pop(key) for key in keys if key in specs]
        if members:
            groups.append((title, members))
    if specs:
        groups.append((OTHER_GROUP, list(specs.values())))
    return groups


def setting_label(spec: SettingSpec) -> Any:
    return SETTING_LABELS.get(spec.key, spec.key)


def setting_help(spec: SettingSpec) -> str:
    """The setting's explanation in the panel's language, with its default when it has one."""
    text = _(spec.help)
    if spec.default in (None, "", [], {}):
        return text
    default = (_("yes") if spec.default else _("no")) if spec.kind == "bool" else str(spec.default)
    return f"{text} {_('Default: %(value)s.', value=default)}"


def _setting_field(spec: SettingSpec) -> Field:
    label = setting_label(spec)
    if spec.kind == "bool":
        return BooleanField(label)
    if spec.kind == "choice":
        return SelectField(label, choices=[SelectChoice(choice) for choice in spec.choices])
    if spec.kind == "dict":
        return TextAreaField(label, validators=[Optional()])
    return StringField(label, validators=[Optional(), Length(max=4000)])


def shop_form_class(marketplace: str, *, creating: bool) -> type[FlaskForm]:
    """A FlaskForm (with its CSRF token) for a shop of ``marketplace``."""

    class ShopForm(FlaskForm):
        pass

    if creating:
        ShopForm.name = StringField(_l("Shop name"), validators=[InputRequired(), Length(max=128), _NAME])
    ShopForm.base_url = StringField(_l("API base URL"), validators=[Optional(), Length(max=1024)])
    ShopForm.enabled = BooleanField(_l("Switched on"), default=True)
    for key in marketplace_info(marketplace).credential_keys:
        setattr(ShopForm, f"credential_{key}", PasswordField(CREDENTIAL_LABELS.get(key, key),
                                                            validators=[Optional(), Length(max=4000)]))
    for spec in settings_for(marketplace):
        setattr(ShopForm, f"setting_{spec.key}", _setting_field(spec))
    return ShopForm


def _display(spec: SettingSpec, value: Any) -> Any:
    if value is None:
        return "" if spec.kind not in ("bool",) else False
    if spec.kind == "list":
        return ", ".join(value)
    if spec.kind == "dict":
        return "\n".join(f"{key}={item}" for key, item in value.items())
    if spec.kind in ("int",):
        return str(value)
    return value


def fill_form(form: FlaskForm, marketplace: str, effective: Mapping[str, Any], base_url: str, enabled: bool) -> None:
    """Put a shop's current values into a fresh form (credentials stay empty)."""
    form.base_url.data = base_url
    form.enabled.data = enabled
    for spec in settings_for(marketplace):
        form[f"setting_{spec.key}"].data = _display(spec, effective.get(spec.key, spec.default))


def _raw(spec: SettingSpec, data: Any) -> Any:
    """The posted value in the form ``validate_settings`` takes; None: back to the default."""
    if spec.kind in ("bool", "choice"):
        return data
    text = (data or "").strip()
    if not text:
        return None
    if spec.kind != "dict":
        return text
    entries: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if "=" not in line:
            raise ValidationError(_("line %(number)d: expected KEY=VALUE, got %(line)s", number=number, line=line))
        key, value = line.split("=", 1)
        entries[key.strip()] = value.strip()
    return entries


@dataclass
class PostedShop:
    base_url: str | None
    enabled: bool
    credentials: dict[str, str]
    settings: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # form field name → message


def read_form(form: FlaskForm, marketplace: str) -> PostedShop:
    """The shop as posted: credentials typed in (empty ones are kept as stored), settings checked one by one."""
    credentials = {
        key: form[f"credential_{key}"].data
        for key in marketplace_info(marketplace).credential_keys
        if form[f"credential_{key}"].data
    }
    posted = PostedShop((form.base_url.data or "").strip() or None, bool(form.enabled.data), credentials)
    for spec in settings_for(marketplace):
        name = f"setting_{spec.key}"
        try:
            raw = _raw(spec, form[name].data)
            if raw is None:
                continue
            value = validate_settings({spec.key: raw}, marketplace)[spec.key]
        except ValidationError as error:
            posted.errors[name] = error.message
            continue
        if value != spec.default:
            posted.settings[spec.key] = value
    return posted


def attach_errors(form: FlaskForm, errors: Mapping[str, str]) -> None:
    for name, message in errors.items():
        form[name].errors = [*form[name].errors, message]


def credential_fields(form: FlaskForm, marketplace: str) -> Iterable[tuple[str, Field]]:
    for key in marketplace_info(marketplace).credential_keys:
        yield key, form[f"credential_{key}"]
