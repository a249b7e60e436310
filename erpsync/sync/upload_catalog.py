"""Use case: upload a shop's products to its marketplace (Kasta, Kaspi, … — any connector with the upload
capability), in batches of the marketplace's limit, and record each product's result.

Which products: those listed for the shop with the upload flag (``Listing.upload``), active, in a local
category the shop's mapping file maps to a marketplace category, and not yet on the marketplace
(listing state ``new``) or refused last time (``rejected``); ``all`` re-sends the others too (an update)
and ``skus`` narrows the choice. Each product is turned into a ``ProductUploadItem``: the mapped
category and characteristics (``erpsync.mapping``), "size on the label" from the local value mapped to
the marketplace's size, the price block and the quantity by the feeds' rules (``erpsync.feeds``), photos
as absolute URLs. A product is skipped, and the sync log names it with the reason, when a mandatory
attribute of its category (as downloaded by ``erpsync sync categories``) is not filled, or when the
connector's ``check_upload_item`` names a problem; one bad product never stops the others.

The products go out sorted by category in batches of ``Limits.upload_batch`` (Kasta: 500, seed 000),
one after the other: a batch is submitted, its result polled until the marketplace finished it, and
every product's outcome written to its listing — accepted: state ``moderation`` (the marketplace
reviews new products; ``erpsync.sync.listing_states`` follows them to ``active``), external id, no
error; refused: state ``rejected`` and the errors in ``Listing.last_error`` and the sync log.

Nothing here ever deletes a product on a marketplace: switching the upload flag off or removing a
category's mapping only stops uploads and pushes (delete a product in the marketplace's cabinet).
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from erpsync.core.errors import AuthenticationError, MarketplaceError, PayloadError, Unsupported, ValidationError
from erpsync.feeds.pricing import price_block
from erpsync.feeds.reader import ProductRow, iter_product_chunks
from erpsync.feeds.stock import available_quantity
from erpsync.mapping import EffectiveMapping, load_mapping
from erpsync.mapping.tree import local_categories
from erpsync.mapping.units import parse_number
from erpsync.marketplaces.base import CAP_UPLOAD, Connector, ImportResult, ProductAttributeValue, ProductUploadItem
from erpsync.models import Listing, MarketplaceAttribute, Product, Warehouse, utcnow
from erpsync.models.db import Database
from erpsync.sync.connectors import connector_for
from erpsync.sync.context import RunContext
from erpsync.sync.log import SyncLog

KIND = "upload_catalog"
UPLOADABLE_STATES = ("new", "rejected")
POLL_SECONDS = 5.0
MAX_WAIT_SECONDS = 900.0
_TAGS = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t]+")


@dataclass
class UploadReport:
    candidates: int = 0
    skipped: int = 0
    submitted: int = 0
    accepted: int = 0
    rejected: int = 0
    batches: int = 0
    import_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Mandatory:
    code: str
    title: str | None


@dataclass
class _Plan:
    """What the use case knows before it reads products."""

    marketplace: str
    shop_id: int
    settings: dict[str, Any]
    mapping: EffectiveMapping
    category_paths: dict[int, str]
    warehouse_ids: list[int] | None
    mandatory: dict[str, list[_Mandatory]] = field(default_factory=dict)  # category → mandatory attributes
    value_types: dict[str, dict[str, str]] = field(default_factory=dict)  # category → attribute → value type
    undownloaded: set[str] = field(default_factory=set)  # categories warned about (no attributes downloaded)
    skips: dict[str, str] = field(default_factory=dict)  # SKU → why it was not uploaded


def upload_catalog(run: RunContext, *, sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    """The job. Params: ``skus`` (only these), ``all`` (also products already on the marketplace),
    ``wait`` (poll each batch's result; default true), ``poll_seconds``, ``max_wait_seconds``."""
    with run.database.session() as session:
        shop = run.shop(session)
        connector = connector_for(shop, run.config.require_secret_key())
        if CAP_UPLOAD not in connector.capabilities:
            connector.close()
            raise Unsupported(shop.marketplace, "uploading products")
        plan = _plan(run, session, shop.marketplace, shop.name, shop.id, dict(run.settings()))
        candidates = _candidates(session, shop.id, run.params)
    report = UploadReport(candidates=len(candidates))
    run.log.counts.fetched = len(candidates)
    with connector:
        items = _items(run, connector, plan, candidates, report)
        size = max(1, connector.limits.upload_batch)
        for start in range(0, len(items), size):
            run.progress(start, len(items), "uploading")
            _upload_batch(run, connector, plan, items[start:start + size], report, sleep)
    run.log.counts.skipped, run.log.counts.updated = report.skipped, report.accepted
    run.log.counts.failed = report.rejected
    run.log.info(f"{report.candidates} products to upload: {report.submitted} sent in {report.batches} batches, "
                 f"{report.accepted} accepted, {report.rejected} refused, {report.skipped} skipped",
                 entity_type="shop", entity_id=str(plan.shop_id))
    return asdict(report)


# --- what to upload ---------------------------------------------------------------------------------


def _plan(run: RunContext, session: Session, marketplace: str, shop_name: str, shop_id: int,
          settings: dict[str, Any]) -> _Plan:
    mapping = load_mapping(run.config.mappings_dir, marketplace, shop_name)
    codes = list(settings.get("warehouses") or [])
    warehouse_ids = list(session.scalars(select(Warehouse.id).where(Warehouse.code.in_(codes)))) if codes else None
    plan = _Plan(marketplace, shop_id, settings, mapping, local_categories(session)[0], warehouse_ids)
    used = {str(code) for code in mapping.section("categories").values() if code is not None}
    for row in session.scalars(select(MarketplaceAttribute).where(
            MarketplaceAttribute.marketplace == marketplace, MarketplaceAttribute.category_code.in_(used))):
        entries = plan.mandatory.setdefault(row.category_code, [])
        if row.mandatory:
            entries.append(_Mandatory(row.code, row.title))
        plan.value_types.setdefault(row.category_code, {})[row.code] = row.value_type
    return plan


def _candidates(session: Session, shop_id: int, params: dict[str, Any]) -> list[int]:
    """Product ids to consider, in id order."""
    query = (select(Product.id).join(Listing, Listing.product_id == Product.id)
             .where(Listing.shop_id == shop_id, Listing.upload.is_(True), Product.is_active.is_(True))
             .order_by(Product.id))
    if params.get("all"):
        query = query.where(Listing.state != "deleted")
    else:
        query = query.where(Listing.state.in_(UPLOADABLE_STATES))
    skus = params.get("skus")
    if skus:
        query = query.where(Product.sku.in_(list(skus.split(",") if isinstance(skus, str) else skus)))
    return list(session.scalars(query))


def _items(run: RunContext, connector: Connector, plan: _Plan, product_ids: Sequence[int],
           report: UploadReport) -> list[ProductUploadItem]:
    items: list[ProductUploadItem] = []
    unmapped: list[str] = []
    with run.database.engine.connect() as connection:
        for chunk in iter_product_chunks(connection, shop_id=plan.shop_id, marketplace=plan.marketplace,
                                         warehouse_ids=plan.warehouse_ids, product_ids=product_ids):
            for product in chunk:
                item = _item(run.log, connector, plan, product, unmapped)
                if item is None:
                    report.skipped += 1
                else:
                    items.append(item)
    if unmapped:
        shown = ", ".join(unmapped[:10]) + (f" and {len(unmapped) - 10} more" if len(unmapped) > 10 else "")
        run.log.warning(f"{len(unmapped)} products are in no category mapped to a {plan.marketplace} category and "
                        f"were not uploaded: {shown} (map their categories under `categories` in the mapping file)")
    _record_skips(run.database, plan)
    return sorted(items, key=lambda item: item.category_code)


def _item(log: SyncLog, connector: Connector, plan: _Plan, product: ProductRow,
          unmapped: list[str]) -> ProductUploadItem | None:
    """One product as the connector uploads it, or None (skipped: the log says why)."""
    match = plan.mapping.category(path=plan.category_paths.get(product.category_id or -1),
                                  category_id=product.category_id)
    if match is None:
        unmapped.append(product.sku)
        return None
    code = match.category_code
    translated = plan.mapping.attributes(code, product.characteristics)
    problems = list(translated.rejected)
    given = {attribute.code for attribute in translated.attributes}
    if code not in plan.mandatory and code not in plan.undownloaded:
        plan.undownloaded.add(code)
        log.warning(f"the attributes of {plan.marketplace} category {code} are not downloaded: its mandatory "
                    f"characteristics are checked by the marketplace only (run `erpsync sync categories`)",
                    entity_type="category", entity_id=code)
    missing = [m for m in plan.mandatory.get(code, []) if m.code not in given]
    for attribute in missing:
        title = f" ({attribute.title})" if attribute.title else ""
        problems.append(f"mandatory characteristic {attribute.code}{title} of {plan.marketplace} category {code} "
                        "is not filled")
    block = price_block(product.prices, marketplace=plan.marketplace,
                        price_type=plan.settings.get("price_type") or "retail")
    if block is None:
        problems.append("it has no price for this shop")
    if not missing and block is not None:
        types = plan.value_types.get(code, {})
        attributes = [ProductAttributeValue(a.code, typed(a.value, types.get(a.code))) for a in translated.attributes]
        item = _upload_item(plan, product, code, attributes, block)
        problems += connector.check_upload_item(item)
        if not problems:
            return item
    _skip(log, plan, product.sku, problems)
    return None


def _upload_item(plan: _Plan, product: ProductRow, code: str, attributes: Sequence[Any], block: Any
                 ) -> ProductUploadItem:
    quantity = available_quantity(product.stock, product.reserved, plan.warehouse_ids,
                                  track_stock=product.track_stock,
                                  default_quantity=int(plan.settings.get("default_quantity") or 0))
    specs = plan.mapping.section("characteristics", code)
    labels: dict[str, str] = {}
    for characteristic in product.characteristics:
        spec = specs.get(characteristic.name)
        if isinstance(spec, dict) and spec.get("attribute") is not None:
            labels.setdefault(str(spec["attribute"]), characteristic.value)
    description = product.marketplace_description or plain_text(product.description_html)
    extra = {"barcode": product.barcode, "title_ru": product.name_ru, "model": product.model, "labels": labels}
    return ProductUploadItem(
        sku=product.sku,
        title=product.name_uk,
        brand=product.brand,
        category_code=code,
        description=description or None,
        attributes=tuple(attributes),
        images=tuple(photo_urls(product.photos, plan.settings.get("photo_base_url"))),
        price=block.price,
        old_price=block.old_price,
        quantity=quantity,
        weight_kg=product.weight_kg,
        extra={key: value for key, value in extra.items() if value not in (None, "", {})},
    )


_YES = frozenset({"true", "1", "yes", "так", "да", "є", "+"})
_NO = frozenset({"false", "0", "no", "ні", "нет", "немає", "-"})


def typed(value: Any, value_type: str | None) -> Any:
    """A characteristic's text as the attribute's type wants it: ``boolean`` → True/False, ``number`` → int or
    float (a comma decimal too); anything it cannot read, and other types, stay as they are."""
    if isinstance(value, tuple):
        return tuple(typed(v, value_type) for v in value)
    if not isinstance(value, str):
        return value
    if value_type == "boolean":
        folded = value.strip().casefold()
        return True if folded in _YES else False if folded in _NO else value
    if value_type == "number":
        number = parse_number(value)
        if number is not None:
            return int(number) if number == number.to_integral_value() else float(number)
    return value


def plain_text(text: str | None) -> str:
    """An HTML description as plain text (seed 000: Kasta takes descriptions without HTML)."""
    if not text:
        return ""
    text = re.sub(r"(?i)<br\s*/?>|</p>|</li>|</div>", "\n", text)
    lines = (_SPACES.sub(" ", html.unescape(_TAGS.sub("", line))).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def photo_urls(photos: Iterable[str], base_url: str | None) -> list[str]:
    """Photos as absolute URLs, main first, without repeats; a file name is joined to ``photo_base_url``."""
    urls: list[str] = []
    for photo in photos:
        url = photo.strip()
        if url and "://" not in url and base_url:
            url = f"{base_url.rstrip('/')}/{url.lstrip('/')}"
        if url and url not in urls:
            urls.append(url)
    return urls


def _skip(log: SyncLog, plan: _Plan, sku: str, problems: Sequence[str]) -> None:
    log.warning(f"{sku} was not uploaded to {plan.marketplace}: {'; '.join(problems)}", entity_type="product",
                entity_id=sku)
    plan.skips[sku] = "; ".join(problems)


def _record_skips(database: Database, plan: _Plan) -> None:
    """Write why skipped products were not uploaded to their listings (``Listing.last_error``)."""
    _update_listings(database, plan.shop_id, {sku: {"last_error": f"not uploaded: {message}"}
                                              for sku, message in plan.skips.items()})


# --- uploading and results --------------------------------------------------------------------------


def _upload_batch(run: RunContext, connector: Connector, plan: _Plan, batch: Sequence[ProductUploadItem],
                  report: UploadReport, sleep: Callable[[float], None]) -> None:
    skus = [item.sku for item in batch]
    try:
        import_id = connector.upload_products(batch)
    except AuthenticationError:
        raise
    except (ValidationError, MarketplaceError, PayloadError) as error:
        report.rejected += len(batch)
        run.log.error(f"a batch of {len(batch)} products was not uploaded: {error}", entity_type="batch",
                      entity_id=f"{skus[0]}…{skus[-1]}", payload=getattr(error, "exchange", None))
        _update_listings(run.database, plan.shop_id, {sku: {"last_error": f"upload failed: {error}"} for sku in skus})
        return
    report.batches += 1
    report.submitted += len(batch)
    report.import_ids.append(import_id)
    if not run.params.get("wait", True):
        run.log.info(f"batch of {len(batch)} products submitted as import {import_id} (not waited for)",
                     entity_type="import", entity_id=import_id)
        return
    result = _await(run, connector, import_id, sleep)
    if result is None:
        waited = run.params.get("max_wait_seconds", MAX_WAIT_SECONDS)
        run.log.warning(f"import {import_id} did not finish within {waited} s: its products stay as they were and "
                        "are sent again by the next upload", entity_type="import", entity_id=import_id)
        return
    _apply_result(run, plan, skus, result, report)


def _await(run: RunContext, connector: Connector, import_id: str, sleep: Callable[[float], None]
           ) -> ImportResult | None:
    poll = float(run.params.get("poll_seconds", POLL_SECONDS))
    deadline = time.monotonic() + float(run.params.get("max_wait_seconds", MAX_WAIT_SECONDS))
    while True:
        result = connector.import_result(import_id)
        if result.done:
            return result
        if time.monotonic() >= deadline:
            return None
        sleep(poll)


def _apply_result(run: RunContext, plan: _Plan, skus: Sequence[str], result: ImportResult,
                  report: UploadReport) -> None:
    changes: dict[str, dict[str, Any]] = {}
    reported = set()
    for item in result.items:
        reported.add(item.sku)
        if item.ok:
            report.accepted += 1
            change: dict[str, Any] = {"state": item.listing_state or "moderation", "last_error": None,
                                      "pushed_at": utcnow()}
            if item.external_id:
                change["external_id"] = item.external_id
        else:
            report.rejected += 1
            errors = "; ".join(item.errors) or item.state
            change = {"state": item.listing_state or "rejected", "last_error": errors}
            run.log.error(f"{item.sku} was refused by {plan.marketplace}: {errors}", entity_type="product",
                          entity_id=item.sku, payload={"import_id": result.import_id, "state": item.state,
                                                       "errors": list(item.errors)})
        changes[item.sku] = change
    missing = [sku for sku in skus if sku not in reported]
    if missing:
        run.log.warning(f"import {result.import_id} reported nothing about {len(missing)} products: "
                        f"{', '.join(missing[:10])}", entity_type="import", entity_id=result.import_id)
    run.log.info(f"import {result.import_id}: {result.total} products, {result.errors} refused",
                 entity_type="import", entity_id=result.import_id, payload=dict(result.raw) or None)
    _update_listings(run.database, plan.shop_id, changes)


def _update_listings(database: Database, shop_id: int, changes: dict[str, dict[str, Any]]) -> None:
    if not changes:
        return
    with database.session() as session:
        rows = session.execute(
            select(Listing, Product.sku).join(Product, Product.id == Listing.product_id)
            .where(Listing.shop_id == shop_id, Product.sku.in_(list(changes)))
        ).all()
        for listing, sku in rows:
            for name, value in changes[sku].items():
                setattr(listing, name, value)


__all__ = ["KIND", "UPLOADABLE_STATES", "UploadReport", "photo_urls", "plain_text", "typed", "upload_catalog"]
