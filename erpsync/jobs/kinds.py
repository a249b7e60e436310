"""Everything erpsync runs by itself: the job kinds and the outbox handlers, one line each.

A use case ``def use_case(run: RunContext)`` in ``erpsync/sync/`` becomes a background job with one
``register_job`` line here (see ``erpsync.jobs.registry.register_job`` for the options); a kind of
outbox message gets delivered with one ``register_outbox_handler`` line (see
``erpsync.sync.outbox``). Workers import this module through ``erpsync.jobs.runner``.

Modules named in ``ERPSYNC_JOB_MODULES`` (comma-separated, importable) are imported after these
registrations, so a plugin — or a test — can add kinds and handlers without editing this file.
"""

from __future__ import annotations

import importlib
import os

from erpsync.core.errors import ConfigError
from erpsync.jobs.registry import LOCK_SHOP, NO_RETRY, QUEUE_PUSH, register_job

# Delivery of due outbox messages of one kind for one shop. The dispatcher enqueues it; the outbox
# retries messages itself (backoff per message), so the job is not retried. One delivery per shop
# and kind at a time; a second one finding it running just ends (the running one drains what is due).
register_job(
    "deliver_outbox",
    "erpsync.sync.outbox:deliver_due",
    queue=QUEUE_PUSH,
    lock=LOCK_SHOP,
    lock_params=("kind",),
    log_skips=False,
    retry=NO_RETRY,
    timeout=900,
    run_kind="outbox:{kind}",
    description="deliver due outbox messages of one kind for a shop",
)


def _import_job_modules() -> None:
    for name in (part.strip() for part in os.environ.get("ERPSYNC_JOB_MODULES", "").split(",")):
        if not name:
            continue
        try:
            importlib.import_module(name)
        except ImportError as error:
            raise ConfigError(f"ERPSYNC_JOB_MODULES: cannot import {name}: {error}") from None


_import_job_modules()
