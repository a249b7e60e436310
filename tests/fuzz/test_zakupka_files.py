"""Zakupka's CommerceML orders files, mutated as XML (elements dropped, texts replaced by odd ones, an
element repeated) and as bytes (cut short, bytes inserted, another encoding declared): the file is either
read, document by document, or refused with ``PayloadError`` naming it; a bad document names itself and
the other documents are read."""

from __future__ import annotations

import copy
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from erpsync.core.errors import PayloadError
from erpsync.marketplaces.base import Order
from erpsync.marketplaces.zakupka import codec
from tests.fuzz.strategies import FIXTURES, FUZZ, ODD_TEXTS

KYIV = ZoneInfo("Europe/Kyiv")
FILES = sorted(p.name for p in (FIXTURES / "zakupka").glob("*.xml"))


def _xml_safe(text: str) -> bool:
    try:
        etree.Element("a").text = text
    except ValueError:
        return False
    return True


XML_TEXTS = st.one_of(st.sampled_from([t for t in ODD_TEXTS if _xml_safe(t)]), st.text(max_size=20).filter(_xml_safe),
                      st.sampled_from(["-3", "0", "1e400", "NaN", "99999999999999", "-0.01", "2024-02-30 25:61"]))


@st.composite
def mutated_file(draw: st.DrawFn, name: str) -> bytes:
    content = (FIXTURES / "zakupka" / name).read_bytes()
    root = codec.parse_file(content)
    elements = list(root.iter())[1:]
    for _ in range(draw(st.integers(1, 5))):
        if not elements:
            break
        element = draw(st.sampled_from(elements))
        action = draw(st.sampled_from(["text", "text", "drop", "repeat"]))
        parent = element.getparent()
        if action == "drop" and parent is not None:
            parent.remove(element)
            elements = list(root.iter())[1:]
        elif action == "repeat" and parent is not None:
            parent.append(copy.deepcopy(element))
            elements = list(root.iter())[1:]
        else:
            element.text = draw(XML_TEXTS)
    encoding = draw(st.sampled_from(["utf-8", "windows-1251"]))
    try:
        data = etree.tostring(root, xml_declaration=draw(st.booleans()), encoding=encoding)
    except (UnicodeEncodeError, ValueError):  # an odd text windows-1251 cannot write
        data = etree.tostring(root, xml_declaration=True, encoding="utf-8")
    cut = draw(st.sampled_from(["none", "none", "truncate", "insert"]))
    if cut == "truncate":
        data = data[: draw(st.integers(0, len(data)))]
    elif cut == "insert":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    return data


def _read(content: bytes, content_type: str | None) -> tuple[list[Order], list[PayloadError]]:
    orders, refused = [], []
    try:
        root = codec.parse_file(content, content_type, source="orders file")
    except PayloadError as error:
        assert error.field == "orders file"
        return orders, [error]
    for document in codec.documents(root):
        try:
            orders.append(codec.decode_document(document, zone=KYIV))
        except PayloadError as error:
            assert error.field, error
            refused.append(error)
    return orders, refused


@pytest.mark.parametrize("name", FILES)
def test_a_mutated_orders_file_is_read_or_names_what_is_wrong(name: str) -> None:
    @FUZZ
    @given(mutated_file(name), st.sampled_from([None, "text/xml; charset=windows-1251", "text/xml; charset=utf-8",
                                                "text/xml; charset=nonsense-42"]))
    def check(content: bytes, content_type: str | None) -> None:
        orders, _refused = _read(content, content_type)
        for order in orders:
            assert all(line.quantity >= 0 for line in order.lines)

    check()


def test_any_bytes_at_all_are_read_or_refused_as_a_payload_error() -> None:
    @FUZZ
    @given(st.binary(max_size=300) | st.text(max_size=100).map(lambda t: f"<КоммерческаяИнформация>{t}".encode()))
    def check(content: bytes) -> None:
        _read(content, None)

    check()
