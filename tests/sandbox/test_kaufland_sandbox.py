"""The Kaufland sandbox speaks Kaufland's contract, checked with plain HTTP (not through our connector)."""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from erpsync.marketplaces.kaufland import signing
from erpsync.sandbox import sandbox_class
from erpsync.sandbox.kaufland import KauflandSandbox

KEY, SECRET = "client-key-1", "secret-key-1"
SEED = Path(__file__).resolve().parents[1] / "fixtures" / "kaufland" / "sandbox"


@pytest.fixture
def sandbox() -> Iterator[KauflandSandbox]:
    with KauflandSandbox(credentials={"client_key": KEY, "secret_key": SECRET}, orders=3, random_seed=1) as server:
        yield server


def call(sandbox: KauflandSandbox, method: str, path: str, body: Any = None, *, secret: str = SECRET,
         stamp: int | None = None, headers: dict[str, str] | None = None) -> httpx.Response:
    url = f"{sandbox.base_url}/{path}"
    text = json.dumps(body) if body is not None else ""
    stamp = int(time.time()) if stamp is None else stamp
    signed = {"Shop-Client-Key": KEY, "Shop-Timestamp": str(stamp), "Accept": "application/json",
              "Shop-Signature": signing.sign(secret, method, url, text, stamp)}
    if headers is not None:
        signed = headers
    return httpx.request(method, url, content=text.encode() if text else None, headers=signed)


def test_the_sandbox_is_found_by_its_marketplace_name() -> None:
    assert sandbox_class("kaufland") is KauflandSandbox


def test_a_request_without_the_signature_headers_is_a_401_with_kauflands_problem_body(sandbox: KauflandSandbox) -> None:
    answer = call(sandbox, "GET", "units?storefront=de", headers={"Accept": "application/json"})
    assert answer.status_code == 401
    body = answer.json()
    assert body["type"] == "/problems/missing-or-invalid-request-header" and "Shop-Signature" in body["message"]
    assert body["errors"] == []


def test_a_wrong_signature_is_a_401_corrupted_signature(sandbox: KauflandSandbox) -> None:
    answer = call(sandbox, "GET", "units?storefront=de", secret="not-the-secret")
    assert answer.status_code == 401 and answer.json()["type"] == "/problems/corrupted-signature"
    assert call(sandbox, "GET", "units?storefront=de").status_code == 200


def test_a_signature_over_another_query_does_not_pass(sandbox: KauflandSandbox) -> None:
    url = f"{sandbox.base_url}/units?storefront=de"
    stamp = int(time.time())
    headers = {"Shop-Client-Key": KEY, "Shop-Timestamp": str(stamp),
               "Shop-Signature": signing.sign(SECRET, "GET", url, "", stamp)}
    assert httpx.get(f"{sandbox.base_url}/units?storefront=cz", headers=headers).status_code == 401


def test_a_timestamp_ten_minutes_off_is_refused_and_the_date_header_shows_the_servers_time(
        sandbox: KauflandSandbox) -> None:
    answer = call(sandbox, "GET", "units?storefront=de", stamp=int(time.time()) - 600)
    assert answer.status_code == 401
    assert answer.json()["errors"][0]["field"] == "Shop-Timestamp"
    server_time = email.utils.parsedate_to_datetime(answer.headers["Date"]).timestamp()
    assert abs(server_time - time.time()) < 5


def test_endpoints_that_need_a_storefront_refuse_a_request_without_one(sandbox: KauflandSandbox) -> None:
    answer = call(sandbox, "GET", "units")
    assert answer.status_code == 400 and answer.json()["type"] == "/problems/storefront-not-configured"


def test_an_import_file_kaufland_cannot_download_fails_and_stays_failed(sandbox: KauflandSandbox) -> None:
    registered = call(sandbox, "POST", "product-data/import-files", {"url": "http://127.0.0.1:9/nothing.csv"})
    import_id = registered.json()["data"]["id_import_file"]
    states = [call(sandbox, "GET", f"product-data/import-files/{import_id}").json()["data"] for _ in range(2)]
    assert registered.json()["data"]["status"] == "NEW"
    assert [s["status"] for s in states] == ["DOWNLOADING_FAILED", "DOWNLOADING_FAILED"]
    assert states[0]["note"].startswith("Could not download http://127.0.0.1:9/nothing.csv")
    refused = call(sandbox, "POST", "import-files/inventory-feed?storefront=de", {"url": "ftp://x/y.csv"})
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "url"


def test_a_report_moves_from_new_to_done_and_its_file_is_served(sandbox: KauflandSandbox) -> None:
    report = call(sandbox, "POST", "reports/account-listing?storefront=de")
    assert report.status_code == 202
    report_id = report.json()["data"]["id_report"]
    states = [call(sandbox, "GET", f"reports/{report_id}").json()["data"] for _ in range(2)]
    assert [s["status"] for s in states] == ["processing", "done"]
    url = states[-1]["url"]
    assert "/v2/" not in url and "/report_files/" in url  # outside the API, as on kaufland.de
    stamp = int(time.time())
    headers = {"Shop-Client-Key": KEY, "Shop-Timestamp": str(stamp),
               "Shop-Signature": signing.sign(SECRET, "GET", url, "", stamp)}
    download = httpx.get(url, headers=headers)
    assert download.status_code == 200 and download.text.startswith("id_unit;ean;id_offer;listing_price")


def test_a_bulk_update_over_150_units_or_naming_a_unit_twice_fails_whole(sandbox: KauflandSandbox) -> None:
    unit_id = next(iter(sandbox.kaufland.units))
    too_many = [{"id_unit": i, "unit_data": {"amount": 1}} for i in range(151)]
    assert call(sandbox, "POST", "units/bulk?storefront=de", too_many).json()["type"] == \
        "/problems/units/bulk-too-many-units"
    twice = [{"id_unit": unit_id, "unit_data": {"amount": 1}}] * 2
    assert call(sandbox, "POST", "units/bulk?storefront=de", twice).json()["type"] == \
        "/problems/units/bulk-duplicate-units"
    answer = call(sandbox, "POST", "units/bulk?storefront=de", [{"id_unit": unit_id, "unit_data": {"amount": 4}}])
    assert answer.status_code == 207 and answer.json()["data"][0]["status_code"] == 200


def test_seeded_from_kauflands_own_payloads(tmp_path: Path) -> None:
    with KauflandSandbox(credentials={"client_key": KEY, "secret_key": SECRET}, seed_dir=SEED) as seeded:
        order = call(seeded, "GET", "orders/MB7UWLD").json()["data"]
        assert [u["status"] for u in order["order_units"]] == ["sent", "need_to_be_sent"]
        assert order["buyer"]["email"] == "buyer@dev.com"
        assert call(seeded, "GET", "return-units").json()["pagination"]["total"] == 1
        assert call(seeded, "GET", "tickets").json()["data"][0]["id_ticket"] == "0011234567"
        assert call(seeded, "GET", "units?storefront=de&id_offer=AB-120").json()["pagination"]["total"] == 1


def test_generated_data_repeats_with_the_same_seed() -> None:
    def orders(seed: int) -> list[str]:
        with KauflandSandbox(credentials={"client_key": KEY, "secret_key": SECRET}, orders=4, random_seed=seed) as s:
            return sorted(s.kaufland.orders)

    assert orders(3) == orders(3) != orders(4)
