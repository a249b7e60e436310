from __future__ import annotations

from pathlib import Path

from erpsync.admin import create_app
from erpsync.core.config import load_settings
from erpsync.models.db import Database


def test_health_answers_when_the_database_does(database: Database, tmp_path: Path) -> None:
    settings = load_settings({"ERPSYNC_DATABASE_URL": database.url}, cwd=tmp_path)
    client = create_app(settings, database).test_client()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
