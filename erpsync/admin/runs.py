"""How the panel speaks of jobs a person starts: the names of the kinds, the states of a job, and the
sentence saying what "Run now" or "Run again" did."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from erpsync.admin.i18n import status_label
from erpsync.jobs.launch import Started
from erpsync.jobs.registry import JobKind

# How the panel names the kinds a person may start; a kind not listed shows its description.
KIND_LABELS = {
    "import_orders": _l("Import orders"),
    "render_feed": _l("Render the feed"),
    "stock_prices": _l("Push stock and prices"),
    "stock_prices_full": _l("Push all stock and prices"),
    "catalog_import": _l("Import the marketplace's catalog"),
}
JOB_STATE_LABELS = {"queued": _l("waiting"), "running": _l("running"), "scheduled": _l("will try again"),
                    "failed": _l("failed")}


def job_state_label(state: str) -> str:
    return str(JOB_STATE_LABELS.get(state, state))


def kind_label(kind: JobKind | str) -> str:
    """A job kind as the panel names it."""
    name = kind if isinstance(kind, str) else kind.name
    if name in KIND_LABELS:
        return str(KIND_LABELS[name])
    return name if isinstance(kind, str) else (kind.description or kind.name)


def started_message(shop: str, started: Started) -> tuple[str, str]:
    """(flash category, sentence) for a run started by hand."""
    label = kind_label(started.kind)
    if started.outcome is not None:
        outcome = started.outcome
        category = {"success": "success", "partial": "warning", "skipped": "info"}.get(outcome.status, "error")
        text = _("%(what)s for %(shop)s: %(outcome)s.", what=label, shop=shop, outcome=status_label(outcome.status))
        if outcome.message:
            text += " " + outcome.message
        if outcome.run_id:
            text += " " + _("See run #%(run)d in the sync log.", run=outcome.run_id)
        return category, text
    if started.coalesced:
        return "info", _("%(what)s for %(shop)s is already waiting on queue %(queue)s (job %(job)s).", what=label,
                         shop=shop, queue=started.queue, job=started.job_id)
    if started.requeued:
        return "success", _("%(what)s for %(shop)s is back on queue %(queue)s (job %(job)s).", what=label, shop=shop,
                            queue=started.queue, job=started.job_id)
    return "success", _("%(what)s for %(shop)s is on queue %(queue)s (job %(job)s): a worker runs it.", what=label,
                        shop=shop, queue=started.queue, job=started.job_id)
