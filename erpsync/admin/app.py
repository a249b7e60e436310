"""The Flask app factory: public blueprints, security, languages, login and the Flask-Admin panel.

``create_app(settings, database, **config)``: ``settings`` default to the environment, ``database`` to
one opened on ``settings.database_url``; ``config`` overrides Flask configuration (e.g. the login
limits ``ERPSYNC_LOGIN_LIMIT_PER_USER``, ``ERPSYNC_LOGIN_LIMIT_PER_ADDRESS``,
``ERPSYNC_LOGIN_WINDOW_SECONDS``).

One engine serves everything: the ``Database``'s (with its SQLite pragmas and pool settings).
Flask-SQLAlchemy-Lite is set up on that engine, and its ``db`` object is what the Flask-Admin model
views are given; its session lives for one request (closed when the app context ends).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any

from flask import Flask, current_app
from flask_sqlalchemy_lite import SQLAlchemy

from erpsync.core.config import Settings, load_settings
from erpsync.models.db import Database


def create_app(
    settings: Settings | None = None, database: Database | None = None, **config: Any
) -> Flask:
    """Build the web app on ``settings`` (default: the environment) and ``database``."""
    from erpsync.admin.i18n import install_i18n
    from erpsync.admin.panel import install_panel
    from erpsync.admin.security import install_security, security_config

    settings = settings or load_settings()
    app = Flask("erpsync.admin")
    app.config.update(security_config(settings))
    app.config.update(
        ERPSYNC_LOGIN_LIMIT_PER_USER=5, ERPSYNC_LOGIN_LIMIT_PER_ADDRESS=20, ERPSYNC_LOGIN_WINDOW_SECONDS=900
    )
    app.config.update(config)
    app.extensions["erpsync_settings"] = settings
    database = database or Database(settings.database_url)
    app.extensions["erpsync_database"] = database
    _install_db(app, database)
    public = _register_public_blueprints(app)
    install_security(app, settings, public)
    install_i18n(app, settings)
    install_panel(app)
    return app


def _install_db(app: Flask, database: Database) -> SQLAlchemy:
    """Flask-SQLAlchemy-Lite on the ``Database``'s own engine: no second engine, no second configuration."""
    db = SQLAlchemy(require_default_engine=False, session_options={"bind": database.engine, "expire_on_commit": False})
    before = list(app.teardown_appcontext_funcs)
    db.init_app(app)
    # No async engine is configured, so the extension's async teardown has nothing to close; left in, it
    # would run through asgiref with an event loop of its own at the end of every request.
    app.teardown_appcontext_funcs[:] = [
        func for func in app.teardown_appcontext_funcs if func in before or not inspect.iscoroutinefunction(func)
    ]
    with app.app_context():
        db.engines["default"] = database.engine
    return db


def _register_public_blueprints(app: Flask) -> list[str]:
    """Register every module of ``erpsync.admin.blueprints`` that defines ``blueprint``; they are public."""
    from erpsync.admin import blueprints

    names = []
    for module_info in sorted(pkgutil.iter_modules(blueprints.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{blueprints.__name__}.{module_info.name}")
        blueprint = getattr(module, "blueprint", None)
        if blueprint is not None:
            app.register_blueprint(blueprint)
            names.append(blueprint.name)
    return names


def app_settings() -> Settings:
    return current_app.extensions["erpsync_settings"]


def app_database() -> Database:
    return current_app.extensions["erpsync_database"]


def panel_db() -> SQLAlchemy:
    """The Flask-SQLAlchemy-Lite object: ``panel_db().session`` is the request's session."""
    return current_app.extensions["sqlalchemy"]
