"""Use case: the "upload to marketplace" flag of products per shop (the listings), set in bulk.

Adding lists products for a shop (a new listing, or the flag switched back on); removing switches the
flag off. Removing never deletes a product on the marketplace: the listing keeps its external id and
state, the product simply stops appearing in the shop's feed and pushes (delete it in the marketplace's
cabinet if it must go), as the seeds' platforms do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import and_, exists, func, insert, literal, select, true, update
from sqlalchemy.orm import Session

from erpsync.core.errors import NotFoundError, ValidationError
from erpsync.models import Category, Listing, Product, Shop, utcnow


@dataclass
class ListingChange:
    """What a bulk change did."""

    matched: int = 0  # products the selection named
    changed: int = 0  # listings created or switched
    unknown_skus: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ListingRow:
    sku: str
    name: str
    upload: bool
    state: str
    external_id: str | None


def _category_subtree(session: Session, path: str) -> list[int]:
    """Ids of the category at ``path`` (names or slugs from the root, separated by /) and its descendants."""
    rows = session.execute(select(Category.id, Category.parent_id, Category.name, Category.slug)).all()
    parts = [p.strip().lower() for p in path.strip("/").split("/") if p.strip()]
    if not parts:
        raise ValidationError("--category needs a path such as 'Електроніка/Смартфони'")
    current: int | None = None
    for depth, part in enumerate(parts):
        match = [r.id for r in rows if r.parent_id == current and part in (r.name.lower(), r.slug.lower())]
        if not match:
            where = "/".join(parts[:depth]) or "the root"
            raise NotFoundError(f"no category {part!r} under {where} (path {path!r})")
        current = match[0]
    children: dict[int | None, list[int]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row.id)
    found, stack = [], [current]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(children.get(node, []))
    return [c for c in found if c is not None]


def _product_filter(session: Session, *, everything: bool, category: str | None, skus: Sequence[str]) -> tuple:
    chosen = sum(bool(x) for x in (everything, category, skus))
    if chosen != 1:
        raise ValidationError("choose exactly one of --all, --category PATH or --sku SKU …")
    if everything:
        return (true(),)
    if category:
        return (Product.category_id.in_(_category_subtree(session, category)),)
    return (Product.sku.in_(list(skus)),)


def _unknown_skus(session: Session, skus: Sequence[str]) -> list[str]:
    known = set(session.scalars(select(Product.sku).where(Product.sku.in_(list(skus)))))
    return [sku for sku in skus if sku not in known]


def add_listings(
    session: Session, shop: Shop, *, everything: bool = False, category: str | None = None, skus: Sequence[str] = ()
) -> ListingChange:
    """List products for ``shop`` (set the upload flag): all, a category with its subcategories, or SKUs."""
    condition = _product_filter(session, everything=everything, category=category, skus=skus)
    change = ListingChange(unknown_skus=_unknown_skus(session, skus) if skus else [])
    change.matched = session.scalar(select(func.count()).select_from(Product).where(*condition)) or 0
    now = utcnow()
    switched = session.execute(
        update(Listing)
        .where(Listing.shop_id == shop.id, Listing.upload.is_(False),
               Listing.product_id.in_(select(Product.id).where(*condition)))
        .values(upload=True, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    not_listed = ~exists().where(and_(Listing.shop_id == shop.id, Listing.product_id == Product.id))
    created = session.execute(
        insert(Listing).from_select(
            ["shop_id", "product_id", "upload", "state", "created_at", "updated_at"],
            select(literal(shop.id), Product.id, true(), literal("new"), literal(now, Listing.created_at.type),
                   literal(now, Listing.updated_at.type)).where(*condition, not_listed),
        )
    ).rowcount
    change.changed = (switched or 0) + (created or 0)
    return change


def remove_listings(
    session: Session, shop: Shop, *, everything: bool = False, category: str | None = None, skus: Sequence[str] = ()
) -> ListingChange:
    """Switch the upload flag off; the products stay on the marketplace until deleted in its cabinet."""
    condition = _product_filter(session, everything=everything, category=category, skus=skus)
    change = ListingChange(unknown_skus=_unknown_skus(session, skus) if skus else [])
    change.matched = session.scalar(select(func.count()).select_from(Product).where(*condition)) or 0
    change.changed = session.execute(
        update(Listing)
        .where(Listing.shop_id == shop.id, Listing.upload.is_(True),
               Listing.product_id.in_(select(Product.id).where(*condition)))
        .values(upload=False, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount or 0
    return change


def listing_counts(session: Session, shop: Shop) -> tuple[int, int]:
    """(listed with the upload flag, listed without it) for a shop."""
    rows = dict(session.execute(
        select(Listing.upload, func.count()).where(Listing.shop_id == shop.id).group_by(Listing.upload)
    ).all())
    return int(rows.get(True, 0)), int(rows.get(False, 0))


def list_listings(session: Session, shop: Shop, *, limit: int = 50, offset: int = 0) -> list[ListingRow]:
    """A page of a shop's listings in SKU order."""
    rows = session.execute(
        select(Product.sku, Product.name_uk, Listing.upload, Listing.state, Listing.external_id)
        .join(Listing, Listing.product_id == Product.id)
        .where(Listing.shop_id == shop.id)
        .order_by(Product.sku)
        .limit(limit)
        .offset(offset)
    ).all()
    return [ListingRow(*row) for row in rows]


__all__ = ["ListingChange", "ListingRow", "add_listings", "list_listings", "listing_counts", "remove_listings"]
