"""Security of the web app: the session secret, cookie flags, CSRF, security headers and the access gate.

The gate is default-deny: every endpoint needs a logged-in user except

- the endpoints of the public blueprints (modules in ``erpsync.admin.blueprints``: ``/healthz``, feed
  URLs, push receivers — they authenticate by their own means: an unguessable token, a signature);
- the login page, the language switch on it, and static files.

The Flask session secret is derived from ``ERPSYNC_SECRET_KEY`` (HMAC with a fixed label), so every
web process of one installation shares it and nothing is hard-coded. Without a secret key the public
endpoints still answer, and the panel explains how to create one.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import timedelta

from flask import Flask, Response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from erpsync.core.config import Settings

SESSION_LABEL = b"erpsync admin panel session v1"
# Endpoints of the panel that answer without a session.
ANONYMOUS_ENDPOINTS = frozenset({"auth.login", "auth.language", "auth.root"})


def session_secret(secret_key: str) -> str:
    """The Flask session key of an installation: HMAC-SHA256 of a fixed label under ``ERPSYNC_SECRET_KEY``."""
    return hmac.new(secret_key.encode("ascii"), SESSION_LABEL, hashlib.sha256).hexdigest()


def secure_cookies(settings: Settings) -> bool:
    """``ERPSYNC_SECURE_COOKIES`` when set, else whether the public URL is https."""
    if settings.secure_cookies is not None:
        return settings.secure_cookies
    return settings.public_url.startswith("https://")


def security_config(settings: Settings) -> dict[str, object]:
    """Flask configuration for sessions, cookies and CSRF (the caller's own config may override it)."""
    secure = secure_cookies(settings)
    config: dict[str, object] = {
        "SESSION_COOKIE_NAME": "erpsync_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,  # a form left open for a working day still submits
        "WTF_CSRF_SSL_STRICT": True,
    }
    if settings.secret_key:
        config["SECRET_KEY"] = session_secret(settings.secret_key)
    return config


def _is_public(endpoint: str, public_blueprints: frozenset[str]) -> bool:
    """Static files and the public blueprints: they answer whatever the panel's state."""
    if endpoint == "static" or endpoint.endswith(".static"):
        return True
    return endpoint.rpartition(".")[0] in public_blueprints


def install_security(app: Flask, settings: Settings, public_blueprints: Iterable[str]) -> CSRFProtect:
    """CSRF on every form of the panel, the access gate, security headers, and X-Forwarded-* if trusted."""
    public = frozenset(public_blueprints)
    csrf = CSRFProtect(app)
    for name in public:  # they take no session, so no CSRF token either; they check their own token/signature
        csrf.exempt(app.blueprints[name])
    if settings.trusted_proxies:
        count = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_prefix=count)

    @app.before_request
    def gate() -> Response | tuple[str, int] | None:
        endpoint = request.endpoint
        if endpoint is None or _is_public(endpoint, public):
            return None
        if not app.config.get("SECRET_KEY"):
            return render_template("erpsync/no_secret.html"), 503
        if endpoint in ANONYMOUS_ENDPOINTS or current_user.is_authenticated:
            return None
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    @app.after_request
    def headers(response: Response) -> Response:
        endpoint = request.endpoint or ""
        if request.blueprint in public or endpoint == "static" or endpoint.endswith(".static"):
            return response
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(CSRFError)
    def csrf_refused(error: CSRFError) -> tuple[str, int]:
        reason = _("This form has expired or did not come from this site. Go back, reload the page and try again.")
        return render_template("erpsync/error.html", status=400, reason=reason, detail=error.description), 400

    return csrf
