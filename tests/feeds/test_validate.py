"""``validate_feed``: each marketplace's rules name the line of every problem."""

from __future__ import annotations

from pathlib import Path

from erpsync.feeds.validate import validate_feed

YML = """<?xml version="1.0" encoding="UTF-8"?>
<yml_catalog date="2026-01-01 10:00">
  <shop>
    <name>s</name><company>c</company><url>https://s.example</url>
    <currencies><currency id="UAH" rate="1"/></currencies>
    <categories>
      <category id="1">Root</category>
      <category id="2" parentId="9">Orphan</category>
    </categories>
    <offers>
      <offer id="A" available="true"><price>10</price><price_old>5</price_old><currencyId>UAH</currencyId>
        <categoryId>1</categoryId><name>A</name><vendor>V</vendor><picture>p</picture>
        <stock_quantity>3</stock_quantity></offer>
      <offer id="A" available="maybe"><price>0</price><currencyId>USD</currencyId><categoryId>7</categoryId>
        <name>B</name></offer>
    </offers>
  </shop>
</yml_catalog>
"""


def _problems(tmp_path: Path, text: str, marketplace: str, name: str = "feed.xml") -> list[str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return [str(p) for p in validate_feed(path, marketplace).problems]


def test_yml_rules_name_each_problem_and_its_line(tmp_path: Path) -> None:
    problems = _problems(tmp_path, YML, "rozetka")
    expected = [
        "line 11: offer 'A': <price_old> 5 is not above the price 10",
        "line 14: offer 'A' appears twice",
        "line 14: offer 'A': available='maybe', expected one of ['false', 'true']",
        "line 14: offer 'A': price '0' is not a positive number",
        "line 14: offer 'A': currencyId 'USD' is not declared in <currencies>",
        "line 14: offer 'A': categoryId '7' is not a declared category",
        "line 14: offer 'A': Rozetka needs <stock_quantity>",
        "line 14: offer 'A': Rozetka needs <vendor>",
        "line 14: offer 'A': Rozetka needs at least one <picture>",
        "line 8: category parentId '9' is not a declared category",
    ]
    assert problems == expected


def test_prom_takes_an_empty_available_for_products_not_in_stock(tmp_path: Path) -> None:
    text = YML.replace('available="maybe"', 'available=""').replace('parentId="9"', 'parentId="1"')
    problems = _problems(tmp_path, text, "prom")
    assert not any("available" in p for p in problems)


def test_kaufland_csv_rules(tmp_path: Path) -> None:
    inventory = ("ean,id_offer,condition,listing_price,amount,handling_time,currency\n"
                 "4820000000017,A,NEW,10.50,3,1,EUR\n"
                 "4820000000018,B,BROKEN,-1,x,1,EUR\n"
                 "4820000000017,A,NEW,1,1\n")
    assert _problems(tmp_path, inventory, "kaufland", "inventory.csv") == [
        "line 3: ean '4820000000018' is not a valid EAN/GTIN",
        "line 3: listing_price '-1' is not a positive number",
        "line 3: amount 'x' is not a whole number ≥ 0",
        "line 3: condition 'BROKEN' is not a Kaufland condition",
        "line 4: 5 fields, the header has 7",
    ]
    missing = _problems(tmp_path, "title\nx\n", "kaufland", "products.csv")
    assert missing == ["line 1: the header lacks the column(s) ean"]


def test_kaspi_rules_and_schema(tmp_path: Path) -> None:
    text = """<?xml version="1.0" encoding="utf-8"?>
<kaspi_catalog date="d" xmlns="kaspiShopping">
  <company>C</company><merchantid>M</merchantid>
  <offers>
    <offer sku="A1"><model>m</model><brand>b</brand><availabilities>
      <availability available="yes" storeId="PP1" preOrder="31" stockCount="1"/></availabilities>
      <price>100</price></offer>
    <offer sku="A1"><model>m</model><availabilities><availability available="no" storeId="PP1"/></availabilities>
      <cityprices><cityprice cityId="1">99.90</cityprice></cityprices></offer>
  </offers>
</kaspi_catalog>
"""
    problems = _problems(tmp_path, text, "kaspi")
    assert problems[:3] == [
        "line 6: offer A1: preOrder '31' is not 0–30 days",
        "line 8: offer sku 'A1' appears twice",
        "line 9: offer A1: price '99.90' is not a positive whole number",
    ]
    assert any(p.startswith("schema kaspi.xsd:") and "preOrder" in p for p in problems[3:])
