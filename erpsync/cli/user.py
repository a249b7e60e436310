"""``erpsync user add|list|set-password|set|disable|enable``: the people who log in to the admin panel."""

from __future__ import annotations

import sys

import click

from erpsync.cli.context import AppContext, pass_app
from erpsync.cli.output import print_table
from erpsync.core.errors import ValidationError
from erpsync.sync.users import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    ROLES,
    add_user,
    get_user,
    list_users,
    set_password,
    update_user,
)


def _read_password(from_stdin: bool) -> str:
    """The first line of stdin (for scripts), or a hidden prompt asked twice."""
    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise ValidationError("no password on standard input (give it on the first line)")
        return password
    return click.prompt("password", hide_input=True, confirmation_prompt=True)


@click.group("user")
def user_group() -> None:
    """Users of the admin panel: accountants and admins."""


@user_group.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES), help="accountant: mappings, orders, log; "
              "admin: also shops, credentials and users.")
@click.option("--language", type=click.Choice(LANGUAGES), default=DEFAULT_LANGUAGE, show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@pass_app
def user_add(app: AppContext, username: str, role: str, language: str, password_stdin: bool) -> None:
    """Add a user who can log in to the admin panel."""
    database = app.database()
    password = _read_password(password_stdin)
    with database.session() as session:
        add_user(session, username=username, password=password, role=role, language=language)
    click.echo(f"user {username} ({role}) added")


@user_group.command("list")
@pass_app
def user_list(app: AppContext) -> None:
    """List the users."""
    with app.database().session() as session:
        rows = [
            (u.username, u.role, u.language, "yes" if u.active else "no",
             u.last_login_at.strftime("%Y-%m-%d %H:%M UTC") if u.last_login_at else "never")
            for u in list_users(session)
        ]
    if not rows:
        click.echo("no users yet: add the first admin with `erpsync user add NAME --role admin`")
        return
    print_table(None, ["user", "role", "language", "active", "last login"], rows)


@user_group.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@pass_app
def user_set_password(app: AppContext, username: str, password_stdin: bool) -> None:
    """Give a user a new password."""
    database = app.database()
    with database.session() as session:
        user = get_user(session, username)
        set_password(session, user, _read_password(password_stdin))
    click.echo(f"password of {username} changed")


@user_group.command("set")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES))
@click.option("--language", type=click.Choice(LANGUAGES))
@pass_app
def user_set(app: AppContext, username: str, role: str | None, language: str | None) -> None:
    """Change a user's role or language."""
    with app.database().session() as session:
        update_user(session, get_user(session, username), role=role, language=language)
    click.echo(f"user {username} updated")


@user_group.command("disable")
@click.argument("username")
@pass_app
def user_disable(app: AppContext, username: str) -> None:
    """Stop a user from logging in (the user stays in the history)."""
    with app.database().session() as session:
        update_user(session, get_user(session, username), active=False)
    click.echo(f"user {username} disabled")


@user_group.command("enable")
@click.argument("username")
@pass_app
def user_enable(app: AppContext, username: str) -> None:
    """Let a disabled user log in again."""
    with app.database().session() as session:
        update_user(session, get_user(session, username), active=True)
    click.echo(f"user {username} enabled")


COMMANDS = [user_group]
