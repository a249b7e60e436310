"""Users of the panel (admins only): add a user, change role, language, password, switch one off.

Users are never deleted (their names stay in the history); the last active admin cannot be demoted or
disabled. Passwords go through ``erpsync.sync.users`` (scrypt hashes), never into a form's display.
"""

from __future__ import annotations

from typing import Any

from flask import flash
from flask_admin.form import BaseForm
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_sqlalchemy_lite import SQLAlchemy
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from erpsync.admin.app import panel_db
from erpsync.admin.i18n import LANGUAGE_NAMES, ROLE_LABELS
from erpsync.admin.views.base import ChoiceFilter, PanelModelView
from erpsync.core.errors import ErpsyncError
from erpsync.models import User
from erpsync.sync.users import MIN_PASSWORD_LENGTH, ROLE_ADMIN, ROLES, add_user, set_password, update_user

MENU_ORDER = 90


def _role_choices() -> list[SelectChoice]:
    return [SelectChoice(role, ROLE_LABELS[role]) for role in ROLES]


def _language_choices() -> list[SelectChoice]:
    return [SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()]


ROLE_HELP = _l("Accountant: orders, mappings, the log, run buttons. Admin: also shops, credentials and users.")


class UserCreateForm(BaseForm):
    username = StringField(_l("User name"), validators=[InputRequired(), Length(max=128)])
    role = SelectField(_l("Role"), choices=_role_choices(), description=ROLE_HELP)
    language = SelectField(_l("Language"), choices=_language_choices())
    new_password = PasswordField(
        _l("Password"), validators=[InputRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1024)]
    )


class UserEditForm(BaseForm):
    role = SelectField(_l("Role"), choices=_role_choices(), description=ROLE_HELP)
    language = SelectField(_l("Language"), choices=_language_choices())
    active = BooleanField(_l("May log in"), default=True)
    new_password = PasswordField(
        _l("New password"),
        validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH, max=1024)],
        description=_l("Leave empty to keep the current password."),
    )


class UserView(PanelModelView):
    required_role = ROLE_ADMIN
    can_create = True
    can_edit = True
    column_list = ("username", "role", "language", "active", "last_login_at")
    column_details_list = ("username", "role", "language", "active", "last_login_at", "created_at")
    column_labels = {
        "username": _l("User name"), "role": _l("Role"), "language": _l("Language"), "active": _l("May log in"),
        "last_login_at": _l("Last login"), "created_at": _l("Created"),
    }
    column_formatters = {
        "role": lambda view, context, model, name: ROLE_LABELS.get(model.role, model.role),
        "language": lambda view, context, model, name: LANGUAGE_NAMES.get(model.language, model.language),
    }
    column_searchable_list = ("username",)
    column_default_sort = "username"
    form_create_rules = ("username", "role", "language", "new_password")
    form_edit_rules = ("role", "language", "active", "new_password")
    filter_keys = ("role",)

    def __init__(self, db: SQLAlchemy) -> None:
        self.column_filters = [ChoiceFilter(User.role, _l("Role"), ROLES, ROLE_LABELS)]
        super().__init__(User, db, name=_l("Users"), endpoint="users", url="users")

    def get_create_form(self) -> type[BaseForm]:
        return UserCreateForm

    def get_edit_form(self) -> type[BaseForm]:
        return UserEditForm

    def create_model(self, form: Any) -> User | bool:
        session = panel_db().session
        try:
            user = add_user(
                session,
                username=form.username.data,
                password=form.new_password.data,
                role=form.role.data,
                language=form.language.data,
            )
            session.commit()
        except ErpsyncError as error:
            session.rollback()
            flash(str(error), "error")
            return False
        flash(_("User %(name)s added.", name=user.username), "success")
        return user

    def update_model(self, form: Any, model: User) -> bool:
        session = panel_db().session
        try:
            if model.id == current_user.id and not form.active.data:
                flash(_("You cannot switch off your own user."), "error")
                return False
            update_user(session, model, role=form.role.data, language=form.language.data, active=form.active.data)
            if form.new_password.data:
                set_password(session, model, form.new_password.data)
            session.commit()
        except ErpsyncError as error:
            session.rollback()
            flash(str(error), "error")
            return False
        return True


def make_views(db: SQLAlchemy) -> list[UserView]:
    return [UserView(db)]
