"""What a use case gets when it runs as a job: the database, the configuration, the shop, its
parameters, its sync log and a way to report progress — the same object inline and on an RQ worker.

A use case that runs by itself has the signature ``def use_case(run: RunContext) -> object``.
It reads the shop with ``run.shop(session)``, decrypts credentials with ``run.credentials()`` (job
arguments never carry them), counts into ``run.log.counts``, writes item errors with
``run.log.error(...)`` and calls ``run.progress(done, total)`` as it goes. The caller (the job
runner in ``erpsync.jobs``) closes the log; a use case that never touches ``run.log`` leaves no
run in the sync log.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from erpsync.core.config import Settings
from erpsync.core.errors import DatabaseError, ErpsyncError, MarketplaceError, NotFoundError, ValidationError
from erpsync.models import Shop
from erpsync.models.db import Database
from erpsync.sync.log import SyncLog
from erpsync.sync.shops import shop_credentials, shop_settings

ProgressReporter = Callable[[dict[str, Any]], None]


@dataclass
class RunContext:
    """One run of a job kind for a shop (or for no shop)."""

    database: Database
    config: Settings
    kind: str
    shop_id: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
    job_id: str | None = None
    attempt: int = 1
    report_progress: ProgressReporter | None = None
    _log: SyncLog | None = field(default=None, repr=False)

    @property
    def log(self) -> SyncLog:
        """The run's sync log; the ``SyncRun`` row is created on first use."""
        if self._log is None:
            self._log = SyncLog(self.database, self.kind, self.shop_id, self.job_id)
        return self._log

    @property
    def has_log(self) -> bool:
        return self._log is not None

    def progress(self, done: int, total: int | None = None, message: str | None = None) -> None:
        """Say how far the run got (shown by ``erpsync jobs``); cheap to call often."""
        if self.report_progress is not None:
            self.report_progress({"done": done, "total": total, "message": message})

    def shop(self, session: Session) -> Shop:
        """The run's shop in ``session``."""
        if self.shop_id is None:
            raise NotFoundError(f"{self.kind} runs without a shop")
        shop = session.get(Shop, self.shop_id)
        if shop is None:
            raise NotFoundError(f"shop #{self.shop_id} no longer exists")
        return shop

    def credentials(self) -> dict[str, str]:
        """The shop's decrypted credentials, for a connector; never log them or put them in a job."""
        with self.database.session() as session:
            return shop_credentials(self.shop(session), self.config.require_secret_key())

    def settings(self) -> dict[str, Any]:
        """The shop's settings over their defaults."""
        with self.database.session() as session:
            return shop_settings(self.shop(session))


def is_transient(error: BaseException) -> bool:
    """Whether trying again later may succeed: network trouble, timeouts, a marketplace's 5xx or 429,
    an unreachable database. Errors a person must fix (bad input, wrong credentials, an operation the
    marketplace lacks) are not transient."""
    if isinstance(error, MarketplaceError):
        return error.retryable
    if isinstance(error, DatabaseError):
        return True
    return not isinstance(error, ErpsyncError)


def describe_error(error: BaseException) -> str:
    """One line for the sync log: our errors as they read, others with their type."""
    if isinstance(error, ErpsyncError):
        return str(error)
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def resolve_function(path: str) -> Callable[..., Any]:
    """Import ``package.module:function``."""
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise ValidationError(f"function path {path!r} must look like package.module:function")
    target: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        target = getattr(target, part)
    return target


__all__ = ["ProgressReporter", "RunContext", "describe_error", "is_transient", "resolve_function"]
