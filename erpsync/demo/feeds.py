"""Demo step: one shop per feed-based marketplace, every product listed, every feed rendered, checked
and printed with its URL (what a user pastes into each marketplace's cabinet)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from erpsync.cli.output import print_table
from erpsync.core.config import Settings
from erpsync.demo.serve import demo_base_url
from erpsync.feeds.specs import FEED_MARKETPLACES
from erpsync.feeds.validate import validate_feed
from erpsync.mapping import save_mapping_text, shop_file
from erpsync.models import Shop
from erpsync.models.db import Database
from erpsync.sync.feeds import render_feed
from erpsync.sync.listings import add_listings
from erpsync.sync.shops import add_shop

_SITE = "https://shop.erpsync.example"
_YML = {"company": "ТОВ «Демо-магазин»", "url": _SITE, "product_url": _SITE + "/p/{slug}"}
# Kaufland categories for the sample tree's top levels: the demo shop's own mapping file.
KAUFLAND_CATEGORIES = {
    "Електроніка": "Elektronik", "Побутова техніка": "Haushaltsgeräte", "Одяг і взуття": "Fashion",
    "Дім і сад": "Haus & Garten", "Дитячі товари": "Baby & Kind", "Спорт і відпочинок": "Sport & Freizeit",
}
DEMO_SHOP_SETTINGS: dict[str, dict[str, Any]] = {
    "kaspi": {"company": "ТОО «Демо»", "merchant_id": "DemoMerchant", "store_ids": {"MAIN": "PP1", "WEST": "PP2"},
              "zero_stock": "awaiting", "preorder_days": 7},
    "prom": {**_YML, "zero_stock": "awaiting"},
    "satu": {**_YML, "company": "ТОО «Демо»"},
    "rozetka": dict(_YML),
    "epicentr": dict(_YML),
    "hubber": {**_YML, "only_in_stock": True},
    "zakupka": {**_YML, "only_with_photos": True},
    "kaufland": {"storefront": "de", "zero_stock": "hide"},
}


def ensure_shop_categories(
    database: Database, mappings_dir: Path, shop: str, marketplace: str, categories: dict[str, str]
) -> None:
    """Give ``shop`` its own mapping file with these ``categories`` (own path → marketplace category),
    unless it has one already."""
    if shop_file(mappings_dir, shop).is_file():
        return
    lines = [f"marketplace: {marketplace}", "version: 1", "categories:"]
    lines += [f"  {json.dumps(path, ensure_ascii=False)}: {json.dumps(code, ensure_ascii=False)}"
              for path, code in categories.items()]
    with database.session() as session:
        save_mapping_text(session, mappings_dir, f"shops/{shop}.yaml", "\n".join(lines) + "\n", expected_version=0,
                          author="demo", message="demo shop: categories of the sample catalog")


def ensure_demo_feed_shops(database: Database, secret_key: str, mappings_dir: Path) -> list[str]:
    """Create the ``demo-<marketplace>`` shops that do not exist yet and list every product for them."""
    ensure_shop_categories(database, mappings_dir, "demo-kaufland", "kaufland", KAUFLAND_CATEGORIES)
    names = []
    with database.session() as session:
        for marketplace in FEED_MARKETPLACES:
            name = f"demo-{marketplace}"
            names.append(name)
            if session.scalar(select(Shop.id).where(Shop.name == name)) is not None:
                continue
            shop = add_shop(session, name=name, marketplace=marketplace, secret_key=secret_key,
                            settings=DEMO_SHOP_SETTINGS[marketplace],
                            base_url=demo_base_url(name, marketplace))  # local: never a real marketplace
            add_listings(session, shop, everything=True)
    return names


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def show_demo_feeds(database: Database, settings: Settings) -> None:
    names = ensure_demo_feed_shops(database, settings.require_secret_key(), settings.mappings_dir)
    rows, urls = [], []
    for name in names:
        report = render_feed(database, settings, name)
        why = ", ".join(f"{reason} {count}" for reason, count in sorted(report.stats.excluded.items()))
        for rendered, url in zip(report.stats.files, report.urls, strict=True):
            check = validate_feed(rendered.path, report.stats.marketplace)
            rows.append((name, _relative(rendered.path), rendered.offers,
                         f"{report.stats.excluded_total} ({why})" if why else "0",
                         "valid" if check.valid else f"{check.total_problems} problem(s)"))
            urls.append(f"  {name:<14} {url}")
    print_table("Feeds", ["shop", "file", "offers", "left out", "check"], rows)
    click.echo("Feed URLs to paste into each marketplace's cabinet (served by `erpsync admin`):")
    click.echo("\n".join(urls))
    click.echo("Why products were left out: erpsync log --kind feed; re-render: erpsync feed render --all")
