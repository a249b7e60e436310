"""The mapping files the panel edits: every marketplace's file, every shop's override file, and the shops
that have none yet; opening one with what it is merged over.

Files are named as the mapping store names them, relative to the mappings folder: ``kaspi.yaml``,
``shops/kz-main.yaml``. ``accounting.yaml`` is listed (its history too) but edited by hand: it declares
the merchant's own methods, which the editor offers as choices.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from erpsync.core.errors import NotFoundError, ValidationError
from erpsync.core.marketplaces import MARKETPLACE_NAMES, MARKETPLACES
from erpsync.mapping import CheckContext, EffectiveMapping, MappingDocument, check_file, load_document, parse_document
from erpsync.mapping.accounting import AccountingVocabulary, find_accounting_file, load_vocabulary
from erpsync.mapping.document import ACCOUNTING_FILE, KIND_ACCOUNTING, KIND_SHOP, SHOPS_FOLDER, kind_of
from erpsync.mapping.merge import merge_data
from erpsync.mapping.problems import Problem
from erpsync.mapping.store import resolve
from erpsync.mapping.translate import shop_file
from erpsync.marketplaces.base import Enumerations
from erpsync.marketplaces.registry import enumerations
from erpsync.models import MappingRevision, Shop
from erpsync.models.sales import ACCOUNTING_STATUSES


@dataclass
class MappingFile:
    """One mapping file as the editor sees it (``document`` may be the text of a preview, not the disk's)."""

    name: str
    path: Path
    marketplace: str
    shop: str | None
    document: MappingDocument
    base: MappingDocument | None  # the marketplace's file under a shop's file

    @property
    def version(self) -> int:
        return self.document.version or 0

    @property
    def is_shop(self) -> bool:
        return self.shop is not None

    @property
    def own(self) -> dict[str, Any]:
        return self.document.data

    @property
    def base_data(self) -> dict[str, Any] | None:
        return self.base.data if self.base is not None else None

    @property
    def effective(self) -> dict[str, Any]:
        """The values in force: the shop's file merged over the marketplace's, or the file itself."""
        return merge_data(self.base.data, self.own) if self.base is not None else self.own

    def effective_mapping(self) -> EffectiveMapping:
        """The effective mapping, unchecked (auto-match must work on a file that still has errors)."""
        return EffectiveMapping(self.marketplace, self.shop, self.effective, ())

    def enumerations(self) -> Enumerations:
        return enumerations(self.marketplace)

    def documents(self) -> list[MappingDocument]:
        return [self.document] + ([self.base] if self.base is not None else [])

    def with_text(self, text: str) -> MappingFile:
        """The same file as it would read with ``text`` (a preview of a change)."""
        document = parse_document(text, self.name, kind_of(self.path))
        return MappingFile(self.name, self.path, self.marketplace, self.shop, document, self.base)


def open_file(mappings_dir: Path, name: str) -> MappingFile:
    """The editable file ``name``; a missing file, ``accounting.yaml`` or a file that is not readable YAML
    (which only a person with an editor can repair) is refused with a message saying so."""
    path = resolve(mappings_dir, name)
    if not path.is_file():
        raise NotFoundError(f"there is no mapping file {name}")
    kind = kind_of(path)
    if kind == KIND_ACCOUNTING:
        raise ValidationError(f"{ACCOUNTING_FILE} declares the merchant's own delivery and payment methods: "
                              "edit it in the repository")
    document = load_document(path, name)
    if not document.readable:
        raise ValidationError(f"{name} is not readable YAML: {'; '.join(str(p) for p in document.problems)}",
                              hint="repair it by hand, or restore a saved version from its history")
    marketplace = str(document.data.get("marketplace") or "")
    if marketplace not in MARKETPLACES:
        raise ValidationError(f"{name}: unknown marketplace {marketplace!r}", hint="repair it by hand")
    base = None
    shop = None
    if kind == KIND_SHOP:
        shop = path.stem
        base = load_document(mappings_dir / f"{marketplace}.yaml", f"{marketplace}.yaml")
    return MappingFile(name, path, marketplace, shop, document, base)


def accounting_vocabulary(mappings_dir: Path) -> AccountingVocabulary:
    """The accounting statuses and the methods ``accounting.yaml`` declares (none when it is missing)."""
    found = find_accounting_file(None, mappings_dir)
    if found is None:
        return AccountingVocabulary(ACCOUNTING_STATUSES, {}, {})
    return load_vocabulary(found)[0]


@dataclass(frozen=True)
class FileSummary:
    name: str
    title: str  # the marketplace's (or the shop's) name
    marketplace: str
    version: int | None
    errors: int
    warnings: int
    last_saved_by: str | None
    last_saved_at: Any


@dataclass(frozen=True)
class ShopWithoutFile:
    shop_id: int
    name: str
    marketplace: str
    file_name: str | None  # None: the shop's name cannot be a file name


def _summary(mappings_dir: Path, session: Session, name: str, title: str, marketplace: str) -> FileSummary:
    path = mappings_dir / name
    problems: list[Problem] = check_file(path, CheckContext(mappings_dir, session), name)
    latest = session.scalar(select(MappingRevision).where(MappingRevision.path == name)
                            .order_by(MappingRevision.id.desc()).limit(1))
    return FileSummary(
        name, title, marketplace, load_document(path, name).version,
        sum(1 for p in problems if p.is_error), sum(1 for p in problems if not p.is_error),
        latest.author if latest is not None else None, latest.created_at if latest is not None else None,
    )


def list_files(mappings_dir: Path, session: Session) -> tuple[list[FileSummary], list[FileSummary],
                                                               list[ShopWithoutFile]]:
    """Marketplace files, shop files, and the shops without a file of their own."""
    marketplace_files = [
        _summary(mappings_dir, session, f"{marketplace}.yaml", MARKETPLACES[marketplace].title, marketplace)
        for marketplace in MARKETPLACE_NAMES if (mappings_dir / f"{marketplace}.yaml").is_file()
    ]
    shops = list(session.scalars(select(Shop).order_by(Shop.name)))
    shop_files = []
    without = []
    seen: set[str] = set()
    for shop in shops:
        try:
            path = shop_file(mappings_dir, shop.name)
        except ValidationError:
            without.append(ShopWithoutFile(shop.id, shop.name, shop.marketplace, None))
            continue
        name = f"{SHOPS_FOLDER}/{path.name}"
        seen.add(name)
        if path.is_file():
            shop_files.append(_summary(mappings_dir, session, name, shop.name, shop.marketplace))
        else:
            without.append(ShopWithoutFile(shop.id, shop.name, shop.marketplace, name))
    for path in sorted((mappings_dir / SHOPS_FOLDER).glob("*.yaml")):  # files of shops that do not exist
        name = f"{SHOPS_FOLDER}/{path.name}"
        if name not in seen:
            marketplace = str(load_document(path, name).data.get("marketplace") or "")
            shop_files.append(_summary(mappings_dir, session, name, path.stem, marketplace))
    return marketplace_files, shop_files, without


def new_shop_file_text(shop: Shop) -> str:
    """The text of a new shop override file: nothing overridden yet."""
    return (
        f"# What shop {shop.name} does differently from mappings/{shop.marketplace}.yaml: only the keys written\n"
        f"# here replace the marketplace file's (at any depth). Created from the admin panel.\n"
        f"marketplace: {shop.marketplace}\n"
        "version: 1\n"
    )
