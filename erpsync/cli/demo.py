"""``erpsync demo-data`` (sample catalog) and ``erpsync demo`` (the guided demo)."""

from __future__ import annotations

import time

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from erpsync.cli.context import AppContext, pass_app
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


@click.command("demo")
@click.option("--products", "-n", type=click.IntRange(min=1), default=200, show_default=True)
@pass_app
def demo(app: AppContext, products: int) -> None:
    """Run the demo on the configured database (SQLite by default): sample data, then a tour."""
    from erpsync.demo.run import run_demo

    run_demo(app, products=products)


COMMANDS = [demo_data, demo]
