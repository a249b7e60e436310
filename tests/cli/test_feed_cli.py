"""``erpsync listing`` and ``erpsync feed`` end to end through the command line."""

from __future__ import annotations

from pathlib import Path

from erpsync.demo.data import generate_catalog
from erpsync.models.db import Database
from tests.conftest import Cli


def test_list_render_validate_and_unlist_through_the_command_line(cli: Cli, database: Database, tmp_path: Path) -> None:
    generate_catalog(database, 30)
    cli("shop", "add", "ua-prom", "--marketplace", "prom", "--setting", "company=Демо", "--setting",
        "url=https://shop.example")
    added = cli("listing", "add", "--shop", "ua-prom", "--category", "Електроніка")
    assert "product(s) listed" in added.output
    listed = cli("listing", "list", "--shop", "ua-prom", "--limit", "2")
    uploaded = int(listed.output.split(": ")[1].split()[0])
    assert uploaded > 0
    rendered = cli("feed", "render", "--shop", "ua-prom")
    offers, left_out = (int(part.split()[0]) for part in rendered.output.split(": ", 1)[1].split(", ")[:2])
    assert offers > 0 and offers + left_out <= uploaded  # inactive products are never read
    assert "URL: http://127.0.0.1:8000/feeds/" in rendered.output
    feed = next((tmp_path / "feeds").glob("*-ua-prom/feed.xml"))
    assert "valid prom feed" in cli("feed", "validate", str(feed), "--marketplace", "prom").output
    out = tmp_path / "copy.xml"
    cli("feed", "render", "--shop", "ua-prom", "--out", str(out))
    assert out.read_bytes().count(b"<offer ") == feed.read_bytes().count(b"<offer ")
    removed = cli("listing", "remove", "--shop", "ua-prom", "--all")
    assert "not deleted there" in removed.output
    cli("feed", "render", "--all")
    assert feed.read_bytes().count(b"<offer ") == 0


def test_bad_feed_file_and_unknown_shop_give_one_line_errors(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text('<yml_catalog><shop><offers><offer id="1" available="maybe"><price>-1</price></offer>')
    result = cli("feed", "validate", str(bad), "--marketplace", "rozetka", expect=1)
    assert "not well-formed" in result.output and "Traceback" not in result.output
    missing = cli("feed", "render", "--shop", "nope", expect=1)
    assert missing.output.strip().startswith("error: no shop named 'nope'")
    listing = cli("listing", "add", "--shop", "nope", "--all", "--sku", "X", expect=1)
    assert "error:" in listing.output


def test_render_all_goes_on_past_a_shop_that_cannot_render(cli: Cli, database: Database, tmp_path: Path) -> None:
    generate_catalog(database, 10)
    cli("shop", "add", "kz-bare", "--marketplace", "kaspi")
    cli("shop", "add", "ua-zak", "--marketplace", "zakupka", "--setting", "company=Z", "--setting", "url=https://z.ua")
    cli("listing", "add", "--shop", "ua-zak", "--all")
    result = cli("feed", "render", "--all", expect=1)
    assert "ua-zak (zakupka):" in result.output
    assert "kz-bare: shop kz-bare: the kaspi feed needs the setting(s) company, merchant_id, store_ids" in result.output
    assert "1 of 2 feed(s) could not be rendered" in result.output
    assert next((tmp_path / "feeds").glob("*-ua-zak/feed.xml")).stat().st_size > 0
