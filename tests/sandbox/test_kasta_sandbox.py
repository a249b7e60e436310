"""The Kasta sandbox as a client sees it over HTTP: Kasta's paths, token and error bodies, refusals,
seeding from files in Kasta's format, and the ``erpsync sandbox kasta`` command."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from erpsync.sandbox import sandbox_class
from erpsync.sandbox.kasta import KastaSandbox
from erpsync.sandbox.kasta_store import ProductRecord

TOKEN = "sandbox-test-token"
SEED_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "kasta" / "sandbox"
ERPSYNC = str(Path(sys.executable).with_name("erpsync"))


@pytest.fixture
def server() -> Iterator[KastaSandbox]:
    with KastaSandbox(credentials={"token": TOKEN}, orders=3, random_seed=3, moderation_seconds=None) as sandbox:
        yield sandbox


def _get(server: KastaSandbox, path: str, token: str | None = TOKEN, **params: str) -> httpx.Response:
    headers = {"Authorization": token} if token is not None else {}
    return httpx.get(f"{server.base_url}/{path}", params=params, headers=headers)


def _post(server: KastaSandbox, path: str, body: object, token: str = TOKEN) -> httpx.Response:
    return httpx.post(f"{server.base_url}/{path}", json=body, headers={"Authorization": token})


def test_kasta_is_found_by_name_and_serves_under_api() -> None:
    assert sandbox_class("kasta") is KastaSandbox
    assert KastaSandbox.prefix == "/api"


@pytest.mark.parametrize("token", [None, "wrong", f"Bearer {TOKEN}"])
def test_a_missing_wrong_or_bearer_token_is_401_with_kastas_message(server: KastaSandbox, token: str | None) -> None:
    answer = _get(server, "products/list", token=token)
    assert answer.status_code == 401
    assert answer.json() == {"message": "Authentication failed: the token is missing or wrong"}


def test_the_category_tree_and_an_unknown_category(server: KastaSandbox) -> None:
    tree = _get(server, "supplier-content/category/all").json()
    assert [group["affiliation_id"] for group in tree["items"]] == [2098, 3150, 4200]
    details = _get(server, "supplier-content/category/details", kind_id="31", affiliation_id="2098").json()
    assert [entry["key_name"] for entry in details["schema"]][:2] == ["1", "3"]
    missing = _get(server, "supplier-content/category/details", kind_id="1", affiliation_id="2098")
    assert missing.status_code == 404 and "is not found" in missing.json()["message"]
    assert _get(server, "supplier-content/category/details", kind_id="31").status_code == 400


def test_a_submit_is_checked_product_by_product_and_polled_to_its_result(server: KastaSandbox) -> None:
    photo = _post(server, "supplier-content/submit/image", {"url": "https://shop.example.ua/p/1.jpg"}).json()["path"]
    product = {
        "code": "A-1", "barcode": ["A-1"], "name_uk": "Сорочка", "brand": "Twice", "description_uk": "Опис",
        "images": [photo], "old_price": 1990, "new_price": 1790, "stock": 1, "size": "44",
        "characteristics": [{"key_name": "1", "data": {"ids": [787]}}, {"key_name": "3", "data": {"ids": [675]}},
                            {"key_name": "13", "data": {"ids": [75458]}}, {"key_name": "14", "data": {"ids": [75928]}},
                            {"key_name": "kasta_size", "data": {"sizes": {"kasta_size": 149357}}}],
    }
    broken = {**product, "code": "A-2", "images": ["https://elsewhere.example/x.jpg"], "new_price": 2500,
              "characteristics": product["characteristics"][1:]}
    upload = _post(server, "supplier-content/submit/products",
                   {"kind_id": 31, "affiliation_id": 2098, "update": True, "data": [product, broken]}).json()
    first = _get(server, "supplier-content/submit/status", upload_id=upload["upload_id"]).json()
    assert first == {"upload_id": upload["upload_id"], "status": "processing"}
    done = _get(server, "supplier-content/submit/status", upload_id=upload["upload_id"]).json()
    assert done["status"] == "done"
    accepted, refused = done["items"]
    assert accepted["status"] == "created" and accepted["unique_sku_id"].startswith("ksku_")
    assert refused["errors"] == ["images: https://elsewhere.example/x.jpg was not uploaded through submit/image",
                                 "old_price must not be below new_price",
                                 "characteristic 1 (Країна-виробник) is required"]
    assert _get(server, "supplier-content/submit/status", upload_id="nope").status_code == 404


def test_a_submit_of_more_than_500_and_a_body_that_is_not_json_are_refused(server: KastaSandbox) -> None:
    too_many = _post(server, "supplier-content/submit/products",
                     {"kind_id": 31, "affiliation_id": 2098, "data": [{"code": str(n)} for n in range(501)]})
    assert too_many.status_code == 400
    assert too_many.json()["message"] == "At most 500 products can be submitted at once (got 501)"
    not_json = httpx.post(f"{server.base_url}/supplier-content/submit/products", content=b"kind_id=31",
                          headers={"Authorization": TOKEN, "Content-Type": "application/x-www-form-urlencoded"})
    assert not_json.status_code == 415


def test_products_page_along_a_cursor_and_a_forged_cursor_is_refused(server: KastaSandbox) -> None:
    for n in range(105):
        fields = {"code": f"B-{n}", "barcode": [f"B-{n}"]}
        server.kasta.products[f"ksku_{n:04}"] = ProductRecord(f"ksku_{n:04}", 31, 2098, fields, status="active")
    first = _get(server, "products/list").json()
    second = _get(server, "products/list", cursor=first["cursor"]).json()
    assert (len(first["items"]), len(second["items"]), second["cursor"]) == (100, 5, None)
    assert _get(server, "products/list", barcode="B-7").json()["items"][0]["code"] == "B-7"
    assert _get(server, "products/list", cursor="!!").status_code == 400


def test_orders_are_generated_and_filtered_by_from(server: KastaSandbox) -> None:
    everything = _get(server, "orders/list", limit="100").json()
    assert len(everything["items"]) == 3 and everything["remains"] == 0
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert _get(server, "orders/list", **{"from": later}).json()["items"] == []
    assert _get(server, "orders/list", limit="500").status_code == 400


def test_moderation_through_the_test_api(server: KastaSandbox) -> None:
    server.kasta.products["ksku_1"] = ProductRecord("ksku_1", 31, 2098, {"code": "M-1", "barcode": ["M-1"]})
    refused = _post(server, "products/update-stock", {"items": [{"barcode": "M-1", "stock": 2}]}).json()
    message = "the product is on moderation (New products): stock and prices cannot change yet"
    assert refused == {"updated": 0, "errors": [{"barcode": "M-1", "message": message}]}
    moved = httpx.post(f"{server.url}/_sandbox/moderate", json={"codes": ["M-1"], "status": "active"}).json()
    assert moved == {"moderated": ["M-1"]}
    assert _post(server, "products/update-stock", {"items": [{"barcode": "M-1", "stock": 2}]}).json() == {
        "updated": 1, "errors": []}
    prices = _post(server, "products/update-price",
                   {"items": [{"barcode": "M-1", "old_price": 900, "new_price": 990, "promo_price": None}]}).json()
    assert prices["errors"][0]["message"] == "old_price must not be below new_price"


def test_seeding_from_files_in_kastas_format() -> None:
    with KastaSandbox(credentials={"token": TOKEN}, seed_dir=SEED_DIR) as seeded:
        tree = _get(seeded, "supplier-content/category/all").json()
        assert [g["affiliation_id"] for g in tree["items"]] == [2098, 4200]
        assert _get(seeded, "supplier-content/category/details", kind_id="45", affiliation_id="2098").status_code \
            == 404
        products = _get(seeded, "products/list").json()["items"]
        assert [(p["code"], p["status"]) for p in products] == [("TW-1104-BL-39", "new"), ("TW-1104-BL-40", "active"),
                                                                (None, "rejected")]
        orders = _get(seeded, "orders/list", limit="10").json()["items"]
        assert {o["id"] for o in orders} == {"84512376", "84512990"}


def test_sandbox_command_serves_kasta_on_the_printed_url_until_interrupted() -> None:
    command = [ERPSYNC, "sandbox", "kasta", "--port", "0", "--token", "cli-token", "--orders", "2",
               "--random-seed", "4"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        match = re.search(r"Kasta sandbox serving (http://127\.0\.0\.1:\d+/api) \(credentials: token=cli-token\)",
                          process.stdout.readline())
        assert match
        base_url = match.group(1)
        assert httpx.get(f"{base_url}/orders/list").status_code == 401
        orders = httpx.get(f"{base_url}/orders/list", headers={"Authorization": "cli-token"}).json()
        assert len(orders["items"]) == 2
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "GET /api/orders/list → 401" in output
