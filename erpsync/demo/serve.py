"""``erpsync demo serve``: the demo shops' marketplaces, kept up until Ctrl-C, so that ``erpsync run`` (or
``erpsync worker`` with ``erpsync scheduler``) keeps the demo shops in sync with no command typed.

Every enabled shop named ``demo-…`` whose marketplace has a sandbox and an API erpsync works through
(orders, or stock and prices) gets a sandbox of its own on 127.0.0.1, at a fixed port (``port_base`` +
the shop's offset in ``DEMO_PORTS``: 18701 for demo-kaspi, 18702 demo-prom, …; ``port_base=0`` takes
free ports). The shop is pointed at it — base URL and credentials (its own when complete, else the
sandbox's) — and its order cursors are cleared: a new sandbox is a new marketplace to the shop, its
orders are read from the start of the look-back window. The Prom, Satu and Rozetka sandboxes know the
shop's listed products (a Rozetka listing without an item id gets one), so stock and price pushes are
taken; the Kasta and Kaufland sandboxes start with no products and refuse pushes until a catalog is
uploaded to them.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from erpsync.core.errors import CredentialError
from erpsync.core.marketplaces import marketplace_info
from erpsync.marketplaces import base as mp
from erpsync.marketplaces.registry import connector_class
from erpsync.models import Listing, Product, Shop, SyncCursor
from erpsync.models.db import Database
from erpsync.sandbox import sandbox_classes
from erpsync.sandbox.base import Sandbox
from erpsync.sync.shops import shop_credentials, shop_settings, update_shop

DEFAULT_PORT_BASE = 18700
DEMO_PORTS = {"demo-kaspi": 1, "demo-prom": 2, "demo-satu": 3, "demo-rozetka": 4, "demo-zakupka": 5,
              "demo-kaufland": 6, "demo-kaufland-api": 7, "demo-kasta": 8}
OTHER_PORTS = 20  # other demo-… shops: 18720, 18721, … in name order
ROZETKA_ITEM_BASE = 1_000_000  # a Rozetka item id given to a listing that has none: this + product id


@dataclass
class ServedShop:
    shop: str
    marketplace: str
    sandbox: Sandbox

    @property
    def base_url(self) -> str:
        return self.sandbox.base_url


def _served(marketplace: str, sandboxes: dict[str, type[Sandbox]]) -> bool:
    if marketplace not in sandboxes:
        return False
    try:
        capabilities = connector_class(marketplace).capabilities
    except Exception:
        return False
    return bool(capabilities & {mp.CAP_ORDERS, mp.CAP_STOCK_PRICES})


def demo_shops(session: Session) -> list[Shop]:
    """Enabled ``demo-…`` shops whose marketplace has a sandbox and an API erpsync uses, by name."""
    sandboxes = sandbox_classes()
    shops = session.scalars(select(Shop).where(Shop.name.like("demo-%"), Shop.enabled.is_(True)).order_by(Shop.name))
    return [shop for shop in shops if _served(shop.marketplace, sandboxes)]


def _port(name: str, others: list[str], port_base: int) -> int:
    if port_base == 0:
        return 0
    if name in DEMO_PORTS:
        return port_base + DEMO_PORTS[name]
    return port_base + OTHER_PORTS + others.index(name)


def demo_base_url(shop: str, marketplace: str) -> str | None:
    """Where ``erpsync demo serve`` serves a demo shop by default (``None``: no sandbox for it). The demo
    creates its shops with these URLs, so that none of them talks to a real marketplace."""
    sandboxes = sandbox_classes()
    if shop not in DEMO_PORTS or not _served(marketplace, sandboxes):
        return None
    return f"http://127.0.0.1:{DEFAULT_PORT_BASE + DEMO_PORTS[shop]}{sandboxes[marketplace].prefix}"


def _credentials(shop: Shop, secret_key: str) -> dict[str, str]:
    """The shop's own credentials when they are complete (the sandbox then accepts exactly those)."""
    try:
        stored = shop_credentials(shop, secret_key)
    except CredentialError:
        return {}
    keys = marketplace_info(shop.marketplace).credential_keys
    return stored if all(stored.get(key) for key in keys) else {}


def _stock_products(session: Session, server: Sandbox, shop: Shop) -> int:
    """Give the sandbox the shop's listed products (Prom, Satu, Rozetka), as if they were on sale there."""
    rows = session.execute(select(Listing, Product.sku, Product.name_uk).join(Product, Product.id == Listing.product_id)
                           .where(Listing.shop_id == shop.id).order_by(Listing.id)).all()
    store = getattr(server, "store", None)
    if shop.marketplace in ("prom", "satu") and store is not None:
        for listing, sku, name in rows:
            store.add_product(listing.external_id or listing.external_sku or sku, name=name, sku=sku)
        return len(rows)
    if shop.marketplace == "rozetka" and store is not None:
        for listing, _sku, name in rows:
            if not (listing.external_id or "").isdigit():
                listing.external_id = str(ROZETKA_ITEM_BASE + listing.product_id)
            store.add_item(int(listing.external_id), listing.external_sku or _sku, name=name)
        return len(rows)
    return 0


def start_demo_sandboxes(
    database: Database,
    secret_key: str,
    *,
    host: str = "127.0.0.1",
    port_base: int = DEFAULT_PORT_BASE,
    orders: int | None = None,
    log: Callable[[str], None] | None = None,
) -> list[ServedShop]:
    """Start a sandbox for every demo shop and point the shop at it (see the module's docstring). The
    caller stops them (``stop_all``); on an error, the ones started are stopped."""
    sandboxes = sandbox_classes()
    served: list[ServedShop] = []
    try:
        with database.session() as session:
            shops = demo_shops(session)
            others = sorted(s.name for s in shops if s.name not in DEMO_PORTS)
            for shop in shops:
                options = {"storefront": shop_settings(shop).get("storefront") or "de"} if shop.marketplace == \
                    "kaufland" else {}
                server = sandboxes[shop.marketplace](
                    credentials=_credentials(shop, secret_key) or None, orders=orders,
                    random_seed=zlib.crc32(shop.name.encode()), host=host, port=_port(shop.name, others, port_base),
                    marketplace=shop.marketplace, log=log, **options)
                server.start()
                served.append(ServedShop(shop.name, shop.marketplace, server))
                _stock_products(session, server, shop)
                update_shop(session, shop, secret_key=secret_key, base_url=server.base_url,
                            credentials=dict(server.credentials))
                session.execute(delete(SyncCursor).where(SyncCursor.shop_id == shop.id))
    except BaseException:
        stop_all(served)
        raise
    return served


def stop_all(served: list[ServedShop]) -> None:
    for item in served:
        item.sandbox.stop()
