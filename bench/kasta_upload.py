"""Kasta upload throughput: N products of one mapped category read from the accounting database, checked,
turned into Kasta submits of at most 500, sent to the Kasta sandbox over HTTP (which checks each one
against the category's schema), polled to their result and written back to the listings — the
``upload_catalog`` job as a worker runs it. Prints products/s and the requests made.

    .venv/bin/python bench/kasta_upload.py [--products 2000] [--database URL] [--photos shared|each]

Defaults: a temporary SQLite database; one photo shared by all products (``each`` gives every product its
own photo, so the store-the-photo requests and the connector's rate limit of 10 requests a second
dominate).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from erpsync.core.config import Settings  # noqa: E402
from erpsync.jobs.runner import run_inline  # noqa: E402
from erpsync.models import Listing  # noqa: E402
from erpsync.models.db import Database, upgrade  # noqa: E402
from erpsync.sandbox.kasta import KastaSandbox  # noqa: E402
from erpsync.sync.shops import add_shop  # noqa: E402
from tests.sync.catalog_fixtures import KASTA_CATALOG_MAPPING, KASTA_TOKEN, add_clothes  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--database", help="ERPSYNC_DATABASE_URL (default: a temporary SQLite file)")
    parser.add_argument("--photos", choices=("shared", "each"), default="shared")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="erpsync-bench-"))
    url = args.database or f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    database = Database(url)
    mappings = folder / "mappings"
    mappings.mkdir()
    for path in (ROOT / "mappings").glob("*.yaml"):
        (mappings / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    kasta = (mappings / "kasta.yaml").read_text(encoding="utf-8")
    (mappings / "kasta.yaml").write_text(kasta.replace("categories: {}\ncharacteristics: {}\n",
                                                       KASTA_CATALOG_MAPPING), encoding="utf-8")
    key = Fernet.generate_key().decode()
    config = Settings(database_url=url, redis_url=None, mappings_dir=mappings, feed_dir=folder / "feeds",
                      secret_key=key)
    with KastaSandbox(credentials={"token": KASTA_TOKEN}, orders=0, moderation_seconds=None) as sandbox:
        with database.session() as session:
            shop_id = add_shop(session, name="bench-kasta", marketplace="kasta", secret_key=key,
                               base_url=sandbox.base_url, credentials={"token": KASTA_TOKEN},
                               settings={"photo_base_url": "https://bench.example/img"}).id
        add_clothes(database, shop_id, args.products, photo="shared.jpg" if args.photos == "shared" else None)
        run_inline("categories", shop_id, database=database, config=config)
        sandbox.clear_requests()
        started = time.perf_counter()
        outcome = run_inline("upload_catalog", shop_id, {"poll_seconds": 0.2}, database=database, config=config)
        elapsed = time.perf_counter() - started
        requests = Counter(f"{r.method} {r.path.removeprefix('/api/')}" for r in sandbox.requests)
    with database.session() as session:
        states = Counter(session.scalars(select(Listing.state)))
    print(f"database: {url.split('://')[0]}; products: {args.products}; photos: {args.photos}")
    print(f"upload_catalog: {outcome.status} in {elapsed:.1f} s — {args.products / elapsed:.0f} products/s")
    print(f"listings: {dict(states)}; batches: {outcome.result.get('batches') if outcome.result else '?'}")
    for request, count in sorted(requests.items()):
        print(f"  {count:6d}  {request}")


if __name__ == "__main__":
    main()
