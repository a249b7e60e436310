"""Credentials never leak: a shop of every marketplace with an API runs its order import as an RQ job on the
real Redis against its sandbox, once refused (the sandbox expects other credentials) and once failing (every
request answers HTTP 500). Then each secret (and its base64 form) is looked for in the Python log records,
the sync log (runs, events, payloads), every job's data in Redis (decompressed), and the panel's pages of
the log and of the shops: it is in none of them. Feed tokens are long and random."""

from __future__ import annotations

import base64
import logging
import secrets
import zlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from rq import SimpleWorker
from sqlalchemy import select

from erpsync.admin import create_app
from erpsync.core.config import Settings
from erpsync.jobs.queues import all_queues, enqueue
from erpsync.models import Shop, SyncEvent, SyncRun
from erpsync.models.db import Database
from erpsync.models.integration import new_feed_token, token_shaped
from erpsync.sandbox.base import Faults
from erpsync.sandbox.horoshop import HoroshopSandbox
from erpsync.sandbox.kaspi import KaspiSandbox
from erpsync.sandbox.kasta import KastaSandbox
from erpsync.sandbox.kaufland import KauflandSandbox
from erpsync.sandbox.prom import PromSandbox
from erpsync.sandbox.rozetka import RozetkaSandbox
from erpsync.sandbox.zakupka import ZakupkaSandbox
from erpsync.sync.shops import add_shop
from tests.admin.conftest import PanelClient
from tests.admin.factories import make_users


@dataclass(frozen=True)
class Market:
    name: str
    sandbox: Callable[..., Any]
    credentials: Callable[[str], dict[str, str]]  # the shop's credentials, made of a unique secret
    settings: dict[str, Any]


MARKETS = [
    Market("kaspi", KaspiSandbox, lambda s: {"token": s}, {}),
    Market("prom", PromSandbox, lambda s: {"token": s}, {}),
    Market("rozetka", RozetkaSandbox, lambda s: {"username": "seller", "password": s}, {}),
    Market("kasta", KastaSandbox, lambda s: {"token": s}, {}),
    Market("horoshop", HoroshopSandbox, lambda s: {"username": "api", "password": s}, {}),
    Market("kaufland", KauflandSandbox, lambda s: {"client_key": "ck" + s[:30], "secret_key": s}, {"storefront": "de"}),
]


def _secret(marketplace: str) -> str:
    return f"LEAK{marketplace.upper()}{secrets.token_hex(12)}"


def _forms(secret: str) -> list[str]:
    """The secret as it could show up: itself, in base64 (Rozetka's login), a long piece of it."""
    return [secret, base64.b64encode(secret.encode()).decode(), secret[4:24]]


@pytest.fixture
def redis(redis_url: str) -> Iterator[Redis]:
    connection = Redis.from_url(redis_url)
    yield connection
    connection.close()


def _redis_dump(redis: Redis) -> bytes:
    """Every value in the test's Redis database; RQ job data decompressed."""
    dump = []
    for key in redis.scan_iter(count=1000):
        kind = redis.type(key).decode()
        values: list[bytes] = [key]
        if kind == "string":
            values.append(redis.get(key) or b"")
        elif kind == "hash":
            for field, value in redis.hgetall(key).items():
                values += [field, value]
                if field == b"data":
                    with suppress(zlib.error):
                        values.append(zlib.decompress(value))
        elif kind == "list":
            values += redis.lrange(key, 0, -1)
        elif kind == "set":
            values += list(redis.smembers(key))
        elif kind == "zset":
            values += [member for member, _score in redis.zrange(key, 0, -1, withscores=True)]
        dump += values
    return b"\n".join(dump)


def _panel_pages(database: Database, settings: Settings, tmp_path: Path) -> str:
    make_users(database)
    client = PanelClient(create_app(settings, database).test_client())
    assert client.login("boss").status_code == 302
    with database.session() as session:
        runs = list(session.scalars(select(SyncRun.id)))
        events = list(session.scalars(select(SyncEvent.id)))
        shops = list(session.scalars(select(Shop.id)))
    urls = ["/admin/log/runs/", "/admin/log/events/", "/admin/shops/", "/admin/"]
    urls += [f"/admin/log/runs/details/?id={i}" for i in runs]
    urls += [f"/admin/log/events/details/?id={i}" for i in events]
    urls += [f"/admin/shops/{i}/" for i in shops]
    pages = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        pages.append(response.text)
    return "\n".join(pages)


@pytest.mark.redis
@pytest.mark.parametrize("scenario", ["refused", pytest.param("failing", marks=pytest.mark.slow)])  # failing: retries
def test_no_secret_of_any_marketplace_shows_in_logs_sync_log_jobs_or_pages_after_a_failed_run(
    database: Database, job_env: Settings, redis: Redis, caplog: pytest.LogCaptureFixture, tmp_path: Path,
    secret_key: str, scenario: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    used: list[str] = []
    with ExitStack() as stack:
        for market in MARKETS:
            secret = _secret(market.name)
            used.append(secret)
            credentials = market.credentials(secret)
            if scenario == "refused":  # the sandbox expects its own default credentials
                sandbox = stack.enter_context(market.sandbox(orders=0, random_seed=3))
            else:  # the right credentials, but every API request fails
                sandbox = stack.enter_context(market.sandbox(credentials=credentials, orders=0, random_seed=3,
                                                             faults=Faults(fail_rate=1.0, seed=1)))
            with database.session() as session:
                shop = add_shop(session, name=f"{market.name}-{scenario}", marketplace=market.name,
                                secret_key=secret_key, base_url=sandbox.base_url, credentials=credentials,
                                settings={"order_lookback_days": 1, **market.settings})
                shop_id = shop.id
            enqueue(redis, "import_orders", shop_id)
        zakupka_secret = _secret("zakupka")
        used.append(zakupka_secret)
        zakupka = stack.enter_context(ZakupkaSandbox(orders=0, random_seed=3))
        with database.session() as session:  # the orders URL is the credential: a wrong one gets a 404
            shop = add_shop(session, name="zakupka-refused", marketplace="zakupka", secret_key=secret_key,
                            base_url=zakupka.base_url,
                            credentials={"orders_url": f"{zakupka.base_url}/api/1c/orders/{zakupka_secret}.xml"})
            zakupka_id = shop.id
        enqueue(redis, "import_orders", zakupka_id)
        SimpleWorker(all_queues(redis), connection=redis).work(burst=True, logging_level="DEBUG")
    with database.session() as session:
        runs = list(session.scalars(select(SyncRun)))
        events = list(session.scalars(select(SyncEvent)))
    assert len(runs) == len(MARKETS) + 1 and all(run.status == "failed" for run in runs), [
        (run.shop_id, run.status, run.message) for run in runs]
    sync_log = "\n".join(f"{r.message} {e.message} {e.payload}" for r in runs for e in events)
    python_log = caplog.text + "\n".join(str(record.__dict__) for record in caplog.records)
    jobs = _redis_dump(redis)
    assert b"import_orders" in jobs  # the jobs (and their failures) are there to look into
    pages = _panel_pages(database, job_env, tmp_path)
    for secret in used:
        for form in _forms(secret):
            assert form not in python_log, (f"{form} in the Python log", [
                (r.name, r.getMessage()[:200]) for r in caplog.records if form in r.getMessage()])
            assert form not in sync_log, f"{form} in the sync log"
            assert form.encode() not in jobs, f"{form} in Redis"
            assert form not in pages, f"{form} in a panel page"


def test_feed_tokens_are_long_random_and_url_safe() -> None:
    tokens = {new_feed_token() for _ in range(2000)}
    assert len(tokens) == 2000
    assert all(len(token) >= 32 and token_shaped(token) for token in tokens)
    # 24 random bytes: 192 bits; every position takes many values across tokens (no fixed prefix)
    assert all(len({token[i] for token in tokens}) > 40 for i in range(32))
    assert not token_shaped("") and not token_shaped("a\x00b") and not token_shaped("a" * 65)
