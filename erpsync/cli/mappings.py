"""``erpsync mappings check|show|diff|suggest|history|restore``: the mapping files, for people and CI."""

from __future__ import annotations

import contextlib
import getpass
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import click
from ruamel.yaml import YAML
from sqlalchemy.orm import Session

from erpsync.cli.context import AppContext, pass_app
from erpsync.cli.output import print_table
from erpsync.core.errors import DatabaseError, ValidationError
from erpsync.core.marketplaces import MARKETPLACE_NAMES
from erpsync.mapping import (
    CheckContext,
    MappingInvalid,
    apply_suggestions,
    check_file,
    diff_data,
    get_revision,
    history,
    load_document,
    load_mapping,
    parse_document,
    restore_revision,
    suggest,
)
from erpsync.mapping.document import ACCOUNTING_FILE, SHOPS_FOLDER, MappingDocument
from erpsync.mapping.problems import sorted_problems
from erpsync.mapping.suggest import SECTIONS
from erpsync.mapping.translate import display_name
from erpsync.models.db import Database, check_connection, require_schema
from erpsync.sync.shops import get_shop


@click.group("mappings")
def mappings_group() -> None:
    """Mapping files: check, show, diff, auto-match, history."""


def _default_author() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def _files(mappings_dir: Path) -> list[Path]:
    """Every mapping file of a folder: accounting.yaml, the marketplaces', the shops'."""
    found = sorted(p for p in mappings_dir.glob("*.yaml"))
    found += sorted((mappings_dir / SHOPS_FOLDER).glob("*.yaml"))
    accounting = mappings_dir / ACCOUNTING_FILE
    return ([accounting] if accounting in found else []) + [p for p in found if p != accounting]


@contextlib.contextmanager
def _optional_session(app: AppContext) -> Iterator[Session | None]:
    """The database when it is there and migrated (to check against the category tree), else None."""
    url = app.settings.database_url
    if url.startswith("sqlite:///"):
        database_file = Path(url.removeprefix("sqlite:///"))
        if not database_file.is_file():
            yield None
            return
    database = Database(url)
    try:
        check_connection(database.engine)
        require_schema(database.engine)
    except DatabaseError as error:
        click.echo(f"warning: categories are not checked against a downloaded tree: {error}", err=True)
        database.dispose()
        yield None
        return
    try:
        with database.session() as session:
            yield session
    finally:
        database.dispose()


@mappings_group.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--offline", is_flag=True, help="Do not consult the database (no category tree checks).")
@pass_app
def check(app: AppContext, paths: tuple[Path, ...], offline: bool) -> None:
    """Validate mapping files (default: every file of ERPSYNC_MAPPINGS_DIR). Prints every problem as
    file:line:column: message; exits 1 if there is an error."""
    mappings_dir = app.settings.mappings_dir
    targets: list[tuple[Path, str]] = []
    for path in paths or (mappings_dir,):
        if path.is_dir():
            targets.extend((p, display_name(p)) for p in _files(path))
        else:
            targets.append((path, str(path)))
    if not targets:
        raise ValidationError(f"no mapping files in {mappings_dir}")
    session_scope = contextlib.nullcontext(None) if offline else _optional_session(app)
    with session_scope as session:
        context = CheckContext(mappings_dir, session)
        problems = sorted_problems(p for path, name in targets for p in check_file(path, context, name))
    for problem in problems:
        click.echo(str(problem))
    errors = sum(1 for p in problems if p.is_error)
    warnings = len(problems) - errors
    files = f"{len(targets)} file{'' if len(targets) == 1 else 's'}"
    click.echo(f"{files} checked: {errors} errors, {warnings} warnings", err=True)
    if errors:
        sys.exit(1)


@mappings_group.command("show")
@click.option("--shop", help="The shop whose effective mapping to show (its marketplace's file + its own).")
@click.option("--marketplace", type=click.Choice(MARKETPLACE_NAMES), help="A marketplace's file alone.")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
@pass_app
def show(app: AppContext, shop: str | None, marketplace: str | None, fmt: str) -> None:
    """Show the effective mapping of a shop, after its overrides."""
    if not shop and not marketplace:
        raise ValidationError("give --shop NAME or --marketplace NAME")
    if shop:
        with app.database().session() as session:
            marketplace = get_shop(session, shop).marketplace
    assert marketplace is not None
    mapping = load_mapping(app.settings.mappings_dir, marketplace, shop)
    if fmt == "json":
        click.echo(json.dumps({"marketplace": mapping.marketplace, "shop": mapping.shop,
                               "sources": [s.__dict__ for s in mapping.sources], "mapping": mapping.data},
                              ensure_ascii=False, indent=2))
        return
    who = f"shop {shop} ({marketplace})" if shop else marketplace
    click.echo(f"# effective mapping of {who}")
    for source in mapping.sources:
        click.echo(f"#   {source.name} (version {source.version})")
    yaml = YAML()
    yaml.allow_unicode = True
    yaml.width = 4096
    yaml.dump(mapping.data, sys.stdout)


def _document(app: AppContext, reference: str) -> MappingDocument:
    """A mapping file by path, or a recorded revision by its id."""
    path = Path(reference)
    if path.is_file():
        document = load_document(path, reference)
    elif reference.isdigit():
        with app.database().session() as session:
            revision = get_revision(session, int(reference))
            label = f"revision {revision.id} ({revision.path} version {revision.version})"
            document = parse_document(revision.content, label)
    else:
        raise ValidationError(f"{reference!r} is neither a file nor a revision id")
    if not document.readable:
        raise MappingInvalid(document.problems)
    return document


@mappings_group.command("diff")
@click.argument("old")
@click.argument("new")
@pass_app
def diff(app: AppContext, old: str, new: str) -> None:
    """Show what changed between two mapping files or revisions (paths or revision ids), by section and key."""
    changes = diff_data(_document(app, old).data, _document(app, new).data)
    if not changes:
        click.echo("no differences")
        return
    for change in changes:
        click.echo(str(change))


@mappings_group.command("suggest")
@click.option("--shop", required=True, help="The shop whose mapping to complete.")
@click.option("--section", type=click.Choice(SECTIONS), default="characteristics", show_default=True)
@click.option("--apply", "apply_", is_flag=True, help="Write the proposals scoring at least --min-score.")
@click.option("--min-score", type=click.FloatRange(0, 1), default=0.9, show_default=True)
@click.option("--author", default=_default_author, show_default="your user name")
@pass_app
def suggest_command(app: AppContext, shop: str, section: str, apply_: bool, min_score: float, author: str) -> None:
    """Propose matches between local names and values and the marketplace's (needs a downloaded category tree)."""
    mappings_dir = app.settings.mappings_dir
    with app.database().session() as session:
        marketplace = get_shop(session, shop).marketplace
        mapping = load_mapping(mappings_dir, marketplace, shop)
        proposals = suggest(session, mapping, section)
        if not proposals:
            click.echo(f"nothing to propose for {section}: is {marketplace}'s category tree downloaded, and are "
                       "categories mapped?")
            return
        for proposal in sorted(proposals, key=lambda s: (-s.score, s.path)):
            click.echo(str(proposal))
        if not apply_:
            return
        written, result = apply_suggestions(session, mappings_dir, mapping, proposals, section=section,
                                            min_score=min_score, author=author)
    if result is None or result.revision_id is None:
        click.echo(f"no proposal scores at least {min_score:g} (or they are all there already): nothing written")
    else:
        click.echo(f"wrote {len(written)} proposals to {result.name} (version {result.version}, revision "
                   f"{result.revision_id})")


@mappings_group.command("history")
@click.argument("name")
@pass_app
def history_command(app: AppContext, name: str) -> None:
    """List the saved revisions of a file (e.g. kaspi.yaml or shops/kz-main.yaml), newest first."""
    with app.database().session() as session:
        rows = [(r.id, r.version, r.created_at.strftime("%Y-%m-%d %H:%M"), r.author, r.message, r.sha256[:12])
                for r in history(session, name)]
    if not rows:
        click.echo(f"no revisions of {name} yet: they are recorded when a change is saved through erpsync")
        return
    print_table(name, ["revision", "version", "saved at (UTC)", "author", "message", "sha256"], rows)


@mappings_group.command("restore")
@click.argument("revision", type=int)
@click.option("--author", default=_default_author, show_default="your user name")
@click.option("--message", help="Why (default: which revision was restored).")
@pass_app
def restore(app: AppContext, revision: int, author: str, message: str | None) -> None:
    """Write a revision's text back as the next version of its file."""
    mappings_dir = app.settings.mappings_dir
    with app.database().session() as session:
        name = get_revision(session, revision).path
        current = load_document(mappings_dir / name, name)
        if current.version is None:
            raise MappingInvalid(current.problems)
        result = restore_revision(session, mappings_dir, revision, expected_version=current.version, author=author,
                                  message=message)
    if result.revision_id is None:
        click.echo(f"{name} already has the content of revision {revision}: nothing written")
        return
    click.echo(f"restored revision {revision} as {name} version {result.version} (revision {result.revision_id})")
    for change in result.changes:
        click.echo(f"  {change}")


COMMANDS = [mappings_group]
