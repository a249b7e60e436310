"""Sales: customers, orders and their lines, status history, reservations, invoices, waybills."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erpsync.models.base import Base, TimestampMixin, utcnow

# The accounting statuses an order goes through. Mapping files translate marketplace statuses to these.
ACCOUNTING_STATUSES: tuple[str, ...] = (
    "new",  # imported, nobody has looked at it
    "accepted",  # the seller confirmed it
    "assembled",  # picked and packed
    "shipped",  # handed to the carrier (a waybill exists)
    "delivered",  # reached the buyer / picked up
    "completed",  # paid and closed
    "cancelled",  # cancelled (a reason goes with it)
    "returned",  # came back to the seller
)

RESERVATION_ACTIVE = "active"
RESERVATION_RELEASED = "released"
RESERVATION_CONSUMED = "consumed"

STATUS_SOURCE_MARKETPLACE = "marketplace"
STATUS_SOURCE_ACCOUNTING = "accounting"


class Customer(TimestampMixin, Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(512), default="")
    first_name: Mapped[str | None]
    last_name: Mapped[str | None]
    phone: Mapped[str | None] = mapped_column(String(32), index=True)  # E.164
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    delivery_address: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str | None]


class Order(TimestampMixin, Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("shop_id", "external_id"),
        Index("ix_orders_status", "status"),
        Index("ix_orders_placed_at", "placed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="RESTRICT"))
    external_id: Mapped[str] = mapped_column(String(128))
    number: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(32), default="new")
    external_status: Mapped[str | None] = mapped_column(String(64))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"), index=True)
    recipient_name: Mapped[str | None] = mapped_column(String(512))
    recipient_phone: Mapped[str | None] = mapped_column(String(32))
    delivery_method: Mapped[str | None] = mapped_column(String(128))
    delivery_method_external: Mapped[str | None] = mapped_column(String(128))
    delivery_address: Mapped[str | None] = mapped_column(Text)
    payment_method: Mapped[str | None] = mapped_column(String(128))
    payment_method_external: Mapped[str | None] = mapped_column(String(128))
    is_paid: Mapped[bool] = mapped_column(Boolean, default=False)
    paid_at: Mapped[datetime | None]
    total: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    delivery_cost: Mapped[Decimal | None]
    discount: Mapped[Decimal | None]
    currency: Mapped[str] = mapped_column(String(3), default="UAH")
    do_not_call: Mapped[bool] = mapped_column(Boolean, default=False)
    is_fulfilment: Mapped[bool] = mapped_column(Boolean, default=False)
    customer_comment: Mapped[str | None] = mapped_column(Text)
    manager_comment: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(64))
    utm: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # coupons, CPA commission, marketplace flags
    raw_payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    placed_at: Mapped[datetime | None]  # when the buyer placed it on the marketplace
    external_updated_at: Mapped[datetime | None]

    shop: Mapped[Shop] = relationship()  # noqa: F821 - resolved by the registry
    customer: Mapped[Customer | None] = relationship()
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )
    history: Mapped[list[OrderStatusChange]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderStatusChange.id"
    )
    waybills: Mapped[list[Waybill]] = relationship(back_populates="order", cascade="all, delete-orphan")
    invoices: Mapped[list[Invoice]] = relationship(back_populates="order", cascade="all, delete-orphan")


class OrderLine(Base):
    __tablename__ = "order_lines"
    __table_args__ = (UniqueConstraint("order_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(128))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"), index=True)
    sku: Mapped[str | None] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(1024), default="")
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    price: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    total: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    is_unmatched: Mapped[bool] = mapped_column(Boolean, default=False)
    reserve_shortfall: Mapped[int] = mapped_column(Integer, default=0)  # units that could not be reserved

    order: Mapped[Order] = relationship(back_populates="lines")
    reservations: Mapped[list[Reservation]] = relationship(back_populates="line", cascade="all, delete-orphan")


class OrderStatusChange(Base):
    """One change of an order's status: who or what changed it, from where, when."""

    __tablename__ = "order_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    external_status: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))  # marketplace | accounting
    actor: Mapped[str] = mapped_column(String(128), default="system")
    note: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(back_populates="history")


class Reservation(Base):
    __tablename__ = "reservations"
    __table_args__ = (Index("ix_reservations_product_id_state", "product_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer)
    until: Mapped[datetime | None]
    state: Mapped[str] = mapped_column(String(16), default=RESERVATION_ACTIVE)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    line: Mapped[OrderLine] = relationship(back_populates="reservations")


class Invoice(Base):
    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    total: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default="issued")
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(back_populates="invoices")


class Waybill(Base):
    """A transport waybill (TTN) of an order; pushed to the marketplace once."""

    __tablename__ = "waybills"
    __table_args__ = (UniqueConstraint("order_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    carrier: Mapped[str] = mapped_column(String(64))
    number: Mapped[str] = mapped_column(String(64))
    status: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    pushed_at: Mapped[datetime | None]

    order: Mapped[Order] = relationship(back_populates="waybills")
