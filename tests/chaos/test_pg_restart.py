"""PostgreSQL restarted in the middle of an order import run by a worker: the job fails (the sync log
says so), RQ retries it, and the retry finishes the import — every order once, with its lines.

The restart is of a private PostgreSQL cluster made for this test (``initdb`` into a temporary folder,
on a free port, as the ``postgres`` user when the tests run as root), never of the shared server.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from rq.job import Job, JobStatus
from sqlalchemy import select

from erpsync.jobs.queues import enqueue
from erpsync.models import SyncEvent, SyncRun
from erpsync.models.db import Database, upgrade
from tests.chaos.harness import build_stand, stop_stand, stop_workers

pytestmark = pytest.mark.postgres


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Cluster:
    bin: Path
    folder: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/erpsync"

    def run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:  # initdb refuses root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self.run("pg_ctl", "-D", str(self.folder / "data"), "-l", str(self.folder / "server.log"), "-w", "-o",
                 f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    pg_bin = _pg_bin()
    if pg_bin is None or not (pg_bin / "initdb").exists():
        pytest.skip("PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb, pg_ctl) are not installed")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: initdb cannot run as the postgres user")
    folder = Path(tempfile.mkdtemp(prefix="chaos-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    cluster = Cluster(pg_bin, folder, _free_port())
    cluster.run("initdb", "-D", str(folder / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8")
    cluster.start()
    try:
        cluster.run("createdb", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "erpsync")
        upgrade(cluster.url)
        yield cluster
    finally:
        try:
            cluster.stop()
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def test_an_import_survives_a_postgresql_restart_by_failing_and_being_retried(
    cluster: Cluster, redis_url: str, secret_key: str, tmp_path: Path
) -> None:
    database = Database(cluster.url)
    stand = build_stand(database, redis_url, secret_key, tmp_path, shops=1, orders=400, faults=None, stock=10_000,
                        page_size=20)
    shop = stand.shops[0]
    workers = stand.start_workers(1, log_dir=tmp_path)
    try:
        job_id = enqueue(stand.redis, "import_orders", shop.shop_id).job_id
        deadline = time.monotonic() + 120
        while stand.stored_lines()[1] < 40:  # the import is saving orders
            assert time.monotonic() < deadline, "the import saved nothing"
            time.sleep(0.1)
        database.dispose()
        cluster.stop()  # every connection of the worker dies with the server
        time.sleep(2)
        cluster.start()
        job = Job.fetch(job_id, connection=stand.redis)
        deadline = time.monotonic() + 180
        while job.get_status(refresh=True) != JobStatus.FINISHED:
            assert job.get_status() != JobStatus.FAILED, "the job failed for good"
            assert time.monotonic() < deadline, f"the job did not finish: {job.get_status()}"
            time.sleep(0.2)
        retried = job.retries_left is not None and job.retries_left < len(job.retry_intervals or [])
    finally:
        stop_workers(workers)
        stop_stand(stand)
    expected = stand.expected_lines()
    stored, order_rows = stand.stored_lines()
    assert order_rows == len(expected) and stored == expected
    with database.session() as session:
        runs = list(session.scalars(select(SyncRun).where(SyncRun.kind == "orders").order_by(SyncRun.id)))
        errors = list(session.scalars(select(SyncEvent.message).where(SyncEvent.level.in_(("error", "warning")))))
    database.dispose()
    assert retried, "RQ did not retry the job"
    assert runs[-1].status == "success" and all(r.status == "failed" for r in runs[:-1]) and len(runs) >= 2
    assert any("attempt 1 of 4; retrying" in message or "abandoned" in message for message in errors), errors
