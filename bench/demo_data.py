"""Benchmark: how fast ``erpsync demo-data`` fills SQLite and PostgreSQL.

    .venv/bin/python bench/demo_data.py --products 100000 [--db sqlite|postgresql|both]

Prints products/s and rows/s per database. PostgreSQL uses the database ``ERPSYNC_BENCH_PG_DB``
(default ``erpsync_bench``; recreated) on the server of ``ERPSYNC_BENCH_PG_URL`` (default
postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from erpsync.demo.data import generate_catalog
from erpsync.models.db import Database, upgrade

PG_SERVER = os.environ.get("ERPSYNC_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")
PG_DB = os.environ.get("ERPSYNC_BENCH_PG_DB", "erpsync_bench")


def _pg_url() -> str:
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{PG_DB}"'))
    admin.dispose()
    return f"{PG_SERVER}/{PG_DB}"


def run(url: str, products: int) -> tuple[float, int]:
    upgrade(url)
    database = Database(url)
    started = time.perf_counter()
    summary = generate_catalog(database, products)
    elapsed = time.perf_counter() - started
    database.dispose()
    rows = summary.products + summary.photos + summary.characteristics + summary.prices + summary.stock_rows
    return elapsed, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    print(f"{'database':<12} {'products':>10} {'seconds':>9} {'products/s':>11} {'rows/s':>10}")
    with tempfile.TemporaryDirectory() as folder:
        targets = []
        if args.db in ("sqlite", "both"):
            targets.append(("sqlite", f"sqlite:///{Path(folder) / 'bench.db'}"))
        if args.db in ("postgresql", "both"):
            targets.append(("postgresql", _pg_url()))
        for name, url in targets:
            elapsed, rows = run(url, args.products)
            print(f"{name:<12} {args.products:>10} {elapsed:>9.1f} {args.products / elapsed:>11.0f} "
                  f"{rows / elapsed:>10.0f}")


if __name__ == "__main__":
    main()
