"""Engines, sessions and schema checks for the accounting database (SQLite or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from erpsync.core.errors import DatabaseError
from erpsync.models.changes import track_changes

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def safe_url(url: str) -> str:
    """The URL with its password hidden, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the settings erpsync needs on each backend."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            folder = Path(database).parent
            if not folder.exists():
                raise DatabaseError(
                    f"the folder of the SQLite database {database} does not exist",
                    hint="create it or point ERPSYNC_DATABASE_URL elsewhere",
                )
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 5)
    kwargs.setdefault("max_overflow", 10)
    return create_engine(url, **kwargs)


def check_connection(engine: Engine) -> None:
    """Connect once; an unreachable database becomes one clear ``DatabaseError``."""
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        hint = (
            "is PostgreSQL running and does the database exist? (make test starts it; "
            "createdb NAME creates a database)"
            if engine.dialect.name == "postgresql"
            else "check ERPSYNC_DATABASE_URL"
        )
        raise DatabaseError(
            f"cannot connect to the database {safe_url(str(engine.url))}: {reason}", hint=hint
        ) from None


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    if not (MIGRATIONS_DIR / "env.py").exists():
        raise DatabaseError(
            f"the migrations folder {MIGRATIONS_DIR} is missing",
            hint="install erpsync from its source tree (pip install -e .)",
        )
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["database_url"] = url
    return config


def head_revision(url: str) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    check_connection(engine)
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision``."""
    from alembic import command

    engine = make_engine(url)
    try:
        check_connection(engine)
    finally:
        engine.dispose()
    command.upgrade(alembic_config(url), revision)


def require_schema(engine: Engine) -> None:
    """Refuse to run on a database whose schema is missing or behind the code's migrations."""
    current = current_revision(engine)
    head = head_revision(str(engine.url.render_as_string(hide_password=False)))
    if current is None:
        has_tables = bool(inspect(engine).get_table_names())
        what = "has tables but no migration record" if has_tables else "has no erpsync schema yet"
        raise DatabaseError(
            f"the database {safe_url(str(engine.url))} {what}", hint="run `erpsync db upgrade`"
        )
    if current != head:
        raise DatabaseError(
            f"the database schema is at revision {current}, the code needs {head}",
            hint="run `erpsync db upgrade`",
        )


class Database:
    """An engine and its session factory."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        track_changes(self.sessions)  # stock and price changes queue their pushes in the outbox

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on error."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


__all__ = [
    "Database",
    "ProgrammingError",
    "alembic_config",
    "check_connection",
    "current_revision",
    "head_revision",
    "make_engine",
    "require_schema",
    "safe_url",
    "upgrade",
]
