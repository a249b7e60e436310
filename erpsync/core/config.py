"""Configuration from environment variables, validated at start.

Variables (all optional):

- ``ERPSYNC_DATABASE_URL``: SQLAlchemy URL; default ``sqlite:///erpsync.db`` in the working folder.
- ``ERPSYNC_REDIS_URL``: ``redis://…``; unset means jobs run inline in the process.
- ``ERPSYNC_SECRET_KEY``: Fernet key encrypting credentials; when unset, read from the key file
  ``erpsync.key`` in the working folder (``erpsync init`` creates it).
- ``ERPSYNC_MAPPINGS_DIR``: mapping files; default ``mappings`` in the working folder.
- ``ERPSYNC_FEED_DIR``: rendered feeds; default ``feeds`` in the working folder.
- ``ERPSYNC_PUBLIC_URL``: the address marketplaces (and people) reach the web app at.
- ``ERPSYNC_TIMEZONE``: IANA time zone the panel shows times in and counts "today" in; default UTC.
- ``ERPSYNC_SECURE_COOKIES``: ``true``/``false``; default: secure cookies when the public URL is https.
- ``ERPSYNC_TRUSTED_PROXIES``: how many reverse proxies in front of the web app set X-Forwarded-*; 0.

A wrong value raises ``ConfigError`` naming the variable.
"""

from __future__ import annotations

import base64
import binascii
import os
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet

from erpsync.core.errors import ConfigError

KEY_FILE_NAME = "erpsync.key"
DEFAULT_DATABASE_URL = "sqlite:///erpsync.db"


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str | None
    mappings_dir: Path
    feed_dir: Path
    secret_key: str | None = field(repr=False, default=None)
    key_file: Path = Path(KEY_FILE_NAME)
    public_url: str = "http://127.0.0.1:8000"
    timezone: str = "UTC"
    secure_cookies: bool | None = None  # None: secure when public_url is https
    trusted_proxies: int = 0

    def require_secret_key(self) -> str:
        """The Fernet key, or a clear error saying how to create one."""
        if self.secret_key:
            return self.secret_key
        raise ConfigError(
            f"ERPSYNC_SECRET_KEY is not set and there is no key file {self.key_file}",
            hint="run `erpsync init` to create one, or set ERPSYNC_SECRET_KEY",
        )


def _validate_database_url(value: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(value)
    except ArgumentError:
        raise ConfigError(
            f"ERPSYNC_DATABASE_URL is not a database URL: {value!r}",
            hint="e.g. sqlite:///erpsync.db or postgresql+psycopg://user@127.0.0.1/erpsync",
        ) from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"ERPSYNC_DATABASE_URL uses {url.get_backend_name()!r}; erpsync supports sqlite and postgresql"
        )
    if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
        # psycopg 3 is the driver we install; plain postgresql:// would ask for psycopg2.
        value = url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return value


def _validate_redis_url(value: str) -> str:
    if not value.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(
            f"ERPSYNC_REDIS_URL must start with redis://, rediss:// or unix://, got {value!r}",
            hint="e.g. redis://127.0.0.1:6379/0, or unset it to run jobs inline",
        )
    return value


def _validate_timezone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"ERPSYNC_TIMEZONE is not a known time zone: {value!r}", hint="e.g. Europe/Kyiv, Asia/Almaty or UTC"
        ) from None
    return value


def _parse_flag(name: str, value: str) -> bool | None:
    text = value.strip().lower()
    if text in ("", "auto"):
        return None
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true, false or auto, got {value!r}")


def _parse_count(name: str, value: str) -> int:
    text = value.strip()
    if not text.isdigit():
        raise ConfigError(f"{name} must be a whole number (0 or more), got {value!r}")
    return int(text)


def validate_secret_key(value: str, source: str) -> str:
    """Check that ``value`` is a Fernet key (32 url-safe base64 bytes); ``source`` names where it came from."""
    try:
        raw = base64.urlsafe_b64decode(value.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ConfigError(
            f"{source} is not a valid key (expected 32 url-safe base64-encoded bytes)",
            hint="generate one with `erpsync init` or python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'",
        )
    return value


def load_settings(environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> Settings:
    """Read and validate the configuration from ``environ`` (default: the process environment)."""
    env = os.environ if environ is None else environ
    base = cwd or Path.cwd()
    database_url = _validate_database_url(env.get("ERPSYNC_DATABASE_URL") or DEFAULT_DATABASE_URL)
    redis_raw = env.get("ERPSYNC_REDIS_URL") or None
    redis_url = _validate_redis_url(redis_raw) if redis_raw else None
    key_file = base / KEY_FILE_NAME
    secret = env.get("ERPSYNC_SECRET_KEY") or None
    if secret:
        secret = validate_secret_key(secret, "ERPSYNC_SECRET_KEY")
    elif key_file.exists():
        secret = validate_secret_key(key_file.read_text().strip(), f"key file {key_file}")
    mappings_dir = Path(env.get("ERPSYNC_MAPPINGS_DIR") or base / "mappings")
    feed_dir = Path(env.get("ERPSYNC_FEED_DIR") or base / "feeds")
    if mappings_dir.exists() and not mappings_dir.is_dir():
        raise ConfigError(f"ERPSYNC_MAPPINGS_DIR is not a folder: {mappings_dir}")
    if feed_dir.exists() and not feed_dir.is_dir():
        raise ConfigError(f"ERPSYNC_FEED_DIR is not a folder: {feed_dir}")
    public_url = (env.get("ERPSYNC_PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/")
    if not public_url.startswith(("http://", "https://")):
        raise ConfigError(f"ERPSYNC_PUBLIC_URL must start with http:// or https://, got {public_url!r}")
    return Settings(
        database_url=database_url,
        redis_url=redis_url,
        mappings_dir=mappings_dir,
        feed_dir=feed_dir,
        secret_key=secret,
        key_file=key_file,
        public_url=public_url,
        timezone=_validate_timezone(env.get("ERPSYNC_TIMEZONE") or "UTC"),
        secure_cookies=_parse_flag("ERPSYNC_SECURE_COOKIES", env.get("ERPSYNC_SECURE_COOKIES", "")),
        trusted_proxies=_parse_count("ERPSYNC_TRUSTED_PROXIES", env.get("ERPSYNC_TRUSTED_PROXIES") or "0"),
    )


def create_key_file(path: Path) -> str:
    """Generate a Fernet key and write it to ``path`` readable by the owner only; return the key."""
    key = Fernet.generate_key().decode("ascii")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key
