"""Logging in and out of the panel (Flask-Login), the language switch, and who the current user is.

A session stores the user's id and a fingerprint of the password hash: changing a password or
disabling a user ends that user's sessions at their next request.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from erpsync.admin.app import app_database, app_settings, panel_db
from erpsync.admin.ratelimit import LoginLimits, LoginThrottle, make_throttle
from erpsync.models import User
from erpsync.sync.users import LANGUAGES, authenticate, has_role
from erpsync.sync.users import update_user as change_user

blueprint = Blueprint("auth", __name__)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PanelUser:
    """The logged-in person as Flask-Login sees them (a plain value, not a database row)."""

    id: int
    username: str
    role: str
    language: str
    fingerprint: str

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.id}:{self.fingerprint}"

    def can(self, role: str) -> bool:
        """Whether this user has ``role`` (an admin has every role)."""
        return has_role(self.role, role)

    @classmethod
    def of(cls, user: User) -> PanelUser:
        return cls(user.id, user.username, user.role, user.language, _fingerprint(user.password_hash))


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()[:20]


def load_user(user_id: str) -> PanelUser | None:
    number, _, fingerprint = user_id.partition(":")
    if not number.isdigit():
        return None
    user = panel_db().session.get(User, int(number))
    if user is None or not user.active or not hmac.compare_digest(fingerprint, _fingerprint(user.password_hash)):
        return None
    return PanelUser.of(user)


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[InputRequired(), Length(max=128)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=1024)])


def safe_next(target: str | None) -> str | None:
    """The URL of ``target``, a path inside this app (as ``request.full_path`` gives it), or None when it
    is anything else (another host, a scheme); the app's mount point (SCRIPT_NAME) is put in front."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return request.script_root + target


def throttle() -> LoginThrottle:
    return current_app.extensions["erpsync_login_throttle"]


def _minutes(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return ngettext("%(num)d minute", "%(num)d minutes", minutes)


@dataclass(frozen=True)
class LoginAttempt:
    user: PanelUser | None
    status: int = 200  # of the answer when the login failed
    retry_after: int = 0


def _try_login(form: LoginForm) -> LoginAttempt:
    """Check the rate limit, then the password."""
    username = form.username.data or ""
    address = request.remote_addr
    wait = throttle().retry_after(username, address)
    if wait:
        log.warning("login of %r from %s refused: too many failed logins (%d s left)", username, address, wait)
        flash(_("Too many failed logins. Try again in %(time)s.", time=_minutes(wait)), "error")
        return LoginAttempt(None, 429, wait)
    db_session = panel_db().session
    user = authenticate(db_session, username, form.password.data or "")
    if user is None:
        db_session.rollback()
        throttle().record_failure(username, address)
        log.info("failed login of %r from %s", username, address)
        flash(_("Wrong user name or password, or the user is disabled."), "error")
        return LoginAttempt(None)
    db_session.commit()
    throttle().record_success(username)
    return LoginAttempt(PanelUser.of(user))


@blueprint.route("/admin/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    target = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(target or url_for("admin.index"))
    form = LoginForm()
    attempt = LoginAttempt(None)
    if form.validate_on_submit():
        attempt = _try_login(form)
        if attempt.user is not None:
            language = session.get("language")
            session.clear()  # nothing from before the login is carried into the user's session
            if language:
                session["language"] = language
            session.permanent = True
            login_user(attempt.user)
            return redirect(target or url_for("admin.index"))
    response = current_app.make_response((render_template("erpsync/login.html", form=form), attempt.status))
    if attempt.retry_after:
        response.headers["Retry-After"] = str(attempt.retry_after)
    return response


@blueprint.route("/admin/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@blueprint.route("/admin/language", methods=["POST"])
def language() -> ResponseReturnValue:
    """Switch the panel's language; for a logged-in user it is remembered on their user row."""
    chosen = request.form.get("language", "")
    if chosen in LANGUAGES:
        session["language"] = chosen
        if current_user.is_authenticated:
            db_session = panel_db().session
            user = db_session.get(User, current_user.id)
            if user is not None:
                change_user(db_session, user, language=chosen)
                db_session.commit()
                login_user(PanelUser.of(user))
    return redirect(safe_next(request.form.get("next")) or url_for("admin.index"))


@blueprint.route("/")
def root() -> ResponseReturnValue:
    return redirect(url_for("admin.index"))


def install_login(app: Flask) -> LoginManager:
    manager = LoginManager(app)
    manager.user_loader(load_user)
    manager.login_view = "auth.login"
    manager.session_protection = "basic"
    with app.app_context():
        limits = LoginLimits(
            per_user=int(app.config["ERPSYNC_LOGIN_LIMIT_PER_USER"]),
            per_address=int(app.config["ERPSYNC_LOGIN_LIMIT_PER_ADDRESS"]),
            window_seconds=int(app.config["ERPSYNC_LOGIN_WINDOW_SECONDS"]),
        )
        app.extensions["erpsync_login_throttle"] = make_throttle(app_settings().redis_url, app_database(), limits)
    app.register_blueprint(blueprint)
    return manager
