"""Feeds rendered from products whose texts are hostile (markup, ``]]>``, quotes, control characters, NUL,
bidi overrides, odd Unicode, huge descriptions), drawn by hypothesis, stored in SQLite or PostgreSQL:
every XML feed parses with lxml, every CSV feed has the header's column count on each row, and the
hostile product is either offered (its texts escaped) or excluded with a reason. Lone surrogates, which
no database here can store, are checked on the filters the templates use."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from erpsync.core.config import Settings
from erpsync.feeds.publish import render_shop
from erpsync.feeds.render import cdata, csv_row, feed_environment
from erpsync.feeds.specs import FEED_MARKETPLACES
from erpsync.feeds.validate import CSV_FIELD_LIMIT, validate_feed
from tests.conftest import _wipe
from tests.feeds.conftest import Catalog, write_shop_mapping
from tests.feeds.conftest import catalog as feeds_catalog
from tests.feeds.conftest import feed_settings as feeds_feed_settings
from tests.feeds.test_feeds import SETTINGS
from tests.fuzz.strategies import DERANDOMIZE, EXAMPLES, HUGE_TEXT, ODD_TEXTS

# the feed tests' fixtures, under their own names (a test module may not load another conftest as a plugin)
catalog = feeds_catalog
feed_settings = feeds_feed_settings

MARKUP = ["<b>", "</offer>", "&amp;", "&", "&#0;", "]]>", "<![CDATA[", '"', "'", "<?xml?>", "<!--", "-->",
          "\r\n", "\n", "\r", ",", ";", "\t", '","', "=cmd|'/C calc'!A0", "\u2028", "\u0085"]
SAFE_ODD = [t for t in ODD_TEXTS if not any("\ud800" <= ch <= "\udfff" for ch in t)]
TEXT_PIECES = st.one_of(st.sampled_from(MARKUP), st.sampled_from(SAFE_ODD), st.text(st.characters(codec="utf-8"),
                                                                                     max_size=12))
texts = st.lists(TEXT_PIECES, min_size=1, max_size=6).map("".join)


def _storable(text: str, limit: int, dialect: str) -> str:
    text = text.replace("\x00", "") if dialect == "postgresql" else text
    return text[:limit] or "x"


def _check_document(path: Path) -> int:
    """Offers in the file at ``path`` (XML: parsed by lxml; CSV: every row as wide as the header)."""
    if path.suffix == ".csv":
        csv.field_size_limit(CSV_FIELD_LIMIT)  # a huge description is a long field, still valid CSV
        text = path.read_text(encoding="utf-8")
        header_line = text.split("\n", 1)[0]
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter="\t" if "\t" in header_line else ","))
        header, body = rows[0], rows[1:]
        assert all(len(row) == len(header) for row in body), [len(r) for r in rows]
        return len(body)
    root = etree.parse(str(path), etree.XMLParser(huge_tree=True)).getroot()
    return len(list(root.iter("offer", "{kaspiShopping}offer")))


@pytest.mark.parametrize("marketplace", FEED_MARKETPLACES)
def test_a_product_with_hostile_texts_is_escaped_or_excluded_and_the_feed_stays_well_formed(
    marketplace: str, catalog: Catalog, feed_settings: Settings
) -> None:
    dialect = catalog.database.dialect

    @settings(max_examples=max(6, EXAMPLES // 25), deadline=None, derandomize=DERANDOMIZE)
    @given(name=texts, brand=texts, sku=texts, description=st.one_of(texts, st.just(HUGE_TEXT + "]]>" * 1000)),
           characteristic=st.tuples(texts, texts, texts), category=texts)
    def check(name: str, brand: str, sku: str, description: str, characteristic: tuple[str, str, str],
              category: str) -> None:
        _wipe(catalog.database)
        shop_name = f"hostile-{marketplace}"
        category_id = catalog.category(_storable(category, 200, dialect))
        write_shop_mapping(feed_settings.mappings_dir, shop_name, marketplace,
                           f'categories:\n  "{category_id}": Elektronik\n')
        catalog.product("SOUND1", category=category_id, barcode="4820000000017")
        catalog.product(
            _storable(sku, 64, dialect), name_uk=_storable(name, 1024, dialect),
            name_ru=_storable(name, 1024, dialect), brand=_storable(brand, 200, dialect),
            model=_storable(brand, 512, dialect), description_html=_storable(description, 10**6, dialect),
            barcode="4820000000024", category=category_id,
            photos=(f"https://img.example/{_storable(name, 900, dialect)}.jpg",),
            characteristics=((_storable(characteristic[0], 200, dialect), _storable(characteristic[1], 1024, dialect),
                              _storable(characteristic[2], 32, dialect)),),
        )
        shop = catalog.shop(shop_name, marketplace, SETTINGS[marketplace])
        stats = render_shop(catalog.database, shop, feed_settings.feed_dir, mappings_dir=feed_settings.mappings_dir)
        # the hostile product is offered, or excluded with a reason; the sound one is always offered
        assert stats.offers + sum(stats.excluded.values()) == 2, (stats.offers, dict(stats.excluded))
        assert stats.offers >= 1 and all(reason for reason in stats.excluded)
        for rendered in stats.files:
            assert _check_document(rendered.path) == rendered.offers
            check_report = validate_feed(rendered.path, marketplace)
            assert check_report.offers == rendered.offers

    check()


LONE = ["\ud800", "a\udfffb", "\udbff\udc00"[0], "]]>\ud800<"]


@given(st.lists(st.one_of(TEXT_PIECES, st.sampled_from(LONE)), max_size=6).map("".join))
@settings(max_examples=EXAMPLES, deadline=None, derandomize=DERANDOMIZE)
def test_the_template_filters_never_emit_what_xml_or_utf8_cannot_hold(text: str) -> None:
    document = f"<offer><description>{cdata(text)}</description></offer>".encode()
    assert etree.fromstring(document) is not None
    row = csv_row([text, "x", None])
    row.encode("utf-8")
    assert len(next(csv.reader(io.StringIO(row)))) == 3
    escaped = feed_environment().from_string("<a n='{{ t|clean }}'>{{ t|clean }}</a>").render(t=text)
    assert etree.fromstring(escaped.encode("utf-8")) is not None
