"""``erpsync log``: the sync log — runs with their counts, and events searchable by error text."""

from __future__ import annotations

import click

from erpsync.cli.context import AppContext, pass_app
from erpsync.cli.output import print_json, print_table
from erpsync.models.integration import LOG_LEVELS
from erpsync.sync.log_query import LogFilter, find_events, find_runs, parse_since


def _time(value) -> str:  # type: ignore[no-untyped-def]
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


@click.command("log")
@click.option("--shop", help="Only this shop.")
@click.option("--kind", help="Only this kind of sync (orders, status, stock, feed, …).")
@click.option("--level", type=click.Choice(LOG_LEVELS), help="This level and above.")
@click.option("--grep", help="Search the messages (and entity ids) for this text.")
@click.option("--since", help="30m, 2h, 7d or an ISO date.")
@click.option("--runs", is_flag=True, help="Show runs with their counts instead of events.")
@click.option("--payload", is_flag=True, help="Show each event's payload (JSON output always has it).")
@click.option("--limit", type=click.IntRange(1, 100000), default=50, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_app
def log(
    app: AppContext, shop: str | None, kind: str | None, level: str | None, grep: str | None,
    since: str | None, runs: bool, payload: bool, limit: int, fmt: str,
) -> None:
    """Search the sync log (newest first)."""
    flt = LogFilter(shop=shop, kind=kind, level=level, grep=grep,
                    since=parse_since(since) if since else None, limit=limit)
    with app.database().session() as session:
        if runs:
            rows = [
                {"id": r.id, "shop": name, "kind": r.kind, "status": r.status, "started": _time(r.started_at),
                 "finished": _time(r.finished_at), "fetched": r.fetched, "created": r.created,
                 "updated": r.updated, "skipped": r.skipped, "failed": r.failed, "message": r.message or ""}
                for r, name in find_runs(session, flt)
            ]
        else:
            rows = [
                {"id": e.id, "time": _time(e.created_at), "shop": name, "kind": e.kind, "level": e.level,
                 "entity": f"{e.entity_type or ''} {e.entity_id or ''}".strip(), "message": e.message,
                 "payload": e.payload, "run": e.run_id}
                for e, name in find_events(session, flt)
            ]
    if fmt == "json":
        print_json(rows)
        return
    if not rows:
        click.echo("nothing in the log matches")
        return
    columns = [c for c in rows[0] if c != "payload" or payload]
    print_table(None, columns, ([row[c] for c in columns] for row in rows))


COMMANDS = [log]
