"""``erpsync init``, ``db``, ``shop`` on a real database: clear one-line errors, masked credentials."""

from __future__ import annotations

import json
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import select

from erpsync.models import Shop
from erpsync.models.db import Database
from tests.conftest import PG_DB, PG_SERVER, Cli, _recreate_pg_database


def test_shop_add_list_show_masks_credentials(cli: Cli, database: Database) -> None:
    cli("shop", "add", "kz1", "--marketplace", "kaspi", "--credential", "token=tok-1234567890abcd",
        "--setting", "store_ids.MAIN=PP1", "--setting", "company=ТОО Ромашка")
    listed = cli("shop", "list").output
    assert "kz1" in listed and "kaspi" in listed
    shown = cli("shop", "show", "kz1").output
    assert "tok-1234567890abcd" not in shown
    assert "token=****abcd" in shown
    data = json.loads(cli("shop", "show", "kz1", "--format", "json").output)
    assert data["settings"]["store_ids"] == {"MAIN": "PP1"}
    assert data["settings"]["company"] == "ТОО Ромашка"
    assert data["settings"]["poll_interval_minutes"] == 2
    with database.session() as session:
        stored = session.scalars(select(Shop)).one()
        assert "tok-1234567890abcd" not in stored.credentials_encrypted


def test_unknown_marketplace_is_refused_with_the_known_names(cli: Cli) -> None:
    result = cli("shop", "add", "x", "--marketplace", "ebay", expect=2)
    assert "kaspi" in result.output and "hubber" in result.output


def test_wrong_credential_key_and_setting_are_named(cli: Cli) -> None:
    result = cli("shop", "add", "r1", "-m", "rozetka", "--credential", "token=x", expect=1)
    assert "rozetka shops take the credentials username, password" in result.output
    result = cli("shop", "add", "s1", "-m", "satu", "--setting", "poll_interval_minutes=2", expect=1)
    assert "no more often than every 10 minutes" in result.output
    result = cli("shop", "add", "s1", "-m", "satu", "--setting", "colour=red", expect=1)
    assert "unknown setting 'colour'" in result.output
    assert "Traceback" not in result.output


def test_credentials_under_another_key_give_one_clear_line(cli: Cli) -> None:
    cli("shop", "add", "kz1", "-m", "kaspi", "--credential", "token=tok-1234567890abcd")
    other = Cli({**cli.env, "ERPSYNC_SECRET_KEY": Fernet.generate_key().decode()}, cli.cwd)
    result = other("shop", "show", "kz1", expect=1)
    assert result.output.strip().startswith("error: credentials of shop 'kz1' cannot be decrypted")
    assert "Traceback" not in result.output
    # entering all credentials again under the new key repairs the shop
    other("shop", "set", "kz1", "--credential", "token=new-token-0000000")
    assert "token=****0000" in other("shop", "show", "kz1").output


def test_shop_set_changes_settings_and_unset_restores_default(cli: Cli) -> None:
    cli("shop", "add", "p1", "-m", "prom", "--credential", "token=t" * 3)
    cli("shop", "set", "p1", "--setting", "poll_interval_minutes=7", "--setting", "only_in_stock=yes")
    data = json.loads(cli("shop", "show", "p1", "--format", "json").output)
    assert data["settings"]["poll_interval_minutes"] == 7
    assert data["settings"]["only_in_stock"] is True
    cli("shop", "set", "p1", "--unset", "poll_interval_minutes", "--disable")
    data = json.loads(cli("shop", "show", "p1", "--format", "json").output)
    assert data["settings"]["poll_interval_minutes"] == 2
    assert data["enabled"] is False


def test_unreachable_database_is_one_line(tmp_path: Path, secret_key: str) -> None:
    env = {"ERPSYNC_DATABASE_URL": f"{PG_SERVER}/erpsync_no_such_db", "ERPSYNC_SECRET_KEY": secret_key}
    result = Cli(env, tmp_path)("shop", "list", expect=1)
    assert result.output.startswith("error: cannot connect to the database")
    assert "erpsync_no_such_db" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_unmigrated_database_says_to_run_upgrade(tmp_path: Path, secret_key: str) -> None:
    env = {"ERPSYNC_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}", "ERPSYNC_SECRET_KEY": secret_key}
    result = Cli(env, tmp_path)("shop", "list", expect=1)
    assert "run `erpsync db upgrade`" in result.output


def test_init_creates_key_and_schema_on_postgresql(tmp_path: Path) -> None:
    url = _recreate_pg_database(f"{PG_DB}_init")
    run = Cli({"ERPSYNC_DATABASE_URL": url, "ERPSYNC_SECRET_KEY": ""}, tmp_path)
    output = run("init").output
    assert "created the secret key file" in output
    assert (tmp_path / "erpsync.key").exists()
    assert "up to date" in run("db", "current").output
    run("shop", "add", "kz1", "-m", "kaspi", "--credential", "token=abcdefghijk")
    assert "kz1" in run("shop", "list").output


def test_shop_check_says_whether_the_marketplace_accepts_the_credentials(cli: Cli) -> None:
    from erpsync.sandbox.kaspi import KaspiSandbox

    with KaspiSandbox(credentials={"token": "kz-cli-check-token-1"}, orders=0, random_seed=5) as sandbox:
        cli("shop", "add", "kz-ok", "-m", "kaspi", "--base-url", sandbox.base_url,
            "--credential", "token=kz-cli-check-token-1")
        assert "shop kz-ok: the marketplace accepted the credentials" in cli("shop", "check", "kz-ok").output
        cli("shop", "add", "kz-bad", "-m", "kaspi", "--base-url", sandbox.base_url,
            "--credential", "token=not-the-token-0000")
        refused = cli("shop", "check", "kz-bad", expect=1)
        assert refused.output.startswith("error: ") and len(refused.output.strip().splitlines()) == 1
        assert "not-the-token-0000" not in refused.output
    cli("shop", "add", "hub", "-m", "hubber", "--credential", "username=u", "--credential", "password=p")
    # Hubber is served through its feed only: there is no API connection to check
    assert "hubber does not support checking the connection" in cli("shop", "check", "hub", expect=1).output
