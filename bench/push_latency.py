"""Push latency: from the commit of an outbox row to the marketplace receiving the push, through the
real machinery — ``erpsync scheduler`` (outbox dispatch every second), ``erpsync worker`` (RQ), the
outbox claim and a handler POSTing over HTTP — measured one change at a time. Prints median, p95, max.

The receiving end is a small HTTP server on 127.0.0.1 standing in for a marketplace sandbox (the
handler is ``bench/latency_handler.py``).

    .venv/bin/python bench/push_latency.py [--samples 40] [--database URL] [--redis URL] [--no-fork]

Defaults: a temporary SQLite database and Redis database 14 on 127.0.0.1, which is FLUSHED first —
never point --redis at a Redis database in use.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography.fernet import Fernet
from redis import Redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from erpsync.models import Shop  # noqa: E402
from erpsync.models.db import Database, upgrade  # noqa: E402
from erpsync.sync.outbox import write_outbox  # noqa: E402

ARRIVALS: dict[int, float] = {}
ARRIVED = threading.Condition()


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        now = time.time()
        with ARRIVED:
            for item in body:
                ARRIVALS.setdefault(item["n"], now)
            ARRIVED.notify_all()
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def start(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


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
    with database.session() as session:
        shop = Shop(name=f"bench-{os.getpid()}", marketplace="kaspi", base_url="http://127.0.0.1")
        session.add(shop)
        session.flush()
        shop_id = shop.id
    Redis.from_url(args.redis).flushdb()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    receiver = f"http://127.0.0.1:{server.server_port}/stock"

    env = {**os.environ, "ERPSYNC_DATABASE_URL": url, "ERPSYNC_REDIS_URL": args.redis,
           "ERPSYNC_SECRET_KEY": Fernet.generate_key().decode(), "ERPSYNC_JOB_MODULES": "latency_handler",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), str(ROOT)])}
    erpsync = str(Path(sys.executable).parent / "erpsync")
    worker_command = [erpsync, "worker", "--queues", "push"] + (["--no-fork"] if args.no_fork else [])
    processes = [start(worker_command, env), start([erpsync, "scheduler"], env)]
    latencies: list[float] = []
    try:
        time.sleep(2)  # both processes up
        for n in range(args.samples):
            with database.session() as session:
                write_outbox(session, shop_id=shop_id, kind="bench_stock", dedupe_key=f"stock:{n}",
                             payload={"n": n, "url": receiver, "quantity": n})
            committed = time.time()
            with ARRIVED:
                if not ARRIVED.wait_for(lambda n=n: n in ARRIVALS, timeout=15):
                    raise SystemExit(f"change {n} never arrived")
            latencies.append(ARRIVALS[n] - committed)
            time.sleep(random.uniform(0.1, 1.1))  # land anywhere in the dispatcher's second
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)
        server.shutdown()
        database.dispose()

    latencies.sort()
    p95 = latencies[max(round(0.95 * len(latencies)) - 1, 0)]
    backend = url.split(":", 1)[0]
    worker = "no-fork" if args.no_fork else "forking"
    print(f"push latency, outbox commit → marketplace receives ({backend}, {worker} worker, {len(latencies)} changes):")
    print(f"  median {statistics.median(latencies) * 1000:.0f} ms   p95 {p95 * 1000:.0f} ms   "
          f"max {latencies[-1] * 1000:.0f} ms   min {latencies[0] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
