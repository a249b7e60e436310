"""Buyers of imported orders: phone numbers normalized to E.164, find-or-create, kept up to date.

A buyer is matched by phone (E.164, parsed with the marketplace's country as the default region),
then by e-mail. A matched customer's name and address are updated when the marketplace sends
different ones; nothing is overwritten with an empty value.
"""

from __future__ import annotations

import hashlib

import phonenumbers
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erpsync.marketplaces.base import Address
from erpsync.marketplaces.base import Customer as BuyerInfo
from erpsync.models import Customer


def normalize_phone(raw: str | None, region: str) -> str | None:
    """``raw`` as E.164 (``+77071234567``), or ``None`` when it is not a possible phone number.

    ``region`` (ISO country code) applies to numbers written without a country code; Kazakh and
    Ukrainian marketplaces often send ``87071234567`` or ``0671234567``.
    """
    if not raw or not raw.strip():
        return None
    text = raw.strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if not text.startswith("+") and region in ("KZ", "RU") and len(digits) == 10:
        text = "8" + digits  # Kaspi sends the ten national digits without the trunk prefix
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def full_name(person: BuyerInfo) -> str:
    if person.full_name and person.full_name.strip():
        return " ".join(person.full_name.split())
    return " ".join(part for part in (person.first_name, person.last_name) if part and part.strip())


def format_address(address: Address | None) -> str | None:
    if address is None:
        return None
    if address.formatted and address.formatted.strip():
        return address.formatted.strip()
    street = " ".join(p for p in (address.street, address.house) if p)
    if address.apartment:
        street = f"{street}, {address.apartment}" if street else address.apartment
    parts = [p for p in (address.postcode, address.region, address.city, street, address.pickup_point) if p]
    return ", ".join(parts) or None


def _set(customer: Customer, field: str, value: str | None) -> bool:
    if value and getattr(customer, field) != value:
        setattr(customer, field, value)
        return True
    return False


def _lock_buyer(session: Session, key: str) -> None:
    """On PostgreSQL, imports of two orders of one new buyer wait for each other here, so the buyer is
    created once (released at commit). SQLite runs one writer at a time anyway."""
    if session.get_bind().dialect.name == "postgresql":
        digest = hashlib.blake2b(f"customer:{key}".encode(), digest_size=8).digest()
        session.execute(select(func.pg_advisory_xact_lock(int.from_bytes(digest, "big", signed=True))))


def find_or_create_customer(
    session: Session, buyer: BuyerInfo, *, region: str, address: Address | None = None
) -> Customer | None:
    """The accounting customer for a buyer (created when new); ``None`` when the buyer has no phone,
    e-mail or name at all."""
    phone = normalize_phone(buyer.phone, region)
    email = buyer.email.strip().lower() if buyer.email and buyer.email.strip() else None
    name = full_name(buyer)
    if phone or email:
        _lock_buyer(session, phone or email or "")
    customer = None
    if phone:
        customer = session.scalar(select(Customer).where(Customer.phone == phone).order_by(Customer.id).limit(1))
    if customer is None and email:
        customer = session.scalar(select(Customer).where(Customer.email == email).order_by(Customer.id).limit(1))
    if customer is None:
        if not (phone or email or name):
            return None
        customer = Customer(full_name=name, phone=phone, email=email)
        session.add(customer)
    _set(customer, "full_name", name)
    _set(customer, "first_name", buyer.first_name)
    _set(customer, "last_name", buyer.last_name)
    _set(customer, "phone", phone)
    _set(customer, "email", email)
    _set(customer, "delivery_address", format_address(address))
    _set(customer, "city", address.city if address else None)
    session.flush()
    return customer
