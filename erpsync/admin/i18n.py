"""Languages of the panel (English, Ukrainian, Russian) with Flask-Babel, and how times are shown.

The language is the logged-in user's (``users.language``), else the one picked on the login page, else
English. Catalogs: ``erpsync/admin/translations/<lang>/LC_MESSAGES/messages.po`` and the compiled
``.mo`` next to it (both committed; ``scripts/translations.sh`` extracts, updates and compiles).
Times are stored in UTC and shown in ``ERPSYNC_TIMEZONE``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_request_context, session
from flask_babel import Babel, format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from erpsync.core.config import Settings
from erpsync.core.money import format_money
from erpsync.sync.users import DEFAULT_LANGUAGE, LANGUAGES, ROLE_ACCOUNTANT, ROLE_ADMIN

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "uk": "Українська", "ru": "Русский"}
ROLE_LABELS = {ROLE_ACCOUNTANT: _l("Accountant"), ROLE_ADMIN: _l("Admin")}
RUN_STATUS_LABELS = {
    "running": _l("running"),
    "success": _l("success"),
    "partial": _l("partly failed"),
    "failed": _l("failed"),
    "skipped": _l("skipped"),
}


ORDER_STATUS_LABELS = {
    "new": _l("new"),
    "accepted": _l("accepted"),
    "assembled": _l("assembled"),
    "shipped": _l("shipped"),
    "delivered": _l("delivered"),
    "completed": _l("completed"),
    "cancelled": _l("cancelled"),
    "returned": _l("returned"),
}


def order_status_label(status: str | None) -> str:
    """An accounting order status in the panel's language (a status it does not know stays as it is)."""
    return str(ORDER_STATUS_LABELS.get(status, status)) if status else ""


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def status_label(status: str) -> str:
    """A sync run's outcome in the panel's language."""
    return str(RUN_STATUS_LABELS.get(status, status))


def select_language() -> str:
    if not has_request_context():
        return DEFAULT_LANGUAGE
    if current_user and current_user.is_authenticated:
        return current_user.language
    chosen = session.get("language")
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def display_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def local_time(value: datetime | None, pattern: str = "yyyy-MM-dd HH:mm") -> str:
    """A stored (UTC) time in the panel's time zone; an empty text for no time."""
    if value is None:
        return ""
    return format_datetime(value, pattern)


def local_day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants where ``day`` starts and ends in ``zone`` (an aware half-open interval)."""
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))


def install_i18n(app: Flask, settings: Settings) -> Babel:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", settings.timezone)
    babel = Babel(app, locale_selector=select_language, default_translation_directories=str(TRANSLATIONS_DIR))
    app.jinja_env.filters["localtime"] = local_time
    app.jinja_env.globals.update(
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        role_label=role_label,
        status_label=status_label,
        order_status_label=order_status_label,
        money=format_money,
        get_locale=get_locale,
    )
    return babel
