"""``erpsync shop add|set|list|show|check``: shops of every marketplace, credentials encrypted."""

from __future__ import annotations

import click

from erpsync.cli.context import AppContext, pass_app
from erpsync.cli.output import print_json, print_table
from erpsync.core.errors import ValidationError
from erpsync.core.marketplaces import MARKETPLACE_NAMES, credential_note
from erpsync.models.shop_settings import parse_assignments
from erpsync.sync.connectors import check_connection
from erpsync.sync.shops import (
    add_shop,
    get_shop,
    list_shops,
    missing_credentials,
    update_shop,
    view_shop,
)


def _pairs(values: tuple[str, ...], what: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for pair in values:
        if "=" not in pair:
            raise ValidationError(f"{what} must be KEY=VALUE, got {pair!r}")
        key, value = pair.split("=", 1)
        result[key.strip()] = value
    return result


@click.group("shop")
def shop_group() -> None:
    """Shops: one per marketplace account."""


@shop_group.command("add")
@click.argument("name")
@click.option("--marketplace", "-m", required=True, type=click.Choice(MARKETPLACE_NAMES))
@click.option("--base-url", help="API base URL (default: the marketplace's production URL).")
@click.option("--credential", "credentials", multiple=True, metavar="KEY=VALUE")
@click.option("--setting", "settings", multiple=True, metavar="KEY=VALUE")
@click.option("--disabled", is_flag=True, help="Create the shop switched off.")
@pass_app
def shop_add(
    app: AppContext,
    name: str,
    marketplace: str,
    base_url: str | None,
    credentials: tuple[str, ...],
    settings: tuple[str, ...],
    disabled: bool,
) -> None:
    """Add a shop."""
    key = app.settings.require_secret_key()
    with app.database().session() as session:
        shop = add_shop(
            session,
            name=name,
            marketplace=marketplace,
            secret_key=key,
            base_url=base_url,
            credentials=_pairs(credentials, "--credential"),
            settings=parse_assignments(settings),
            enabled=not disabled,
        )
        missing = missing_credentials(shop, key)
    click.echo(f"shop {name} ({marketplace}) added")
    note = credential_note(marketplace)
    if note:
        click.echo(f"note: {note}")
    if missing:
        click.echo(f"note: credentials still missing: {', '.join(missing)} (erpsync shop set {name} --credential …)")


@shop_group.command("set")
@click.argument("name")
@click.option("--base-url")
@click.option("--credential", "credentials", multiple=True, metavar="KEY=VALUE")
@click.option("--setting", "settings", multiple=True, metavar="KEY=VALUE")
@click.option("--unset", "unset", multiple=True, metavar="KEY", help="Remove a setting (back to its default).")
@click.option("--enable/--disable", default=None)
@pass_app
def shop_set(
    app: AppContext,
    name: str,
    base_url: str | None,
    credentials: tuple[str, ...],
    settings: tuple[str, ...],
    unset: tuple[str, ...],
    enable: bool | None,
) -> None:
    """Change a shop's base URL, credentials, settings or switch."""
    key = app.settings.require_secret_key()
    with app.database().session() as session:
        shop = get_shop(session, name)
        new_settings = None
        if settings or unset:
            new_settings = parse_assignments(settings, shop.settings or {})
            for item in unset:
                new_settings.pop(item, None)
        update_shop(
            session,
            shop,
            secret_key=key,
            base_url=base_url,
            credentials=_pairs(credentials, "--credential"),
            settings=new_settings,
            enabled=enable,
        )
    click.echo(f"shop {name} updated")


@shop_group.command("list")
@pass_app
def shop_list(app: AppContext) -> None:
    """List the shops."""
    with app.database().session() as session:
        rows = [(s.name, s.marketplace, "yes" if s.enabled else "no", s.base_url) for s in list_shops(session)]
    if not rows:
        click.echo("no shops yet: add one with `erpsync shop add NAME --marketplace M`")
        return
    print_table(None, ["shop", "marketplace", "enabled", "base URL"], rows)


@shop_group.command("show")
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@pass_app
def shop_show(app: AppContext, name: str, fmt: str) -> None:
    """Show a shop with its settings; credentials are masked."""
    with app.database().session() as session:
        view = view_shop(get_shop(session, name), app.settings.secret_key)
    if fmt == "json":
        print_json(view.__dict__)
        return
    click.echo(f"shop:        {view.name}")
    click.echo(f"marketplace: {view.marketplace}")
    click.echo(f"base URL:    {view.base_url}")
    click.echo(f"enabled:     {'yes' if view.enabled else 'no'}")
    click.echo("credentials: " + (", ".join(f"{k}={v}" for k, v in view.credentials.items()) or "none"))
    click.echo("settings:")
    for key, value in sorted(view.settings.items()):
        click.echo(f"  {key} = {value}")


@shop_group.command("check")
@click.argument("name")
@pass_app
def shop_check(app: AppContext, name: str) -> None:
    """Test the connection: one authenticated request to the shop's marketplace."""
    key = app.settings.require_secret_key()
    with app.database().session() as session:
        shop = get_shop(session, name)
        check_connection(shop, key)
    click.echo(f"shop {name}: the marketplace accepted the credentials")


@shop_group.command("options")
@click.argument("name")
@click.option("--section", type=click.Choice(["delivery", "payment", "statuses"]), default="delivery",
              show_default=True, help="Which of the seller's options to list.")
@pass_app
def shop_options_command(app: AppContext, name: str, section: str) -> None:
    """List the delivery / payment options or the order statuses the seller configured on the marketplace:
    the codes its orders carry, to map in mappings/shops/NAME.yaml."""
    from erpsync.sync.shop_options import shop_options

    with app.database().session() as session:
        options = shop_options(session, name, section, secret_key=app.settings.require_secret_key())
    print_table(f"{name}: {section}", ["code", "name", "enabled"],
                [(o.code, o.name, "yes" if o.enabled else "no") for o in options])


COMMANDS = [shop_group]
