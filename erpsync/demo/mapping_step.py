"""The demo's "Mapping files" step: every marketplace's file checked, and translations on a sample product."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from erpsync.cli.output import print_table
from erpsync.core.marketplaces import MARKETPLACE_NAMES
from erpsync.mapping import CheckContext, check_file, load_document, load_mapping, marketplace_file
from erpsync.mapping.translate import display_name
from erpsync.models import Category, Product
from erpsync.models.db import Database


def _file_rows(mappings_dir: Path) -> list[tuple[object, ...]]:
    rows = []
    for marketplace in MARKETPLACE_NAMES:
        path = marketplace_file(mappings_dir, marketplace)
        document = load_document(path, display_name(path))
        problems = check_file(path, CheckContext(mappings_dir), document.name)
        errors = sum(1 for p in problems if p.is_error)
        statuses = document.data.get("statuses") or {}
        outbound = statuses.get("outbound") or {}
        acting = sum(1 for action in outbound.values() if action != "ignore")
        rows.append((document.name, document.version, len(statuses.get("inbound") or {}), acting,
                     len(document.data.get("categories") or {}), "passes check" if not errors else f"{errors} errors"))
    return rows


def step_mappings(database: Database, mappings_dir: Path) -> None:
    if not marketplace_file(mappings_dir, "kaspi").is_file():
        click.echo(f"No mapping files in {mappings_dir}: run the demo from the erpsync folder.")
        return
    print_table("Mapping files", ["file", "version", "statuses in", "actions out", "categories", "check"],
                _file_rows(mappings_dir))
    kaspi = load_mapping(mappings_dir, "kaspi")
    action = kaspi.outbound_action("cancelled")
    rows = [
        ("Kaspi status APPROVED_BY_BANK", f"status {kaspi.inbound_status('APPROVED_BY_BANK').accounting_status}"),
        ("accounting status cancelled", f"Kaspi {action.status}, reason {action.reason}"),
        ("Kaspi DELIVERY_PICKUP", f"delivery {kaspi.inbound_delivery('DELIVERY_PICKUP').accounting_method}"),
    ]
    with database.session() as session:
        product = session.scalar(
            select(Product).join(Category).where(Category.name == "Зошити")
            .options(selectinload(Product.characteristics), selectinload(Product.category)).limit(1)
        )
        if product is not None and product.category is not None:
            match = kaspi.category(path=product.category.path(), category_id=product.category_id)
            if match is not None:
                attributes = kaspi.attributes(match.category_code, product.characteristics)
                rows.append((f"{product.sku} in {' / '.join(product.category.path())}", match.category_code))
                rows.extend((f"  → {a.code.split('*')[-1]}", str(a.value)) for a in attributes.attributes)
                if attributes.unmapped:
                    rows.append(("  not mapped yet", ", ".join(attributes.unmapped)))
                if attributes.rejected:
                    rows.append(("  left out", "; ".join(r.split(":")[0] for r in attributes.rejected)))
    print_table("Translations through mappings/kaspi.yaml", ["from", "to"], rows)
