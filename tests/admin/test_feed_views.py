"""Feeds in the panel: each feed shop's URLs and last render (the Feeds page and the dashboard), a preview of
the first offers exactly as a render writes them, and why a product is not in the feed — the feeds' own rules."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from sqlalchemy import select, update

from erpsync.admin import create_app
from erpsync.core.config import Settings, load_settings
from erpsync.models import Listing, Product, SyncEvent
from erpsync.models.db import Database
from erpsync.sync.feeds import render_feed
from tests.admin.conftest import PanelClient
from tests.admin.factories import make_shop, make_users, shop_row
from tests.feeds.conftest import REPO_MAPPINGS, YML_SETTINGS, Catalog


def _settings(database: Database, secret_key: str, tmp_path: Path) -> Settings:
    if not (tmp_path / "mappings").exists():
        shutil.copytree(REPO_MAPPINGS, tmp_path / "mappings")
    return load_settings({"ERPSYNC_DATABASE_URL": database.url, "ERPSYNC_SECRET_KEY": secret_key,
                          "ERPSYNC_PUBLIC_URL": "https://erp.example.com"}, cwd=tmp_path)


def _panel(database: Database, settings: Settings) -> PanelClient:
    make_users(database)
    client = PanelClient(create_app(settings, database).test_client())
    assert client.login("anna").status_code == 302
    return client


def _prom_catalog(database: Database, secret_key: str) -> int:
    catalog = Catalog(database, secret_key)
    catalog.product("KETTLE-1")
    catalog.product("KETTLE-2", prices={})  # no price: left out
    catalog.product("KETTLE-3", stock={"MAIN": 0})
    catalog.product("OFF-1", is_active=False)
    catalog.product("LOOSE-1")  # listed below with the upload flag off
    shop = catalog.shop("ua-prom", "prom", YML_SETTINGS)
    catalog.product("NEW-1")  # made after the shop listed the catalog: not listed
    with database.session() as session:
        loose = session.scalar(select(Product.id).where(Product.sku == "LOOSE-1"))
        session.execute(update(Listing).where(Listing.product_id == loose).values(upload=False))
    return shop.id


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_preview_shows_the_first_offers_exactly_as_the_render_writes_them(
        database: Database, secret_key: str, tmp_path: Path) -> None:
    shop_id = _prom_catalog(database, secret_key)
    settings = _settings(database, secret_key, tmp_path)
    client = _panel(database, settings)
    page = client.get(f"/admin/feeds/{shop_id}/").text
    offers = page[page.index('id="preview-offers"'):page.index("</table>", page.index('id="preview-offers"'))]
    assert re.findall(r'data-sku="([^"]+)"', offers) == ["KETTLE-1", "KETTLE-3"]
    assert "3 of 3 listed products read" in _text(page)
    left_out = page[page.index('id="preview-left-out"'):]
    assert "no_price" in left_out and "product KETTLE-2 has no retail price for prom" in left_out
    render_feed(database, settings, "ua-prom")
    rendered = (tmp_path / "feeds" / f"{shop_id}-ua-prom" / "feed.xml").read_text()
    preview_text = re.search(r'<pre class="erpsync-text" id="preview-text">(.*?)</pre>', page, re.S).group(1)
    shown_offers = re.findall(r"&lt;offer .*?&lt;/offer&gt;", preview_text, re.S)
    written_offers = re.findall(r"<offer .*?</offer>", rendered, re.S)
    assert len(shown_offers) == 2
    assert [o.replace("&lt;", "<").replace("&gt;", ">").replace("&#34;", '"').replace("&amp;", "&")
            for o in shown_offers] == written_offers
    one = client.get(f"/admin/feeds/{shop_id}/?offers=1").text
    assert "The first 1 offers" in one and "1 of 3 listed products read" in _text(one)


def test_why_a_product_is_not_in_the_feed_names_the_rule_it_fails(
        database: Database, secret_key: str, tmp_path: Path) -> None:
    shop_id = _prom_catalog(database, secret_key)
    settings = _settings(database, secret_key, tmp_path)
    client = _panel(database, settings)
    render_feed(database, settings, "ua-prom")
    with database.session() as session:
        logged = session.scalar(select(SyncEvent.message).where(SyncEvent.entity_id == "KETTLE-2"))

    def verdict(sku: str) -> tuple[str, str]:
        page = client.get(f"/admin/feeds/{shop_id}/?sku={sku}").text
        match = re.search(r'<div class="alert [^"]*" id="verdict" data-reason="([^"]*)">(.*?)</div>', page, re.S)
        assert match, sku
        return match.group(1), _text(match.group(2)).replace("&#34;", '"').replace("&#39;", "'")

    reason, text = verdict("KETTLE-2")
    assert reason == "no_price" and logged == f"left out of the feed: {text.split('. ', 1)[1].split(' (')[0]}"
    assert verdict("NOBODY") == ("unknown_sku", "Not in the feed. there is no product with SKU 'NOBODY' (unknown_sku)")
    assert verdict("NEW-1")[0] == "not_listed"
    assert verdict("LOOSE-1") == ("upload_off", 'Not in the feed. product LOOSE-1 is listed for shop ua-prom with '
                                                '"upload to the marketplace" switched off (upload_off)')
    assert verdict("OFF-1")[0] == "inactive"
    assert verdict("KETTLE-3")[1].startswith("In the feed. product KETTLE-3 is in the feed of ua-prom: price 100.00, "
                                             "quantity 0 (shown as unavailable)")
    with database.session() as session:
        session.execute(update(Product).where(Product.sku == "KETTLE-3").values(name_uk=" "))
    assert verdict("KETTLE-3")[0] == "no_name"


def test_a_shop_whose_settings_do_not_allow_a_render_says_what_to_set(
        database: Database, secret_key: str, tmp_path: Path) -> None:
    catalog = Catalog(database, secret_key)
    catalog.product("KETTLE-1")
    shop = catalog.shop("ua-prom", "prom", {})
    client = _panel(database, _settings(database, secret_key, tmp_path))
    page = client.get(f"/admin/feeds/{shop.id}/").text
    assert "The feed cannot be rendered: shop ua-prom: the prom feed needs the setting(s) company, url" in page
    kaspi = make_shop(database, secret_key, "kz-main", "horoshop")
    assert client.get(f"/admin/feeds/{kaspi}/").status_code == 404  # Horoshop reads no feed


def test_the_feeds_page_and_the_dashboard_show_full_urls_and_the_last_render(
        database: Database, secret_key: str, tmp_path: Path) -> None:
    shop_id = _prom_catalog(database, secret_key)
    make_shop(database, secret_key, "ua-horoshop", "horoshop")
    settings = _settings(database, secret_key, tmp_path)
    client = _panel(database, settings)
    token = shop_row(database, "ua-prom").feed_token
    url = f"https://erp.example.com/feeds/{token}/feed.xml"
    assert "not rendered yet" in client.get("/admin/feeds/").text
    render_feed(database, settings, "ua-prom")
    page = client.get("/admin/feeds/").text
    row = _text(page[page.index('<tr data-shop="ua-prom">'):])
    assert url in row and "success" in row and "2 offers" in row
    assert 'data-shop="ua-horoshop"' not in page
    dashboard = client.get("/admin/").text
    cell = re.search(r'<tr data-shop="ua-prom">.*?<td class="shop-feed">(.*?)</td>', dashboard, re.S).group(1)
    assert re.fullmatch(rf"{re.escape(url)} last render: success \d{{4}}-\d\d-\d\d \d\d:\d\d · 2 offers · preview",
                        _text(cell))
    assert f'href="/admin/feeds/{shop_id}/"' in cell
    cell = re.search(r'<tr data-shop="ua-horoshop">.*?<td class="shop-feed">(.*?)</td>', dashboard, re.S).group(1)
    assert _text(cell) == "reads no feed"
