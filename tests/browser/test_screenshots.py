"""The screenshot script of the README works (it photographs into a temporary folder here)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext

from tests.browser.conftest import Live
from tests.browser.screenshots import PAGES, seed_catalog, seed_showcase, take_screenshots
from tests.mapping.conftest import REPO_MAPPINGS

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def test_screenshots_of_the_main_pages_are_taken(live: Live, browser_context: BrowserContext, tmp_path: Path) -> None:
    from erpsync.models import User
    from erpsync.sync.users import get_user

    with live.database.session() as session:  # the live fixture made the users already
        for name in ("boss", "anna"):
            session.delete(get_user(session, name))
        assert session.query(User).count() == 0
    ids = seed_showcase(live.database, live.secret_key)
    ids["feed"] = seed_catalog(live.database, live.secret_key)
    shutil.copytree(REPO_MAPPINGS, tmp_path / "mappings")  # where the live panel reads its mapping files
    files = take_screenshots(browser_context, live.url, tmp_path / "shots", ids)
    assert [path.stem for path in files] == [name for name, _, _ in PAGES]
    for path in files:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert path.stat().st_size > 10_000, path
