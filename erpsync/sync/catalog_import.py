"""Import a shop's own catalog on its marketplace (Prom / Satu: the YML export of the company's
products) into listings: which of our products each marketplace product is, and its id there.

An offer is matched to a product by, in order: a listing of the shop that has the offer's id already,
a product whose SKU is the offer's article (``vendorCode``), a product whose SKU is the offer's id, a
product with the offer's barcode. A matched product gets (or keeps) its listing for the shop, with the
offer's id as the listing's external id (the id ``edit_by_external_id`` addresses on Prom) and its
article; a listing seen on the marketplace for the first time becomes ``active``; a new listing is
uploaded (stock and prices go to it). An offer that matches nothing, or a product another offer took
already, is a warning in the sync log (counted as skipped); an offer that cannot be read is an error;
none stops the import.
Offers are saved a few hundred per transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from erpsync.core.errors import NotFoundError, Unsupported, ValidationError
from erpsync.marketplaces import base as mp
from erpsync.models import Listing, Product, Shop, utcnow
from erpsync.models.db import Database
from erpsync.models.integration import RUN_PARTIAL, RUN_SUCCESS
from erpsync.sync.connectors import connector_for
from erpsync.sync.log import RunCounts, SyncLog, sync_run
from erpsync.sync.shops import get_shop, shop_settings

KIND = "catalog_import"
SAVE_EVERY = 500  # offers per transaction


@dataclass
class CatalogImportReport:
    shop: str
    run_id: int | None
    status: str
    source: str
    counts: RunCounts = field(default_factory=RunCounts)
    unmatched: list[str] = field(default_factory=list)  # offer ids that matched no product


@dataclass
class _Index:
    """Our products and the shop's listings, read once, to match offers without a query each."""

    by_sku: dict[str, int]
    by_barcode: dict[str, int]
    listing_by_external: dict[str, int]  # external id → product id
    taken: set[int] = field(default_factory=set)  # products an offer of this import matched

    @classmethod
    def load(cls, session: Session, shop_id: int) -> _Index:
        by_sku, by_barcode = {}, {}
        for product_id, sku, barcode in session.execute(select(Product.id, Product.sku, Product.barcode)):
            by_sku[sku] = product_id
            if barcode:
                by_barcode.setdefault(barcode, product_id)
        listings: dict[str, int] = {}
        for external_id, product_id in session.execute(select(Listing.external_id, Listing.product_id).where(
                Listing.shop_id == shop_id, Listing.external_id.is_not(None))):
            listings[external_id] = product_id
        return cls(by_sku, by_barcode, listings)

    def match(self, offer: mp.CatalogOffer) -> int | None:
        for found in (self.listing_by_external.get(offer.external_id),
                      self.by_sku.get(offer.sku) if offer.sku else None,
                      self.by_sku.get(offer.external_id),
                      self.by_barcode.get(offer.barcode) if offer.barcode else None):
            if found is not None:
                return found
        return None


def import_catalog(
    database: Database,
    shop_name: str,
    *,
    secret_key: str,
    url: str | None = None,
    connector: mp.Connector | None = None,
    job_id: str | None = None,
) -> CatalogImportReport:
    """Import the shop's catalog from ``url`` (default: the shop's ``catalog_url`` setting) into listings,
    as one run of the sync log."""
    with database.session() as session:
        shop_id = get_shop(session, shop_name).id
    with sync_run(database, KIND, shop_id, job_id=job_id) as log:
        return import_catalog_logged(database, shop_id, log, secret_key=secret_key, url=url, connector=connector)


def import_catalog_logged(
    database: Database,
    shop_id: int,
    log: SyncLog,
    *,
    secret_key: str,
    url: str | None = None,
    connector: mp.Connector | None = None,
) -> CatalogImportReport:
    with database.session() as session:
        shop = session.get(Shop, shop_id)
        if shop is None:
            raise NotFoundError(f"shop #{shop_id} no longer exists")
        session.expunge(shop)
    source = url or shop_settings(shop).get("catalog_url")
    if not source:
        raise ValidationError(f"shop {shop.name} has no catalog URL",
                              hint=f"erpsync shop set {shop.name} --setting catalog_url=… (or give --url)")
    own = connector is None
    connector = connector or connector_for(shop, secret_key)
    try:
        if mp.CAP_CATALOG_IMPORT not in connector.capabilities:
            raise Unsupported(shop.marketplace, "reading the shop's catalog")
        report = CatalogImportReport(shop=shop.name, run_id=log.run_id, status=RUN_SUCCESS, source=str(source),
                                     counts=log.counts)
        with database.session() as session:
            index = _Index.load(session, shop.id)
        for chunk in _chunks(connector.catalog_offers(str(source)), SAVE_EVERY):
            notes: list[tuple[str, dict[str, Any]]] = []  # written once the chunk is saved (one writer)
            with database.session() as session:
                for offer in chunk:
                    _import_offer(session, shop.id, offer, index, log.counts, report, notes)
            for message, details in notes:
                log.warning(message, **details)
        for error in connector.rejected:
            log.counts.failed += 1
            log.error(f"an offer of {source} cannot be read: {error}", entity_type="offer")
        connector.rejected.clear()
    finally:
        if own:
            connector.close()
    report.status = RUN_PARTIAL if log.counts.failed else RUN_SUCCESS
    return report


def _chunks(offers: Iterator[mp.CatalogOffer], size: int) -> Iterator[list[mp.CatalogOffer]]:
    chunk: list[mp.CatalogOffer] = []
    for offer in offers:
        chunk.append(offer)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _import_offer(session: Session, shop_id: int, offer: mp.CatalogOffer, index: _Index, counts: RunCounts,
                  report: CatalogImportReport, notes: list[tuple[str, dict[str, Any]]]) -> None:
    counts.fetched += 1
    product_id = index.match(offer)
    label = f"offer {offer.external_id}" + (f" (article {offer.sku})" if offer.sku else "")
    if product_id is None:
        counts.skipped += 1
        counts.extra["unmatched"] = counts.extra.get("unmatched", 0) + 1
        report.unmatched.append(offer.external_id)
        notes.append((f"{label} matches no product (by listing, SKU or barcode)",
                      {"entity_type": "offer", "entity_id": offer.external_id, "payload": _offer_payload(offer)}))
        return
    if product_id in index.taken:
        counts.skipped += 1
        counts.extra["duplicates"] = counts.extra.get("duplicates", 0) + 1
        notes.append((f"{label} matches a product another offer matched already: kept the first",
                      {"entity_type": "offer", "entity_id": offer.external_id, "payload": _offer_payload(offer)}))
        return
    index.taken.add(product_id)
    other = index.listing_by_external.get(offer.external_id)
    if other is not None and other != product_id:
        counts.skipped += 1
        counts.extra["duplicates"] = counts.extra.get("duplicates", 0) + 1
        notes.append((f"{label}: another product's listing has this id already",
                      {"entity_type": "offer", "entity_id": offer.external_id}))
        return
    listing = session.scalar(select(Listing).where(Listing.shop_id == shop_id, Listing.product_id == product_id))
    if listing is None:
        session.add(Listing(shop_id=shop_id, product_id=product_id, external_id=offer.external_id,
                            external_sku=offer.sku or offer.external_id, state="active", upload=True))
        counts.created += 1
    elif _apply(listing, offer):
        counts.updated += 1
    else:
        counts.skipped += 1
    index.listing_by_external[offer.external_id] = product_id


def _apply(listing: Listing, offer: mp.CatalogOffer) -> bool:
    """Bring a listing up to what the marketplace shows; whether anything changed."""
    changes: dict[str, Any] = {"external_id": offer.external_id, "external_sku": offer.sku or offer.external_id}
    if listing.state == "new":
        changes["state"] = "active"
    changed = False
    for key, value in changes.items():
        if getattr(listing, key) != value:
            setattr(listing, key, value)
            changed = True
    if changed:
        listing.updated_at = utcnow()
    return changed


def _offer_payload(offer: mp.CatalogOffer) -> dict[str, Any]:
    return {"id": offer.external_id, "sku": offer.sku, "name": offer.name, "barcode": offer.barcode,
            "price": str(offer.price) if offer.price is not None else None}


def import_catalog_job(run: Any) -> dict[str, Any]:
    """The ``catalog_import`` job kind (``run.params["url"]`` overrides the shop's ``catalog_url``)."""
    report = import_catalog_logged(run.database, run.shop_id, run.log, secret_key=run.config.require_secret_key(),
                                   url=run.params.get("url"))
    counts = report.counts
    return {"status": report.status, "offers": counts.fetched, "created": counts.created, "updated": counts.updated,
            "unmatched": counts.extra.get("unmatched", 0), "failed": counts.failed}
