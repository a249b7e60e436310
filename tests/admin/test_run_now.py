"""Run now and Run again: the kinds scheduled for a shop's marketplace start from the dashboard — inline
without Redis, on their queue with it (once, while one waits), with their progress; a failed run runs
again from its page and its events' pages."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue, SimpleWorker
from rq.registry import FailedJobRegistry
from sqlalchemy import select

from erpsync.admin import create_app
from erpsync.jobs.launch import kind_of_run, runnable_kinds
from erpsync.jobs.queues import all_queues, enqueue
from erpsync.models import SyncEvent, SyncRun
from erpsync.models.db import Database
from erpsync.sync.shops import get_shop, update_shop
from tests.admin.conftest import PanelClient, make_settings
from tests.admin.factories import make_users
from tests.feeds.conftest import REPO_MAPPINGS, YML_SETTINGS, Catalog
from tests.jobs.test_worker import _start_worker, _wait_for


def _panel(database: Database, secret_key: str, tmp_path: Path, **env: str) -> PanelClient:
    make_users(database)
    if not (tmp_path / "mappings").exists():
        shutil.copytree(REPO_MAPPINGS, tmp_path / "mappings")
    client = PanelClient(create_app(make_settings(database, secret_key, tmp_path, **env), database).test_client())
    assert client.login("anna").status_code == 302
    return client


def _shop_with_a_product(database: Database, secret_key: str, settings: dict[str, object] | None = None) -> int:
    catalog = Catalog(database, secret_key)
    catalog.product("KETTLE-1")
    return catalog.shop("ua-prom", "prom", YML_SETTINGS if settings is None else settings).id


def _runs(database: Database) -> list[SyncRun]:
    with database.session() as session:
        return list(session.scalars(select(SyncRun).order_by(SyncRun.id)))


def _flash(page: str) -> str:
    match = re.search(r'<div class="alert alert-[a-z]+[^"]*"[^>]*>(.*?)</div>', page, re.S)
    assert match, "no message on the page"
    return " ".join(re.sub(r"<[^>]+>|&times;", " ", match.group(1)).split())


def test_each_shop_gets_a_button_per_kind_scheduled_for_its_marketplace(
        database: Database, secret_key: str, tmp_path: Path) -> None:
    shop_id = _shop_with_a_product(database, secret_key)
    page = _panel(database, secret_key, tmp_path).get("/admin/").text
    row = page[page.index('<tr data-shop="ua-prom">'):]
    row = row[: row.index("</tr>")]
    for kind in runnable_kinds("prom"):
        assert f'data-kind="{kind.name}"' in row and f"/admin/run/{kind.name}/{shop_id}" in row
    assert 'data-kind="render_feed"' in row and "Render the feed" in row
    assert 'data-kind="deliver_outbox"' not in row  # not a kind a person starts
    assert [k.name for k in runnable_kinds("kaspi") if k.name in ("import_orders", "render_feed")] == [
        "import_orders", "render_feed"]


def test_without_redis_run_now_renders_the_feed_here_and_says_how_it_went(
        database: Database, secret_key: str, tmp_path: Path) -> None:
    shop_id = _shop_with_a_product(database, secret_key)
    client = _panel(database, secret_key, tmp_path)
    response = client.submit("/admin/", f"/admin/run/render_feed/{shop_id}")
    assert response.headers["Location"] == "/admin/"
    [run] = _runs(database)
    assert (run.kind, run.status, run.created) == ("feed", "success", 1)
    assert _flash(client.get("/admin/").text) == (
        f"Render the feed for ua-prom: success. See run #{run.id} in the sync log.")
    assert (tmp_path / "feeds" / f"{shop_id}-ua-prom" / "feed.xml").read_text().count("<offer ") == 1


def test_a_kind_that_does_not_apply_to_the_shop_or_a_get_cannot_start_anything(
        database: Database, secret_key: str, tmp_path: Path) -> None:
    shop_id = _shop_with_a_product(database, secret_key)
    client = _panel(database, secret_key, tmp_path)
    assert client.submit("/admin/", f"/admin/run/deliver_outbox/{shop_id}").status_code == 404
    assert client.submit("/admin/", f"/admin/run/no_such_kind/{shop_id}").status_code == 404
    assert client.get(f"/admin/run/render_feed/{shop_id}").status_code == 405
    assert _runs(database) == []


@pytest.mark.redis
def test_with_redis_run_now_queues_the_job_once_and_the_dashboard_follows_it(
        database: Database, secret_key: str, tmp_path: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    shop_id = _shop_with_a_product(database, secret_key)
    client = _panel(database, secret_key, tmp_path, ERPSYNC_REDIS_URL=redis_url,
                    ERPSYNC_FEED_DIR=str(tmp_path / "feeds"))
    client.submit("/admin/", f"/admin/run/render_feed/{shop_id}")
    page = client.get("/admin/").text
    assert re.search(r"Render the feed for ua-prom is on queue catalog \(job [0-9a-f-]+\): a worker runs it\.",
                     _flash(page))
    assert '<meta http-equiv="refresh" content="3">' in page  # a job waits: the page follows it
    assert "Render the feed: waiting" in page[page.index('<tr data-shop="ua-prom">'):]
    client.submit("/admin/", f"/admin/run/render_feed/{shop_id}")
    assert "is already waiting on queue catalog" in _flash(client.get("/admin/").text)
    redis = Redis.from_url(redis_url)
    assert Queue("catalog", connection=redis).count == 1
    for key, value in {"ERPSYNC_DATABASE_URL": database.url, "ERPSYNC_SECRET_KEY": secret_key,
                       "ERPSYNC_FEED_DIR": str(tmp_path / "feeds"),
                       "ERPSYNC_MAPPINGS_DIR": str(tmp_path / "mappings")}.items():
        monkeypatch.setenv(key, value)  # what a worker reads
    SimpleWorker(all_queues(redis), connection=redis).work(burst=True, logging_level="WARNING")
    [run] = _runs(database)
    assert (run.kind, run.status) == ("feed", "success")
    page = client.get("/admin/").text
    assert 'http-equiv="refresh"' not in page and "Render the feed: waiting" not in page
    redis.close()


@pytest.mark.redis
def test_a_running_job_shows_its_progress_on_its_shops_row(
        database: Database, secret_key: str, tmp_path: Path, redis_url: str) -> None:
    import tests.jobs.sample_kinds  # noqa: F401  (the kind that holds until it is released)

    shop_id = _shop_with_a_product(database, secret_key)
    client = _panel(database, secret_key, tmp_path, ERPSYNC_REDIS_URL=redis_url)
    redis = Redis.from_url(redis_url)
    release = tmp_path / "release"
    enqueue(redis, "sample_hold", shop_id, {"release_file": str(release)})
    worker = _start_worker(redis_url, make_settings(database, secret_key, tmp_path))
    try:
        _wait_for(lambda: "waiting for release" in client.get("/admin/").text, "the job to report progress")
        page = client.get("/admin/").text
        row = page[page.index('<tr data-shop="ua-prom">'):]
        row = " ".join(re.sub(r"<[^>]+>", " ", row[: row.index("</tr>")]).split())
        assert "sample_hold: running 1/2 (50%) waiting for release" in row
    finally:
        release.touch()
        worker.wait(timeout=30)
        redis.close()


def test_a_failed_run_runs_again_from_its_event_page_inline(
        database: Database, secret_key: str, tmp_path: Path) -> None:
    shop_id = _shop_with_a_product(database, secret_key, settings={})  # the feed needs company and url
    client = _panel(database, secret_key, tmp_path)
    client.submit("/admin/", f"/admin/run/render_feed/{shop_id}")
    [failed] = _runs(database)
    assert failed.status == "failed" and "needs the setting(s) company, url" in (failed.message or "")
    with database.session() as session:
        event_id = session.scalar(select(SyncEvent.id).where(SyncEvent.run_id == failed.id, SyncEvent.level == "error"))
        update_shop(session, get_shop(session, "ua-prom"), secret_key=secret_key, settings=YML_SETTINGS)
    page = client.get(f"/admin/log/events/details/?id={event_id}").text
    assert 'id="run-again"' in page and "The run of this event failed." in page
    response = client.submit(f"/admin/log/events/details/?id={event_id}", f"/admin/log/runs/{failed.id}/run-again")
    assert response.headers["Location"] == f"/admin/log/runs/details/?id={failed.id}"
    first, succeeded = _runs(database)
    assert first.id == failed.id
    assert succeeded.status == "success" and succeeded.kind == "feed"
    assert "Render the feed for ua-prom: success." in _flash(client.get(response.headers["Location"]).text)
    assert 'id="run-again"' not in client.get(f"/admin/log/runs/details/?id={succeeded.id}").text


@pytest.mark.redis
def test_a_failed_job_goes_back_on_its_queue_from_the_failed_registry(
        database: Database, secret_key: str, tmp_path: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    shop_id = _shop_with_a_product(database, secret_key, settings={})
    client = _panel(database, secret_key, tmp_path, ERPSYNC_REDIS_URL=redis_url)
    client.submit("/admin/", f"/admin/run/render_feed/{shop_id}")
    for key, value in {"ERPSYNC_DATABASE_URL": database.url, "ERPSYNC_SECRET_KEY": secret_key}.items():
        monkeypatch.setenv(key, value)
    redis = Redis.from_url(redis_url)
    SimpleWorker(all_queues(redis), connection=redis).work(burst=True, logging_level="WARNING")
    [run] = _runs(database)
    assert run.status == "failed" and run.job_id in FailedJobRegistry("catalog", connection=redis).get_job_ids()
    page = client.get(f"/admin/log/runs/details/?id={run.id}").text
    assert 'id="run-again"' in page
    client.submit(f"/admin/log/runs/details/?id={run.id}", f"/admin/log/runs/{run.id}/run-again")
    assert f"Render the feed for ua-prom is back on queue catalog (job {run.job_id})." in _flash(
        client.get(f"/admin/log/runs/details/?id={run.id}").text)
    assert Queue("catalog", connection=redis).get_job_ids() == [run.job_id]
    assert FailedJobRegistry("catalog", connection=redis).get_job_ids() == []
    redis.close()


def test_a_runs_kind_in_the_log_names_the_job_kind_that_runs_it() -> None:
    assert kind_of_run("orders")[0].name == "import_orders"  # type: ignore[index]
    assert kind_of_run("feed")[0].name == "render_feed"  # type: ignore[index]
    kind, params = kind_of_run("outbox:waybill")  # type: ignore[misc]
    assert (kind.name, params) == ("deliver_outbox", {"kind": "waybill"})
    assert kind_of_run("no such kind") is None
