"""The guided demo behind ``make demo``: prepares the database, fills the sample catalog, then runs
each demo step in order and prints what happened. Later features add their step to ``STEPS``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import click
from sqlalchemy import func, select

from erpsync.cli.context import AppContext
from erpsync.cli.output import print_table
from erpsync.core.config import create_key_file
from erpsync.core.marketplaces import MARKETPLACES
from erpsync.demo.data import generate_catalog
from erpsync.models import Category, Product, ProductPhoto, ProductPrice, StockLevel, Warehouse
from erpsync.models.db import Database, safe_url, upgrade
from erpsync.sync.shops import list_shops


@dataclass
class DemoState:
    app: AppContext
    database: Database
    products: int


def step_catalog_summary(state: DemoState) -> None:
    with state.database.session() as session:
        count = session.scalar(select(func.count()).select_from(Product)) or 0
        in_stock = session.scalar(
            select(func.count(func.distinct(StockLevel.product_id))).where(StockLevel.quantity > 0)
        ) or 0
        with_photos = session.scalar(select(func.count(func.distinct(ProductPhoto.product_id)))) or 0
        rows = [
            ("products", count),
            ("products in stock", in_stock),
            ("products with photos", with_photos),
            ("categories", session.scalar(select(func.count()).select_from(Category))),
            ("warehouses", session.scalar(select(func.count()).select_from(Warehouse))),
            ("prices", session.scalar(select(func.count()).select_from(ProductPrice))),
        ]
        sample = session.execute(
            select(Product.sku, Product.name_uk, Product.brand).order_by(Product.id).limit(5)
        ).all()
    print_table("Accounting database", ["what", "count"], rows)
    print_table("First products", ["SKU", "name", "brand"], sample)


def step_shops(state: DemoState) -> None:
    with state.database.session() as session:
        shops = [(s.name, s.marketplace, s.base_url, "yes" if s.enabled else "no") for s in list_shops(session)]
    if shops:
        print_table("Configured shops", ["shop", "marketplace", "base URL", "enabled"], shops)
    else:
        click.echo("No shops configured yet. Add one with: erpsync shop add NAME --marketplace M")
    print_table(
        "Supported marketplaces",
        ["marketplace", "title", "credentials", "production URL"],
        [(m.name, m.title, ", ".join(m.credential_keys), m.default_base_url) for m in MARKETPLACES.values()],
    )


def step_mapping_files(state: DemoState) -> None:
    from erpsync.demo.mapping_step import step_mappings

    step_mappings(state.database, state.app.settings.mappings_dir)


def step_feeds(state: DemoState) -> None:
    from erpsync.demo.feeds import show_demo_feeds

    show_demo_feeds(state.database, state.app.settings)


def step_orders(state: DemoState) -> None:
    from erpsync.demo.orders_step import step_orders as orders

    orders(state.database, state.app.settings)


def step_kaufland(state: DemoState) -> None:
    from erpsync.demo.kaufland_step import step_kaufland as run

    run(state.database, state.app.settings)


def step_kasta(state: DemoState) -> None:
    from erpsync.demo.kasta_step import step_kasta

    step_kasta(state.database, state.app.settings)


STEPS: list[tuple[str, Callable[[DemoState], None]]] = [
    ("What is in the accounting database", step_catalog_summary),
    ("Shops and marketplaces", step_shops),
    ("Mapping files", step_mapping_files),
    ("Feeds for every feed-based marketplace", step_feeds),
    ("Orders from Kaspi, statuses back (the Kaspi sandbox)", step_orders),
    ("Kaufland against its sandbox", step_kaufland),
    ("Kasta: category schema, upload, moderation, orders (sandbox)", step_kasta),
]


def prepare(app: AppContext, products: int) -> DemoState:
    settings = app.settings
    if settings.secret_key is None:
        create_key_file(settings.key_file)
        click.echo(f"created the secret key file {settings.key_file} (it encrypts shop credentials; keep it safe)")
        app._settings = None  # reload with the new key
    upgrade(app.settings.database_url)
    database = app.database()
    with database.session() as session:
        existing = session.scalar(select(func.count()).select_from(Product)) or 0
    if existing == 0:
        click.echo(f"filling {safe_url(app.settings.database_url)} with {products} sample products …")
        generate_catalog(database, products)
    return DemoState(app=app, database=database, products=products)


def run_demo(app: AppContext, *, products: int) -> None:
    state = prepare(app, products)
    for number, (title, step) in enumerate(STEPS, start=1):
        click.secho(f"\n== {number}. {title} ==", bold=True)
        step(state)
    click.echo("\nTo keep the demo shops in sync by themselves: `erpsync demo serve` (their marketplaces' "
               "sandboxes) and, in another terminal, `erpsync run` (README: Keeping the demo shops in sync).")
