"""The catalog: warehouses, category tree, products, photos, characteristics, prices and stock."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erpsync.models.base import Base, TimestampMixin

# Price types: the standard ones (scope "base") and the per-marketplace ones (scope = marketplace name).
PRICE_RETAIL = "retail"  # the selling price; with a marketplace scope: that marketplace's override price
PRICE_WHOLESALE = "wholesale"
PRICE_OLD = "old"  # the crossed-out price
PRICE_PROMO = "promo"  # a marketplace's promotional price
PRICE_TYPES = (PRICE_RETAIL, PRICE_WHOLESALE, PRICE_OLD, PRICE_PROMO)
BASE_SCOPE = "base"


class Warehouse(Base):
    __tablename__ = "warehouses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str]
    city: Mapped[str | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Category(TimestampMixin, Base):
    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("parent_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str]
    name_ru: Mapped[str | None]
    slug: Mapped[str] = mapped_column(String(255))
    text_before: Mapped[str | None] = mapped_column(Text)
    text_after: Mapped[str | None] = mapped_column(Text)
    image_url: Mapped[str | None] = mapped_column(String(1024))
    position: Mapped[int] = mapped_column(Integer, default=0)

    parent: Mapped[Category | None] = relationship(remote_side="Category.id", back_populates="children")
    children: Mapped[list[Category]] = relationship(back_populates="parent")

    def path(self) -> list[str]:
        """Names from the root down to this category."""
        names: list[str] = []
        node: Category | None = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return list(reversed(names))


class Product(TimestampMixin, Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    barcode: Mapped[str | None] = mapped_column(String(64), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="SET NULL"), index=True)
    name_uk: Mapped[str] = mapped_column(String(1024))
    name_ru: Mapped[str | None] = mapped_column(String(1024))
    name_kk: Mapped[str | None] = mapped_column(String(1024))
    brand: Mapped[str | None]
    model: Mapped[str | None] = mapped_column(String(512))
    description_html: Mapped[str | None] = mapped_column(Text)
    marketplace_description: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(16), default="pcs")
    weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))
    length_cm: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    width_cm: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    height_cm: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    release_date: Mapped[date | None]
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    track_stock: Mapped[bool] = mapped_column(Boolean, default=True)
    min_wholesale_qty: Mapped[int | None] = mapped_column(Integer)

    category: Mapped[Category | None] = relationship()
    photos: Mapped[list[ProductPhoto]] = relationship(
        back_populates="product", order_by="ProductPhoto.position", cascade="all, delete-orphan"
    )
    characteristics: Mapped[list[ProductCharacteristic]] = relationship(
        back_populates="product", order_by="ProductCharacteristic.position", cascade="all, delete-orphan"
    )
    prices: Mapped[list[ProductPrice]] = relationship(back_populates="product", cascade="all, delete-orphan")
    stock: Mapped[list[StockLevel]] = relationship(back_populates="product", cascade="all, delete-orphan")

    @property
    def name(self) -> str:
        return self.name_uk

    def price(self, price_type: str, scope: str = BASE_SCOPE) -> Decimal | None:
        for price in self.prices:
            if price.price_type == price_type and price.scope == scope:
                return price.amount
        return None


class ProductPhoto(Base):
    __tablename__ = "product_photos"
    __table_args__ = (UniqueConstraint("product_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    url: Mapped[str] = mapped_column(String(1024))  # a URL, or a file name relative to the photo base URL

    product: Mapped[Product] = relationship(back_populates="photos")


class ProductCharacteristic(Base):
    """One value of a characteristic (a multi-valued characteristic has one row per value)."""

    __tablename__ = "product_characteristics"
    __table_args__ = (UniqueConstraint("product_id", "name", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    name: Mapped[str]
    value: Mapped[str] = mapped_column(String(1024))
    unit: Mapped[str | None] = mapped_column(String(32))
    is_dynamic: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)

    product: Mapped[Product] = relationship(back_populates="characteristics")


class ProductPrice(Base):
    """A price of a product: ``scope`` is ``base`` for the standard prices or a marketplace name."""

    __tablename__ = "product_prices"
    __table_args__ = (UniqueConstraint("product_id", "price_type", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    price_type: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(32), default=BASE_SCOPE)
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3), default="UAH")

    product: Mapped[Product] = relationship(back_populates="prices")


class StockLevel(Base):
    """Units of a product on hand in a warehouse (reservations are subtracted when selling)."""

    __tablename__ = "stock_levels"
    __table_args__ = (
        UniqueConstraint("product_id", "warehouse_id"),
        Index("ix_stock_levels_warehouse_id", "warehouse_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer, default=0)

    product: Mapped[Product] = relationship(back_populates="stock")
    warehouse: Mapped[Warehouse] = relationship()
