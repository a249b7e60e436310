"""``erpsync …``: the command line. One module a command group; each module lists its commands in
``COMMANDS`` and is picked up here, so a new group needs no edit of this file.

Every ``ErpsyncError`` ends as one line on stderr and exit status 1; never a traceback.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from typing import Any

import click
from sqlalchemy.exc import OperationalError, ProgrammingError

from erpsync.cli.context import AppContext
from erpsync.core.errors import ErpsyncError


class ErpsyncGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ErpsyncError as error:
            _fail(str(error))
        except (OperationalError, ProgrammingError) as error:
            reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            _fail(f"database error: {reason} (is the database reachable and migrated? run `erpsync db upgrade`)")


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@click.group(cls=ErpsyncGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="erpsync")
@click.pass_context
def main(ctx: click.Context) -> None:
    """erpsync: one accounting database, many marketplaces."""
    ctx.obj = AppContext()
    ctx.call_on_close(ctx.obj.close)


def _register() -> None:
    package = sys.modules[__name__]
    for module_info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if module_info.name in ("context", "output"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for command in getattr(module, "COMMANDS", ()):
            main.add_command(command)


_register()
