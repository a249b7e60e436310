"""What every command shares: the configuration and the database, opened on first use."""

from __future__ import annotations

import click

from erpsync.core.config import Settings, load_settings
from erpsync.models.db import Database, check_connection, require_schema


class AppContext:
    def __init__(self) -> None:
        self._settings: Settings | None = None
        self._database: Database | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings()
        return self._settings

    def database(self, *, migrated: bool = True) -> Database:
        """The accounting database; with ``migrated`` (the default) refuse an unmigrated schema."""
        if self._database is None:
            database = Database(self.settings.database_url)
            check_connection(database.engine)
            if migrated:
                require_schema(database.engine)
            self._database = database
        return self._database

    def close(self) -> None:
        if self._database is not None:
            self._database.dispose()
            self._database = None


pass_app = click.make_pass_decorator(AppContext)
