from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from erpsync.core.config import create_key_file, load_settings
from erpsync.core.crypto import decrypt_credentials, encrypt_credentials, mask_secret
from erpsync.core.errors import ConfigError, CredentialError


def test_defaults_need_no_environment(tmp_path: Path) -> None:
    settings = load_settings({}, cwd=tmp_path)
    assert settings.database_url == "sqlite:///erpsync.db"
    assert settings.redis_url is None
    assert settings.secret_key is None
    assert settings.mappings_dir == tmp_path / "mappings"
    assert settings.feed_dir == tmp_path / "feeds"


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("ERPSYNC_DATABASE_URL", "not a url", "ERPSYNC_DATABASE_URL"),
        ("ERPSYNC_DATABASE_URL", "mysql://root@localhost/x", "ERPSYNC_DATABASE_URL"),
        ("ERPSYNC_REDIS_URL", "localhost:6379", "ERPSYNC_REDIS_URL"),
        ("ERPSYNC_SECRET_KEY", "short", "ERPSYNC_SECRET_KEY"),
        ("ERPSYNC_PUBLIC_URL", "ftp://x", "ERPSYNC_PUBLIC_URL"),
        ("ERPSYNC_TIMEZONE", "Mars/Olympus", "ERPSYNC_TIMEZONE"),
        ("ERPSYNC_SECURE_COOKIES", "sometimes", "ERPSYNC_SECURE_COOKIES"),
        ("ERPSYNC_TRUSTED_PROXIES", "-1", "ERPSYNC_TRUSTED_PROXIES"),
    ],
)
def test_a_wrong_value_names_its_variable(tmp_path: Path, variable: str, value: str, named: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({variable: value}, cwd=tmp_path)
    assert named in str(error.value)


def test_web_settings_are_read_from_the_environment(tmp_path: Path) -> None:
    settings = load_settings(
        {"ERPSYNC_TIMEZONE": "Asia/Almaty", "ERPSYNC_SECURE_COOKIES": "false", "ERPSYNC_TRUSTED_PROXIES": "1"},
        cwd=tmp_path,
    )
    assert (settings.timezone, settings.secure_cookies, settings.trusted_proxies) == ("Asia/Almaty", False, 1)
    defaults = load_settings({}, cwd=tmp_path)
    assert (defaults.timezone, defaults.secure_cookies, defaults.trusted_proxies) == ("UTC", None, 0)


def test_plain_postgresql_url_uses_psycopg3(tmp_path: Path) -> None:
    settings = load_settings({"ERPSYNC_DATABASE_URL": "postgresql://u@h/db"}, cwd=tmp_path)
    assert settings.database_url == "postgresql+psycopg://u@h/db"


def test_key_file_is_read_when_no_variable(tmp_path: Path) -> None:
    key = create_key_file(tmp_path / "erpsync.key")
    assert (tmp_path / "erpsync.key").stat().st_mode & 0o777 == 0o600
    assert load_settings({}, cwd=tmp_path).secret_key == key


def test_missing_key_explains_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="erpsync init"):
        load_settings({}, cwd=tmp_path).require_secret_key()


def test_credentials_round_trip_and_wrong_key_is_a_clear_error() -> None:
    key, other = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = encrypt_credentials({"token": "s3cr3t-value"}, key)
    assert "s3cr3t" not in token
    assert decrypt_credentials(token, key) == {"token": "s3cr3t-value"}
    with pytest.raises(CredentialError, match="shop 'kz1' cannot be decrypted"):
        decrypt_credentials(token, other, shop_name="kz1")


def test_masking_never_shows_short_secrets() -> None:
    assert mask_secret("abc") == "****"
    assert mask_secret("abcdefghijkl") == "****ijkl"
