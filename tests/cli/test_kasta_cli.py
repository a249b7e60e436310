"""Kasta from the command line: adding a shop says the token is shown once and sets the nightly pass;
``erpsync sync categories|upload|states`` run against the Kasta sandbox and report in one line."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from erpsync.core.marketplaces import credential_note
from erpsync.models import MarketplaceCategory
from erpsync.models.db import Database
from erpsync.sandbox.kasta import KastaSandbox
from tests.conftest import Cli
from tests.sync.catalog_fixtures import KASTA_TOKEN


def test_adding_a_kasta_shop_says_the_token_is_shown_once_and_sets_a_nightly_pass(cli: Cli) -> None:
    added = cli("shop", "add", "ua-kasta", "--marketplace", "kasta", "--credential", "token=abc123456789").output
    assert "shop ua-kasta (kasta) added" in added
    assert f"note: {credential_note('kasta')}" in added
    assert "Kasta shows the API token only once" in credential_note("kasta")
    assert "Settings → API → Get token" in credential_note("kasta")
    settings = json.loads(cli("shop", "show", "ua-kasta", "--format", "json").output)["settings"]
    assert settings["full_push_at"] == "01:00"
    other = cli("shop", "add", "ua-kasta-2", "--marketplace", "kasta", "--setting", "full_push_at=02:30").output
    assert "credentials still missing: token" in other
    assert json.loads(cli("shop", "show", "ua-kasta-2", "--format", "json").output)["settings"]["full_push_at"] == \
        "02:30"
    assert "note:" not in cli("shop", "add", "kz1", "--marketplace", "kaspi", "--credential", "token=t1").output


def test_sync_commands_run_the_catalog_jobs_against_the_sandbox(cli: Cli, database: Database) -> None:
    with KastaSandbox(credentials={"token": KASTA_TOKEN}, orders=0, moderation_seconds=None) as sandbox:
        cli("shop", "add", "ua-kasta", "--marketplace", "kasta", "--base-url", sandbox.base_url,
            "--credential", f"token={KASTA_TOKEN}")
        downloaded = cli("sync", "categories", "--shop", "ua-kasta", "--category", "2098-31").output
        assert downloaded.startswith("categories for shop ua-kasta: success (fetched 9, created 9")
        uploaded = cli("sync", "upload", "--shop", "ua-kasta", "--poll-seconds", "0").output
        assert uploaded.startswith("upload_catalog for shop ua-kasta: success (fetched 0")
        states = cli("sync", "states", "--shop", "ua-kasta").output
        assert states.startswith("listing_states for shop ua-kasta: success")
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(MarketplaceCategory)) == 9


def test_a_refused_token_fails_the_run_in_one_line(cli: Cli) -> None:
    with KastaSandbox(credentials={"token": KASTA_TOKEN}, orders=0) as sandbox:
        cli("shop", "add", "ua-kasta", "--marketplace", "kasta", "--base-url", sandbox.base_url,
            "--credential", "token=stale")
        result = cli("sync", "categories", "--shop", "ua-kasta", expect=1)
    summary, error = result.output.strip().splitlines()
    assert summary.startswith("categories for shop ua-kasta: failed")
    assert error.startswith("error: categories for shop ua-kasta failed: kasta refused the credentials")
    assert "Kasta shows it once" in error
    assert "Traceback" not in result.output
