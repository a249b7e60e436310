"""The mapping editor: tables for every section, the review of a change (its diff and the check's messages on
their rows) before saving, saving with the version the page was opened at, shop override files, categories
and characteristics from the downloaded tree, "match automatically", history and restore."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from markupsafe import escape
from sqlalchemy import select

from erpsync.mapping import CheckContext, Edit, check_file, check_text, save_mapping
from erpsync.models import MappingRevision, MarketplaceCategory
from erpsync.models.db import Database
from tests.admin.conftest import PanelClient
from tests.admin.factories import make_shop
from tests.admin.forms import form_fields, row_field
from tests.mapping.conftest import REPO_MAPPINGS
from tests.mapping.test_store import changed_lines
from tests.mapping.test_suggest import add_notebooks
from tests.mapping.test_tree_checks import NOTEBOOKS, PREFIX, add_kaspi_tree, add_local_tree

KASPI_STATUSES = "/admin/mappings/statuses/kaspi.yaml"


@pytest.fixture
def mappings_dir(tmp_path: Path) -> Path:
    """The repository's mapping files, where the panel's settings look for them (``./mappings``)."""
    target = tmp_path / "mappings"
    shutil.copytree(REPO_MAPPINGS, target)
    return target


def review(client: PanelClient, url: str, changes: dict[str, str], drop: tuple[str, ...] = ()) -> tuple[
        dict[str, str], str, int]:
    """Open ``url``, change fields of its table, press "Review": (the fields sent, the page, its status)."""
    page = client.get(url)
    assert page.status_code == 200, page.text[:500]
    fields = form_fields(page.text, "mapping-form")
    for name in drop:
        fields.pop(name, None)
    fields.update(changes)
    fields["action"] = "review"
    response = client.client.post(url, data=fields)
    return fields, response.text, response.status_code


def save(client: PanelClient, url: str, fields: dict[str, str], message: str = "") -> tuple[str, int, str]:
    response = client.client.post(url, data={**fields, "action": "save", "message": message})
    return response.text, response.status_code, response.headers.get("Location", "")


def test_the_list_shows_every_marketplace_file_and_offers_a_file_to_each_shop(
        accountant: PanelClient, database: Database, secret_key: str, mappings_dir: Path) -> None:
    make_shop(database, secret_key, "kz-main", "kaspi")
    page = accountant.get("/admin/mappings/").text
    for marketplace in ("kaspi", "prom", "rozetka", "kaufland", "satu", "hubber"):
        assert f'data-file="{marketplace}.yaml"' in page
    assert 'data-shop="kz-main"' in page and "Create shops/kz-main.yaml" in page
    assert "/admin/mappings/statuses/kaspi.yaml" in page


def test_a_reason_changed_in_the_table_is_reviewed_then_saved_as_one_line_and_a_revision(
        accountant: PanelClient, database: Database, mappings_dir: Path) -> None:
    path = mappings_dir / "kaspi.yaml"
    before = path.read_text()
    page = accountant.get(KASPI_STATUSES).text
    fields = form_fields(page, "mapping-form")
    reason = row_field(fields, "out", "cancelled", "reason")
    assert fields[reason] == "MERCHANT_OUT_OF_STOCK"
    fields, text, status = review(accountant, KASPI_STATUSES, {reason: "BUYER_NOT_REACHABLE"})
    assert status == 200
    assert "statuses.outbound.cancelled: reason MERCHANT_OUT_OF_STOCK → BUYER_NOT_REACHABLE" in text
    assert "+      reason: BUYER_NOT_REACHABLE" in text and 'id="save"' in text
    assert path.read_text() == before  # a review writes nothing
    text, status, location = save(accountant, KASPI_STATUSES, fields, "buyers do not answer")
    assert (status, location) == (302, KASPI_STATUSES)
    assert changed_lines(before, path.read_text()) == [
        "-version: 1", "+version: 2",
        "-      reason: MERCHANT_OUT_OF_STOCK        # Kaspi requires a reason; out of stock is why we cancel most.",
        "+      reason: BUYER_NOT_REACHABLE          # Kaspi requires a reason; out of stock is why we cancel most.",
    ]
    with database.session() as session:
        revision = session.scalars(select(MappingRevision).order_by(MappingRevision.id.desc())).first()
        assert (revision.path, revision.version, revision.author, revision.message) == (
            "kaspi.yaml", 2, "anna", "buyers do not answer")
    assert "kaspi.yaml saved as version 2 (1 changes)." in accountant.get(KASPI_STATUSES).text


def test_an_unchanged_table_saves_nothing(accountant: PanelClient, mappings_dir: Path) -> None:
    before = (mappings_dir / "kaspi.yaml").read_text()
    fields, text, _status = review(accountant, KASPI_STATUSES, {})
    assert "Nothing changes: the tables read like the file." in text
    _text, status, _location = save(accountant, KASPI_STATUSES, fields)
    assert status == 302
    assert (mappings_dir / "kaspi.yaml").read_text() == before


def test_a_page_opened_before_someone_elses_save_is_refused_as_a_conflict(
        accountant: PanelClient, database: Database, mappings_dir: Path) -> None:
    fields = form_fields(accountant.get(KASPI_STATUSES).text, "mapping-form")
    with database.session() as session:  # meanwhile, someone else changes the same file
        save_mapping(session, mappings_dir, "kaspi.yaml", [Edit(("statuses", "inbound", "RETURNED"), "cancelled")],
                     expected_version=1, author="boss")
    theirs = (mappings_dir / "kaspi.yaml").read_text()
    fields[row_field(fields, "out", "cancelled", "reason")] = "BUYER_NOT_REACHABLE"
    text, status, _location = save(accountant, KASPI_STATUSES, fields)
    assert status == 422
    assert "Someone else saved this file since you opened it." in text
    assert "kaspi.yaml is at version 2, the change was made to version 1" in text
    assert (mappings_dir / "kaspi.yaml").read_text() == theirs  # their change is kept, ours not written


def test_a_change_bringing_an_error_shows_the_checks_message_on_its_row_and_cannot_be_saved(
        accountant: PanelClient, mappings_dir: Path) -> None:
    before = (mappings_dir / "kaspi.yaml").read_text()
    fields = form_fields(accountant.get(KASPI_STATUSES).text, "mapping-form")
    changes = {row_field(fields, "out", "cancelled", "reason"): "",  # Kaspi requires a reason to cancel
               row_field(fields, "in", "RETURNED", "value"): ""}  # and every Kaspi status must be mapped
    fields, text, status = review(accountant, KASPI_STATUSES, changes)
    assert status == 200
    expected = check_text(
        before.replace("      reason: MERCHANT_OUT_OF_STOCK        #", "                                           #")
        .replace("    RETURNED: returned\n", "").replace("version: 1", "version: 2"),
        mappings_dir / "kaspi.yaml", CheckContext(mappings_dir), "kaspi.yaml")
    messages = [p.message for p in expected if p.is_error]
    assert messages == [
        "statuses.inbound: kaspi status 'RETURNED' (Returned) is not mapped to an accounting status",
        "statuses.outbound.cancelled: kaspi requires a cancellation reason to set status CANCELLED (add reason: "
        "one of BUYER_CANCELLATION_BY_MERCHANT, BUYER_NOT_REACHABLE, MERCHANT_OUT_OF_STOCK)",
    ]
    cancelled_row = text[text.index('<tr data-key="cancelled"'):]
    cancelled_row = cancelled_row[: cancelled_row.index("</tr>")]
    assert "table-danger" in cancelled_row and escape(messages[1]) in cancelled_row  # on its row
    assert escape(messages[0]) in text[text.index('id="inbound-problems"'):][:800]  # above the inbound table
    assert "The change cannot be saved" in text and 'id="save"' not in text
    text, status, _location = save(accountant, KASPI_STATUSES, fields)
    assert status == 200 and "The change cannot be saved" in text
    assert (mappings_dir / "kaspi.yaml").read_text() == before


def test_rozetkas_number_codes_stay_numbers(accountant: PanelClient, mappings_dir: Path) -> None:
    url = "/admin/mappings/statuses/rozetka.yaml"
    before = (mappings_dir / "rozetka.yaml").read_text()
    fields = form_fields(accountant.get(url).text, "mapping-form")
    fields, _text, _status = review(accountant, url, {row_field(fields, "in", "47", "value"): "accepted"})
    assert save(accountant, url, fields)[1] == 302
    assert changed_lines(before, (mappings_dir / "rozetka.yaml").read_text()) == [
        "-version: 1", "+version: 2",
        "-    47: new                      # Планується повторний дзвінок",
        "+    47: accepted                 # Планується повторний дзвінок",
    ]


def test_a_shop_specific_delivery_code_is_added_to_an_open_section(accountant: PanelClient,
                                                                    mappings_dir: Path) -> None:
    url = "/admin/mappings/delivery/prom.yaml"
    page = accountant.get(url).text
    assert 'data-add-row="methods-inbound"' in page
    fields, text, _status = review(accountant, url, {"in-90-key": "11", "in-90-value": "meest"})
    assert "delivery.inbound.11: added meest" in text
    assert save(accountant, url, fields)[1] == 302
    assert "    '11': meest\n" in (mappings_dir / "prom.yaml").read_text()
    assert "delivery.inbound: prom has no delivery code" in accountant.get(url).text  # a warning: open section


def test_a_shops_override_file_is_created_and_holds_only_what_the_shop_changes(
        accountant: PanelClient, database: Database, secret_key: str, mappings_dir: Path) -> None:
    make_shop(database, secret_key, "kz-main", "kaspi")
    marketplace_before = (mappings_dir / "kaspi.yaml").read_text()
    response = accountant.submit("/admin/mappings/", "/admin/mappings/shop-file", data={"shop": "1"})
    url = "/admin/mappings/statuses/shops/kz-main.yaml"
    assert response.headers["Location"] == url
    own = mappings_dir / "shops" / "kz-main.yaml"
    assert own.read_text().endswith("marketplace: kaspi\nversion: 1\n")
    page = accountant.get(url).text
    fields = form_fields(page, "mapping-form")
    assert fields[row_field(fields, "out", "cancelled", "reason")] == "MERCHANT_OUT_OF_STOCK"  # inherited
    fields, text, _status = review(accountant, url, {row_field(fields, "out", "cancelled", "reason"):
                                                     "BUYER_CANCELLATION_BY_MERCHANT"})
    # the change as it reads for the shop; the file's lines below it
    assert "statuses.outbound.cancelled: reason MERCHANT_OUT_OF_STOCK → BUYER_CANCELLATION_BY_MERCHANT" in text
    assert "+      reason: BUYER_CANCELLATION_BY_MERCHANT" in text
    assert save(accountant, url, fields)[1] == 302
    assert own.read_text().endswith(
        "version: 2\nstatuses:\n  outbound:\n    cancelled:\n      reason: BUYER_CANCELLATION_BY_MERCHANT\n")
    assert (mappings_dir / "kaspi.yaml").read_text() == marketplace_before
    page = accountant.get(url).text
    fields = form_fields(page, "mapping-form")
    reset = row_field(fields, "out", "cancelled", "reset")
    assert "this shop" in page and f'name="{reset}"' in page
    fields, text, _status = review(accountant, url, {reset: "1"})
    assert "statuses.outbound.cancelled: reason BUYER_CANCELLATION_BY_MERCHANT → MERCHANT_OUT_OF_STOCK" in text
    assert save(accountant, url, fields)[1] == 302
    assert "statuses" not in own.read_text()
    again = accountant.submit("/admin/mappings/", "/admin/mappings/shop-file", data={"shop": "1"})
    assert again.headers["Location"] == "/admin/mappings/"
    assert "shops/kz-main.yaml exists already" in accountant.get("/admin/mappings/").text


def test_categories_show_the_local_tree_and_the_marketplaces_categories_are_searched(
        accountant: PanelClient, database: Database, mappings_dir: Path) -> None:
    with database.session() as session:
        add_kaspi_tree(session)
        add_local_tree(session, "Дитячі товари", "Канцтовари", "Зошити")
        notebooks = add_local_tree(session, "Дитячі товари", "Канцтовари", "Блокноти")
        session.add(MarketplaceCategory(marketplace="kaspi", code="Master - Notebooks", title="Блокноты"))
    url = "/admin/mappings/categories/kaspi.yaml"
    page = accountant.get(url).text
    assert 'data-path="Дитячі товари / Канцтовари / Зошити"' in page
    assert f'value="{NOTEBOOKS}"' in page
    found = accountant.get("/admin/mappings/categories.json?marketplace=kaspi&q=БЛОКН").get_json()
    assert found["downloaded"] is True
    assert [c["code"] for c in found["categories"]] == ["Master - Notebooks"]
    # Ukrainian spelling finds the Russian title, a Latin word the code; the closest first
    assert [c["code"] for c in accountant.get("/admin/mappings/categories.json?marketplace=kaspi&q=Блокноти")
            .get_json()["categories"]] == ["Master - Notebooks"]
    assert [c["code"] for c in accountant.get("/admin/mappings/categories.json?marketplace=kaspi&q=note")
            .get_json()["categories"]] == ["Master - Notebooks", NOTEBOOKS]
    fields = form_fields(page, "mapping-form")
    field = row_field(fields, "cat", "Дитячі товари / Канцтовари / Блокноти", "value")
    fields, text, _status = review(accountant, url, {field: "Master - Notebooks"})
    assert "categories.Дитячі товари / Канцтовари / Блокноти: added Master - Notebooks" in text
    fields, text, _status = review(accountant, url, {field: "Master - Nothing"})
    assert escape("categories.Дитячі товари / Канцтовари / Блокноти: kaspi has no category 'Master - Nothing' "
                  "in the downloaded tree") in text
    assert notebooks.id


def test_characteristics_of_a_category_map_attributes_and_select_values(
        accountant: PanelClient, database: Database, mappings_dir: Path) -> None:
    with database.session() as session:
        add_kaspi_tree(session)
        add_notebooks(session)
    url = f"/admin/mappings/characteristics/kaspi.yaml?category={NOTEBOOKS}"
    assert f"?category={NOTEBOOKS.replace(' ', '+')}" in accountant.get(
        "/admin/mappings/characteristics/kaspi.yaml").text.replace("%20", "+")
    page = accountant.get(url).text
    assert "Mandatory attributes not mapped yet:" in page and f"{PREFIX}type" in page
    fields = form_fields(page, "mapping-form")
    kind = row_field(fields, "ch", "Тип", "value")
    assert fields[kind] == ""
    fields, text, _status = review(accountant, url, {kind: f"{PREFIX}type"})
    values = form_fields(text, "mapping-form")
    value = next(name.replace("-key", "-value") for name, v in values.items()
                 if name.startswith("chv") and name.endswith("-key") and v == "тетрадь")
    fields, text, _status = review(accountant, url, {kind: f"{PREFIX}type", value: "тетрадь-блокнот"})
    assert f"characteristics.{NOTEBOOKS}.Тип: added {{attribute: {PREFIX}type, values: {{тетрадь: тетрадь-блокнот}}}}" \
        in text
    assert save(accountant, url, {**fields, "category": NOTEBOOKS})[1] == 302
    text = (mappings_dir / "kaspi.yaml").read_text()
    assert f"    Тип:\n      attribute: {PREFIX}type\n      values:\n        тетрадь: тетрадь-блокнот\n" in text


def test_match_automatically_shows_scores_and_saves_only_the_ticked_proposals(
        accountant: PanelClient, database: Database, mappings_dir: Path) -> None:
    with database.session() as session:
        add_kaspi_tree(session)
        add_notebooks(session)
    url = "/admin/mappings/match/characteristics/kaspi.yaml"
    page = accountant.get(url).text
    fields = form_fields(page, "mapping-form")
    rows = {fields[name.replace("-key", "-local")] + "/" + fields[name.replace("-key", "-code")]: name[:-3]
            for name in fields if name.startswith("sg-") and name.endswith("-key")}
    assert set(rows) == {"тетрадь/тетрадь", f"Тип/{PREFIX}type", "А4/А4"}
    assert 'data-score="1.00"' in page
    assert all(fields.get(f"{prefix}accept") == "1" for prefix in rows.values())  # 1.00 ≥ 0.9: ticked
    fields.pop(rows["А4/А4"] + "accept")  # rejected
    fields["action"] = "review"
    text = accountant.client.post(url, data=fields).text
    assert f"characteristics.{NOTEBOOKS}.Тип: added {{attribute: {PREFIX}type, values: {{тетрадь: тетрадь}}}}" in text
    assert "А4" not in text[text.index('id="review-changes"'):text.index("</ul>", text.index('id="review-changes"'))]
    assert save(accountant, url, fields)[1] == 302
    saved = (mappings_dir / "kaspi.yaml").read_text()
    assert f"attribute: {PREFIX}type" in saved and "А4: А4" not in saved
    with database.session() as session:
        assert session.scalars(select(MappingRevision.message).order_by(MappingRevision.id.desc())).first() == (
            "auto-match: 2 characteristics suggestions accepted")
    assert set(form_fields(accountant.get(url).text, "mapping-form").values()) >= {"А4"}  # still proposed


def test_history_shows_what_each_version_changed_and_restores_an_old_one(
        accountant: PanelClient, database: Database, mappings_dir: Path) -> None:
    reason = ("statuses", "outbound", "cancelled", "reason")
    original = (mappings_dir / "kaspi.yaml").read_text()
    with database.session() as session:
        save_mapping(session, mappings_dir, "kaspi.yaml", [Edit(reason, "BUYER_NOT_REACHABLE")],
                     expected_version=1, author="anna", message="buyers do not answer")
    page = accountant.get("/admin/mappings/history/kaspi.yaml").text
    assert "buyers do not answer" in page and "(file on disk)" in page
    with database.session() as session:
        first, second = session.scalars(select(MappingRevision.id).order_by(MappingRevision.id)).all()
    page = accountant.get(f"/admin/mappings/revision/{second}").text
    assert "statuses.outbound.cancelled: reason MERCHANT_OUT_OF_STOCK → BUYER_NOT_REACHABLE" in page
    page = accountant.get(f"/admin/mappings/revision/{first}").text
    assert "Restoring writes this version as version 3, changing:" in page
    response = accountant.submit(f"/admin/mappings/revision/{first}", f"/admin/mappings/revision/{first}/restore",
                                 data={"version": "2"})
    assert response.headers["Location"] == "/admin/mappings/history/kaspi.yaml"
    restored = (mappings_dir / "kaspi.yaml").read_text()
    assert restored == original.replace("version: 1", "version: 3")
    stale = accountant.submit(f"/admin/mappings/revision/{second}", f"/admin/mappings/revision/{second}/restore",
                              data={"version": "2"})
    assert "kaspi.yaml is at version 3, the change was made to version 2" in accountant.get(
        stale.headers["Location"]).text


def test_a_broken_file_is_explained_not_edited_and_names_outside_the_folder_are_refused(
        accountant: PanelClient, mappings_dir: Path) -> None:
    (mappings_dir / "kaspi.yaml").write_text("marketplace: kaspi\nversion: 1\nstatuses:\n\tinbound: {}\n")
    page = accountant.get(KASPI_STATUSES)
    assert page.status_code == 422
    assert "kaspi.yaml:4:1: a tab in the indentation: YAML indents with spaces only" in page.text
    for url in ("/admin/mappings/statuses/../secrets.yaml", "/admin/mappings/statuses/nothing.yaml",
                "/admin/mappings/history/../../etc/passwd", "/admin/mappings/statuses/accounting.yaml"):
        assert accountant.get(url).status_code in (404, 422), url


def test_the_panels_messages_are_those_of_the_check(accountant: PanelClient, database: Database,
                                                    mappings_dir: Path) -> None:
    (mappings_dir / "kaspi.yaml").write_text((mappings_dir / "kaspi.yaml").read_text().replace(
        "      reason: MERCHANT_OUT_OF_STOCK", "      reason: SOLD_OUT"))
    with database.session() as session:
        problems = check_file(mappings_dir / "kaspi.yaml", CheckContext(mappings_dir, session), "kaspi.yaml")
    page = accountant.get(KASPI_STATUSES).text
    shown = [problem for problem in problems if problem.message.startswith("statuses")]
    assert shown and any("SOLD_OUT" in problem.message for problem in shown)
    for problem in shown:
        assert escape(problem.message) in page
        assert f"{problem.file}:{problem.line}:{problem.column}" in page


def test_an_accountant_edits_mappings_an_anonymous_visitor_is_sent_to_log_in(
        accountant: PanelClient, anonymous: PanelClient, admin_client: PanelClient, mappings_dir: Path) -> None:
    for url in ("/admin/mappings/", KASPI_STATUSES, "/admin/mappings/history/kaspi.yaml",
                "/admin/mappings/match/categories/kaspi.yaml"):
        assert accountant.get(url).status_code == 200, url
        assert admin_client.get(url).status_code == 200, url
        assert anonymous.get(url).status_code == 302, url
    assert "/admin/mappings/" in accountant.get("/admin/").text  # in the menu

