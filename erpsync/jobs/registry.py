"""The registry of job kinds: what can run in the background, on which queue, under which lock,
with which retries and on which schedule — one ``register_job`` call per kind.

A kind names a use case ``def use_case(run: RunContext) -> object`` by its import path
("package.module:function"), so registering imports nothing heavy. The real kinds are registered in
``erpsync/jobs/kinds.py``; tests register their own.

Schedules read the shop's settings at every tick: ``Every("poll_interval_minutes",
switch="sync_orders")`` is due when the switch is on and the interval has passed since the last
run; ``DailyAt("full_push_at")`` once a day at that time (UTC). A changed setting counts at the
next tick.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from rq import Retry

from erpsync.core.errors import NotFoundError
from erpsync.sync.context import resolve_function

# Queues by kind of work, in the order a worker listens to them by default: pushes are short and
# urgent, order imports next, catalog work (feeds, uploads) is long and waits.
QUEUE_PUSH = "push"
QUEUE_ORDERS = "orders"
QUEUE_DEFAULT = "default"
QUEUE_CATALOG = "catalog"
QUEUES: tuple[str, ...] = (QUEUE_PUSH, QUEUE_ORDERS, QUEUE_DEFAULT, QUEUE_CATALOG)

LOCK_SHOP = "shop"  # one run of the kind per shop at a time
LOCK_GLOBAL = "global"  # one run of the kind at a time, whatever the shop

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


@dataclass(frozen=True)
class RetryPolicy:
    """How often a job that failed with a transient error runs again, and after how long.

    ``delays`` are seconds before the 1st, 2nd, … retry (the last one repeats when ``retries`` is
    larger). Permanent errors (bad data, wrong credentials) are never retried.
    """

    retries: int = 3
    delays: tuple[int, ...] = (30, 120, 600)

    def __post_init__(self) -> None:
        if self.retries < 0 or any(d < 0 for d in self.delays) or (self.retries and not self.delays):
            raise ValueError(f"bad retry policy: {self}")

    def intervals(self) -> list[int]:
        return [self.delays[min(i, len(self.delays) - 1)] for i in range(self.retries)]

    def rq_retry(self) -> Retry | None:
        return Retry(max=self.retries, interval=self.intervals()) if self.retries else None


NO_RETRY = RetryPolicy(retries=0, delays=())


def _switched_on(settings: Mapping[str, Any], switch: str | None) -> bool:
    return switch is None or bool(settings.get(switch))


@dataclass(frozen=True)
class Every:
    """Due every ``settings[minutes_setting]`` minutes while ``settings[switch]`` is on."""

    minutes_setting: str
    switch: str | None = None

    def due(self, settings: Mapping[str, Any], last: datetime | None, now: datetime) -> datetime | None:
        """The new 'last run' mark when due now, else None. Marks advance by whole intervals so a
        schedule does not drift by the tick's lateness."""
        if not _switched_on(settings, self.switch):
            return None
        minutes = settings.get(self.minutes_setting)
        if not minutes:
            return None
        interval = timedelta(minutes=int(minutes))
        if last is None:
            return now
        if now - last < interval:
            return None
        planned = last + interval
        return planned if now - planned < interval else now

    def first_mark(self, now: datetime) -> datetime | None:
        """Mark to start from when nothing ran yet: None, i.e. due at once."""
        return None

    def describe(self) -> str:
        switch = f" while {self.switch}" if self.switch else ""
        return f"every {self.minutes_setting}{switch}"


@dataclass(frozen=True)
class DailyAt:
    """Due once a day at ``settings[time_setting]`` (HH:MM, UTC) while ``settings[switch]`` is on."""

    time_setting: str
    switch: str | None = None

    def due(self, settings: Mapping[str, Any], last: datetime | None, now: datetime) -> datetime | None:
        if not _switched_on(settings, self.switch):
            return None
        value = settings.get(self.time_setting)
        if not value:
            return None
        hours, minutes = (int(part) for part in str(value).split(":"))
        occurrence = datetime.combine(now.date(), time(hours, minutes), tzinfo=now.tzinfo)
        if occurrence > now:
            occurrence -= timedelta(days=1)
        if last is not None and last >= occurrence:
            return None
        return now

    def first_mark(self, now: datetime) -> datetime | None:
        """Nothing ran yet: start counting now, so a new shop waits for the next occurrence."""
        return now

    def describe(self) -> str:
        switch = f" while {self.switch}" if self.switch else ""
        return f"daily at {self.time_setting}{switch}"


Schedule = Every | DailyAt


@dataclass(frozen=True)
class JobKind:
    """A kind of job: see ``register_job``."""

    name: str
    function: str
    queue: str = QUEUE_DEFAULT
    lock: str | None = LOCK_SHOP
    lock_group: str | None = None
    lock_params: tuple[str, ...] = ()
    log_skips: bool = True
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timeout: int = 600
    schedule: Schedule | None = None
    marketplaces: tuple[str, ...] = ()
    applies_to: str | None = None
    needs_shop: bool = True
    run_kind: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""

    def resolve(self) -> Callable[..., Any]:
        return resolve_function(self.function)

    def lock_key(self, shop_id: int | None, params: Mapping[str, Any]) -> str | None:
        """The name of the lock a run takes, or None for a kind that runs unlocked."""
        if self.lock is None:
            return None
        parts = [self.lock_group or self.name]
        parts += [f"{key}={params.get(key)}" for key in self.lock_params]
        if self.lock == LOCK_SHOP:
            parts.append(f"shop={shop_id}")
        return ":".join(parts)

    def log_kind(self, params: Mapping[str, Any]) -> str:
        """The ``kind`` of the run in the sync log (at most 32 characters)."""
        return (self.run_kind.format(**params) if self.run_kind else self.name)[:32]

    def applies(self, marketplace: str) -> bool:
        if self.marketplaces and marketplace not in self.marketplaces:
            return False
        if self.applies_to:
            return bool(resolve_function(self.applies_to)(marketplace))
        return True


_KINDS: dict[str, JobKind] = {}


def register_job(
    name: str,
    function: str,
    *,
    queue: str = QUEUE_DEFAULT,
    lock: str | None = LOCK_SHOP,
    lock_group: str | None = None,
    lock_params: tuple[str, ...] = (),
    log_skips: bool = True,
    retry: RetryPolicy | None = None,
    timeout: int = 600,
    schedule: Schedule | None = None,
    marketplaces: tuple[str, ...] = (),
    applies_to: str | None = None,
    needs_shop: bool = True,
    run_kind: str | None = None,
    params: Mapping[str, Any] | None = None,
    description: str = "",
) -> JobKind:
    """Register a job kind.

    - ``name``: the kind (``[a-z][a-z0-9_]*``, ≤ 32 characters); also the ``kind`` of its runs in the
      sync log unless ``run_kind`` (a format string over the params, e.g. ``"outbox:{kind}"``) says else.
    - ``function``: "package.module:function", a use case taking a ``RunContext``.
    - ``queue``: one of ``QUEUES``.
    - ``lock``: ``"shop"`` (one run per shop at a time), ``"global"`` or None; ``lock_group`` shares
      the lock with other kinds (e.g. a full stock pass and the incremental one); ``lock_params``
      adds parameters to the lock's name. A run finding the lock taken is skipped, and logged as
      skipped unless ``log_skips`` is False.
    - ``retry``: transient failures (network, 5xx, 429, database unreachable) run again after the
      policy's delays; default 3 retries after 30 s, 2 min, 10 min.
    - ``timeout``: seconds before RQ stops a run.
    - ``schedule``: ``Every(...)`` or ``DailyAt(...)`` over the shop's settings; None: on demand only.
    - ``marketplaces`` / ``applies_to`` ("module:function(marketplace) -> bool"): which shops the
      schedule considers (default: all).
    - ``needs_shop``: False for kinds that run for no shop.
    - ``params``: default parameters of every run (a run's own parameters win), e.g. a full pass
      ``register_job("stock_prices_full", <same function>, params={"full": True},
      lock_group="stock_prices", schedule=DailyAt("full_push_at", switch="sync_stock_prices"))``.
    """
    if not _NAME.match(name):
        raise ValueError(f"job kind name {name!r} must match {_NAME.pattern}")
    if queue not in QUEUES:
        raise ValueError(f"job kind {name}: queue {queue!r} is not one of {', '.join(QUEUES)}")
    if lock not in (LOCK_SHOP, LOCK_GLOBAL, None):
        raise ValueError(f"job kind {name}: lock must be 'shop', 'global' or None")
    if lock == LOCK_SHOP and not needs_shop:
        raise ValueError(f"job kind {name}: a per-shop lock needs a shop")
    if schedule is not None and not needs_shop:
        raise ValueError(f"job kind {name}: schedules are per shop")
    kind = JobKind(
        name=name,
        function=function,
        queue=queue,
        lock=lock,
        lock_group=lock_group,
        lock_params=tuple(lock_params),
        log_skips=log_skips,
        retry=retry if retry is not None else RetryPolicy(),
        timeout=timeout,
        schedule=schedule,
        marketplaces=tuple(marketplaces),
        applies_to=applies_to,
        needs_shop=needs_shop,
        run_kind=run_kind,
        params=dict(params or {}),
        description=description,
    )
    existing = _KINDS.get(name)
    if existing is not None and existing != kind:
        raise ValueError(f"job kind {name!r} is registered already (→ {existing.function})")
    _KINDS[name] = kind
    return kind


def job_kind(name: str) -> JobKind:
    kind = _KINDS.get(name)
    if kind is None:
        known = ", ".join(sorted(_KINDS)) or "none"
        raise NotFoundError(f"no job kind {name!r} (known: {known})")
    return kind


def job_kinds() -> list[JobKind]:
    return [_KINDS[name] for name in sorted(_KINDS)]


def scheduled_kinds() -> list[JobKind]:
    return [kind for kind in job_kinds() if kind.schedule is not None]


__all__ = [
    "LOCK_GLOBAL",
    "LOCK_SHOP",
    "NO_RETRY",
    "QUEUES",
    "QUEUE_CATALOG",
    "QUEUE_DEFAULT",
    "QUEUE_ORDERS",
    "QUEUE_PUSH",
    "DailyAt",
    "Every",
    "JobKind",
    "RetryPolicy",
    "Schedule",
    "job_kind",
    "job_kinds",
    "register_job",
    "scheduled_kinds",
]
