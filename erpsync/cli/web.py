"""``erpsync admin``: run the web app (admin panel, feed URLs, push receivers)."""

from __future__ import annotations

import click

from erpsync.cli.context import AppContext, pass_app


@click.command("admin")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@pass_app
def admin(app: AppContext, host: str, port: int) -> None:
    """Serve the admin panel and the public endpoints (use a WSGI server such as gunicorn in production:
    `gunicorn 'erpsync.admin:create_app()'`)."""
    from werkzeug.serving import run_simple

    from erpsync.admin import create_app

    web = create_app(app.settings, app.database())
    click.echo(f"serving on http://{host}:{port}/")
    run_simple(host, port, web, threaded=True, use_reloader=False)


COMMANDS = [admin]
