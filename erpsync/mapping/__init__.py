"""Mapping files: every correspondence between the accounting database and a marketplace, as YAML
that a person reads in a pull request (``mappings/<marketplace>.yaml``, a shop's
``mappings/shops/<shop>.yaml`` merged over it, and ``mappings/accounting.yaml`` declaring the
merchant's delivery and payment methods). The format is described in ``erpsync.mapping.schema``.

The API other parts use (all names importable from ``erpsync.mapping``):

Translating (the sync code)::

    mapping = load_mapping(mappings_dir, "kaspi", shop="kz-main")   # EffectiveMapping; MappingInvalid if bad
    mapping.inbound_status("APPROVED_BY_BANK")  -> InboundStatus(marketplace_status, accounting_status, mapped)
    mapping.outbound_action("cancelled")        -> OutboundAction(accounting_status, ignore, status, reason,
                                                                  comment, push_waybill)
    mapping.inbound_delivery(code) / inbound_payment(code) -> MethodTranslation(marketplace_code,
                                                                                accounting_method, mapped)
    mapping.outbound_delivery(method) / outbound_payment(method) -> str | None   (the marketplace's code)
    mapping.category(path="A / B / C", category_id=7) -> CategoryMatch(category_code, matched_by) | None
    mapping.attributes(category_code, product.characteristics) -> AttributeMapping(attributes, unmapped, rejected)

Checking, diffing, saving (the CLI and the admin panel)::

    check_file(path, CheckContext(mappings_dir, session)) -> list[Problem]      # file:line:column: message
    check_text(text, path, CheckContext(...))             -> list[Problem]      # before saving an edit
    diff_data(old_data, new_data) -> list[Change]          # str(change): "statuses.outbound.cancelled: reason A → B"
    save_mapping(session, mappings_dir, "kaspi.yaml", [Edit(path, value)], expected_version=3,
                 author="anna", message="…") -> SaveResult   # ConflictError, MappingInvalid
    save_mapping_text(session, mappings_dir, name, text, expected_version=…, author=…, message=…) -> SaveResult
    preview_mapping(session, mappings_dir, "kaspi.yaml", [Edit(path, value)]) -> Preview   # nothing written:
                 # the text a save would write, its changes, problems, and the errors a save would refuse
    restore_revision(session, mappings_dir, revision_id, expected_version=…, author=…) -> SaveResult
    history(session, name) -> list[MappingRevision]      # newest first
    suggest(session, mapping, "characteristics" | "categories") -> list[Suggestion]
    apply_suggestions(session, mappings_dir, mapping, suggestions, section=…, min_score=0.9, author=…)

Savers flush the session; the caller commits it.
"""

from erpsync.mapping.diff import Change, diff_data
from erpsync.mapping.document import MappingDocument, load_document, parse_document
from erpsync.mapping.problems import MappingInvalid, Problem
from erpsync.mapping.store import (
    Edit,
    Preview,
    SaveResult,
    get_revision,
    history,
    preview_mapping,
    restore_revision,
    save_mapping,
    save_mapping_text,
)
from erpsync.mapping.suggest import Suggestion, apply_suggestions, suggest
from erpsync.mapping.translate import (
    AttributeMapping,
    CategoryMatch,
    Characteristic,
    EffectiveMapping,
    InboundStatus,
    MethodTranslation,
    OutboundAction,
    accounting_file,
    load_mapping,
    marketplace_file,
    shop_file,
)
from erpsync.mapping.validate import CheckContext, check_file, check_text

__all__ = [
    "AttributeMapping",
    "CategoryMatch",
    "Change",
    "Characteristic",
    "CheckContext",
    "Edit",
    "EffectiveMapping",
    "InboundStatus",
    "MappingDocument",
    "MappingInvalid",
    "MethodTranslation",
    "OutboundAction",
    "Preview",
    "Problem",
    "SaveResult",
    "Suggestion",
    "accounting_file",
    "apply_suggestions",
    "check_file",
    "check_text",
    "diff_data",
    "get_revision",
    "history",
    "load_document",
    "load_mapping",
    "marketplace_file",
    "parse_document",
    "preview_mapping",
    "restore_revision",
    "save_mapping",
    "save_mapping_text",
    "shop_file",
    "suggest",
]
