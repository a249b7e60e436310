"""Integration: shops, listings (the binder of external ids), cursors, the sync log, the outbox,
held orders, mapping revisions, downloaded marketplace categories/attributes, panel users and their
failed logins."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erpsync.models.base import Base, BigId, TimestampMixin, utcnow

LISTING_STATES = ("new", "moderation", "active", "rejected", "inactive", "deleted")

OUTBOX_PENDING = "pending"
OUTBOX_IN_PROGRESS = "in_progress"
OUTBOX_DONE = "done"
OUTBOX_FAILED = "failed"

RUN_RUNNING = "running"
RUN_SUCCESS = "success"
RUN_PARTIAL = "partial"  # finished, some items failed
RUN_FAILED = "failed"
RUN_SKIPPED = "skipped"

LOG_LEVELS = ("debug", "info", "warning", "error")


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def token_shaped(token: str) -> bool:
    """Whether ``token`` could be a feed token (URL-safe base64, at most 64 characters): anything else, a NUL
    included (which PostgreSQL refuses in a query), is turned away before a lookup."""
    return bool(_TOKEN_SHAPE.fullmatch(token or ""))


class Shop(TimestampMixin, Base):
    __tablename__ = "shops"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    marketplace: Mapped[str] = mapped_column(String(32), index=True)
    base_url: Mapped[str] = mapped_column(String(1024))
    credentials_encrypted: Mapped[str] = mapped_column(Text, default="")
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    feed_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_feed_token)

    listings: Mapped[list[Listing]] = relationship(back_populates="shop", cascade="all, delete-orphan")


class Listing(TimestampMixin, Base):
    """A product offered in a shop: its external id there, its marketplace state, what was last pushed."""

    __tablename__ = "listings"
    __table_args__ = (
        UniqueConstraint("shop_id", "product_id"),
        Index("ix_listings_shop_id_external_id", "shop_id", "external_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(128))
    external_sku: Mapped[str | None] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(16), default="new")
    upload: Mapped[bool] = mapped_column(Boolean, default=True)  # the "upload to this marketplace" flag
    pushed_hash: Mapped[str | None] = mapped_column(String(64))
    pushed_at: Mapped[datetime | None]
    pushed_stock: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)

    shop: Mapped[Shop] = relationship(back_populates="listings")


class SyncCursor(Base):
    """Where a shop's incremental sync of a kind got to (an ISO time, a page token, a last id)."""

    __tablename__ = "sync_cursors"
    __table_args__ = (UniqueConstraint("shop_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SyncRun(Base):
    """One run of a sync kind for a shop, with its counts."""

    __tablename__ = "sync_runs"
    __table_args__ = (Index("ix_sync_runs_shop_id_kind_started_at", "shop_id", "kind", "started_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=RUN_RUNNING)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    fetched: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[str | None] = mapped_column(String(64))


class SyncEvent(Base):
    """One line of the sync log: a run's item that failed, a warning, a notable fact."""

    __tablename__ = "sync_events"
    __table_args__ = (
        Index("ix_sync_events_shop_id_created_at", "shop_id", "created_at"),
        Index("ix_sync_events_level_created_at", "level", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("sync_runs.id", ondelete="CASCADE"), index=True)
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(8), default="info")
    entity_type: Mapped[str | None] = mapped_column(String(32))
    entity_id: Mapped[str | None] = mapped_column(String(128))
    message: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxMessage(Base):
    """A change to deliver to a marketplace, written in the transaction that made the change.

    ``dedupe_key`` coalesces pending messages for the same thing (one SKU's stock, one order's status).
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_state_next_attempt_at", "state", "next_attempt_at"),
        Index("ix_outbox_shop_id_dedupe_key_state", "shop_id", "dedupe_key", "state"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # status | waybill | stock | price
    dedupe_key: Mapped[str] = mapped_column(String(255))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default=OUTBOX_PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=8)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    delivered_at: Mapped[datetime | None]


class HeldOrder(Base):
    """An unpaid online-payment order held back from import until paid or until ``release_at``."""

    __tablename__ = "held_orders"
    __table_args__ = (UniqueConstraint("shop_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(128))
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    release_at: Mapped[datetime]
    payment_method: Mapped[str | None] = mapped_column(String(128))


class MappingRevision(Base):
    """A saved version of a mapping file: who, when, why, the full text and its sha256."""

    __tablename__ = "mapping_revisions"
    __table_args__ = (Index("ix_mapping_revisions_path_version", "path", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    marketplace: Mapped[str] = mapped_column(String(32))
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id", ondelete="SET NULL"))
    path: Mapped[str] = mapped_column(String(1024))
    version: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(128))
    message: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MarketplaceCategory(Base):
    """A category of a marketplace's tree, as last downloaded."""

    __tablename__ = "marketplace_categories"
    __table_args__ = (UniqueConstraint("marketplace", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    marketplace: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(512))
    title: Mapped[str] = mapped_column(String(512))
    parent_code: Mapped[str | None] = mapped_column(String(512))
    is_leaf: Mapped[bool] = mapped_column(Boolean, default=True)
    downloaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class MarketplaceAttribute(Base):
    """An attribute (characteristic) of a marketplace category, as last downloaded."""

    __tablename__ = "marketplace_attributes"
    __table_args__ = (UniqueConstraint("marketplace", "category_code", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    marketplace: Mapped[str] = mapped_column(String(32))
    category_code: Mapped[str] = mapped_column(String(512))
    code: Mapped[str] = mapped_column(String(512))
    title: Mapped[str | None] = mapped_column(String(512))
    value_type: Mapped[str] = mapped_column(String(32), default="string")  # string|number|boolean|enum
    multi_valued: Mapped[bool] = mapped_column(Boolean, default=False)
    mandatory: Mapped[bool] = mapped_column(Boolean, default=False)
    unit: Mapped[str | None] = mapped_column(String(32))

    values: Mapped[list[MarketplaceAttributeValue]] = relationship(
        back_populates="attribute", cascade="all, delete-orphan"
    )


class MarketplaceAttributeValue(Base):
    __tablename__ = "marketplace_attribute_values"
    __table_args__ = (UniqueConstraint("attribute_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attribute_id: Mapped[int] = mapped_column(ForeignKey("marketplace_attributes.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(512))
    name: Mapped[str] = mapped_column(String(512))

    attribute: Mapped[MarketplaceAttribute] = relationship(back_populates="values")


class User(TimestampMixin, Base):
    """A person who logs in to the admin panel."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(128), unique=True)
    password_hash: Mapped[str] = mapped_column(String(512))
    role: Mapped[str] = mapped_column(String(16), default="accountant")  # accountant | admin
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    last_login_at: Mapped[datetime | None]


class LoginFailure(Base):
    """A failed login to the admin panel, counted by the login rate limit when no Redis is configured.

    ``key`` is ``user:<username>`` or ``ip:<address>``; rows older than the limit's window are deleted.
    """

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_failed_at", "key", "failed_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(255))
    failed_at: Mapped[datetime] = mapped_column(default=utcnow)
