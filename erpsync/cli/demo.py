"""``erpsync demo-data`` (sample catalog) and ``erpsync demo`` (the guided demo)."""

from __future__ import annotations

import signal
import sys
import threading
import time

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from erpsync.cli.context import AppContext, pass_app
from erpsync.cli.output import print_table
from erpsync.demo.data import generate_catalog


@click.command("demo-data")
@click.option("--products", "-n", type=click.IntRange(min=1), default=200, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same catalog.")
@pass_app
def demo_data(app: AppContext, products: int, seed: int) -> None:
    """Fill the database with a realistic sample catalog of N products."""
    database = app.database()
    started = time.monotonic()
    with Progress(
        TextColumn("products"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        disable=not click.get_text_stream("stdout").isatty(),
    ) as progress:
        task = progress.add_task("products", total=products)
        summary = generate_catalog(database, products, seed=seed, progress=lambda n: progress.advance(task, n))
    elapsed = time.monotonic() - started
    click.echo(
        f"added {summary.products} products ({summary.photos} photos, {summary.characteristics} "
        f"characteristics, {summary.prices} prices, {summary.stock_rows} stock rows) in "
        f"{summary.categories} leaf categories and {summary.warehouses} warehouses in {elapsed:.1f} s"
    )


@click.group("demo", invoke_without_command=True)
@click.option("--products", "-n", type=click.IntRange(min=1), default=200, show_default=True)
@click.pass_context
def demo(ctx: click.Context, products: int) -> None:
    """Run the demo on the configured database (SQLite by default): sample data, then a tour.
    `erpsync demo serve` then keeps the demo shops' marketplaces (sandboxes) up."""
    if ctx.invoked_subcommand is not None:
        return
    from erpsync.demo.run import run_demo

    run_demo(ctx.find_object(AppContext), products=products)


@demo.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port-base", type=click.IntRange(min=0, max=65000), default=18700, show_default=True,
              help="Ports are this + a fixed offset per demo shop (18701 demo-kaspi, 18702 demo-prom, …); 0: any "
                   "free ports.")
@click.option("--orders", type=click.IntRange(min=0), help="Orders each sandbox starts with (default: its own).")
@pass_app
def demo_serve(app: AppContext, host: str, port_base: int, orders: int | None) -> None:
    """Serve every demo shop's marketplace (its sandbox) until Ctrl-C, each shop pointed at its sandbox.
    Meanwhile `erpsync run` (or `erpsync worker` + `erpsync scheduler`) keeps the shops in sync."""
    from erpsync.demo.serve import start_demo_sandboxes, stop_all

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    served = start_demo_sandboxes(app.database(), app.settings.require_secret_key(), host=host, port_base=port_base,
                                  orders=orders)
    try:
        if not served:
            click.echo("no demo shop to serve: run `erpsync demo` (make demo) first")
            return
        print_table("Demo shops and their sandboxes", ["shop", "marketplace", "base URL"],
                    [(item.shop, item.marketplace, item.base_url) for item in served])
        click.echo("each shop points at its sandbox now; in another terminal: erpsync run (or erpsync worker + "
                   "erpsync scheduler with ERPSYNC_REDIS_URL). Ctrl-C stops.", nl=True)
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        stop_all(served)
        click.echo("sandboxes stopped")


COMMANDS = [demo_data, demo]
