"""The panel in a real browser: log in, add a shop and see its token masked, search the log for an error,
filter orders with Flask-Admin's filter controls, send a failed push again, edit a mapping in its table
(review the diff, save one line), set a category found in the marketplace's tree, run a feed now and a
failed run again."""

from __future__ import annotations

import difflib
import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from sqlalchemy import select

from erpsync.models import MarketplaceCategory, OutboxMessage, Shop, utcnow
from erpsync.sync.shops import shop_credentials, update_shop
from tests.admin.factories import make_order, make_run, make_shop
from tests.browser.conftest import Live
from tests.feeds.conftest import YML_SETTINGS, Catalog
from tests.mapping.conftest import REPO_MAPPINGS
from tests.mapping.test_tree_checks import add_kaspi_tree, add_local_tree

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

TOKEN = "kaspi-live-token-5c3e"


def test_logging_in_leads_to_the_dashboard_and_logging_out_back(live: Live, page: Page) -> None:
    page.goto(f"{live.url}/admin/orders/")
    expect(page).to_have_url(f"{live.url}/admin/login?next=/admin/orders/")
    page.fill("#username", "anna")
    page.fill("#password", "wrong password!")
    page.click("#login-submit")
    expect(page.locator(".alert-danger")).to_contain_text("Wrong user name or password")
    live.login(page, "anna")
    expect(page.locator("h1")).to_have_text("Dashboard")
    page.click("#user-menu")
    page.click("#logout")
    expect(page).to_have_url(f"{live.url}/admin/login")
    expect(page.locator(".alert-info")).to_contain_text("You are logged out.")


def test_an_admin_adds_a_shop_with_a_token_and_sees_it_masked(live: Live, page: Page) -> None:
    live.login(page, "boss")
    page.click("a.nav-link:has-text('Shops')")
    page.click("#add-shop")
    page.select_option("#marketplace", "kaspi")
    page.click("#choose-marketplace button[type=submit]")
    page.fill("#name", "kz-main")
    page.fill("#credential_token", TOKEN)
    page.fill("#setting_merchant_id", "30123456")
    page.fill("#setting_store_ids", "MAIN=PP1")
    page.fill("#setting_poll_interval_minutes", "5")
    page.click("#save-shop")
    expect(page.locator(".alert-success")).to_contain_text("Shop kz-main added.")
    expect(page.locator("#shop-form")).to_contain_text("stored: ****5c3e")
    expect(page.locator("#setting_poll_interval_minutes")).to_have_value("5")
    page.click("a.nav-link:has-text('Shops')")
    expect(page.locator('tr[data-shop="kz-main"]')).to_contain_text("token=****5c3e")
    assert TOKEN not in page.content()
    with live.database.session() as session:
        shop = session.scalars(select(Shop)).one()
        assert TOKEN not in shop.credentials_encrypted
        assert shop_credentials(shop, live.secret_key) == {"token": TOKEN}


def test_an_accountant_searches_the_log_for_an_error_and_opens_its_payload(live: Live, page: Page) -> None:
    shop_id = make_shop(live.database, live.secret_key, "kz-main", "kaspi")
    make_run(live.database, shop_id, status="partial", failed=1, events=[
        ("error", "order 501 cannot be parsed: totalPrice missing", {"id": "501", "totalPrice": None}),
        ("info", "order 502 imported", None),
        ("warning", "order 503 has an unknown SKU X-1", {"id": "503"}),
    ])
    live.login(page, "anna")
    page.click("a.dropdown-toggle:has-text('Sync log')")
    page.click("a.dropdown-item:has-text('Events')")
    expect(page.locator("table.model-list tbody tr")).to_have_count(3)
    page.fill("input[name=search]", "totalPrice")
    page.press("input[name=search]", "Enter")
    rows = page.locator("table.model-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("order 501 cannot be parsed: totalPrice missing")
    rows.locator("a[title='View Record']").click()
    expect(page.locator("pre.erpsync-json")).to_contain_text('"totalPrice": null')


def test_an_accountant_filters_orders_by_unmatched_lines_and_by_shop(live: Live, page: Page) -> None:
    kaspi = make_shop(live.database, live.secret_key, "kz-main", "kaspi")
    prom = make_shop(live.database, live.secret_key, "ua-prom", "prom")
    now = utcnow()
    make_order(live.database, kaspi, "K-100", placed_at=now - timedelta(hours=1))
    make_order(live.database, kaspi, "K-101", placed_at=now - timedelta(hours=2), unmatched=True)
    make_order(live.database, prom, "P-200", placed_at=now - timedelta(hours=3), failed_push="prom answered 400")
    live.login(page, "anna")
    page.click("a.nav-link:has-text('Orders')")
    rows = page.locator("table.model-list tbody tr")
    expect(rows).to_have_count(3)
    _add_filter(page, "Unmatched lines", "yes")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("K-101")
    page.click("a:has-text('Reset Filters')")
    expect(rows).to_have_count(3)  # the unfiltered page has loaded before the next filter is added
    _add_filter(page, "Shop", "ua-prom")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("P-200")
    rows.locator("a[title='View Record']").click()
    expect(page.locator("#order-pushes")).to_contain_text("prom answered 400")


def test_an_accountant_sends_a_failed_push_again(live: Live, page: Page) -> None:
    prom = make_shop(live.database, live.secret_key, "ua-prom", "prom")
    make_order(live.database, prom, "P-300", failed_push="prom answered 503: try later")
    live.login(page, "anna")
    page.click("tr[data-shop='ua-prom'] td.failed-pushes a")  # the dashboard's link to the failed pushes
    rows = page.locator("table.model-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("prom answered 503: try later")
    rows.locator("a[title='View Record']").click()
    page.click("#retry-push button")
    expect(page.locator(".alert-success")).to_contain_text("The push is pending again")
    expect(page.locator("#retry-push")).to_have_count(0)
    with live.database.session() as session:
        assert session.scalars(select(OutboxMessage.state)).one() == "pending"


def _add_filter(page: Page, name: str, choice: str) -> None:
    """Flask-Admin's filter controls: "Add Filter", pick the filter, pick a value in its drop-down, "Apply"."""
    page.wait_for_load_state("load")  # the drop-down's script is bound once the page has loaded
    toggle = page.locator("a.nav-link:has-text('Add Filter')")
    item = page.locator(f".field-filters a.filter:text-is('{name}')")
    for _attempt in range(3):  # a click that lands while the page settles may not open the drop-down
        toggle.click()
        try:
            item.wait_for(state="visible", timeout=3000)
            break
        except PlaywrightTimeoutError:
            continue
    item.click()
    row = page.locator("#filter_form table.filters tr").last
    row.locator(".select2-container").last.click()
    page.locator(".select2-drop-active .select2-result-label").filter(
        has_text=re.compile(rf"^{re.escape(choice)}$")).click()
    page.click("#filter_form button[type=submit]")
    page.wait_for_load_state()


def _mappings(tmp_path: Path) -> Path:
    """The repository's mapping files where the live panel reads them (its working folder's ``mappings``)."""
    shutil.copytree(REPO_MAPPINGS, tmp_path / "mappings")
    return tmp_path / "mappings"


def test_an_accountant_edits_a_status_mapping_in_the_table_reviews_the_diff_and_saves_one_line(
        live: Live, page: Page, tmp_path: Path) -> None:
    mappings = _mappings(tmp_path)
    before = (mappings / "kaspi.yaml").read_text()
    live.login(page, "anna")
    page.click("a.nav-link:has-text('Mappings')")
    page.click("#marketplace-files a:has-text('kaspi.yaml')")
    expect(page.locator("#mapping-tabs .active")).to_have_text(re.compile("Statuses"))
    cancelled = page.locator("#statuses-outbound tr[data-key='cancelled']")
    expect(cancelled.locator("select[name$='-reason']")).to_have_value("MERCHANT_OUT_OF_STOCK")
    cancelled.locator("select[name$='-reason']").select_option("BUYER_NOT_REACHABLE")
    page.click("#review")
    expect(page.locator("#review-changes")).to_have_text(
        "statuses.outbound.cancelled: reason MERCHANT_OUT_OF_STOCK → BUYER_NOT_REACHABLE")
    expect(page.locator("#review-lines")).to_contain_text("+      reason: BUYER_NOT_REACHABLE")
    assert (mappings / "kaspi.yaml").read_text() == before  # nothing written by the review
    page.fill("#save-message", "buyers do not answer")
    page.click("#save")
    expect(page.locator(".alert-success")).to_contain_text("kaspi.yaml saved as version 2 (1 changes).")
    expect(page.locator("#file-version")).to_have_text("version 2")
    changed = [line for line in difflib.unified_diff(before.splitlines(), (mappings / "kaspi.yaml").read_text()
                                                     .splitlines(), lineterm="", n=0)
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed == [
        "-version: 1", "+version: 2",
        "-      reason: MERCHANT_OUT_OF_STOCK        # Kaspi requires a reason; out of stock is why we cancel most.",
        "+      reason: BUYER_NOT_REACHABLE          # Kaspi requires a reason; out of stock is why we cancel most.",
    ]
    page.click("#history-link")
    expect(page.locator("#revisions tbody tr").first).to_contain_text("buyers do not answer")


def test_a_category_is_found_in_the_marketplaces_tree_and_set_with_a_click(
        live: Live, page: Page, tmp_path: Path) -> None:
    mappings = _mappings(tmp_path)
    with live.database.session() as session:
        add_kaspi_tree(session)
        add_local_tree(session, "Дитячі товари", "Канцтовари", "Блокноти")
        session.add(MarketplaceCategory(marketplace="kaspi", code="Master - Notebooks", title="Блокноты"))
    live.login(page, "anna")
    page.goto(f"{live.url}/admin/mappings/categories/kaspi.yaml")
    row = page.locator("#categories tr[data-path='Дитячі товари / Канцтовари / Блокноти']")
    row.locator("input[data-category-target]").click()
    expect(page.locator("#category-query")).to_have_value("Блокноти")  # the search starts from the row's name
    page.fill("#category-query", "блокн")
    page.click("#category-results a[data-code='Master - Notebooks']")
    expect(row.locator("input[data-category-target]")).to_have_value("Master - Notebooks")
    page.click("#review")
    expect(page.locator("#review-changes")).to_contain_text("added Master - Notebooks")
    page.click("#save")
    expect(page.locator(".alert-success")).to_contain_text("kaspi.yaml saved as version 2")
    assert "\n  Дитячі товари / Канцтовари / Блокноти: Master - Notebooks\n" in (mappings / "kaspi.yaml").read_text()


def test_run_now_renders_a_shops_feed_and_a_failed_run_runs_again(live: Live, page: Page, tmp_path: Path) -> None:
    _mappings(tmp_path)
    catalog = Catalog(live.database, live.secret_key)
    catalog.product("KETTLE-1")
    shop = catalog.shop("ua-prom", "prom", {})  # no company, no url: the first render fails
    live.login(page, "anna")
    page.click("tr[data-shop='ua-prom'] form[data-kind='render_feed'] button")
    expect(page.locator(".alert-danger")).to_contain_text("Render the feed for ua-prom: failed.")
    with live.database.session() as session:
        update_shop(session, session.get(Shop, shop.id), secret_key=live.secret_key, settings=YML_SETTINGS)
    page.click("a.dropdown-toggle:has-text('Sync log')")
    page.click("a.dropdown-item:has-text('Runs')")
    page.locator("table.model-list tbody tr").first.locator("a[title='View Record']").click()
    page.click("#run-again button")
    expect(page.locator(".alert-success")).to_contain_text("Render the feed for ua-prom: success.")
    expect(page.locator("#run-again")).to_have_count(1)  # the page of the run that failed keeps its button
    page.click("a.nav-link:has-text('Dashboard')")
    expect(page.locator("tr[data-shop='ua-prom'] td.shop-feed")).to_contain_text("last render: success")
    expect(page.locator("tr[data-shop='ua-prom'] td.shop-feed")).to_contain_text("1 offer")
