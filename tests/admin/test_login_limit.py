"""The login rate limit: per user name and per client address, shared by every web process (database
or Redis), checked before the password."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import redis
from flask import Flask
from sqlalchemy import func, select, update

from erpsync.admin import create_app
from erpsync.models import LoginFailure, utcnow
from erpsync.models.db import Database
from tests.admin.conftest import PanelClient, make_settings
from tests.admin.factories import PASSWORD, make_users

LIMITS = {"ERPSYNC_LOGIN_LIMIT_PER_USER": 3, "ERPSYNC_LOGIN_LIMIT_PER_ADDRESS": 5}


def _web(database: Database, secret_key: str, tmp_path: Path, **env: str) -> Flask:
    return create_app(make_settings(database, secret_key, tmp_path, **env), database, **LIMITS)


def _client(web: Flask, address: str = "10.0.0.1") -> PanelClient:
    client = PanelClient(web.test_client())
    client.client.environ_base["REMOTE_ADDR"] = address
    return client


def _fail(client: PanelClient, username: str, times: int) -> None:
    for _ in range(times):
        assert client.login(username, "wrong password!").status_code == 200


def test_a_user_name_is_locked_after_repeated_failures_even_for_the_right_password(
    database: Database, secret_key: str, tmp_path: Path
) -> None:
    make_users(database)
    web = _web(database, secret_key, tmp_path)
    _fail(_client(web), "anna", 3)
    locked = _client(web, "10.0.0.2").login("anna", PASSWORD)  # another address, the right password
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.text
    assert 0 < int(locked.headers["Retry-After"]) <= 900
    assert _client(web).login("boss").status_code == 302  # other users are not locked out


def test_the_limit_is_shared_by_every_web_process(database: Database, secret_key: str, tmp_path: Path) -> None:
    make_users(database)
    first, second = _web(database, secret_key, tmp_path), _web(database, secret_key, tmp_path)
    _fail(_client(first), "anna", 2)
    _fail(_client(second), "anna", 1)
    assert _client(first).login("anna").status_code == 429


def test_one_address_trying_many_names_is_stopped(database: Database, secret_key: str, tmp_path: Path) -> None:
    make_users(database)
    web = _web(database, secret_key, tmp_path)
    attacker = _client(web, "203.0.113.9")
    for name in ("a1", "a2", "a3", "a4", "a5"):
        _fail(attacker, name, 1)
    assert attacker.login("boss").status_code == 429
    assert _client(web, "198.51.100.1").login("boss").status_code == 302


def test_the_lock_ends_when_the_window_has_passed_and_success_clears_the_count(
    database: Database, secret_key: str, tmp_path: Path
) -> None:
    make_users(database)
    web = _web(database, secret_key, tmp_path)
    _fail(_client(web), "anna", 3)
    assert _client(web).login("anna").status_code == 429
    with database.session() as session:  # as if the failures happened 16 minutes ago
        session.execute(update(LoginFailure).values(failed_at=utcnow() - timedelta(minutes=16)))
    assert _client(web).login("anna").status_code == 302
    _fail(_client(web), "anna", 2)
    assert _client(web).login("anna").status_code == 302
    with database.session() as session:
        assert session.scalar(select(func.count()).where(LoginFailure.key == "user:anna")) == 0


@pytest.mark.redis
def test_with_redis_the_counts_live_in_redis(
    database: Database, secret_key: str, tmp_path: Path, redis_url: str
) -> None:
    make_users(database)
    web = _web(database, secret_key, tmp_path, ERPSYNC_REDIS_URL=redis_url)
    other_process = _web(database, secret_key, tmp_path, ERPSYNC_REDIS_URL=redis_url)
    _fail(_client(web), "anna", 3)
    client = redis.Redis.from_url(redis_url)
    assert int(client.get("erpsync:login-failures:user:anna")) == 3
    assert 0 < client.ttl("erpsync:login-failures:user:anna") <= 900
    assert _client(other_process).login("anna").status_code == 429
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(LoginFailure)) == 0


def test_an_unreachable_redis_falls_back_to_the_database(database: Database, secret_key: str, tmp_path: Path) -> None:
    make_users(database)
    web = _web(database, secret_key, tmp_path, ERPSYNC_REDIS_URL="redis://127.0.0.1:1/0")
    _fail(_client(web), "anna", 3)
    assert _client(web).login("anna").status_code == 429
    assert _client(web).login("boss").status_code == 302
