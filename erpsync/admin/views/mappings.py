"""The mapping editor (accountants and admins): every marketplace's mapping file and every shop's override
file as tables — statuses, delivery, payment, categories, characteristics — with the check's messages on
the rows, a review of the change (its diff) before saving, "match automatically", the revision history
with "restore", and creating a shop's override file.

A table is posted twice: "Review" shows the change as it would be saved (``preview_mapping``: the diff,
the file's lines that change, the check's problems on their rows), "Save" saves it with the version the
page was opened at (``save_mapping``: a file changed since by someone else is a conflict, never
overwritten). The tables and their reading are in ``erpsync.admin.mapping_editor``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import abort, flash, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_sqlalchemy_lite import SQLAlchemy
from sqlalchemy import select

from erpsync.admin.app import app_settings, panel_db
from erpsync.admin.i18n import order_status_label
from erpsync.admin.mapping_editor.edits import code_value, file_edits
from erpsync.admin.mapping_editor.files import (
    MappingFile,
    accounting_vocabulary,
    list_files,
    new_shop_file_text,
    open_file,
)
from erpsync.admin.mapping_editor.placing import PlacedProblems, place
from erpsync.admin.mapping_editor.sections import TABS, editor_for, mapped_categories, tab_of
from erpsync.admin.views.base import PanelView
from erpsync.core.errors import ConflictError, ErpsyncError, NotFoundError, ValidationError
from erpsync.core.marketplaces import MARKETPLACES
from erpsync.mapping import (
    CheckContext,
    Edit,
    MappingInvalid,
    Preview,
    Problem,
    check_file,
    diff_data,
    get_revision,
    parse_document,
    preview_mapping,
    restore_revision,
    save_mapping,
    save_mapping_text,
    suggest,
)
from erpsync.mapping import history as mapping_history
from erpsync.mapping.document import SHOPS_FOLDER
from erpsync.mapping.store import resolve
from erpsync.mapping.suggest import SECTIONS as MATCH_SECTIONS
from erpsync.mapping.suggest import Suggestion, confident, match_key, similarity
from erpsync.mapping.translate import shop_file
from erpsync.models import ACCOUNTING_STATUSES, MappingRevision, MarketplaceCategory, Shop
from erpsync.sync.users import ROLE_ACCOUNTANT

MENU_ORDER = 15
ACCEPT_FROM = 0.9  # suggestions scoring at least this are ticked when the page opens
SEARCH_LIMIT = 50

TAB_TITLES = {
    "statuses": _l("Statuses"),
    "delivery": _l("Delivery"),
    "payment": _l("Payment"),
    "categories": _l("Categories"),
    "characteristics": _l("Characteristics"),
}


def _mappings_dir() -> Path:
    return app_settings().mappings_dir


def _author() -> str:
    return str(current_user.username)


def tab_counts(placed: PlacedProblems) -> dict[str | None, tuple[int, int]]:
    """Errors and warnings per tab (None: about the file as a whole)."""
    counts: dict[str | None, tuple[int, int]] = {}
    for path, problem in placed.placed:
        errors, warnings = counts.get(tab_of(path), (0, 0))
        counts[tab_of(path)] = (errors + problem.is_error, warnings + (not problem.is_error))
    return counts


class MappingsView(PanelView):
    required_role = ROLE_ACCOUNTANT

    def __init__(self) -> None:
        super().__init__(name=_l("Mappings"), endpoint="mappings", url="mappings")

    def render(self, template: str, **kwargs: Any) -> str:
        kwargs.setdefault("marketplace_title", lambda name: MARKETPLACES[name].title if name in MARKETPLACES else name)
        kwargs.setdefault("accounting_choices", lambda: [(s, order_status_label(s)) for s in ACCOUNTING_STATUSES])
        kwargs.setdefault("tabs_title", lambda tab: TAB_TITLES.get(tab, tab))
        return super().render(template, **kwargs)

    # --- the list of files -------------------------------------------------------------------------

    @expose("/")
    def index(self) -> str:
        marketplace_files, shop_files, without = list_files(_mappings_dir(), panel_db().session)
        return self.render("erpsync/mappings/index.html", marketplace_files=marketplace_files,
                           shop_files=shop_files, without=without, marketplaces=MARKETPLACES)

    @expose("/shop-file", methods=("POST",))
    def create_shop_file(self) -> ResponseReturnValue:
        """Create a shop's override file (nothing overridden yet) and open it."""
        session = panel_db().session
        shop = session.get(Shop, request.form.get("shop", type=int) or 0)
        if shop is None:
            abort(404)
        try:
            name = f"{SHOPS_FOLDER}/{shop_file(_mappings_dir(), shop.name).name}"
            save_mapping_text(session, _mappings_dir(), name, new_shop_file_text(shop), expected_version=0,
                              author=_author(), message=f"override file of shop {shop.name} created")
            session.commit()
        except ErpsyncError as error:
            session.rollback()
            flash(str(error), "error")
            return redirect(url_for(".index"))
        flash(_("%(name)s created: what you change in it applies to shop %(shop)s only.", name=name,
                shop=shop.name), "success")
        return redirect(url_for(".edit", tab="statuses", file_name=name))

    # --- a file's tables ---------------------------------------------------------------------------

    def _open(self, name: str) -> MappingFile | ResponseReturnValue:
        try:
            return open_file(_mappings_dir(), name)
        except NotFoundError:
            abort(404)
        except ValidationError as error:
            return self.render("erpsync/mappings/unreadable.html", name=name, reason=str(error)), 422

    @expose("/<tab>/<path:file_name>", methods=("GET", "POST"))
    def edit(self, tab: str, file_name: str) -> ResponseReturnValue:
        name = file_name
        if tab not in TABS:
            abort(404)
        file = self._open(name)
        if not isinstance(file, MappingFile):
            return file
        category = request.values.get("category") or None
        editor = editor_for(tab, category)
        if editor is None:
            problems = self._current_problems(file)
            return self.render("erpsync/mappings/characteristic_categories.html", file=file, tab=tab,
                               tabs=self._tabs(file, problems), categories=mapped_categories(file), preview=None,
                               expected=file.version,
                               file_problems=[p for path, p in place(problems, file.documents()).placed
                                              if tab_of(path) is None])
        if request.method == "GET":
            return self._render_tab(file, editor, self._current_problems(file), file.version)
        read = editor.read(request.form, file)
        edits = file_edits(file.own, file.base_data, read.desired, read.resets)
        return self._review_or_save(file, edits, read.errors, lambda shown, preview, **state: self._render_tab(
            shown, editor, list(preview.problems), state.pop("expected"), preview=preview, **state),
            url_for(".edit", tab=tab, file_name=name, category=category))

    def _current_problems(self, file: MappingFile) -> list[Problem]:
        return check_file(file.path, CheckContext(_mappings_dir(), panel_db().session), file.name)

    def _tabs(self, file: MappingFile, problems: list[Problem]) -> list[tuple[str, Any, tuple[int, int]]]:
        counts = tab_counts(place(problems, file.documents()))
        return [(tab, TAB_TITLES[tab], counts.get(tab, (0, 0))) for tab in TABS]

    def _review_or_save(self, file: MappingFile, edits: list[Edit], form_errors: list[str], render: Any,
                        saved_url: str, message: str = "") -> ResponseReturnValue:
        """"Review": show what saving ``edits`` would do; "Save": save them at the version the page was
        opened at, or show why not (a conflict, errors the change brings)."""
        session = panel_db().session
        expected = request.form.get("version", type=int)
        if expected is None:
            abort(400)
        conflict = None
        if request.form.get("action") == "save" and not form_errors:
            try:
                result = save_mapping(session, _mappings_dir(), file.name, edits, expected_version=expected,
                                      author=_author(), message=request.form.get("message", "").strip() or message)
                session.commit()
            except ConflictError as error:
                session.rollback()
                conflict = error.message
            except MappingInvalid:
                session.rollback()  # the review below shows the errors on their rows
            else:
                if result.revision_id is None:
                    flash(_("Nothing to save: the file already reads like this."), "info")
                else:
                    flash(_("%(name)s saved as version %(version)d (%(count)d changes).", name=file.name,
                            version=result.version, count=len(result.changes)), "success")
                return redirect(saved_url)
        elif expected != file.version:
            conflict = (f"{file.name} is at version {file.version}, the change was made to version {expected}")
        preview = preview_mapping(session, _mappings_dir(), file.name, edits)
        shown = file.with_text(preview.text)
        changes = list(preview.changes)
        if file.is_shop:  # what changes for the shop: its file merged over the marketplace's, before and after
            changes = [c for c in diff_data(file.effective, shown.effective) if c.path != ("version",)]
        return render(shown, preview, expected=expected, conflict=conflict, form_errors=form_errors,
                      message=request.form.get("message", "") or message, changes=changes)

    def _render_tab(self, file: MappingFile, editor: Any, problems: list[Problem], expected: int,
                    preview: Preview | None = None, **state: Any) -> ResponseReturnValue:
        session = panel_db().session
        placed = place(problems, file.documents())
        tables = editor.rows(file, placed, accounting_vocabulary(_mappings_dir()), session)
        file_problems = [problem for path, problem in placed.placed if tab_of(path) is None]
        page = self.render(
            f"erpsync/mappings/{'methods' if editor.tab in ('delivery', 'payment') else editor.tab}.html",
            file=file, tab=editor.tab, tabs=self._tabs(file, problems), tables=tables, expected=expected,
            preview=preview, file_problems=file_problems, vocabulary=accounting_vocabulary(_mappings_dir()),
            category=getattr(editor, "category", None), **state,
        )
        return page, 422 if state.get("conflict") or state.get("form_errors") else 200

    # --- match automatically -----------------------------------------------------------------------

    @expose("/match/<section>/<path:file_name>", methods=("GET", "POST"))
    def match(self, section: str, file_name: str) -> ResponseReturnValue:
        """Suggestions with their scores; the ticked ones are reviewed and saved like a table."""
        name = file_name
        if section not in MATCH_SECTIONS:
            abort(404)
        file = self._open(name)
        if not isinstance(file, MappingFile):
            return file
        mapping = file.effective_mapping()
        if request.method == "GET":
            suggestions = suggest(panel_db().session, mapping, section)
            ticked = [s.score >= ACCEPT_FROM for s in suggestions]
            return self._render_match(file, section, suggestions, ticked, file.version)
        suggestions, ticked = _posted_suggestions(request.form, section)
        accepted = [s for s, tick in zip(suggestions, ticked, strict=True) if tick]
        chosen = confident(accepted, mapping, 0.0)
        left_out = len(accepted) - len(chosen)
        edits = [Edit(s.path, code_value(s.code)) for s in chosen]
        note = f"auto-match: {len(chosen)} {section} suggestions accepted"
        return self._review_or_save(
            file, edits, [], lambda shown, preview, **state: self._render_match(
                shown, section, suggestions, ticked, state.pop("expected"), preview=preview, left_out=left_out,
                **state),
            url_for(".match", section=section, file_name=name), message=note)

    def _render_match(self, file: MappingFile, section: str, suggestions: list[Suggestion], ticked: list[bool],
                      expected: int, preview: Preview | None = None, **state: Any) -> ResponseReturnValue:
        problems = list(preview.problems) if preview is not None else self._current_problems(file)
        downloaded = panel_db().session.scalar(select(MarketplaceCategory.id).where(
            MarketplaceCategory.marketplace == file.marketplace).limit(1)) is not None
        page = self.render("erpsync/mappings/match.html", file=file, tab=section, section=section,
                           tabs=self._tabs(file, problems), rows=list(zip(suggestions, ticked, strict=True)),
                           expected=expected, preview=preview, downloaded=downloaded,
                           placed=place(problems, file.documents()), **state)
        return page, 422 if state.get("conflict") else 200

    # --- the marketplace's categories, searched -----------------------------------------------------

    @expose("/categories.json")
    def search_categories(self) -> ResponseReturnValue:
        """``?marketplace=kaspi&q=блокнот``: the downloaded categories whose name or code holds every word of
        the query, compared as auto-match compares names (case, Cyrillic or Latin, Ukrainian or Russian
        spelling set aside), the closest first."""
        marketplace = request.args.get("marketplace", "")
        if marketplace not in MARKETPLACES:
            abort(404)
        query = request.args.get("q", "")
        words = [match_key(word) for word in query.split() if match_key(word)]
        rows = panel_db().session.execute(select(
            MarketplaceCategory.code, MarketplaceCategory.title, MarketplaceCategory.parent_code,
            MarketplaceCategory.is_leaf).where(MarketplaceCategory.marketplace == marketplace)).all()
        titles = {row.code: (row.title, row.parent_code) for row in rows}
        found = []
        for row in rows:
            text = match_key(row.title) + " " + match_key(row.code)
            if all(word in text for word in words):
                closeness = max(similarity(query, row.title), similarity(query, row.code)) if words else 0.0
                found.append((-closeness, not row.is_leaf, row.title.casefold(), row))
        found.sort(key=lambda item: item[:3])
        return jsonify({"downloaded": bool(rows), "categories": [
            {"code": row.code, "title": row.title, "leaf": row.is_leaf,
             "path": _category_path(titles, row.parent_code)} for *_, row in found[:SEARCH_LIMIT]]})

    # --- history -------------------------------------------------------------------------------------

    @expose("/history/<path:file_name>")
    def history(self, file_name: str) -> ResponseReturnValue:
        name = file_name
        try:
            path = resolve(_mappings_dir(), name)
        except ValidationError:
            abort(404)
        revisions = mapping_history(panel_db().session, name)
        current = parse_document(path.read_text(encoding="utf-8"), name) if path.is_file() else None
        if current is None and not revisions:
            abort(404)
        editable = current is not None and current.readable and path.name != "accounting.yaml"
        return self.render("erpsync/mappings/history.html", name=name, revisions=revisions,
                           current_version=current.version if current is not None else None, editable=editable,
                           tabs=None)

    @expose("/revision/<int:revision_id>")
    def revision(self, revision_id: int) -> ResponseReturnValue:
        session = panel_db().session
        try:
            revision = get_revision(session, revision_id)
        except NotFoundError:
            abort(404)
        previous = session.scalar(select(MappingRevision).where(
            MappingRevision.path == revision.path, MappingRevision.id < revision.id)
            .order_by(MappingRevision.id.desc()).limit(1))
        path = _mappings_dir() / revision.path
        now_text = path.read_text(encoding="utf-8") if path.is_file() else ""
        now = parse_document(now_text, revision.path)
        then = parse_document(revision.content, revision.path)
        before = parse_document(previous.content, revision.path).data if previous is not None else {}
        return self.render(
            "erpsync/mappings/revision.html", revision=revision, previous=previous,
            changes=diff_data(before, then.data), restore_changes=diff_data(now.data, then.data),
            line_diff=_line_diff(previous.content if previous is not None else "", revision.content, revision.path),
            current_version=now.version, tabs=None,
        )

    @expose("/revision/<int:revision_id>/restore", methods=("POST",))
    def restore(self, revision_id: int) -> ResponseReturnValue:
        session = panel_db().session
        expected = request.form.get("version", type=int)
        if expected is None:
            abort(400)
        try:
            revision = get_revision(session, revision_id)
            result = restore_revision(session, _mappings_dir(), revision_id, expected_version=expected,
                                      author=_author())
            session.commit()
        except NotFoundError:
            abort(404)
        except MappingInvalid as error:
            session.rollback()
            flash(_("This version cannot be restored: it does not pass the check today."), "error")
            for problem in error.problems[:10]:
                flash(str(problem), "error")
            return redirect(url_for(".revision", revision_id=revision_id))
        except ErpsyncError as error:
            session.rollback()
            flash(str(error), "error")
            return redirect(url_for(".revision", revision_id=revision_id))
        if result.revision_id is None:
            flash(_("Nothing to restore: the file already reads like this version."), "info")
        else:
            flash(_("Version %(old)d of %(name)s restored as version %(version)d.", old=revision.version,
                    name=revision.path, version=result.version), "success")
        return redirect(url_for(".history", file_name=revision.path))


def _category_path(titles: dict[str, tuple[str, str | None]], parent: str | None) -> str:
    names: list[str] = []
    seen: set[str] = set()
    while parent is not None and parent in titles and parent not in seen:
        seen.add(parent)
        title, parent = titles[parent]
        names.append(title)
    return " / ".join(reversed(names))


def _line_diff(old: str, new: str, name: str) -> list[str]:
    import difflib

    return list(difflib.unified_diff(old.splitlines(), new.splitlines(), fromfile=name, tofile=name, lineterm="",
                                     n=1))


def _posted_suggestions(form: Any, section: str) -> tuple[list[Suggestion], list[bool]]:
    """The suggestions a match page carried (as hidden fields), and which of them are ticked."""
    from erpsync.admin.mapping_editor.sections import PostedRows

    suggestions = []
    ticked = []
    for row in PostedRows(form).rows("sg"):
        try:
            path = tuple(str(part) for part in json.loads(row.get("path", "")))
            score = float(row.get("score", "0"))
        except (ValueError, TypeError):
            abort(400)
        if not path or path[0] != section or not row.get("code"):
            abort(400)
        suggestions.append(Suggestion(section, path, row.get("local", ""), row["code"], row.get("label") or None,
                                      score))
        ticked.append(bool(row.get("accept")))
    return suggestions, ticked


def make_views(db: SQLAlchemy) -> list[MappingsView]:
    return [MappingsView()]
