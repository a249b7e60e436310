"""The sync log: runs (one row per sync of a kind for a shop, with counts), events (an item that failed,
a warning; searchable by text) and the outbox (changes to deliver; a failed one shows payload and error).

A push that failed for good has a "Send again" button on its page (``retry_message`` of the outbox);
a failed run has "Run again" on its page and on the pages of its events (``erpsync.jobs.launch.run_again``:
its RQ job back on its queue, or the same kind for the same shop started afresh — inline without Redis).
An event's page has the block ``event_actions`` for actions on what the event is about.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy_lite import SQLAlchemy
from sqlalchemy import select

from erpsync.admin.app import app_database, app_settings, panel_db
from erpsync.admin.i18n import RUN_STATUS_LABELS
from erpsync.admin.runs import started_message
from erpsync.admin.views.base import (
    ChoiceFilter,
    DistinctValueFilter,
    LocalDayFilter,
    LocalDayRangeFilter,
    PanelModelView,
    ShopFilter,
    detail_json_formatter,
    detail_text_formatter,
    level_formatter,
    shop_name_formatter,
    shop_names,
)
from erpsync.core.errors import ErpsyncError
from erpsync.jobs.launch import kind_of_run, run_again
from erpsync.models import OutboxMessage, SyncEvent, SyncRun
from erpsync.models.integration import (
    LOG_LEVELS,
    OUTBOX_DONE,
    OUTBOX_FAILED,
    OUTBOX_IN_PROGRESS,
    OUTBOX_PENDING,
    RUN_FAILED,
    RUN_PARTIAL,
    RUN_RUNNING,
    RUN_SKIPPED,
    RUN_SUCCESS,
)
from erpsync.sync.outbox import retry_message

MENU_ORDER = 20
CATEGORY = _l("Sync log")
RUN_STATUSES = (RUN_RUNNING, RUN_SUCCESS, RUN_PARTIAL, RUN_FAILED, RUN_SKIPPED)
OUTBOX_STATES = (OUTBOX_PENDING, OUTBOX_IN_PROGRESS, OUTBOX_DONE, OUTBOX_FAILED)


class SyncRunView(PanelModelView):
    details_template = "erpsync/log/run_details.html"
    column_list = ("started_at", "shop", "kind", "status", "fetched", "created", "updated", "skipped", "failed",
                   "message")
    column_labels = {
        "started_at": _l("Started"), "finished_at": _l("Finished"), "shop": _l("Shop"), "kind": _l("Kind"),
        "status": _l("Outcome"), "fetched": _l("Fetched"), "created": _l("Created"), "updated": _l("Updated"),
        "skipped": _l("Skipped"), "failed": _l("Failed"), "message": _l("Message"), "job_id": _l("Job"),
    }
    column_default_sort = ("id", True)
    column_sortable_list = ("started_at", "kind", "status", "failed")
    column_searchable_list = ("message",)
    column_formatters = {"shop": shop_name_formatter, "status": level_formatter}
    column_formatters_detail = {"shop": shop_name_formatter, "message": detail_text_formatter}
    column_details_list = ("id", "started_at", "finished_at", "shop", "kind", "status", "fetched", "created",
                           "updated", "skipped", "failed", "message", "job_id")
    filter_keys = ("shop", "kind", "status", "started_on", "started_between")

    def __init__(self, db: SQLAlchemy) -> None:
        self.column_filters = [
            ShopFilter(SyncRun.shop_id),
            DistinctValueFilter(SyncRun.kind, _l("Kind")),
            ChoiceFilter(SyncRun.status, _l("Outcome"), RUN_STATUSES, RUN_STATUS_LABELS),
            LocalDayFilter(SyncRun.started_at, _l("Started")),
            LocalDayRangeFilter(SyncRun.started_at, _l("Started")),
        ]
        super().__init__(SyncRun, db, name=_l("Runs"), category=CATEGORY, endpoint="runs", url="log/runs")

    def render(self, template: str, **kwargs: Any) -> str:
        if template == self.details_template and kwargs.get("model") is not None:
            kwargs["events"] = list(
                panel_db().session.scalars(
                    select(SyncEvent).where(SyncEvent.run_id == kwargs["model"].id).order_by(SyncEvent.id).limit(500)
                )
            )
            kwargs["run"] = kwargs["model"]
        kwargs.setdefault("can_run_again", can_run_again)
        return super().render(template, **kwargs)

    @expose("/<int:run_id>/run-again", methods=("POST",))
    def run_again(self, run_id: int) -> ResponseReturnValue:
        """Run a failed run once more: its job back on its queue, or started afresh (inline without Redis)."""
        session = panel_db().session
        run = session.get(SyncRun, run_id)
        if run is None:
            abort(404)
        shop = shop_names().get(run.shop_id, "") if run.shop_id else ""
        session.expunge(run)
        session.close()  # an inline run may take a while: hold no connection meanwhile
        try:
            started = run_again(app_settings(), app_database(), run)
        except ErpsyncError as error:
            flash(str(error), "error")
        else:
            category, text = started_message(shop, started)
            flash(text, category)
        return redirect(url_for(".details_view", id=run_id))


def can_run_again(run: SyncRun | None) -> bool:
    """Whether a run failed and its kind can be started again from the panel."""
    return run is not None and run.status == RUN_FAILED and kind_of_run(run.kind) is not None


class SyncEventView(PanelModelView):
    details_template = "erpsync/log/event_details.html"
    column_list = ("created_at", "shop", "kind", "level", "entity_type", "entity_id", "message")
    column_labels = {
        "created_at": _l("When"), "shop": _l("Shop"), "kind": _l("Kind"), "level": _l("Level"),
        "entity_type": _l("Item"), "entity_id": _l("Item id"), "message": _l("Message"), "run_id": _l("Run"),
        "payload": _l("Payload"),
    }
    column_default_sort = ("id", True)
    column_sortable_list = ("created_at", "kind", "level")
    column_searchable_list = ("message", "entity_id")
    column_formatters = {"shop": shop_name_formatter, "level": level_formatter}
    column_formatters_detail = {
        "shop": shop_name_formatter, "payload": detail_json_formatter, "message": detail_text_formatter,
    }
    column_details_list = ("id", "created_at", "shop", "kind", "level", "entity_type", "entity_id", "run_id",
                           "message", "payload")
    filter_keys = ("shop", "kind", "level", "on", "between")

    def __init__(self, db: SQLAlchemy) -> None:
        self.column_filters = [
            ShopFilter(SyncEvent.shop_id),
            DistinctValueFilter(SyncEvent.kind, _l("Kind")),
            ChoiceFilter(SyncEvent.level, _l("Level"), LOG_LEVELS),
            LocalDayFilter(SyncEvent.created_at, _l("Date")),
            LocalDayRangeFilter(SyncEvent.created_at, _l("Date")),
        ]
        super().__init__(SyncEvent, db, name=_l("Events"), category=CATEGORY, endpoint="events", url="log/events")

    def render(self, template: str, **kwargs: Any) -> str:
        model = kwargs.get("model")
        if template == self.details_template and model is not None and model.run_id:
            kwargs["run"] = panel_db().session.get(SyncRun, model.run_id)
        kwargs.setdefault("can_run_again", can_run_again)
        return super().render(template, **kwargs)


class OutboxView(PanelModelView):
    details_template = "erpsync/log/outbox_details.html"
    column_list = ("created_at", "shop", "kind", "dedupe_key", "state", "attempts", "next_attempt_at", "last_error")
    column_labels = {
        "created_at": _l("Created"), "shop": _l("Shop"), "kind": _l("Kind"), "dedupe_key": _l("What"),
        "state": _l("State"), "attempts": _l("Attempts"), "next_attempt_at": _l("Next attempt"),
        "last_error": _l("Last error"), "payload": _l("Payload"), "delivered_at": _l("Delivered"),
        "updated_at": _l("Changed"), "max_attempts": _l("Attempts at most"),
    }
    column_default_sort = ("id", True)
    column_sortable_list = ("created_at", "kind", "state", "attempts")
    column_searchable_list = ("last_error", "dedupe_key")
    column_formatters = {"shop": shop_name_formatter, "state": level_formatter}
    column_formatters_detail = {
        "shop": shop_name_formatter, "payload": detail_json_formatter, "last_error": detail_text_formatter,
    }
    column_details_list = ("id", "created_at", "updated_at", "shop", "kind", "dedupe_key", "state", "attempts",
                           "max_attempts", "next_attempt_at", "delivered_at", "last_error", "payload")
    filter_keys = ("shop", "state", "kind")

    def __init__(self, db: SQLAlchemy) -> None:
        self.column_filters = [
            ShopFilter(OutboxMessage.shop_id),
            ChoiceFilter(OutboxMessage.state, _l("State"), OUTBOX_STATES),
            DistinctValueFilter(OutboxMessage.kind, _l("Kind")),
        ]
        super().__init__(OutboxMessage, db, name=_l("Pushes"), category=CATEGORY, endpoint="outbox",
                         url="log/outbox")

    @expose("/<int:message_id>/retry", methods=("POST",))
    def retry(self, message_id: int) -> ResponseReturnValue:
        """Send a push that failed for good again (pending now, attempts counted afresh)."""
        session = panel_db().session
        try:
            retry_message(session, message_id)
            session.commit()
        except ErpsyncError as error:
            session.rollback()
            flash(error.message, "error")
        else:
            flash(_("The push is pending again: it is sent with the next delivery of the outbox."), "success")
        return redirect(url_for(".details_view", id=message_id))


def make_views(db: SQLAlchemy) -> list[PanelModelView]:
    return [SyncRunView(db), SyncEventView(db), OutboxView(db)]
