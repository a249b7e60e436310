"""``erpsync init`` and ``erpsync db upgrade|current``."""

from __future__ import annotations

import click

from erpsync.cli.context import AppContext, pass_app
from erpsync.core.config import create_key_file
from erpsync.models.db import current_revision, head_revision, safe_url, upgrade


@click.group("db")
def db_group() -> None:
    """The accounting database's schema (Alembic migrations)."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@pass_app
def db_upgrade(app: AppContext, revision: str) -> None:
    """Create or migrate the schema of ERPSYNC_DATABASE_URL."""
    url = app.settings.database_url
    upgrade(url, revision)
    click.echo(f"database {safe_url(url)} is at revision {current_revision(app.database(migrated=False).engine)}")


@db_group.command("current")
@pass_app
def db_current(app: AppContext) -> None:
    """Show the schema revision of the database and the code's latest."""
    url = app.settings.database_url
    current = current_revision(app.database(migrated=False).engine)
    head = head_revision(url)
    state = "up to date" if current == head else "run `erpsync db upgrade`"
    click.echo(f"{safe_url(url)}: {current or 'no schema'} (latest {head}; {state})")


@click.command("init")
@pass_app
def init(app: AppContext) -> None:
    """Create the secret key (if none is configured) and the database schema."""
    settings = app.settings
    if settings.secret_key is None:
        create_key_file(settings.key_file)
        click.echo(
            f"created the secret key file {settings.key_file}: it encrypts shop credentials. "
            "Back it up and keep it out of version control (or set ERPSYNC_SECRET_KEY instead)."
        )
    upgrade(settings.database_url)
    click.echo(f"database {safe_url(settings.database_url)} is ready")


COMMANDS = [db_group, init]
