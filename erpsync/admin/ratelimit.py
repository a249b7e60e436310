"""The login rate limit: failed logins counted per user name and per client address, in shared storage.

Several web processes (gunicorn workers, several hosts) must see the same counts, so the state lives in
Redis when ``ERPSYNC_REDIS_URL`` is set (a counter per key with the window as its expiry) and otherwise
in the database (a ``login_failures`` row per failure; rows older than the window are deleted). Never
in process memory. While a configured Redis cannot be reached, failures are counted in the database.

A key that reached its limit is refused *before* the password is checked, so a locked account cannot be
guessed even with the right password, until the window passes. A successful login clears the user's
count (not the address's).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from redis.exceptions import RedisError
from sqlalchemy import delete, select

from erpsync.models import LoginFailure, utcnow
from erpsync.models.db import Database

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class LoginLimits:
    per_user: int = 5  # failed logins of one user name within the window
    per_address: int = 20  # failed logins from one client address within the window
    window_seconds: int = 900


def throttle_keys(username: str, address: str | None) -> tuple[str, str]:
    return f"user:{username.strip().lower()[:200]}", f"ip:{address or 'unknown'}"


class LoginThrottle(Protocol):
    limits: LoginLimits

    def retry_after(self, username: str, address: str | None) -> int:
        """Seconds until a login for this user from this address may be tried; 0: go ahead."""

    def record_failure(self, username: str, address: str | None) -> None: ...

    def record_success(self, username: str) -> None: ...


class DatabaseLoginThrottle:
    """Counts failures as rows of ``login_failures``: works on SQLite and PostgreSQL, shared by processes."""

    def __init__(self, database: Database, limits: LoginLimits) -> None:
        self.database = database
        self.limits = limits

    def _wait(self, key: str, limit: int) -> int:
        since = utcnow() - timedelta(seconds=self.limits.window_seconds)
        with self.database.session() as session:
            rows = list(
                session.scalars(
                    select(LoginFailure.failed_at)
                    .where(LoginFailure.key == key, LoginFailure.failed_at > since)
                    .order_by(LoginFailure.failed_at.desc())
                    .limit(limit)
                )
            )
        if len(rows) < limit:
            return 0
        # the limit-th most recent failure must leave the window before another try
        free_at = rows[-1] + timedelta(seconds=self.limits.window_seconds)
        return max(1, math.ceil((free_at - utcnow()).total_seconds()))

    def retry_after(self, username: str, address: str | None) -> int:
        user_key, address_key = throttle_keys(username, address)
        return max(self._wait(user_key, self.limits.per_user), self._wait(address_key, self.limits.per_address))

    def record_failure(self, username: str, address: str | None) -> None:
        now = utcnow()
        with self.database.session() as session:
            session.execute(
                delete(LoginFailure).where(LoginFailure.failed_at < now - timedelta(seconds=self.limits.window_seconds))
            )
            session.add_all([LoginFailure(key=key, failed_at=now) for key in throttle_keys(username, address)])

    def record_success(self, username: str) -> None:
        user_key, _ = throttle_keys(username, None)
        with self.database.session() as session:
            session.execute(delete(LoginFailure).where(LoginFailure.key == user_key))


class RedisLoginThrottle:
    """A counter per key in Redis that expires ``window_seconds`` after the key's first failure."""

    PREFIX = "erpsync:login-failures:"

    def __init__(self, redis_url: str, limits: LoginLimits) -> None:
        import redis

        self.client = redis.Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=5)
        self.limits = limits

    def _wait(self, key: str, limit: int) -> int:
        name = self.PREFIX + key
        pipe = self.client.pipeline()
        pipe.get(name)
        pipe.ttl(name)
        count, ttl = pipe.execute()
        if count is None or int(count) < limit:
            return 0
        return max(1, int(ttl))

    def retry_after(self, username: str, address: str | None) -> int:
        user_key, address_key = throttle_keys(username, address)
        return max(self._wait(user_key, self.limits.per_user), self._wait(address_key, self.limits.per_address))

    def record_failure(self, username: str, address: str | None) -> None:
        pipe = self.client.pipeline()
        for key in throttle_keys(username, address):
            pipe.incr(self.PREFIX + key)
            pipe.expire(self.PREFIX + key, self.limits.window_seconds, nx=True)
        pipe.execute()

    def record_success(self, username: str) -> None:
        user_key, _ = throttle_keys(username, None)
        self.client.delete(self.PREFIX + user_key)


class FallbackLoginThrottle:
    """Redis, and the database while Redis cannot be reached (both shared, so the limit still holds)."""

    def __init__(self, primary: RedisLoginThrottle, fallback: DatabaseLoginThrottle) -> None:
        self.primary = primary
        self.fallback = fallback
        self.limits = primary.limits

    def _call(self, method: str, *args: Any) -> Any:
        try:
            return getattr(self.primary, method)(*args)
        except RedisError as error:
            log.warning("login rate limit: Redis unreachable (%s); counting in the database", error)
            return getattr(self.fallback, method)(*args)

    def retry_after(self, username: str, address: str | None) -> int:
        return self._call("retry_after", username, address)

    def record_failure(self, username: str, address: str | None) -> None:
        self._call("record_failure", username, address)

    def record_success(self, username: str) -> None:
        self._call("record_success", username)


def make_throttle(redis_url: str | None, database: Database, limits: LoginLimits) -> LoginThrottle:
    """Redis when configured (shared by every process and host), else the accounting database."""
    database_throttle = DatabaseLoginThrottle(database, limits)
    if redis_url:
        return FallbackLoginThrottle(RedisLoginThrottle(redis_url, limits), database_throttle)
    return database_throttle
