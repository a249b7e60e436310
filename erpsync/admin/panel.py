"""The Flask-Admin panel at ``/admin/``: the dashboard as its home, then the pages of ``erpsync.admin.views``.

Every module of ``erpsync.admin.views`` that defines ``make_views(db)`` (returning fresh Flask-Admin
views) and ``MENU_ORDER`` (an int: where its pages go in the menu) is added, so a feature brings its
pages without editing this file. Views derive from ``erpsync.admin.views.base`` (``PanelView``,
``PanelModelView``), which check the role they require.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from flask import Flask, render_template
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import gettext as _
from flask_sqlalchemy_lite import SQLAlchemy

from erpsync.admin.auth import install_login


def view_modules() -> list[ModuleType]:
    """The modules of ``erpsync.admin.views`` that bring pages, in menu order."""
    from erpsync.admin import views

    modules = []
    for module_info in pkgutil.iter_modules(views.__path__):
        module = importlib.import_module(f"{views.__name__}.{module_info.name}")
        if callable(getattr(module, "make_views", None)):
            modules.append(module)
    return sorted(modules, key=lambda m: (getattr(m, "MENU_ORDER", 100), m.__name__))


def install_panel(app: Flask) -> Admin:
    from erpsync.admin.views.base import filtered_list_url, pretty_json
    from erpsync.admin.views.dashboard import DashboardView

    install_login(app)
    db: SQLAlchemy = app.extensions["sqlalchemy"]
    admin = Admin(
        app,
        name="erpsync",
        url="/admin",
        index_view=DashboardView(),
        theme=Bootstrap4Theme(base_template="erpsync/base.html", fluid=True),
    )
    with app.app_context():  # Flask-Admin looks at ``db.session`` when a view is made: it needs the app
        for module in view_modules():
            admin.add_views(*module.make_views(db))
    app.jinja_env.globals.update(filtered_list_url=filtered_list_url, pretty_json=pretty_json)

    @app.errorhandler(403)
    def forbidden(_error: Exception) -> tuple[str, int]:
        reason = _("Your role does not allow this page. Ask an admin if you need it.")
        return render_template("erpsync/error.html", status=403, reason=reason), 403

    return admin
