"""``erpsync sandbox M``: run a marketplace's sandbox (its documented API on this machine) until Ctrl-C.

Credentials take the same keys as ``erpsync shop add`` for that marketplace (``--token T`` is short for
``--credential token=T``); a shop pointed at the printed base URL with those credentials works against
it exactly as against the marketplace.
"""

from __future__ import annotations

from pathlib import Path

import click

from erpsync.core.errors import ValidationError
from erpsync.core.marketplaces import marketplace_info
from erpsync.sandbox import sandbox_class
from erpsync.sandbox.base import Faults


def _credentials(marketplace: str, pairs: tuple[str, ...], token: str | None) -> dict[str, str]:
    keys = marketplace_info(marketplace).credential_keys
    credentials: dict[str, str] = {}
    for pair in pairs:
        if "=" not in pair:
            raise ValidationError(f"--credential must be KEY=VALUE, got {pair!r}")
        key, value = pair.split("=", 1)
        credentials[key.strip()] = value
    if token is not None:
        credentials["token"] = token
    for key in credentials:
        if key not in keys:
            raise ValidationError(f"{marketplace} takes the credentials {', '.join(keys)}; {key!r} is not one of them")
    return credentials


@click.command("sandbox")
@click.argument("marketplace")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=0, type=int, help="Port to listen on (0: any free port; the URL is printed).")
@click.option("--credential", "credential_pairs", multiple=True, metavar="KEY=VALUE",
              help="Credentials the sandbox accepts (the keys of `erpsync shop add`).")
@click.option("--token", help="Short for --credential token=T.")
@click.option("--seed", "seed_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Directory of payload files in the marketplace's own format (default: generated data).")
@click.option("--orders", type=int, help="How many orders to generate when not seeded.")
@click.option("--fail-rate", type=float, default=0.0, show_default=True, help="Share of requests answered HTTP 500.")
@click.option("--latency", type=float, default=0.0, show_default=True, help="Seconds added to every request.")
@click.option("--rate-limit", type=float, help="Requests a second; beyond, HTTP 429 with Retry-After.")
@click.option("--reset-rate", type=float, default=0.0, show_default=True,
              help="Share of requests whose connection is closed without an answer.")
@click.option("--slow-rate", type=float, default=0.0, show_default=True,
              help="Share of requests processed, then answered only after --slow-seconds.")
@click.option("--slow-seconds", type=float, default=35.0, show_default=True,
              help="How late a slow answer comes (past erpsync's HTTP timeout, ERPSYNC_HTTP_TIMEOUT).")
@click.option("--malformed-rate", type=float, default=0.0, show_default=True,
              help="Share of successful JSON answers cut in half.")
@click.option("--duplicate-rate", type=float, default=0.0, show_default=True,
              help="Share of order listing pages that repeat an order of the page before.")
@click.option("--shift-rate", type=float, default=0.0, show_default=True,
              help="Share of order listing pages (after the first) preceded by a new order at the front.")
@click.option("--random-seed", type=int, default=None, help="Repeatable generated data and failures.")
def sandbox(
    marketplace: str,
    host: str,
    port: int,
    credential_pairs: tuple[str, ...],
    token: str | None,
    seed_dir: Path | None,
    orders: int | None,
    fail_rate: float,
    latency: float,
    rate_limit: float | None,
    reset_rate: float,
    slow_rate: float,
    slow_seconds: float,
    malformed_rate: float,
    duplicate_rate: float,
    shift_rate: float,
    random_seed: int | None,
) -> None:
    """Serve MARKETPLACE's API locally (kaspi, …) for the demo and tests."""
    cls = sandbox_class(marketplace)
    if seed_dir is not None and not seed_dir.is_dir():
        raise ValidationError(f"--seed {seed_dir}: no such directory")
    server = cls(
        credentials=_credentials(marketplace, credential_pairs, token),
        faults=Faults(fail_rate=fail_rate, latency=latency, rate_limit=rate_limit, seed=random_seed,
                      reset_rate=reset_rate, slow_rate=slow_rate, slow_seconds=slow_seconds,
                      malformed_rate=malformed_rate, duplicate_rate=duplicate_rate, shift_rate=shift_rate),
        seed_dir=seed_dir,
        random_seed=random_seed,
        host=host,
        port=port,
        orders=orders,
        log=click.echo,
        marketplace=marketplace,
    )
    server.start()
    shown = ", ".join(f"{k}={v}" for k, v in server.credentials.items())
    click.echo(f"{cls.title} sandbox serving {server.base_url} (credentials: {shown})")
    flags = " ".join(f"--credential {k}={v}" for k, v in server.credentials.items())
    settings = getattr(server, "shop_settings", {})  # settings a shop needs for this sandbox (Kaufland: storefront)
    if settings:
        flags += " " + " ".join(f"--setting {k}={v}" for k, v in settings.items())
    click.echo(f"a shop for it: erpsync shop add NAME --marketplace {marketplace} --base-url {server.base_url} {flags}")
    click.echo(f"test API: {server.url}/_sandbox/state (with faults_injected), {server.url}/_sandbox/requests; "
               "Ctrl-C stops")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("sandbox stopped")


COMMANDS = [sandbox]
