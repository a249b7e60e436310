"""``erpsync admin`` serves the web app and says what is missing to log in."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from erpsync.models.db import Database

ERPSYNC = str(Path(sys.executable).with_name("erpsync"))


def test_erpsync_admin_serves_the_panel_and_notes_that_nobody_can_log_in_yet(
    database: Database, secret_key: str, tmp_path: Path
) -> None:
    env = {**os.environ, "ERPSYNC_DATABASE_URL": database.url, "ERPSYNC_SECRET_KEY": secret_key,
           "ERPSYNC_REDIS_URL": ""}
    process = subprocess.Popen([ERPSYNC, "admin", "--port", "0"], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        assert "nobody can log in yet: add the first admin with `erpsync user add NAME --role admin`" in (
            process.stdout.readline())
        served = re.search(r"serving on (http://127\.0\.0\.1:\d+)/admin/", process.stdout.readline())
        assert served, "erpsync admin did not print its address"
        base_url = served.group(1)
        response = httpx.get(f"{base_url}/admin/", timeout=5)
        assert response.status_code == 302 and response.headers["location"].startswith("/admin/login")
        assert httpx.get(f"{base_url}/healthz", timeout=5).json() == {"status": "ok"}
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=10)
    assert process.returncode == 0, output
    assert "stopped" in output
