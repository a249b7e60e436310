"""Shared fixtures: the accounting database on SQLite and on the real PostgreSQL, the real Redis,
a secret key, and a runner for the ``erpsync`` command line.

Environment (so that several checkouts can run the suite at once on one machine):
- ``ERPSYNC_TEST_PG_URL``: the server (default ``postgresql+psycopg://postgres@127.0.0.1:5432``);
- ``ERPSYNC_TEST_PG_DB``: the test database, created and dropped here (default ``erpsync_test``);
- ``ERPSYNC_TEST_REDIS_DB``: the Redis database index used and flushed by tests (default 15).
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from erpsync.models import Base
from erpsync.models.db import Database, upgrade

PG_SERVER = os.environ.get("ERPSYNC_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")
PG_DB = os.environ.get("ERPSYNC_TEST_PG_DB", "erpsync_test")
REDIS_DB = int(os.environ.get("ERPSYNC_TEST_REDIS_DB", "15"))
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"

pytest_plugins = [
    "tests.jobs.fixtures",  # a shop with listed products, a worker's environment
    "tests.sync.order_fixtures",  # the Kaspi sandbox and a Kaspi shop with a small catalog, for orders
    "tests.sync.catalog_fixtures",  # a Kasta sandbox and shop, a clothes catalog mapped to it
]


def _recreate_pg_database(name: str) -> str:
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return f"{PG_SERVER}/{name}"


def _hold_exclusively(resource: str, variable: str) -> Iterator[None]:
    """Hold a lock file for ``resource`` while the session runs: two test runs on one machine sharing a
    Redis or PostgreSQL test database flush and recreate it under each other's feet (jobs vanish, locks
    collide, runs are "skipped") — the second run stops at once with what to set instead."""
    path = Path(tempfile.gettempdir()) / f"erpsync-test-{resource}.lock"
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            pytest.fail(f"{resource} is in use by another test run (pid {handle.read().strip() or '?'}): give this "
                        f"run its own with {variable}", pytrace=False)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def own_pg_database() -> Iterator[None]:
    yield from _hold_exclusively(f"postgresql-{PG_DB}", "ERPSYNC_TEST_PG_DB=NAME")


@pytest.fixture(scope="session")
def own_redis_database() -> Iterator[None]:
    yield from _hold_exclusively(f"redis-{REDIS_DB}", "ERPSYNC_TEST_REDIS_DB=N")


@pytest.fixture(scope="session")
def pg_url(own_pg_database: None) -> str:
    """A freshly created and migrated PostgreSQL test database."""
    url = _recreate_pg_database(PG_DB)
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'erpsync.db'}"
    upgrade(url)
    return url


def _wipe(database: Database) -> None:
    tables = list(reversed(Base.metadata.sorted_tables))
    if database.dialect == "postgresql":
        with database.engine.begin() as connection:
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    with database.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        for table in tables:
            connection.execute(table.delete())
        connection.commit()
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest) -> Iterator[Database]:
    """The accounting database, once on SQLite and once on PostgreSQL; empty at the start of each test."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    db = Database(url)
    _wipe(db)
    try:
        yield db
    finally:
        _wipe(db)
        db.dispose()


@pytest.fixture
def pg_database(pg_url: str) -> Iterator[Database]:
    """PostgreSQL only (row locks, SKIP LOCKED, concurrency)."""
    db = Database(pg_url)
    _wipe(db)
    try:
        yield db
    finally:
        _wipe(db)
        db.dispose()


@pytest.fixture
def redis_url(own_redis_database: None) -> Iterator[str]:
    """The real Redis, on a database index of its own, flushed before and after."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    try:
        yield REDIS_URL
    finally:
        client.flushdb()
        client.close()


@pytest.fixture(scope="session")
def secret_key() -> str:
    return Fernet.generate_key().decode()


class Cli:
    """Runs ``erpsync`` in-process with a given environment and working folder."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env = env
        self.cwd = cwd

    def __call__(self, *args: str, expect: int | None = 0, input: str | None = None) -> Result:
        from erpsync.cli import main

        runner = CliRunner()
        old = Path.cwd()
        os.chdir(self.cwd)
        try:
            result = runner.invoke(main, list(args), env=self.env, input=input, catch_exceptions=True)
        finally:
            os.chdir(old)
        if expect is not None and result.exit_code != expect:
            raise AssertionError(
                f"erpsync {' '.join(args)} exited {result.exit_code}, expected {expect}\n"
                f"output:\n{result.output}\nexception: {result.exception!r}"
            )
        return result


@pytest.fixture
def cli(database: Database, secret_key: str, tmp_path: Path) -> Cli:
    """The command line against the ``database`` fixture (both backends)."""
    env = {
        "ERPSYNC_DATABASE_URL": database.url,
        "ERPSYNC_SECRET_KEY": secret_key,
        "ERPSYNC_MAPPINGS_DIR": str(Path(__file__).resolve().parents[1] / "mappings"),
        "ERPSYNC_FEED_DIR": str(tmp_path / "feeds"),
        "ERPSYNC_REDIS_URL": "",
    }
    return Cli(env, tmp_path)
