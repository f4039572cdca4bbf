"""Customers: who is calling, looked up by number, account or document.

The service creates and changes customers through events (cti/cases); ``create``,
``add_phone`` and ``update_attributes`` here are for tools and tests. A
customer's numbers live in ``customers.phones``; a trigger (migration 004)
keeps ``customer_phones``, the lookup index, equal to that list."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from cti.store.base import Db, as_uuid
from cti.store.errors import NoSuchCustomer
from cti.store.models import Customer, Phone
from cti.store.phone import SUFFIX_DIGITS, phone_digits

_SELECT = """
    SELECT c.id, c.name, c.account_number, c.tier, c.value, c.attributes,
           c.created_at, c.updated_at, c.document,
           coalesce((SELECT jsonb_agg(jsonb_build_object(
                                'number', p.number, 'digits', p.digits, 'label', p.label)
                             ORDER BY p.number)
                     FROM customer_phones p WHERE p.customer_id = c.id), '[]') AS phones
    FROM customers c
"""


# The literal 9 lets PostgreSQL use the index on right(digits, 9).
_BY_PHONE = f"""
    JOIN (SELECT customer_id, bool_or(digits = $1) AS exact
          FROM customer_phones
          WHERE digits = $1
             OR (length($1) >= {SUFFIX_DIGITS}
                 AND right(digits, {SUFFIX_DIGITS}) = right($1, {SUFFIX_DIGITS}))
          GROUP BY customer_id) m ON m.customer_id = c.id
    ORDER BY m.exact DESC, c.name, c.id
"""


def _customer(row: asyncpg.Record) -> Customer:
    data = dict(row)
    data["phones"] = tuple(Phone(**p) for p in data["phones"])
    return Customer(**data)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class Customers:
    """``store.customers``."""

    def __init__(self, db: Db) -> None:
        self._db = db

    async def create(
        self,
        name: str,
        *,
        account_number: str | None = None,
        document: str | None = None,
        tier: str = "standard",
        value: Decimal | int | float | None = None,
        attributes: Mapping[str, Any] | None = None,
        phones: Iterable[str | tuple[str, str | None]] = (),
        customer_id: UUID | str | None = None,
    ) -> Customer:
        """Create a customer with its phone numbers (``"0612..."`` or ``(number, label)``).

        Idempotent for a given ``customer_id``: a second call returns the stored customer.

        Raises:
            StoreRejected: ``account_number`` belongs to another customer.
            ValueError: a phone number without digits.
        """
        cid = uuid4() if customer_id is None else as_uuid(customer_id, "customer_id")
        numbers = [_phone(p) for p in phones]
        value = None if value is None else Decimal(str(value))

        await self._db.execute(
            """INSERT INTO customers (id, name, account_number, document, tier, value,
                                      attributes, phones)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING""",
            cid, name, account_number, document, tier, value, dict(attributes or {}),
            _phones_json(_unique(numbers)))
        return await self._must_get(cid)

    async def get(self, customer_id: UUID | str) -> Customer | None:
        row = await self._db.fetchrow(_SELECT + " WHERE c.id = $1",
                                      as_uuid(customer_id, "customer_id"))
        return None if row is None else _customer(row)

    async def find_by_phone(self, number: str) -> list[Customer]:
        """Customers with this number: exact digits first, then those whose
        number ends with the same last 9 digits (national vs international form).
        A number without digits (anonymous caller) finds nobody."""
        try:
            digits = phone_digits(number)
        except ValueError:
            return []
        rows = await self._db.fetch(
            _SELECT + _BY_PHONE, digits)
        return [_customer(r) for r in rows]

    async def find_by_account(self, account_number: str) -> Customer | None:
        row = await self._db.fetchrow(_SELECT + " WHERE c.account_number = $1",
                                      account_number.strip())
        return None if row is None else _customer(row)

    async def find_by_document(self, document: str) -> Customer | None:
        row = await self._db.fetchrow(_SELECT + " WHERE c.document = $1", document.strip())
        return None if row is None else _customer(row)

    async def search(self, name: str, *, limit: int = 20) -> list[Customer]:
        """Customers whose name contains ``name`` (case-insensitive), by name."""
        rows = await self._db.fetch(
            _SELECT + " WHERE lower(c.name) LIKE '%' || lower($1) || '%' ORDER BY c.name, c.id"
            " LIMIT $2", _escape_like(name.strip()), limit)
        return [_customer(r) for r in rows]

    async def add_phone(self, customer_id: UUID | str, number: str,
                        label: str | None = None) -> Customer:
        """Add a number (again: no-op, label updated). Raises NoSuchCustomer."""
        cid = as_uuid(customer_id, "customer_id")
        phone = _phone((number, label))

        async def write(conn: asyncpg.Connection) -> None:
            phones = await conn.fetchval("SELECT phones FROM customers WHERE id = $1 FOR UPDATE",
                                         cid)
            if phones is None:
                raise NoSuchCustomer(cid)
            kept = [Phone(p["number"], p["digits"], p.get("label")) for p in phones]
            await conn.execute(
                "UPDATE customers SET phones = $2, updated_at = now() WHERE id = $1",
                cid, _phones_json(_unique([*kept, phone])))

        await self._db.transaction(write)
        return await self._must_get(cid)

    async def update_attributes(self, customer_id: UUID | str, changes: Mapping[str, Any], *,
                                replace: bool = False) -> Customer:
        """Merge ``changes`` into the free attributes (a key set to None is
        removed), or replace them all. Raises NoSuchCustomer."""
        cid = as_uuid(customer_id, "customer_id")
        drop = [k for k, v in changes.items() if v is None and not replace]
        keep = {k: v for k, v in changes.items() if v is not None or replace}
        row = await self._db.fetchrow(
            """UPDATE customers
               SET attributes = CASE WHEN $4 THEN $2::jsonb
                                     ELSE (attributes || $2) - $3::text[] END,
                   updated_at = now()
               WHERE id = $1 RETURNING id""",
            cid, keep, drop, replace)
        if row is None:
            raise NoSuchCustomer(cid)
        return await self._must_get(cid)

    async def _must_get(self, customer_id: UUID) -> Customer:
        customer = await self.get(customer_id)
        if customer is None:
            raise NoSuchCustomer(customer_id)
        return customer


def _phone(entry: str | tuple[str, str | None]) -> Phone:
    number, label = (entry, None) if isinstance(entry, str) else entry
    return Phone(number=number.strip(), digits=phone_digits(number), label=label)


def _unique(phones: list[Phone]) -> list[Phone]:
    """One entry per digits; a later entry's label wins over an earlier one's."""
    out: dict[str, Phone] = {}
    for phone in phones:
        earlier = out.get(phone.digits)
        label = phone.label if phone.label is not None or earlier is None else earlier.label
        out[phone.digits] = Phone(earlier.number if earlier else phone.number, phone.digits,
                                  label)
    return list(out.values())


def _phones_json(phones: list[Phone]) -> list[dict[str, Any]]:
    return [{"number": p.number, "digits": p.digits, "label": p.label} for p in phones]

