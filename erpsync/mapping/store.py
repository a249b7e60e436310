"""Saving changes to mapping files (the admin panel's and ``mappings suggest --apply``'s way in).

A save:

1. locks the file (one save at a time per file, across processes);
2. refuses a change based on another version than the file's (optimistic locking on ``version``);
3. edits the round-trip tree, so comments, key order and quoting stay and only the changed lines
   differ, and bumps ``version``;
4. checks the result exactly as ``erpsync mappings check`` would, and refuses it with the same
   messages (``MappingInvalid``) if the change brings an error the file did not have (errors it had
   already, say a mandatory attribute of a category tree downloaded since, do not block other changes);
5. writes a temporary file next to the target and renames it over the target (never half-written);
6. records a ``MappingRevision`` (author, time, message, the full text, its sha256). Before the first
   save of a file, or when the file was edited outside erpsync since its last revision, the text
   found on disk is recorded first, so that every version can be restored.

``preview_mapping`` runs steps 2–4 without writing anything: the text a save would write, its changes,
its problems and the errors that would make the save refuse it (the admin panel shows them before
saving).

Files are named relative to the mappings folder: ``kaspi.yaml``, ``shops/kz-main.yaml``,
``accounting.yaml``. The caller's session is flushed, not committed: the caller commits.
"""

from __future__ import annotations

import contextlib
import difflib
import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString
from sqlalchemy import select
from sqlalchemy.orm import Session

from erpsync.core.errors import ConflictError, NotFoundError, ValidationError
from erpsync.mapping.diff import Change, diff_data
from erpsync.mapping.document import (
    ACCOUNTING_FILE,
    KIND_SHOP,
    SHOPS_FOLDER,
    MappingDocument,
    dump_tree,
    key_text,
    kind_of,
    parse_document,
)
from erpsync.mapping.problems import MappingInvalid, Problem, errors_of
from erpsync.mapping.validate import CheckContext, check_document
from erpsync.models import MappingRevision, Shop

FILE_AUTHOR = "(file on disk)"


@dataclass(frozen=True)
class Edit:
    """Set ``path`` to ``value`` (mappings given as dicts), or remove the key with ``delete=True``.
    Missing mappings on the way are created."""

    path: tuple[str, ...]
    value: Any = None
    delete: bool = False


@dataclass(frozen=True)
class SaveResult:
    name: str
    version: int
    revision_id: int | None  # None when nothing changed (nothing written, nothing recorded)
    changes: tuple[Change, ...]
    warnings: tuple[Problem, ...]


# --- file names ------------------------------------------------------------------------------------


def resolve(mappings_dir: Path, name: str) -> Path:
    """The file ``name`` inside the mappings folder; anything outside it is refused."""
    relative = Path(name)
    if relative.is_absolute() or ".." in relative.parts or relative.suffix != ".yaml":
        raise ValidationError(f"{name!r} is not a mapping file name (e.g. kaspi.yaml, shops/kz-main.yaml)")
    if len(relative.parts) > 2 or (len(relative.parts) == 2 and relative.parts[0] != SHOPS_FOLDER):
        raise ValidationError(f"{name!r} is not a mapping file name (e.g. kaspi.yaml, shops/kz-main.yaml)")
    return mappings_dir / relative


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock for ``path`` (the lock file lives in the temp folder, not in the repository)."""
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:24]
    lock_path = Path(tempfile.gettempdir()) / f"erpsync-mapping-{digest}.lock"
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o777)
        else:
            os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


# --- reading the current state ---------------------------------------------------------------------


def _current(path: Path, name: str) -> MappingDocument:
    if not path.is_file():
        raise NotFoundError(f"there is no mapping file {name}")
    document = parse_document(path.read_text(encoding="utf-8"), name, kind_of(path))
    if errors_of(document.problems):  # e.g. a duplicate key: a write would silently drop one of them
        raise MappingInvalid(document.problems)
    if not document.readable or document.version is None:
        found = document.problems or [Problem(name, 1, 1, "the file has no valid version: fix it by hand")]
        raise MappingInvalid(found)
    return document


def _check_version(document: MappingDocument, expected_version: int) -> None:
    if document.version != expected_version:
        raise ConflictError(
            f"{document.name} is at version {document.version}, the change was made to version {expected_version}",
            hint="reload the file and make the change again",
        )


# --- editing the round-trip tree -------------------------------------------------------------------


def _to_tree(value: Any) -> Any:
    if isinstance(value, dict):
        tree = CommentedMap()
        for key, item in value.items():
            tree[key] = _to_tree(item)
        return tree
    return value


def _same_style(old: Any, new: Any) -> Any:
    """Keep the quoting of the value being replaced."""
    if isinstance(new, str):
        for style in (DoubleQuotedScalarString, SingleQuotedScalarString):
            if isinstance(old, style):
                return style(new)
    return new


def _find_key(mapping: CommentedMap, key: str) -> Any:
    """The key as written (``1`` or ``"1"``) for the text key ``key``, or ``key`` itself if absent."""
    for written in mapping:
        if key_text(written) == key:
            return written
    return key


def _child_mapping(parent: CommentedMap, key: str) -> CommentedMap:
    written = _find_key(parent, key)
    child = parent.get(written)
    if not isinstance(child, CommentedMap):
        child = CommentedMap()
        parent[written] = child
    if not child and child.fa.flow_style():
        child.fa.set_block_style()  # `section: {}` becomes a block once it has keys
    return child


def apply_edits(tree: CommentedMap, edits: Sequence[Edit]) -> None:
    """Apply ``edits`` to a round-trip tree in place."""
    for edit in edits:
        if not edit.path:
            raise ValidationError("an edit needs a path")
        parent = tree
        for key in edit.path[:-1]:
            parent = _child_mapping(parent, str(key))
        last = _find_key(parent, str(edit.path[-1]))
        if edit.delete:
            if last in parent:
                del parent[last]
            continue
        if not parent and parent.fa.flow_style():
            parent.fa.set_block_style()
        parent[last] = _same_style(parent.get(last), _to_tree(edit.value))


# --- previewing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    """What saving ``edits`` would do to a file, nothing written: ``text`` is the file as a save would
    write it (``version`` bumped when something changes), ``problems`` are the check's findings on it,
    ``refused`` the errors it brings that the file did not have (a save refuses them)."""

    name: str
    version: int  # the file's version now: the one a save of this change must expect
    old_text: str
    text: str
    changes: tuple[Change, ...]
    problems: tuple[Problem, ...]
    refused: tuple[Problem, ...]

    @property
    def line_diff(self) -> list[str]:
        """The lines of the file that change, as a unified diff with one line of context."""
        lines = difflib.unified_diff(self.old_text.splitlines(), self.text.splitlines(), fromfile=self.name,
                                     tofile=self.name, lineterm="", n=1)
        return list(lines)


def preview_mapping(session: Session, mappings_dir: Path, name: str, edits: Sequence[Edit]) -> Preview:
    """What ``save_mapping`` with ``edits`` would write to ``name`` and what the check says of it."""
    path = resolve(mappings_dir, name)
    current = _current(path, name)
    tree = current.tree
    assert tree is not None
    apply_edits(tree, edits)
    new_data = parse_document(dump_tree(tree), name, kind_of(path)).data
    changes = tuple(c for c in diff_data(current.data, new_data) if c.path != ("version",))
    if changes:
        tree["version"] = (current.version or 0) + 1
    text = dump_tree(tree) if changes else current.text
    context = CheckContext(mappings_dir, session)
    problems = check_document(parse_document(text, name, kind_of(path)), path, context)
    known = {problem.message for problem in errors_of(check_document(current, path, context))}
    refused = tuple(problem for problem in errors_of(problems) if problem.message not in known)
    return Preview(name, current.version or 0, current.text, text, changes, tuple(problems), refused)


# --- saving ----------------------------------------------------------------------------------------


def save_mapping(
    session: Session,
    mappings_dir: Path,
    name: str,
    edits: Sequence[Edit],
    *,
    expected_version: int,
    author: str,
    message: str = "",
) -> SaveResult:
    """Apply ``edits`` to the file ``name`` (e.g. ``kaspi.yaml``) if it is at ``expected_version``."""
    path = resolve(mappings_dir, name)
    with _locked(path):
        current = _current(path, name)
        _check_version(current, expected_version)
        tree = current.tree
        assert tree is not None
        apply_edits(tree, edits)
        return _commit(session, mappings_dir, path, name, current, tree, author, message)


def save_mapping_text(
    session: Session,
    mappings_dir: Path,
    name: str,
    text: str,
    *,
    expected_version: int,
    author: str,
    message: str = "",
) -> SaveResult:
    """Replace the file ``name`` with ``text`` (its ``version`` is set to the next one). With
    ``expected_version=0`` the file must not exist yet: that creates a shop's file."""
    path = resolve(mappings_dir, name)
    with _locked(path):
        if expected_version == 0:
            if path.exists():
                raise ConflictError(f"{name} exists already", hint="load it and save a change to its version")
            current = None
        else:
            current = _current(path, name)
            _check_version(current, expected_version)
        new = parse_document(text, name, kind_of(path))
        context = CheckContext(mappings_dir, session)
        before = check_document(current, path, context) if current is not None else []
        _refuse_new_errors(check_document(new, path, context), before)  # the text as given: duplicate keys too
        tree = new.tree
        assert tree is not None
        return _commit(session, mappings_dir, path, name, current, tree, author, message)


def restore_revision(
    session: Session,
    mappings_dir: Path,
    revision_id: int,
    *,
    expected_version: int,
    author: str,
    message: str | None = None,
) -> SaveResult:
    """Write a recorded revision's text back as the next version of its file."""
    revision = session.get(MappingRevision, revision_id)
    if revision is None:
        raise NotFoundError(f"there is no mapping revision {revision_id}")
    text = revision.content
    note = message or f"restore revision {revision.id} (version {revision.version})"
    return save_mapping_text(session, mappings_dir, revision.path, text, expected_version=expected_version,
                             author=author, message=note)


def _commit(
    session: Session,
    mappings_dir: Path,
    path: Path,
    name: str,
    current: MappingDocument | None,
    tree: CommentedMap,
    author: str,
    message: str,
) -> SaveResult:
    old_version = current.version if current is not None else 0
    old_data = current.data if current is not None else {}
    new_data = parse_document(dump_tree(tree), name, kind_of(path)).data
    changes = [c for c in diff_data(old_data, new_data) if c.path != ("version",)]
    if current is not None and not changes:
        return SaveResult(name, old_version or 0, None, (), ())
    version = (old_version or 0) + 1
    tree["version"] = version
    text = dump_tree(tree)
    context = CheckContext(mappings_dir, session)
    problems = check_document(parse_document(text, name, kind_of(path)), path, context)
    _refuse_new_errors(problems, check_document(current, path, context) if current is not None else [])
    if current is not None:
        _record_disk_state(session, name, current)
    _write_atomically(path, text)
    revision = _record(session, name, path, version, author, message, text)
    return SaveResult(name, version, revision.id, tuple(changes), tuple(problems))


def _refuse_new_errors(problems: list[Problem], before: list[Problem]) -> None:
    """Refuse a result with an error the file did not have before the change (compared by message, since
    lines move). Errors the file had already (e.g. a mandatory attribute of a category tree downloaded
    since) do not block other changes: ``check`` goes on reporting them."""
    known = {problem.message for problem in errors_of(before)}
    if any(problem.message not in known for problem in errors_of(problems)):
        raise MappingInvalid(problems)


def _marketplace_of(name: str, text_data: dict[str, Any]) -> str:
    if Path(name).name == ACCOUNTING_FILE:
        return "accounting"
    return str(text_data.get("marketplace") or "")[:32]


def _record(session: Session, name: str, path: Path, version: int, author: str, message: str,
            text: str) -> MappingRevision:
    data = parse_document(text, name, kind_of(path)).data
    shop_id = None
    if kind_of(path) == KIND_SHOP:
        shop_id = session.scalar(select(Shop.id).where(Shop.name == path.stem))
    revision = MappingRevision(
        marketplace=_marketplace_of(name, data),
        shop_id=shop_id,
        path=name,
        version=version,
        author=author[:128],
        message=message,
        content=text,
        sha256=_sha256(text),
    )
    session.add(revision)
    session.flush()
    return revision


def _record_disk_state(session: Session, name: str, current: MappingDocument) -> None:
    """Record the text on disk unless the latest revision of the file is exactly it."""
    latest = session.scalar(
        select(MappingRevision).where(MappingRevision.path == name).order_by(MappingRevision.id.desc()).limit(1)
    )
    if latest is not None and latest.sha256 == _sha256(current.text):
        return
    note = "the file as found on disk before a save" + (" (edited outside erpsync)" if latest is not None else "")
    _record(session, name, Path(name), current.version or 0, FILE_AUTHOR, note, current.text)


# --- reading history -------------------------------------------------------------------------------


def history(session: Session, name: str) -> list[MappingRevision]:
    """The recorded revisions of a file, newest first."""
    return list(session.scalars(
        select(MappingRevision).where(MappingRevision.path == name).order_by(MappingRevision.id.desc())
    ))


def get_revision(session: Session, revision_id: int) -> MappingRevision:
    revision = session.get(MappingRevision, revision_id)
    if revision is None:
        raise NotFoundError(f"there is no mapping revision {revision_id}")
    return revision

