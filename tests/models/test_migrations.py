"""Migrations produce exactly the models' schema, on SQLite and on PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from erpsync.models import Base
from erpsync.models.db import Database, head_revision, require_schema


def test_autogenerate_finds_no_difference(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_database_is_at_the_head_revision(database: Database) -> None:
    require_schema(database.engine)
    assert head_revision(database.url) is not None
