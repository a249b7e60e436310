"""``erpsync admin``: run the web app (admin panel, feed URLs, push receivers)."""

from __future__ import annotations

import click

from erpsync.cli.context import AppContext, pass_app
from erpsync.sync.users import list_users


@click.command("admin")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="0 picks a free port (printed).")
@pass_app
def admin(app: AppContext, host: str, port: int) -> None:
    """Serve the admin panel and the public endpoints (use a WSGI server such as gunicorn in production:
    `gunicorn 'erpsync.admin:create_app()'`)."""
    from werkzeug.serving import make_server

    from erpsync.admin import create_app

    database = app.database()
    if app.settings.secret_key is None:
        click.echo("note: no ERPSYNC_SECRET_KEY and no key file: the panel stays closed until one exists "
                   "(`erpsync init`); the public endpoints answer")
    with database.session() as session:
        if not list_users(session):
            click.echo("note: nobody can log in yet: add the first admin with `erpsync user add NAME --role admin`")
    server = make_server(host, port, create_app(app.settings, database), threaded=True)
    click.echo(f"serving on http://{host}:{server.server_port}/admin/ (Ctrl+C stops)")
    server.serve_forever()  # returns on Ctrl+C (werkzeug's server catches it) and closes the socket
    click.echo("stopped")


COMMANDS = [admin]
