"""The demo's Kasta step: a Kasta sandbox, a shop on it, the category schema downloaded, T-shirts of the
sample catalog mapped (a shop mapping file in a scratch copy of the mappings folder) and uploaded —
some skipped for a mandatory characteristic, the rest through moderation to active — and a few
orders read back."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from sqlalchemy import func, select

from erpsync.cli.output import print_table
from erpsync.core.config import Settings
from erpsync.jobs.runner import run_inline
from erpsync.mapping import load_mapping
from erpsync.models import Category, Listing, Product, Shop
from erpsync.models.db import Database
from erpsync.sandbox.kasta import KastaSandbox
from erpsync.sync.connectors import connector_for
from erpsync.sync.shops import add_shop

SHOP = "demo-kasta"
TOKEN = "demo-kasta-token"
TSHIRTS = "2098-45"
PRODUCTS = 12
SHOP_MAPPING = """\
marketplace: kasta
version: 1
categories:
  "Одяг і взуття / Чоловічий одяг / Футболки": 2098-45
characteristics:
  2098-45:
    Країна виробництва: {attribute: "1", values: {Китай: Китай, Україна: Україна, Польща: Польща, Туреччина: Туреччина}}
    Колір: {attribute: "3", values: {чорний: Чорний, білий: Білий, сірий: Сірий, синій: Синій, червоний: Червоний,
                                     зелений: Зелений, бежевий: Бежевий}}
    Матеріал: {attribute: "6", values: {бавовна: Бавовна, поліестер: Поліестер, льон: Льон, віскоза: Віскоза}}
    Розмір: {attribute: kasta_size}
"""


def _shop(database: Database, secret_key: str, base_url: str) -> int:
    with database.session() as session:
        shop = session.scalar(select(Shop).where(Shop.name == SHOP))
        if shop is not None:
            session.delete(shop)
            session.flush()
        return add_shop(session, name=SHOP, marketplace="kasta", secret_key=secret_key, base_url=base_url,
                        credentials={"token": TOKEN}, settings={"photo_base_url": "https://demo.erpsync.invalid/img"}).id


def _list_tshirts(database: Database, shop_id: int) -> list[str]:
    with database.session() as session:
        category = session.scalar(select(Category.id).where(Category.name == "Футболки"))
        products = list(session.scalars(select(Product).where(Product.category_id == category)
                                        .order_by(Product.id).limit(PRODUCTS)))
        session.add_all(Listing(shop_id=shop_id, product_id=p.id) for p in products)
        return [p.sku for p in products]


def _listing_rows(database: Database, shop_id: int) -> list[tuple[object, ...]]:
    with database.session() as session:
        return [(sku, state, (error or "")[:90]) for sku, state, error in session.execute(
            select(Product.sku, Listing.state, Listing.last_error).join(Listing, Listing.product_id == Product.id)
            .where(Listing.shop_id == shop_id).order_by(Product.id))]


def step_kasta(database: Database, settings: Settings) -> None:
    secret_key = settings.require_secret_key()
    scratch = Path(tempfile.mkdtemp(prefix="erpsync-demo-mappings-"))
    try:
        shutil.copytree(settings.mappings_dir, scratch, dirs_exist_ok=True)
        (scratch / "shops").mkdir(exist_ok=True)
        (scratch / "shops" / f"{SHOP}.yaml").write_text(SHOP_MAPPING, encoding="utf-8")
        config = replace(settings, mappings_dir=scratch, redis_url=None)
        with KastaSandbox(credentials={"token": TOKEN}, orders=6, random_seed=11, moderation_seconds=None) as sandbox:
            click.echo(f"Kasta sandbox at {sandbox.base_url}; shop {SHOP} points at it")
            shop_id = _shop(database, secret_key, sandbox.base_url)
            skus = _list_tshirts(database, shop_id)
            if not skus:
                click.echo("The sample catalog has no T-shirts: nothing to upload.")
                return
            _run(database, config, shop_id, "categories")
            _run(database, config, shop_id, "upload_catalog", {"poll_seconds": 0})
            print_table(f"{SHOP}: listings after the upload", ["SKU", "state", "why"], _listing_rows(database, shop_id))
            approved = sandbox.moderate()
            click.echo(f"Kasta's managers approve {len(approved)} products (sandbox test API)")
            _run(database, config, shop_id, "listing_states")
            with database.session() as session:
                states = session.execute(select(Listing.state, func.count()).where(Listing.shop_id == shop_id)
                                         .group_by(Listing.state)).all()
            print_table(f"{SHOP}: listing states", ["state", "products"], states)
            _orders(database, config, secret_key)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run(database: Database, config: Settings, shop_id: int, kind: str, params: dict | None = None) -> None:
    outcome = run_inline(kind, shop_id, params, database=database, config=config)
    click.echo(f"erpsync sync {kind}: {outcome.status} {outcome.result if outcome.result else outcome.message}")


def _orders(database: Database, config: Settings, secret_key: str) -> None:
    mapping = load_mapping(config.mappings_dir, "kasta", SHOP)
    with database.session() as session:
        shop = session.scalar(select(Shop).where(Shop.name == SHOP))
        connector = connector_for(shop, secret_key)
    now = datetime.now(UTC)
    with connector:
        orders = list(connector.list_orders(now - timedelta(days=30), now))
    rows = [(o.number, o.status, mapping.inbound_status(o.status).accounting_status, o.total,
             ", ".join(line.sku or "?" for line in o.lines), o.waybill_number or "") for o in orders]
    print_table("Kasta orders (read through the connector)", ["order", "Kasta status", "accounting", "total",
                                                             "SKUs", "waybill"], rows)
