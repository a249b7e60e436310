"""The Flask app factory."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from flask import Flask, current_app

from erpsync.core.config import Settings, load_settings
from erpsync.models.db import Database


def create_app(
    settings: Settings | None = None, database: Database | None = None, **config: Any
) -> Flask:
    """Build the web app on ``settings`` (default: the environment) and ``database``."""
    settings = settings or load_settings()
    app = Flask("erpsync.admin")
    app.config.update(config)
    app.extensions["erpsync_settings"] = settings
    app.extensions["erpsync_database"] = database or Database(settings.database_url)
    from erpsync.admin import blueprints

    for module_info in sorted(pkgutil.iter_modules(blueprints.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{blueprints.__name__}.{module_info.name}")
        blueprint = getattr(module, "blueprint", None)
        if blueprint is not None:
            app.register_blueprint(blueprint)
    return app


def app_settings() -> Settings:
    return current_app.extensions["erpsync_settings"]


def app_database() -> Database:
    return current_app.extensions["erpsync_database"]
