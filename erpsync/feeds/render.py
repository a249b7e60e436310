"""Streaming a shop's feed through its Jinja2 template into a file, atomically.

The template gets the shop header and an iterator of offers (``erpsync.feeds.offers``) that reads
the database chunk by chunk; ``Template.generate()`` yields the document piece by piece and the
pieces are written as they come, so memory stays flat. The file is written under a temporary name in
the target folder and renamed over the old feed only when complete: a marketplace never downloads a
half-written feed.

Autoescape is on for XML templates; ``cdata`` wraps HTML safely (``]]>`` split), ``csv_row`` quotes
a CSV line. A template error becomes a ``FeedTemplateError`` naming the template file and line.
"""

from __future__ import annotations

import csv
import io
import os
import traceback
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, TemplateSyntaxError
from markupsafe import Markup

from erpsync.core.errors import ErpsyncError
from erpsync.feeds.offers import clean_text
from erpsync.feeds.pricing import format_amount

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "feed_templates"
_FLUSH_CHARS = 1 << 18


class FeedTemplateError(ErpsyncError):
    """A feed template is wrong; the message names the template file and line."""


@dataclass(frozen=True, slots=True)
class CategoryNode:
    id: int
    parent_id: int | None
    name: str
    name_ru: str


def cdata(text: str | None) -> Markup:
    """``text`` as a CDATA section; a ``]]>`` inside is split so it cannot end the section early."""
    body = clean_text(text).replace("]]>", "]]]]><![CDATA[>")
    return Markup(f"<![CDATA[{body}]]>")


def amount(value: Decimal | None, whole: bool = False) -> str:
    """A price as feeds write it: ``1299`` or ``1299.50``; ``whole`` rounds to whole units first."""
    if value is None:
        return ""
    return format_amount(value, Decimal("1") if whole else Decimal("0.01"))


def csv_row(values: Iterable[Any], delimiter: str = ",") -> str:
    """One CSV line (quoted as needed, no line end) of ``values``; ``None`` is an empty field."""
    buffer = io.StringIO()
    # The writer quotes a field holding a character of its line terminator: with "\r\n" a description's line
    # breaks are quoted (with "" they were not, and broke the row in two); the terminator is cut off after.
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerow(
        ["" if v is None else clean_text(str(v)) for v in values]
    )
    return buffer.getvalue()[:-2]


def number(value: Decimal | int | None) -> str:
    """A measure without trailing zeros (``0.25``, ``12``); empty for ``None``."""
    if value is None:
        return ""
    return format(Decimal(value).normalize(), "f")


def _is_xml(name: str | None) -> bool:
    """Autoescape everything but CSV templates (XML by default: an included piece is escaped too)."""
    return not (name or "").endswith(".csv.j2")


def feed_environment(templates_dir: Path | None = None) -> Environment:
    """The Jinja2 environment of the feed templates."""
    environment = Environment(
        loader=FileSystemLoader(str(templates_dir or TEMPLATES_DIR)),
        autoescape=_is_xml,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    environment.filters.update(cdata=cdata, amount=amount, csv_row=csv_row, number=number, clean=clean_text)
    return environment


def _template_location(error: BaseException, templates_dir: Path) -> tuple[str, int] | None:
    """(template file, line) where ``error`` was raised, when it was raised by template code itself."""
    if isinstance(error, TemplateSyntaxError):
        return (error.filename or error.name or "?"), error.lineno
    frames = traceback.extract_tb(error.__traceback__)
    root = str(templates_dir)
    last = None
    for index, frame in enumerate(frames):
        if frame.filename.startswith(root):
            last = index
    if last is None:
        return None
    # raised in our own code called from the template (e.g. reading the database): not a template error
    if any("/erpsync/" in frame.filename and not frame.filename.startswith(root) for frame in frames[last + 1:]):
        return None
    return frames[last].filename, frames[last].lineno or 0


def template_error(error: BaseException, templates_dir: Path) -> FeedTemplateError | None:
    location = _template_location(error, templates_dir)
    if location is None:
        return None
    path, line = location
    name = os.path.relpath(path, templates_dir.parent) if os.path.isabs(path) else path
    return FeedTemplateError(f"feed template {name}, line {line}: {error}")


def write_stream(pieces: Iterator[str], handle: TextIO) -> int:
    """Write ``pieces`` in batches of about 256 kB; return the characters written."""
    written = 0
    batch: list[str] = []
    size = 0
    for piece in pieces:
        batch.append(piece)
        size += len(piece)
        if size >= _FLUSH_CHARS:
            handle.write("".join(batch))
            written += size
            batch.clear()
            size = 0
    if batch:
        handle.write("".join(batch))
        written += size
    return written


def render_to_file(
    environment: Environment,
    template_name: str,
    context: Mapping[str, Any],
    target: Path,
    *,
    templates_dir: Path | None = None,
) -> int:
    """Render ``template_name`` with ``context`` into ``target`` atomically; return its size in bytes."""
    templates_dir = templates_dir or Path(environment.loader.searchpath[0])  # type: ignore[union-attr]
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        template = environment.get_template(template_name)
        with open(temporary, "w", encoding="utf-8", newline="", buffering=1 << 20) as handle:
            write_stream(template.generate(**context), handle)
        os.replace(temporary, target)
    except (TemplateError, TypeError, AttributeError, ValueError, KeyError, IndexError) as error:
        temporary.unlink(missing_ok=True)
        wrapped = template_error(error, templates_dir)
        if wrapped is not None:
            raise wrapped from None
        raise
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return target.stat().st_size


def category_tree(
    categories: Iterable[tuple[int, int | None, str, str | None]], used: Iterable[int]
) -> list[CategoryNode]:
    """The used categories and all their ancestors, parents before children (YML ``categories``)."""
    by_id = {row[0]: row for row in categories}
    wanted: set[int] = set()
    for category_id in used:
        node = by_id.get(category_id)
        while node is not None and node[0] not in wanted:
            wanted.add(node[0])
            node = by_id.get(node[1]) if node[1] is not None else None
    ordered: list[CategoryNode] = []
    placed: set[int] = set()

    def place(category_id: int) -> None:
        row = by_id[category_id]
        if category_id in placed:
            return
        if row[1] is not None and row[1] in wanted:
            place(row[1])
        placed.add(category_id)
        ordered.append(CategoryNode(row[0], row[1] if row[1] in wanted else None, clean_text(row[2]),
                                    clean_text(row[3]) or clean_text(row[2])))

    for category_id in sorted(wanted):
        place(category_id)
    return ordered


def name_paths(categories: Iterable[tuple[int, int | None, str]]) -> dict[int, str]:
    """Each category's path of names from the root: ``Електроніка / Смартфони`` (as mapping files key them)."""
    rows = {row[0]: row for row in categories}
    paths: dict[int, str] = {}

    def path(category_id: int) -> str:
        if category_id not in paths:
            _id, parent, name = rows[category_id]
            paths[category_id] = f"{path(parent)} / {name}" if parent in rows else name
        return paths[category_id]

    for category_id in rows:
        path(category_id)
    return paths


def feed_date(moment: datetime | None = None) -> str:
    """The YML header's date: ``YYYY-MM-DD hh:mm`` (UTC)."""
    return (moment or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M")


__all__ = [
    "TEMPLATES_DIR",
    "CategoryNode",
    "FeedTemplateError",
    "amount",
    "category_tree",
    "cdata",
    "csv_row",
    "feed_date",
    "feed_environment",
    "name_paths",
    "render_to_file",
    "write_stream",
]

