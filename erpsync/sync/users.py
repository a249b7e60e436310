"""People who use the admin panel: create, change, authenticate (passwords hashed with werkzeug's scrypt).

Two roles: an *accountant* works with mappings, orders, the log and the run buttons; an *admin* also
manages shops, their credentials and the users. A user is never deleted, only disabled, so that the
history (mapping revisions, status changes) keeps naming real people.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from erpsync.core.errors import NotFoundError, ValidationError
from erpsync.models import User, utcnow

ROLE_ACCOUNTANT = "accountant"
ROLE_ADMIN = "admin"
ROLES: tuple[str, ...] = (ROLE_ACCOUNTANT, ROLE_ADMIN)

# The languages of the admin panel; English is the default.
LANGUAGES: tuple[str, ...] = ("en", "uk", "ru")
DEFAULT_LANGUAGE = "en"

MIN_PASSWORD_LENGTH = 10
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$")
# Compared against when the user does not exist, so that an unknown name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("erpsync: no such user")


def hash_password(password: str) -> str:
    """A salted scrypt hash (werkzeug's default method)."""
    return generate_password_hash(password, method="scrypt")


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if password.strip() != password:
        raise ValidationError("a password may not start or end with spaces")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValidationError(f"unknown role {role!r}: roles are {', '.join(ROLES)}")


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValidationError(f"unknown language {language!r}: the panel speaks {', '.join(LANGUAGES)}")


def find_user(session: Session, username: str) -> User | None:
    """The user of that name, compared case-insensitively."""
    return session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))


def get_user(session: Session, username: str) -> User:
    user = find_user(session, username)
    if user is None:
        raise NotFoundError(f"no user named {username!r}", hint="list them with `erpsync user list`")
    return user


def add_user(
    session: Session, *, username: str, password: str, role: str, language: str = DEFAULT_LANGUAGE
) -> User:
    """Create an active user; the name must be free (case-insensitively) and the password long enough."""
    username = username.strip()
    if not _USERNAME.match(username):
        raise ValidationError(
            f"user name {username!r} is not allowed: use letters, digits and . _ @ - (up to 128 characters)"
        )
    if find_user(session, username) is not None:
        raise ValidationError(f"a user named {username!r} exists already")
    _check_role(role)
    _check_language(language)
    check_password_rules(password)
    user = User(username=username, password_hash=hash_password(password), role=role, language=language, active=True)
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    check_password_rules(password)
    user.password_hash = hash_password(password)
    session.flush()


def _active_admins(session: Session) -> int:
    return session.scalar(
        select(func.count()).select_from(User).where(User.role == ROLE_ADMIN, User.active.is_(True))
    ) or 0


def update_user(
    session: Session,
    user: User,
    *,
    role: str | None = None,
    language: str | None = None,
    active: bool | None = None,
) -> User:
    """Change a user's role, language or switch; the last active admin can be neither demoted nor disabled."""
    if role is not None:
        _check_role(role)
    if language is not None:
        _check_language(language)
    loses_admin = user.role == ROLE_ADMIN and user.active and (
        (role is not None and role != ROLE_ADMIN) or active is False
    )
    if loses_admin and _active_admins(session) <= 1:
        raise ValidationError(
            f"{user.username} is the last active admin: make another user admin first",
            hint="erpsync user add NAME --role admin",
        )
    if role is not None:
        user.role = role
    if language is not None:
        user.language = language
    if active is not None:
        user.active = active
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with that name and password, or None; records the time of a successful login."""
    user = find_user(session, username) if username.strip() else None
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    user.last_login_at = utcnow()
    session.flush()
    return user


def list_users(session: Session) -> Sequence[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def has_role(user_role: str, required: str) -> bool:
    """An admin may do everything an accountant may."""
    return user_role in (ROLE_ADMIN, required)
