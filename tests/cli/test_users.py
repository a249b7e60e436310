"""``erpsync user …``: users of the admin panel, passwords hashed, the last admin protected."""

from __future__ import annotations

from sqlalchemy import select

from erpsync.models import User
from erpsync.models.db import Database
from erpsync.sync.users import authenticate
from tests.conftest import Cli


def test_user_add_with_password_on_stdin_stores_only_a_scrypt_hash(cli: Cli, database: Database) -> None:
    result = cli("user", "add", "olena", "--role", "accountant", "--language", "uk", "--password-stdin",
                 input="correct horse battery\n")
    assert "user olena (accountant) added" in result.output
    with database.session() as session:
        user = session.scalars(select(User)).one()
        assert user.password_hash.startswith("scrypt:")
        assert "correct horse battery" not in user.password_hash
        assert (user.role, user.language, user.active) == ("accountant", "uk", True)
        assert authenticate(session, "Olena", "correct horse battery") is user
        assert authenticate(session, "olena", "wrong password!") is None


def test_user_add_prompts_twice_without_stdin_flag(cli: Cli, database: Database) -> None:
    cli("user", "add", "admin", "--role", "admin", input="long enough pw\nlong enough pw\n")
    with database.session() as session:
        assert authenticate(session, "admin", "long enough pw") is not None


def test_short_password_and_duplicate_name_are_refused_in_one_line(cli: Cli) -> None:
    result = cli("user", "add", "ivan", "--role", "admin", "--password-stdin", input="short\n", expect=1)
    assert result.output.strip() == "error: a password needs at least 10 characters"
    cli("user", "add", "ivan", "--role", "admin", "--password-stdin", input="long enough pw\n")
    result = cli("user", "add", "IVAN", "--role", "accountant", "--password-stdin", input="long enough pw\n",
                 expect=1)
    assert "a user named 'IVAN' exists already" in result.output


def test_list_set_password_disable_and_enable(cli: Cli, database: Database) -> None:
    assert "no users yet" in cli("user", "list").output
    cli("user", "add", "boss", "--role", "admin", "--password-stdin", input="first password\n")
    cli("user", "add", "anna", "--role", "accountant", "--password-stdin", input="first password\n")
    listed = cli("user", "list").output
    assert "anna" in listed and "boss" in listed and "never" in listed
    cli("user", "set-password", "anna", "--password-stdin", input="second password\n")
    cli("user", "disable", "anna")
    with database.session() as session:
        assert authenticate(session, "anna", "second password") is None  # disabled
    cli("user", "enable", "anna")
    cli("user", "set", "anna", "--language", "ru")
    with database.session() as session:
        user = authenticate(session, "anna", "second password")
        assert user is not None and user.language == "ru" and user.last_login_at is not None


def test_the_last_active_admin_cannot_be_disabled_or_demoted(cli: Cli) -> None:
    cli("user", "add", "boss", "--role", "admin", "--password-stdin", input="first password\n")
    result = cli("user", "disable", "boss", expect=1)
    assert "boss is the last active admin" in result.output
    cli("user", "set", "boss", "--role", "accountant", expect=1)
    cli("user", "add", "boss2", "--role", "admin", "--password-stdin", input="first password\n")
    cli("user", "set", "boss", "--role", "accountant")


def test_unknown_user_is_named(cli: Cli) -> None:
    result = cli("user", "disable", "nobody", expect=1)
    assert "no user named 'nobody'" in result.output
