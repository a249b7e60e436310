"""Run locks: one run of a kind per shop at a time.

- With Redis (``RedisLocks``): a Redis lock per (kind group, shop) holding a random owner token,
  with an expiry (``REDIS_LOCK_SECONDS``) that a running job keeps extending; only the owner can
  extend or release it (redis-py's ``Lock``, checked by a Lua script). A worker that dies stops
  extending, and the lock frees itself after the expiry. Works across workers and hosts.
- Inline, without Redis (``InlineLocks``): on PostgreSQL a session advisory lock
  (``pg_try_advisory_lock``) held on its own connection — it covers every process using that
  database, and frees itself if the process dies; on an SQLite file an ``flock`` on a file in the
  folder ``<database>-locks/`` beside it — every process on that host; on an in-memory SQLite
  database a lock inside the process.

A lock that is taken is never waited for: the run is skipped.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Protocol

from redis import Redis
from redis.exceptions import LockError
from redis.lock import Lock
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

from erpsync.models.db import Database

REDIS_LOCK_SECONDS = 60
LOCK_PREFIX = "erpsync:lock:"


class RunLock(Protocol):
    def acquire(self) -> bool: ...

    def extend(self) -> bool: ...

    def release(self) -> None: ...


class LockFactory(Protocol):
    def lock(self, name: str) -> RunLock: ...


class RedisRunLock:
    def __init__(self, connection: Redis, name: str, seconds: int = REDIS_LOCK_SECONDS) -> None:
        self._lock = Lock(connection, LOCK_PREFIX + name, timeout=seconds, blocking=False, thread_local=False)
        self.heartbeat_seconds = seconds / 3

    def acquire(self) -> bool:
        return bool(self._lock.acquire(blocking=False))

    def extend(self) -> bool:
        """Reset the expiry; False when the lock is no longer ours (it expired and was taken)."""
        try:
            return bool(self._lock.reacquire())
        except LockError:
            return False

    def release(self) -> None:
        with suppress(LockError):  # expired meanwhile: nothing of ours to release
            self._lock.release()

    def owned(self) -> bool:
        return bool(self._lock.owned())


class RedisLocks:
    def __init__(self, connection: Redis, seconds: int = REDIS_LOCK_SECONDS) -> None:
        self.connection = connection
        self.seconds = seconds

    def lock(self, name: str) -> RedisRunLock:
        return RedisRunLock(self.connection, name, self.seconds)


def _advisory_key(name: str) -> int:
    digest = hashlib.blake2b(f"erpsync-run:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class AdvisoryRunLock:
    """A PostgreSQL session advisory lock on a connection of its own."""

    def __init__(self, database: Database, name: str) -> None:
        self.database = database
        self.key = _advisory_key(name)
        self._connection: Connection | None = None

    def acquire(self) -> bool:
        connection = self.database.engine.connect()
        got = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar())
        connection.commit()
        if not got:
            connection.close()
            return False
        self._connection = connection
        return True

    def extend(self) -> bool:
        return self._connection is not None

    def release(self) -> None:
        if self._connection is None:
            return
        try:
            self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            self._connection.commit()
        finally:
            self._connection.close()
            self._connection = None


class FileRunLock:
    """An exclusive ``flock`` on a file: held by one process of the host at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: int | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(handle)
            return False
        self._handle = handle
        return True

    def extend(self) -> bool:
        return self._handle is not None

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            os.close(self._handle)
            self._handle = None


_PROCESS_LOCKS: dict[str, threading.Lock] = {}
_PROCESS_LOCKS_GUARD = threading.Lock()


class ProcessRunLock:
    def __init__(self, name: str) -> None:
        with _PROCESS_LOCKS_GUARD:
            self._lock = _PROCESS_LOCKS.setdefault(name, threading.Lock())
        self._held = False

    def acquire(self) -> bool:
        self._held = self._lock.acquire(blocking=False)
        return self._held

    def extend(self) -> bool:
        return self._held

    def release(self) -> None:
        if self._held:
            self._lock.release()
            self._held = False


class InlineLocks:
    """Locks for running without Redis, chosen by the database (see the module docstring)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        url = make_url(database.url)
        self._folder: Path | None = None
        if database.dialect == "sqlite" and url.database and url.database != ":memory:":
            self._folder = Path(url.database + "-locks")

    def lock(self, name: str) -> RunLock:
        if self.database.dialect == "postgresql":
            return AdvisoryRunLock(self.database, name)
        if self._folder is not None:
            return FileRunLock(self._folder / (re.sub(r"[^A-Za-z0-9_.=-]", "_", name) + ".lock"))
        return ProcessRunLock(name)


@contextmanager
def keep_extended(lock: RunLock, every: float) -> Iterator[threading.Event]:
    """Extend ``lock`` every ``every`` seconds in a thread while the block runs; the yielded event
    is set if the lock was lost."""
    stop = threading.Event()
    lost = threading.Event()

    def beat() -> None:
        while not stop.wait(every):
            if not lock.extend():
                lost.set()
                return

    thread = threading.Thread(target=beat, name="erpsync-lock-heartbeat", daemon=True)
    thread.start()
    try:
        yield lost
    finally:
        stop.set()
        thread.join()


__all__ = [
    "REDIS_LOCK_SECONDS",
    "AdvisoryRunLock",
    "FileRunLock",
    "InlineLocks",
    "LockFactory",
    "ProcessRunLock",
    "RedisLocks",
    "RedisRunLock",
    "RunLock",
    "keep_extended",
]
