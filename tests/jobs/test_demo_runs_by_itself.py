"""The "done when" of running by itself, end to end with real processes: the demo shops on a sample
catalog, ``erpsync demo serve`` keeping their sandboxes up, and either ``erpsync run`` (SQLite, no
Redis) or ``erpsync scheduler`` + ``erpsync worker`` (PostgreSQL, Redis). With no command typed, every
demo shop that lists orders gets its sandbox's orders imported; an ``erpsync stock set`` typed
meanwhile reaches the Prom sandbox through the outbox."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from erpsync.demo.feeds import ensure_demo_feed_shops
from erpsync.models import Order, Product, Shop
from erpsync.models.db import Database
from erpsync.sync.order_import import lists_orders

ROOT = Path(__file__).resolve().parents[2]
ERPSYNC = [str(Path(sys.executable).parent / "erpsync")]  # the console script of the test's environment
DEADLINE = 90.0

pytestmark = pytest.mark.slow


class Processes:
    """Background ``erpsync`` processes of one test, stopped (SIGTERM, then SIGKILL) at its end."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env = env
        self.cwd = cwd
        self.running: list[tuple[str, subprocess.Popen[bytes], Path]] = []

    def run(self, *args: str) -> str:
        done = subprocess.run([*ERPSYNC, *args], env=self.env, cwd=self.cwd, capture_output=True, timeout=300)
        output = done.stdout.decode() + done.stderr.decode()
        assert done.returncode == 0, f"erpsync {' '.join(args)} exited {done.returncode}:\n{output}"
        return output

    def start(self, *args: str) -> Path:
        log = self.cwd / f"{args[0]}-{len(self.running)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen([*ERPSYNC, *args], env=self.env, cwd=self.cwd, stdout=out,
                                       stderr=subprocess.STDOUT)
        self.running.append((" ".join(args), process, log))
        return log

    def check_alive(self) -> None:
        for name, process, log in self.running:
            assert process.poll() is None, f"erpsync {name} ended ({process.returncode}):\n{log.read_text()[-3000:]}"

    def logs(self) -> str:
        return "\n".join(f"--- erpsync {name}\n{log.read_text()[-4000:]}" for name, _, log in self.running)

    def stop(self) -> None:
        for _, process, _ in self.running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for _, process, _ in self.running:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def wait_for(what: str, check: Callable[[], Any], processes: Processes, deadline: float = DEADLINE) -> Any:
    ends = time.monotonic() + deadline
    while time.monotonic() < ends:
        processes.check_alive()
        found = check()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"{what} did not happen within {deadline:.0f} s\n{processes.logs()}")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "mappings", tmp_path / "mappings")  # the demo writes its shops' mapping files
    return tmp_path


def environment(database_url: str, secret_key: str, folder: Path, redis_url: str = "") -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ERPSYNC_")}
    env.update({"ERPSYNC_DATABASE_URL": database_url, "ERPSYNC_SECRET_KEY": secret_key,
                "ERPSYNC_MAPPINGS_DIR": str(folder / "mappings"), "ERPSYNC_FEED_DIR": str(folder / "feeds"),
                "ERPSYNC_REDIS_URL": redis_url, "PYTHONUNBUFFERED": "1"})
    return env


@pytest.fixture
def processes_of() -> Iterator[Callable[[dict[str, str], Path], Processes]]:
    started: list[Processes] = []

    def make(env: dict[str, str], cwd: Path) -> Processes:
        started.append(Processes(env, cwd))
        return started[-1]

    yield make
    for processes in started:
        processes.stop()


def demo_shops(database: Database, secret_key: str, folder: Path, processes: Processes) -> list[str]:
    """A sample catalog (``erpsync demo-data``) and the demo's shops, every product listed."""
    processes.run("demo-data", "--products", "40")
    ensure_demo_feed_shops(database, secret_key, folder / "mappings")
    with database.session() as session:
        return [s.name for s in session.scalars(select(Shop).order_by(Shop.name)) if lists_orders(s.marketplace)]


def orders_by_shop(database: Database) -> dict[str, int]:
    with database.session() as session:
        return dict(session.execute(select(Shop.name, func.count(Order.id)).join(Order, Order.shop_id == Shop.id)
                                    .group_by(Shop.name)).all())


def prom_root(database: Database) -> str:
    with database.session() as session:
        base_url = session.scalar(select(Shop.base_url).where(Shop.name == "demo-prom"))
    assert base_url is not None and base_url.startswith("http://127.0.0.1:")
    return base_url.removesuffix("/api/v1")


def stock_pushed(root: str, sku: str) -> list[int]:
    """Quantities the Prom sandbox received for ``sku``."""
    with urllib.request.urlopen(f"{root}/_sandbox/requests?mutating=1", timeout=5) as answer:
        requests = json.loads(answer.read())
    return [item["quantity_in_stock"] for r in requests if r["path"].endswith("/products/edit_by_external_id")
            for item in json.loads(r["body"]) if item.get("id") == sku and "quantity_in_stock" in item]


def keeps_demo_shops_in_sync(database: Database, secret_key: str, folder: Path, processes: Processes,
                             *runners: tuple[str, ...]) -> None:
    importing = demo_shops(database, secret_key, folder, processes)
    assert {"demo-kaspi", "demo-prom", "demo-satu", "demo-rozetka", "demo-zakupka", "demo-kaufland"} <= set(importing)
    serve = processes.start("demo", "serve", "--port-base", "0")
    wait_for("demo serve pointing the shops at their sandboxes", lambda: "Ctrl-C stops" in serve.read_text(),
             processes, 60)
    for runner in runners:
        processes.start(*runner)
    counts = wait_for("orders of every demo shop imported",
                      lambda: (found := orders_by_shop(database)) and set(importing) <= set(found) and found,
                      processes)
    assert all(counts[name] > 0 for name in importing)

    with database.session() as session:
        sku = session.scalar(select(Product.sku).where(Product.is_active.is_(True), Product.track_stock.is_(True))
                             .order_by(Product.id).limit(1))
    assert sku is not None
    root = prom_root(database)
    wait_for("the first stock pass to the Prom sandbox", lambda: stock_pushed(root, sku), processes)
    output = processes.run("stock", "set", sku, "37", "--warehouse", "MAIN")
    free = int(re.search(r"\((\d+) free in all warehouses\)", output).group(1))  # type: ignore[union-attr]
    queued = output.split("push queued for", 1)[1].split("(", 1)[0]
    assert "demo-prom" in queued and "demo-satu" in queued and "demo-kaspi" not in queued  # Kaspi: from its feed
    wait_for(f"{sku}'s new stock ({free}) in the Prom sandbox", lambda: stock_pushed(root, sku)[-1] == free, processes)


def test_erpsync_run_keeps_the_demo_shops_in_sync_without_redis(
    secret_key: str, folder: Path, processes_of: Callable[[dict[str, str], Path], Processes]
) -> None:
    url = f"sqlite:///{folder / 'erpsync.db'}"
    processes = processes_of(environment(url, secret_key, folder), folder)
    processes.run("db", "upgrade")
    database = Database(url)
    try:
        keeps_demo_shops_in_sync(database, secret_key, folder, processes, ("run",))
    finally:
        database.dispose()


def test_scheduler_and_worker_keep_the_demo_shops_in_sync_on_postgresql(
    pg_database: Database, redis_url: str, secret_key: str, folder: Path,
    processes_of: Callable[[dict[str, str], Path], Processes]
) -> None:
    processes = processes_of(environment(pg_database.url, secret_key, folder, redis_url), folder)
    keeps_demo_shops_in_sync(pg_database, secret_key, folder, processes, ("scheduler",), ("worker",))
