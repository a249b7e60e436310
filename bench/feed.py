"""Benchmark: erpsync's streamed feed render against a bare lxml writer over the same chunked query.

    .venv/bin/python bench/feed.py --products 100000 [--db sqlite|postgresql] [--chunk 1000]

Fills a database with ``erpsync.demo.data.generate_catalog`` (reused on the next run with the same
size), lists every product for a Prom and a Kaspi shop, then measures, each in a fresh process:

(a) ``erpsync.sync.feeds.render_feed`` of the Prom YML and of the Kaspi price list (rules, template,
    atomic write, sync log);
(b) the reference: the same chunked query (``erpsync.feeds.reader``) written with a bare
    ``lxml.etree.xmlfile`` writer, one element tree per offer, the same elements as erpsync's feed
    (prices, old and wholesale prices, photos, both names and descriptions, params), no rules beyond
    price and stock (no category mapping, no exclusion log, no atomic rename).

It prints seconds, offers/s, MB/s and peak RSS of each, and the ratio a/b (reference seconds /
erpsync seconds: 1.0 = as fast as the bare writer). Each measurement runs ``--repeat`` times (default
3) and the fastest run counts (the machine may be shared); peak RSS is the highest of the runs.
PostgreSQL uses the database ``erpsync_bench_feed`` on the server of ``ERPSYNC_BENCH_PG_URL``
(default postgres@127.0.0.1:5432); SQLite uses ``erpsync-bench-feed-N.db`` in the system's temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

PG_SERVER = os.environ.get("ERPSYNC_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")
PG_DB = "erpsync_bench_feed"
SHOPS = {
    "prom": {"company": "Bench", "url": "https://bench.example", "product_url": "https://bench.example/p/{sku}"},
    "kaspi": {"company": "Bench", "merchant_id": "Bench", "store_ids": {"MAIN": "PP1", "WEST": "PP2"}},
}


def _database_url(kind: str, products: int) -> str:
    if kind == "sqlite":
        return f"sqlite:///{Path(tempfile.gettempdir()) / f'erpsync-bench-feed-{products}.db'}"
    return f"{PG_SERVER}/{PG_DB}"


def _recreate_pg() -> None:
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {PG_DB}"))
    admin.dispose()


def prepare(kind: str, url: str, products: int) -> None:
    """A database with ``products`` demo products listed for the bench shops (reused when it has them)."""
    from cryptography.fernet import Fernet

    from erpsync.demo.data import generate_catalog
    from erpsync.models import Product, Shop
    from erpsync.models.db import Database, upgrade
    from erpsync.sync.listings import add_listings
    from erpsync.sync.shops import add_shop

    try:
        database = Database(url)
        with database.session() as session:
            existing = session.scalar(select(func.count()).select_from(Product))
            shops = session.scalar(select(func.count()).select_from(Shop))
        database.dispose()
    except Exception:
        existing, shops = None, 0
    if existing == products and shops == len(SHOPS):
        print(f"reusing {kind} database with {products} products", flush=True)
        return
    if kind == "postgresql":
        _recreate_pg()
    else:
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    upgrade(url)
    database = Database(url)
    started = time.perf_counter()
    generate_catalog(database, products)
    print(f"generated {products} products on {kind} in {time.perf_counter() - started:.0f} s", flush=True)
    with database.session() as session:
        for marketplace, settings in SHOPS.items():
            shop = add_shop(session, name=f"bench-{marketplace}", marketplace=marketplace,
                            secret_key=Fernet.generate_key().decode(), settings=settings)
            add_listings(session, shop, everything=True)
    database.dispose()


def _measure_erpsync(url: str, marketplace: str, out: Path) -> dict[str, float]:
    from erpsync.core.config import load_settings
    from erpsync.models.db import Database
    from erpsync.sync.feeds import render_feed

    settings = load_settings({"ERPSYNC_DATABASE_URL": url, "ERPSYNC_FEED_DIR": str(out)})
    database = Database(url)
    started = time.perf_counter()
    report = render_feed(database, settings, f"bench-{marketplace}")
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "offers": report.stats.offers, "bytes": report.stats.files[0].size}


def _reference_prom(xf, chunks, categories) -> int:  # type: ignore[no-untyped-def]
    from lxml import etree

    offers = 0
    with xf.element("yml_catalog", date=time.strftime("%Y-%m-%d %H:%M")), xf.element("shop"):
        for tag, value in (("name", "bench-prom"), ("company", "Bench"), ("url", "https://bench.example")):
            with xf.element(tag):
                xf.write(value)
        with xf.element("currencies"):
            xf.write(etree.Element("currency", id="UAH", rate="1"))
        with xf.element("categories"):
            for category_id, parent_id, name in categories:
                element = etree.Element("category", id=str(category_id))
                if parent_id:
                    element.set("parentId", str(parent_id))
                element.text = name
                xf.write(element)
        with xf.element("offers"):
            for chunk in chunks:
                for product in chunk:
                    price = product.prices.get(("retail", "base"))
                    if price is None:
                        continue
                    old = product.prices.get(("old", "base"))
                    wholesale = product.prices.get(("wholesale", "base")) if product.min_wholesale_qty else None
                    quantity = max(0, sum(product.stock.values()) - sum(product.reserved.values()))
                    offer = etree.Element("offer", id=product.sku, available="true" if quantity else "")
                    if quantity:
                        offer.set("presence_sure", "true")
                    sub = etree.SubElement
                    sub(offer, "url").text = f"https://bench.example/p/{product.sku}"
                    sub(offer, "price").text = str(price)
                    if old is not None and old > price:
                        sub(offer, "oldprice").text = str(old)
                    if wholesale is not None:
                        tier = sub(sub(offer, "prices"), "price")
                        sub(tier, "value").text = str(wholesale)
                        sub(tier, "quantity").text = str(product.min_wholesale_qty)
                    sub(offer, "currencyId").text = "UAH"
                    sub(offer, "categoryId").text = str(product.category_id)
                    for photo in product.photos:
                        sub(offer, "picture").text = photo
                    sub(offer, "name").text = product.name_ru or product.name_uk
                    sub(offer, "name_ua").text = product.name_uk
                    sub(offer, "vendor").text = product.brand or ""
                    sub(offer, "vendorCode").text = product.sku
                    if product.barcode:
                        sub(offer, "barcode").text = product.barcode
                    description = product.marketplace_description or product.description_html or ""
                    sub(offer, "description").text = etree.CDATA(description)
                    sub(offer, "description_ua").text = etree.CDATA(description)
                    sub(offer, "quantity_in_stock").text = str(quantity)
                    for characteristic in product.characteristics:
                        param = sub(offer, "param", name=characteristic.name)
                        if characteristic.unit:
                            param.set("unit", characteristic.unit)
                        param.text = characteristic.value
                    xf.write(offer)
                    offers += 1
    return offers


def _reference_kaspi(xf, chunks) -> int:  # type: ignore[no-untyped-def]
    from lxml import etree

    offers = 0
    ns = "kaspiShopping"
    with xf.element("kaspi_catalog", date=time.strftime("%Y-%m-%d %H:%M"), nsmap={None: ns}):
        with xf.element(f"{{{ns}}}company"):
            xf.write("Bench")
        with xf.element(f"{{{ns}}}merchantid"):
            xf.write("Bench")
        with xf.element(f"{{{ns}}}offers"):
            for chunk in chunks:
                for product in chunk:
                    price = product.prices.get(("retail", "kaspi")) or product.prices.get(("retail", "base"))
                    if price is None:
                        continue
                    offer = etree.Element(f"{{{ns}}}offer", sku=product.sku, nsmap={None: ns})
                    etree.SubElement(offer, f"{{{ns}}}model").text = product.name_ru or product.name_uk
                    etree.SubElement(offer, f"{{{ns}}}brand").text = product.brand or ""
                    stores = etree.SubElement(offer, f"{{{ns}}}availabilities")
                    for warehouse_id, store in ((1, "PP1"), (2, "PP2")):
                        count = max(0, product.stock.get(warehouse_id, 0) - product.reserved.get(warehouse_id, 0))
                        etree.SubElement(stores, f"{{{ns}}}availability", available="yes" if count else "no",
                                         storeId=store, stockCount=str(count))
                    etree.SubElement(offer, f"{{{ns}}}price").text = str(int(price))
                    xf.write(offer)
                    offers += 1
    return offers


def _measure_reference(url: str, marketplace: str, out: Path) -> dict[str, float]:
    from lxml import etree

    from erpsync.feeds.reader import iter_product_chunks
    from erpsync.models import Category, Shop
    from erpsync.models.db import Database

    database = Database(url)
    target = out / f"reference-{marketplace}.xml"
    started = time.perf_counter()
    with database.engine.connect() as connection:
        shop_id = connection.scalar(select(Shop.id).where(Shop.name == f"bench-{marketplace}"))
        chunks = iter_product_chunks(connection, shop_id=shop_id, marketplace=marketplace)
        with open(target, "wb") as handle, etree.xmlfile(handle, encoding="utf-8", buffered=True) as xf:
            xf.write_declaration()
            if marketplace == "prom":
                categories = connection.execute(select(Category.id, Category.parent_id, Category.name)).all()
                offers = _reference_prom(xf, chunks, categories)
            else:
                offers = _reference_kaspi(xf, chunks)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "offers": offers, "bytes": target.stat().st_size}


def child(args: argparse.Namespace) -> None:
    """One measurement in this process; prints its figures as JSON (peak RSS of this process only)."""
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    measure = _measure_erpsync if args.measure == "erpsync" else _measure_reference
    figures = measure(args.url, args.marketplace, out)
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the fastest counts")
    parser.add_argument("--measure", choices=["erpsync", "reference"], help=argparse.SUPPRESS)
    parser.add_argument("--marketplace", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        child(args)
        return
    url = _database_url(args.db, args.products)
    prepare(args.db, url, args.products)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for marketplace in ("prom", "kaspi"):
            results = {}
            runs: dict[str, list[dict[str, float]]] = {"erpsync": [], "reference": []}
            for _ in range(args.repeat):  # alternate the two, so both meet the same load on a shared machine
                for measure in ("erpsync", "reference"):
                    output = subprocess.run(
                        [sys.executable, __file__, "--measure", measure, "--marketplace", marketplace, "--url", url,
                         "--out", folder],
                        check=True, capture_output=True, text=True,
                    ).stdout.strip().splitlines()[-1]
                    runs[measure].append(json.loads(output))
                    for leftover in Path(folder).rglob("*.xml"):
                        leftover.unlink()
            for measure, measured in runs.items():
                best = min(measured, key=lambda r: r["seconds"])
                best["peak_rss_mb"] = max(r["peak_rss_mb"] for r in measured)
                results[measure] = best
            rows.append((marketplace, results))
    print(f"\n{args.products} products on {args.db}")
    print(f"{'feed':<7} {'writer':<10} {'seconds':>8} {'offers':>9} {'offers/s':>9} {'MB':>8} {'MB/s':>7} "
          f"{'peak RSS MB':>12} {'ratio a/b':>10}")
    for marketplace, results in rows:
        for measure in ("erpsync", "reference"):
            r = results[measure]
            megabytes = r["bytes"] / 1e6
            ratio = (f"{results['reference']['seconds'] / results['erpsync']['seconds']:.2f}"
                     if measure == "erpsync" else "")
            print(f"{marketplace:<7} {measure:<10} {r['seconds']:>8.1f} {r['offers']:>9.0f} "
                  f"{r['offers'] / r['seconds']:>9.0f} {megabytes:>8.1f} {megabytes / r['seconds']:>7.1f} "
                  f"{r['peak_rss_mb']:>12.0f} {ratio:>10}")


if __name__ == "__main__":
    main()
