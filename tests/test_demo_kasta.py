"""The demo's Kasta step on a generated catalog: the schema downloaded, T-shirts uploaded (those with a
country Kasta's mapping lacks skipped for the mandatory characteristic), moderated, orders read."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from erpsync.core.config import Settings
from erpsync.demo.data import generate_catalog
from erpsync.demo.kasta_step import SHOP, step_kasta
from erpsync.models import Listing, Shop
from erpsync.models.db import Database

MAPPINGS = Path(__file__).resolve().parents[1] / "mappings"


def test_the_demo_uploads_t_shirts_to_the_kasta_sandbox_and_follows_moderation(
    database: Database, secret_key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    generate_catalog(database, 300, seed=1)
    settings = Settings(database_url=database.url, redis_url=None, mappings_dir=MAPPINGS,
                        feed_dir=tmp_path / "feeds", secret_key=secret_key)
    step_kasta(database, settings)
    shown = capsys.readouterr().out
    assert "erpsync sync categories: success" in shown and "erpsync sync upload_catalog: success" in shown
    with database.session() as session:
        shop_id = session.scalar(select(Shop.id).where(Shop.name == SHOP))
        states = dict(session.execute(select(Listing.state, func.count()).where(Listing.shop_id == shop_id)
                                      .group_by(Listing.state)).all())
    assert states.get("active", 0) > 0 and sum(states.values()) == 12
    assert "Kasta orders (read through the connector)" in shown
