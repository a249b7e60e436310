"""Push latency: from the commit of an outbox row to the marketplace sandbox having the change,
through the real machinery — ``erpsync scheduler`` (outbox dispatch every second), ``erpsync worker``
(RQ), the outbox claim, and the Kaspi connector accepting an order in the Kaspi sandbox — measured
one change at a time. Prints median, p95, max.

    .venv/bin/python bench/push_latency.py [--samples 40] [--database URL] [--redis URL] [--no-fork]

Defaults: a temporary SQLite database and Redis database 14 on 127.0.0.1, which is FLUSHED first —
never point --redis at a Redis database in use. The handler is ``bench/latency_handler.py``.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cryptography.fernet import Fernet
from redis import Redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from erpsync.models.db import Database, upgrade  # noqa: E402
from erpsync.sandbox.kaspi import KaspiSandbox  # noqa: E402
from erpsync.sync.outbox import write_outbox  # noqa: E402
from erpsync.sync.shops import add_shop  # noqa: E402

TOKEN = "bench-token"


def start(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def accepted_after(sandbox: KaspiSandbox, order_id: str, committed: float, timeout: float = 15) -> float:
    while sandbox.order(order_id).status != "ACCEPTED_BY_MERCHANT":
        if time.time() - committed > timeout:
            raise SystemExit(f"order {order_id} was never accepted")
        time.sleep(0.002)
    return time.time() - committed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--database", help="ERPSYNC_DATABASE_URL (default: a temporary SQLite file)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--no-fork", action="store_true", help="the worker runs jobs in its own process")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="erpsync-bench-"))
    url = args.database or f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    database = Database(url)
    secret_key = Fernet.generate_key().decode()
    Redis.from_url(args.redis).flushdb()
    sandbox = KaspiSandbox(credentials={"token": TOKEN}, orders=0, random_seed=1).start()
    with database.session() as session:
        shop_id = add_shop(session, name=f"bench-{os.getpid()}", marketplace="kaspi", secret_key=secret_key,
                           base_url=sandbox.base_url, credentials={"token": TOKEN}).id

    env = {**os.environ, "ERPSYNC_DATABASE_URL": url, "ERPSYNC_REDIS_URL": args.redis,
           "ERPSYNC_SECRET_KEY": secret_key, "ERPSYNC_JOB_MODULES": "latency_handler",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), str(ROOT)])}
    erpsync = str(Path(sys.executable).parent / "erpsync")
    worker_command = [erpsync, "worker", "--queues", "push"] + (["--no-fork"] if args.no_fork else [])
    processes = [start(worker_command, env), start([erpsync, "scheduler"], env)]
    latencies: list[float] = []
    try:
        time.sleep(2)  # both processes up
        for _ in range(args.samples):
            order_id = sandbox.add_order()
            with database.session() as session:
                write_outbox(session, shop_id=shop_id, kind="bench_status", dedupe_key=f"status:{order_id}",
                             payload={"order_id": order_id, "code": sandbox.order(order_id).code})
            latencies.append(accepted_after(sandbox, order_id, time.time()))
            time.sleep(random.uniform(0.1, 1.1))  # land anywhere in the dispatcher's second
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)
        sandbox.stop()
        database.dispose()

    latencies.sort()
    p95 = latencies[max(round(0.95 * len(latencies)) - 1, 0)]
    backend = url.split(":", 1)[0]
    worker = "no-fork" if args.no_fork else "forking"
    print(f"push latency, outbox commit → Kaspi sandbox has the change ({backend}, {worker} worker, "
          f"{len(latencies)} changes):")
    print(f"  median {statistics.median(latencies) * 1000:.0f} ms   p95 {p95 * 1000:.0f} ms   "
          f"max {latencies[-1] * 1000:.0f} ms   min {latencies[0] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
