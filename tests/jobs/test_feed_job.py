"""The feed render is a job kind: it runs inline or on a worker, and the scheduler renders only the
shops of feed-based marketplaces, every ``feed_interval_minutes``."""

from __future__ import annotations

from datetime import timedelta

from erpsync.core.config import Settings
from erpsync.demo.data import generate_catalog
from erpsync.demo.feeds import DEMO_SHOP_SETTINGS
from erpsync.jobs.registry import job_kind
from erpsync.jobs.runner import run_inline
from erpsync.jobs.schedule import MemoryMarks, due_runs
from erpsync.models import SyncRun, utcnow
from erpsync.models.db import Database
from erpsync.sync.listings import add_listings
from erpsync.sync.shops import add_shop


def test_feed_render_job_writes_the_feed_and_is_scheduled_for_feed_shops_only(
    database: Database, secret_key: str, job_env: Settings
) -> None:
    generate_catalog(database, 25, seed=5)
    with database.session() as session:
        prom = add_shop(session, name="ua-prom", marketplace="prom", secret_key=secret_key,
                        settings={**DEMO_SHOP_SETTINGS["prom"], "feed_interval_minutes": 30})
        add_listings(session, prom, everything=True)
        add_shop(session, name="ua-site", marketplace="horoshop", secret_key=secret_key,
                 base_url="http://127.0.0.1:9/api", credentials={"username": "u", "password": "p"})
        prom_id = prom.id

    outcome = run_inline("render_feed", prom_id, database=database, config=job_env)
    assert outcome.status == "success", outcome.message
    feed = job_env.feed_dir / f"{prom_id}-ua-prom" / "feed.xml"
    assert feed.is_file() and b"<yml_catalog" in feed.read_bytes()
    assert outcome.result["offers"] > 0 and outcome.result["urls"][0].endswith("/feed.xml")
    with database.session() as session:
        run = session.get(SyncRun, outcome.run_id)
        assert run is not None and run.kind == "feed" and run.created == outcome.result["offers"]

    marks = MemoryMarks()
    now = utcnow()
    kinds = [job_kind("render_feed")]
    # the render above counts as the last run: the next one is due an interval later
    assert due_runs(database, marks, now=now + timedelta(minutes=29), kinds=kinds) == []
    first = due_runs(database, marks, now=now + timedelta(minutes=31), kinds=kinds)
    assert [(d.kind, d.shop) for d in first] == [("render_feed", "ua-prom")]  # not the Horoshop shop
    assert due_runs(database, marks, now=now + timedelta(minutes=45), kinds=kinds) == []
    assert len(due_runs(database, marks, now=now + timedelta(minutes=62), kinds=kinds)) == 1
