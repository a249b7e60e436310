"""The panel in English, Ukrainian and Russian: chosen on the login page or per user; catalogs complete
and compiled."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask

from erpsync.admin.i18n import TRANSLATIONS_DIR
from erpsync.models.db import Database
from erpsync.sync.users import get_user, update_user
from tests.admin.conftest import PanelClient
from tests.admin.factories import make_order, make_shop

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "SettingSpec": (4,)}


def test_english_by_default_and_the_login_page_switches_language(anonymous: PanelClient) -> None:
    assert "User name" in anonymous.get("/admin/login").text
    switched = anonymous.submit("/admin/login", "/admin/language", data={"language": "uk", "next": "/admin/login"})
    assert switched.headers["Location"] == "/admin/login"
    page = anonymous.get("/admin/login").text
    assert "Ім'я користувача" in page and '<html lang="uk">' in page


def test_a_users_language_comes_from_their_user_row(app: Flask, database: Database, secret_key: str) -> None:
    make_order(database, make_shop(database, secret_key, "kz-main"), "K-1", status="cancelled")
    with database.session() as session:
        update_user(session, get_user(session, "anna"), language="ru")
    client = PanelClient(app.test_client())
    client.login("anna")
    page = client.get("/admin/").text
    assert "Очереди заданий" in page and "Журнал синхронизации" in page
    orders = client.get("/admin/orders/").text
    assert "Несопоставленные позиции" in orders  # our filter names
    assert "Поиск" in orders  # Flask-Admin's own texts, from its catalogs
    assert "отменён" in orders  # accounting statuses


def test_switching_language_in_the_panel_is_remembered_for_the_user(accountant: PanelClient,
                                                                   database: Database) -> None:
    response = accountant.submit("/admin/", "/admin/language", data={"language": "uk", "next": "/admin/orders/"})
    assert response.headers["Location"] == "/admin/orders/"
    assert "Замовлення" in accountant.get("/admin/orders/").text
    with database.session() as session:
        assert get_user(session, "anna").language == "uk"


def _extracted() -> set[object]:
    ids: set[object] = set()
    method_map = [("erpsync/admin/**.py", "python"), ("erpsync/admin/templates/**.html", "jinja2")]
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=KEYWORDS
    ):
        ids.add(message if isinstance(message, str) else tuple(message))
    return ids


@pytest.mark.parametrize("language", ["uk", "ru"])
def test_every_text_of_the_panel_is_translated(language: str) -> None:
    path = TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    translated = {
        (m.id if isinstance(m.id, str) else tuple(m.id))
        for m in catalog
        if m.id and "fuzzy" not in m.flags and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    missing = sorted(map(str, _extracted() - translated))
    assert not missing, f"untranslated in {path.relative_to(ROOT)} (run scripts/translations.sh): {missing}"


def _messages(catalog: object) -> dict[object, object]:
    def key(value: object) -> object:
        return value if isinstance(value, str) else tuple(value)  # type: ignore[arg-type]

    return {key(m.id): key(m.string) for m in catalog if m.id}  # type: ignore[attr-defined]


@pytest.mark.parametrize("language", ["uk", "ru"])
def test_the_compiled_catalog_matches_its_source(language: str) -> None:
    folder = TRANSLATIONS_DIR / language / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as handle:
        source = _messages(read_po(handle))
    compiled = _messages(read_mo(io.BytesIO((folder / "messages.mo").read_bytes())))
    assert compiled == source, "the .mo file is older than the .po file: run scripts/translations.sh compile"
