"""The outbox: changes to deliver to a marketplace (a stock level, a price, an order's status, a
waybill), written in the transaction that made the change and delivered by workers — with retries
and backoff, a lease against dead workers, and never again once delivered.

Writing (inside the caller's transaction, so the message exists exactly when the change does)::

    write_outbox(session, shop_id=shop.id, kind="stock", dedupe_key=f"stock:{sku}", payload={...})

A pending message with the same shop, kind and ``dedupe_key`` is replaced (many changes of one SKU
become one push). Delivering: a handler is registered per kind —
``register_outbox_handler("stock", "erpsync.sync.push:deliver_stock", batch_size=100)`` — and is
called with an ``OutboxDelivery`` holding a batch of claimed messages of one shop. It returns when
the batch is delivered, raises to fail the whole batch (``is_transient`` decides between retry with
backoff and failing for good), or fails single messages with ``delivery.fail(message, error)``.
Whatever the handler records about the delivery (``delivery.record(fn)``: e.g. the listing's
``pushed_stock``) is written in the same transaction that marks the messages done.

States: ``pending`` → ``in_progress`` (claimed; ``next_attempt_at`` is then the lease's end) →
``done`` (``delivered_at`` set; a message replaced by a newer one of the same key before it could be
delivered is ``done`` with no ``delivered_at`` and ``last_error`` saying which one replaced it) or
back to ``pending`` with ``next_attempt_at`` pushed back, or ``failed`` after ``max_attempts`` or a
permanent error (written to the sync log; ``retry_message`` sends it again).

Claims use ``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING`` on PostgreSQL, so
concurrent workers never get the same row; on SQLite the same single statement runs under the
database's one write lock, which serialises claimers. The claim increments ``attempts``, and every
later update of the message requires the same ``attempts`` value: a worker whose lease expired
(another worker re-claimed the message) can no longer mark it done or failed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ARRAY, and_, any_, cast, exists, func, select, text, update
from sqlalchemy.orm import Session, aliased

from erpsync.core.errors import NotFoundError, ValidationError
from erpsync.models import OutboxMessage, utcnow
from erpsync.models.integration import OUTBOX_DONE, OUTBOX_FAILED, OUTBOX_IN_PROGRESS, OUTBOX_PENDING
from erpsync.sync.context import RunContext, describe_error, is_transient, resolve_function

MAX_BATCHES_PER_RUN = 50  # a delivery run drains at most this many batches, then yields the worker


@dataclass(frozen=True)
class OutboxHandler:
    """How messages of one kind are delivered."""

    kind: str
    function: str  # "package.module:function", called with an OutboxDelivery
    batch_size: int = 100
    lease_seconds: int = 300
    backoff_seconds: int = 10
    max_backoff_seconds: int = 3600

    def resolve(self) -> Callable[[OutboxDelivery], Any]:
        return resolve_function(self.function)

    def backoff(self, attempts: int) -> timedelta:
        """Delay before the next attempt after ``attempts`` failed ones: doubling, capped."""
        seconds = self.backoff_seconds * (2 ** max(attempts - 1, 0))
        return timedelta(seconds=min(seconds, self.max_backoff_seconds))


_HANDLERS: dict[str, OutboxHandler] = {}


def register_outbox_handler(
    kind: str,
    function: str,
    *,
    batch_size: int = 100,
    lease_seconds: int = 300,
    backoff_seconds: int = 10,
    max_backoff_seconds: int = 3600,
) -> OutboxHandler:
    """Register the delivery of outbox messages of ``kind``; registering the same again is allowed."""
    if not kind or len(kind) > 32:
        raise ValueError(f"outbox kind {kind!r} must be 1 to 32 characters")
    if batch_size < 1 or lease_seconds < 1 or backoff_seconds < 0:
        raise ValueError("batch_size and lease_seconds must be positive, backoff_seconds not negative")
    handler = OutboxHandler(kind, function, batch_size, lease_seconds, backoff_seconds, max_backoff_seconds)
    existing = _HANDLERS.get(kind)
    if existing is not None and existing != handler:
        raise ValueError(f"outbox kind {kind!r} already has a handler: {existing.function}")
    _HANDLERS[kind] = handler
    return handler


def outbox_handler(kind: str) -> OutboxHandler | None:
    return _HANDLERS.get(kind)


def outbox_handlers() -> dict[str, OutboxHandler]:
    return dict(_HANDLERS)


@dataclass(frozen=True)
class OutboxItem:
    """A claimed message as the handler sees it. ``attempts`` counts this one."""

    id: int
    shop_id: int
    kind: str
    dedupe_key: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int
    created_at: datetime


@dataclass
class _Failure:
    item: OutboxItem
    error: str
    permanent: bool


@dataclass
class OutboxDelivery:
    """A batch of claimed messages of one shop and kind, handed to the kind's handler."""

    run: RunContext
    kind: str
    messages: list[OutboxItem]
    _records: list[Callable[[Session], None]] = field(default_factory=list)
    _failures: dict[int, _Failure] = field(default_factory=dict)

    @property
    def shop_id(self) -> int:
        assert self.run.shop_id is not None
        return self.run.shop_id

    def record(self, write: Callable[[Session], None]) -> None:
        """Run ``write(session)`` in the transaction that marks the delivered messages done."""
        self._records.append(write)

    def fail(self, message: OutboxItem | int, error: BaseException | str, *, permanent: bool | None = None) -> None:
        """Mark one message not delivered; transient errors are retried with backoff."""
        item = self._item(message)
        if permanent is None:
            permanent = not is_transient(error) if isinstance(error, BaseException) else False
        text = describe_error(error) if isinstance(error, BaseException) else str(error)
        self._failures[item.id] = _Failure(item, text, permanent)

    def _item(self, message: OutboxItem | int) -> OutboxItem:
        wanted = message.id if isinstance(message, OutboxItem) else message
        for item in self.messages:
            if item.id == wanted:
                return item
        raise ValueError(f"outbox message #{wanted} is not part of this delivery")


# --- writing -------------------------------------------------------------------------------------


def _advisory_key(*parts: object) -> int:
    digest = hashlib.blake2b(":".join(str(p) for p in parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


# Writers of one dedupe key serialise on a PostgreSQL advisory lock held until commit. A lock per key
# would fill PostgreSQL's lock table (max_locks_per_transaction × max_connections, 6,400 by default)
# when one transaction changes the stock of thousands of products ("out of shared memory" — and the
# stock change itself rolled back); keys share a fixed number of locks per shop and kind instead.
OUTBOX_LOCK_BUCKETS = 64


def _lock_for_writing(session: Session, shop_id: int, kind: str, keys: list[str]) -> None:
    """Make the caller's transaction the only writer of these keys until it commits.

    PostgreSQL: the keys' advisory locks, all at once in sorted order (no deadlock between writers).
    SQLite: its database write lock, taken now with a statement that writes nothing — Python's sqlite3
    begins a transaction only at the first write, so without it two writers could both find no
    pending message and both insert one."""
    if not keys:
        return
    if session.get_bind().dialect.name == "postgresql":
        locks = sorted({_key_lock(shop_id, kind, key) for key in keys})
        session.execute(text("SELECT count(pg_advisory_xact_lock(k)) FROM unnest(CAST(:keys AS bigint[])) "
                             "WITH ORDINALITY AS t(k, n)"), {"keys": locks})
    else:
        session.execute(text("UPDATE outbox SET attempts = attempts WHERE id IS NULL"))


def _key_lock(shop_id: int, kind: str, dedupe_key: str) -> int:
    """The advisory lock that writers of (shop, kind, dedupe_key) take: one of ``OUTBOX_LOCK_BUCKETS``."""
    bucket = _advisory_key(dedupe_key) % OUTBOX_LOCK_BUCKETS
    return _advisory_key("outbox", shop_id, kind, bucket)


def write_outbox(
    session: Session,
    *,
    shop_id: int,
    kind: str,
    dedupe_key: str,
    payload: dict[str, Any],
    max_attempts: int | None = None,
) -> OutboxMessage:
    """Add a message in the caller's transaction, or replace the payload of the pending one with the
    same shop, kind and key (it keeps its place and its backoff). Returns the row."""
    if not dedupe_key:
        raise ValidationError(f"an outbox message of kind {kind} needs a dedupe key")
    _lock_for_writing(session, shop_id, kind, [dedupe_key])  # writers of a key wait for each other until commit
    pending = session.scalar(
        select(OutboxMessage)
        .where(
            OutboxMessage.shop_id == shop_id,
            OutboxMessage.dedupe_key == dedupe_key,
            OutboxMessage.kind == kind,
            OutboxMessage.state == OUTBOX_PENDING,
        )
        .order_by(OutboxMessage.id.desc())
        .limit(1)
        .with_for_update()
    )
    if pending is not None:
        pending.payload = payload
        pending.updated_at = utcnow()
        if max_attempts is not None:
            pending.max_attempts = max_attempts
        session.flush()
        return pending
    message = OutboxMessage(shop_id=shop_id, kind=kind, dedupe_key=dedupe_key, payload=payload)
    if max_attempts is not None:
        message.max_attempts = max_attempts
    session.add(message)
    session.flush()
    return message


def _among(column: Any, values: list[Any], postgresql: bool) -> Any:
    """``column IN (values)``; on PostgreSQL ``= ANY(array)``: one parameter, one plan for any count."""
    if postgresql:
        return column == any_(cast(values, ARRAY(column.type)))
    return column.in_(values)


def write_outbox_many(
    session: Session,
    *,
    shop_id: int,
    kind: str,
    messages: list[tuple[str, dict[str, Any]]],
    chunk: int = 500,
) -> list[OutboxMessage]:
    """``write_outbox`` for many ``(dedupe_key, payload)`` of one shop and kind, with a few statements
    a chunk instead of several a message (a transaction changing the stock of thousands of products).
    The keys are locked first (``_lock_for_writing``: on PostgreSQL at most ``OUTBOX_LOCK_BUCKETS``
    advisory locks, all at once in sorted order, so concurrent writers cannot deadlock on them)."""
    if any(not key for key, _ in messages):
        raise ValidationError(f"an outbox message of kind {kind} needs a dedupe key")
    payloads = dict(sorted(messages))
    keys = list(payloads)
    written: list[OutboxMessage] = []
    postgresql = session.get_bind().dialect.name == "postgresql"
    _lock_for_writing(session, shop_id, kind, keys)
    with session.no_autoflush:
        for start in range(0, len(keys), chunk):
            part = keys[start:start + chunk]
            pending: dict[str, OutboxMessage] = {}
            for row in session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.shop_id == shop_id, OutboxMessage.kind == kind,
                       OutboxMessage.state == OUTBOX_PENDING, _among(OutboxMessage.dedupe_key, part, postgresql))
                .order_by(OutboxMessage.id)
                .with_for_update()
            ):
                pending[row.dedupe_key] = row  # the newest pending one of a key wins
            now = utcnow()
            for key in part:
                message = pending.get(key)
                if message is None:
                    message = OutboxMessage(shop_id=shop_id, kind=kind, dedupe_key=key, payload=payloads[key])
                    session.add(message)
                elif message.payload != payloads[key]:  # the same payload again: nothing to write
                    message.payload = payloads[key]
                    message.updated_at = now
                written.append(message)
    session.flush()
    return written


# --- claiming ------------------------------------------------------------------------------------


def _due(now: datetime) -> Any:
    """Pending and due, or claimed by a worker whose lease ran out."""
    return and_(
        OutboxMessage.state.in_((OUTBOX_PENDING, OUTBOX_IN_PROGRESS)),
        OutboxMessage.next_attempt_at <= now,
    )


def due_pairs(session: Session, now: datetime | None = None) -> list[tuple[int, str]]:
    """(shop id, kind) of every due message, for the dispatcher."""
    rows = session.execute(
        select(OutboxMessage.shop_id, OutboxMessage.kind).where(_due(now or utcnow())).distinct()
    )
    return sorted((int(shop_id), kind) for shop_id, kind in rows)


def claim_due(
    session: Session,
    shop_id: int,
    kind: str,
    *,
    limit: int,
    lease_seconds: int,
    now: datetime | None = None,
) -> list[OutboxItem]:
    """Take up to ``limit`` due messages of a shop and kind: ``in_progress`` until the lease ends.

    A message waits while another message with the same key is being delivered (lease not over),
    so one key's changes never overtake each other. Commit the session to make the claim stick.
    """
    now = now or utcnow()
    in_flight = aliased(OutboxMessage)
    busy_key = exists().where(
        in_flight.shop_id == OutboxMessage.shop_id,
        in_flight.dedupe_key == OutboxMessage.dedupe_key,
        in_flight.state == OUTBOX_IN_PROGRESS,
        in_flight.next_attempt_at > now,
        in_flight.id != OutboxMessage.id,
    )
    candidates = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.shop_id == shop_id,
            OutboxMessage.kind == kind,
            _due(now),
            OutboxMessage.attempts < OutboxMessage.max_attempts,
            ~busy_key,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(candidates.scalar_subquery()))
        .values(
            state=OUTBOX_IN_PROGRESS,
            attempts=OutboxMessage.attempts + 1,
            next_attempt_at=now + timedelta(seconds=lease_seconds),
            updated_at=now,
        )
        .returning(
            OutboxMessage.id,
            OutboxMessage.shop_id,
            OutboxMessage.kind,
            OutboxMessage.dedupe_key,
            OutboxMessage.payload,
            OutboxMessage.attempts,
            OutboxMessage.max_attempts,
            OutboxMessage.created_at,
        )
        .execution_options(synchronize_session=False)
    ).all()
    return sorted((OutboxItem(*row) for row in claimed), key=lambda item: item.id)


def _fenced(item: OutboxItem) -> Any:
    """The row is still ours: claimed by us and not re-claimed since."""
    return and_(
        OutboxMessage.id == item.id,
        OutboxMessage.state == OUTBOX_IN_PROGRESS,
        OutboxMessage.attempts == item.attempts,
    )


def fail_abandoned(session: Session, shop_id: int, kind: str, now: datetime | None = None) -> list[OutboxItem]:
    """Messages whose last allowed attempt was claimed by a worker that never finished: failed."""
    now = now or utcnow()
    rows = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.shop_id == shop_id,
            OutboxMessage.kind == kind,
            OutboxMessage.state == OUTBOX_IN_PROGRESS,
            OutboxMessage.next_attempt_at <= now,
            OutboxMessage.attempts >= OutboxMessage.max_attempts,
        )
        .values(
            state=OUTBOX_FAILED,
            last_error="the worker delivering the last attempt stopped before it finished",
            updated_at=now,
        )
        .returning(
            OutboxMessage.id,
            OutboxMessage.shop_id,
            OutboxMessage.kind,
            OutboxMessage.dedupe_key,
            OutboxMessage.payload,
            OutboxMessage.attempts,
            OutboxMessage.max_attempts,
            OutboxMessage.created_at,
        )
        .execution_options(synchronize_session=False)
    ).all()
    return [OutboxItem(*row) for row in rows]


# --- delivering ----------------------------------------------------------------------------------


@dataclass
class DeliverySummary:
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    superseded: int = 0
    lease_lost: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


class _LeaseLost(Exception):
    pass


def deliver_due(run: RunContext) -> dict[str, int]:
    """The job of kind ``deliver_outbox``: deliver the due messages of ``run.params["kind"]`` for the
    run's shop, batch after batch, until none is due. Leaves no sync-log run when nothing was due."""
    kind = str(run.params.get("kind") or "")
    handler = outbox_handler(kind)
    if handler is None:
        raise ValidationError(
            f"no outbox handler is registered for kind {kind!r}",
            hint="register one with register_outbox_handler in erpsync/jobs/kinds.py",
        )
    assert run.shop_id is not None
    summary = DeliverySummary()
    with run.database.session() as session:
        abandoned = fail_abandoned(session, run.shop_id, kind)
    for item in abandoned:
        summary.failed += 1
        run.log.counts.failed += 1
        _log_failed(run, item, "the worker delivering the last attempt stopped before it finished")
    deliver = handler.resolve()
    for _ in range(MAX_BATCHES_PER_RUN):
        with run.database.session() as session:
            items = claim_due(
                session, run.shop_id, kind, limit=handler.batch_size, lease_seconds=handler.lease_seconds
            )
        if not items:
            break
        summary.claimed += len(items)
        run.log.counts.fetched += len(items)
        items = _supersede_duplicates(run, items, summary)
        _deliver_batch(run, handler, deliver, items, summary)
        run.progress(summary.delivered, summary.claimed, f"{kind}: {summary.delivered} delivered")
    return summary.as_dict()


def _supersede_duplicates(run: RunContext, items: list[OutboxItem], summary: DeliverySummary) -> list[OutboxItem]:
    """Of several claimed messages with one key, only the newest is delivered."""
    newest: dict[str, OutboxItem] = {}
    for item in items:
        newest[item.dedupe_key] = item  # items are sorted by id
    keep = [item for item in items if newest[item.dedupe_key] is item]
    stale = [item for item in items if newest[item.dedupe_key] is not item]
    if stale:
        now = utcnow()
        with run.database.session() as session:
            for item in stale:
                result = session.execute(
                    update(OutboxMessage)
                    .where(_fenced(item))
                    .values(state=OUTBOX_DONE, last_error=f"superseded by #{newest[item.dedupe_key].id}",
                            next_attempt_at=now, updated_at=now)
                )
                summary.superseded += result.rowcount
        run.log.counts.skipped += len(stale)
    return keep


def _deliver_batch(
    run: RunContext,
    handler: OutboxHandler,
    deliver: Callable[[OutboxDelivery], Any],
    items: list[OutboxItem],
    summary: DeliverySummary,
) -> None:
    delivery = OutboxDelivery(run, handler.kind, items)
    try:
        deliver(delivery)
    except Exception as error:
        delivery._records.clear()
        for item in items:
            delivery.fail(item, error)
    delivered = [item for item in items if item.id not in delivery._failures]
    failures = list(delivery._failures.values())
    try:
        outcomes = _settle(run, handler, delivery, delivered, failures)
    except _LeaseLost as lost:
        summary.lease_lost += len(items)
        run.log.warning(
            f"{handler.kind}: the lease of message #{lost} ran out during delivery and another worker took "
            f"it; this batch of {len(items)} will be delivered again (raise lease_seconds if deliveries are slow)"
        )
        return
    summary.delivered += len(delivered)
    run.log.counts.updated += len(delivered)
    for failure, outcome, retry_at in outcomes:
        _log_outcome(run, failure, outcome, retry_at, summary)


def _settle(
    run: RunContext,
    handler: OutboxHandler,
    delivery: OutboxDelivery,
    delivered: list[OutboxItem],
    failures: list[_Failure],
) -> list[tuple[_Failure, str, datetime | None]]:
    """Record the delivery and mark the messages, all in one transaction."""
    now = utcnow()
    outcomes: list[tuple[_Failure, str, datetime | None]] = []
    with run.database.session() as session:
        for write in delivery._records:
            write(session)
        for item in delivered:
            result = session.execute(
                update(OutboxMessage)
                .where(_fenced(item))
                .values(state=OUTBOX_DONE, delivered_at=now, last_error=None, next_attempt_at=now, updated_at=now)
            )
            if result.rowcount != 1:
                raise _LeaseLost(item.id)
        for failure in failures:
            outcomes.append(_settle_failure(session, handler, failure, now))
    return outcomes


def _settle_failure(
    session: Session, handler: OutboxHandler, failure: _Failure, now: datetime
) -> tuple[_Failure, str, datetime | None]:
    item = failure.item
    if failure.permanent or item.attempts >= item.max_attempts:
        values: dict[str, Any] = {"state": OUTBOX_FAILED, "next_attempt_at": now}
        outcome, retry_at = "failed", None
    else:
        newer = session.scalar(
            select(OutboxMessage.id).where(
                OutboxMessage.shop_id == item.shop_id,
                OutboxMessage.kind == item.kind,
                OutboxMessage.dedupe_key == item.dedupe_key,
                OutboxMessage.state == OUTBOX_PENDING,
                OutboxMessage.id > item.id,
            )
        )
        if newer is not None:
            values = {"state": OUTBOX_DONE, "next_attempt_at": now}
            failure.error = f"superseded by #{newer} after a failed attempt: {failure.error}"
            outcome, retry_at = "superseded", None
        else:
            retry_at = now + handler.backoff(item.attempts)
            values = {"state": OUTBOX_PENDING, "next_attempt_at": retry_at}
            outcome = "retrying"
    result = session.execute(
        update(OutboxMessage).where(_fenced(item)).values(last_error=failure.error, updated_at=now, **values)
    )
    return failure, (outcome if result.rowcount == 1 else "lease_lost"), retry_at


def _log_outcome(
    run: RunContext, failure: _Failure, outcome: str, retry_at: datetime | None, summary: DeliverySummary
) -> None:
    item = failure.item
    if outcome == "failed":
        summary.failed += 1
        run.log.counts.failed += 1
        _log_failed(run, item, failure.error)
    elif outcome == "retrying":
        summary.retrying += 1
        run.log.counts.failed += 1
        assert retry_at is not None
        run.log.warning(
            f"{item.kind} {item.dedupe_key}: attempt {item.attempts} of {item.max_attempts} failed: "
            f"{failure.error}; next attempt at {retry_at:%Y-%m-%d %H:%M:%S} UTC",
            entity_type="outbox",
            entity_id=str(item.id),
        )
    elif outcome == "superseded":
        summary.superseded += 1
        run.log.counts.skipped += 1
    else:
        summary.lease_lost += 1


def _log_failed(run: RunContext, item: OutboxItem, error: str) -> None:
    run.log.error(
        f"{item.kind} {item.dedupe_key}: not delivered after {item.attempts} attempt(s): {error} "
        f"(`erpsync outbox retry {item.id}` sends it again)",
        entity_type="outbox",
        entity_id=str(item.id),
        payload=item.payload,
    )


# --- people: list and retry ----------------------------------------------------------------------


def list_messages(
    session: Session,
    *,
    state: str | None = None,
    shop_id: int | None = None,
    kind: str | None = None,
    limit: int = 50,
) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if state:
        query = query.where(OutboxMessage.state == state)
    if shop_id is not None:
        query = query.where(OutboxMessage.shop_id == shop_id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(session.scalars(query))


def outbox_counts(session: Session) -> dict[tuple[str, str], int]:
    """Number of messages by (kind, state)."""
    rows = session.execute(
        select(OutboxMessage.kind, OutboxMessage.state, func.count()).group_by(OutboxMessage.kind, OutboxMessage.state)
    )
    return {(kind, state): int(count) for kind, state, count in rows}


def retry_message(session: Session, message_id: int) -> OutboxMessage:
    """Send a failed message again: pending now, with a fresh count of attempts."""
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFoundError(f"no outbox message #{message_id}")
    if message.state != OUTBOX_FAILED:
        raise ValidationError(f"outbox message #{message_id} is {message.state}; only failed messages are retried")
    _reset(message)
    session.flush()
    return message


def retry_failed(session: Session, *, shop_id: int | None = None, kind: str | None = None) -> int:
    """Send every failed message (of a shop, of a kind) again; returns how many."""
    query = select(OutboxMessage).where(OutboxMessage.state == OUTBOX_FAILED)
    if shop_id is not None:
        query = query.where(OutboxMessage.shop_id == shop_id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    messages = list(session.scalars(query))
    for message in messages:
        _reset(message)
    session.flush()
    return len(messages)


def _reset(message: OutboxMessage) -> None:
    now = utcnow()
    message.state = OUTBOX_PENDING
    message.attempts = 0
    message.next_attempt_at = now
    message.updated_at = now


__all__ = [
    "DeliverySummary",
    "OutboxDelivery",
    "OutboxHandler",
    "OutboxItem",
    "claim_due",
    "deliver_due",
    "due_pairs",
    "fail_abandoned",
    "list_messages",
    "outbox_counts",
    "outbox_handler",
    "outbox_handlers",
    "register_outbox_handler",
    "retry_failed",
    "retry_message",
    "write_outbox",
]
