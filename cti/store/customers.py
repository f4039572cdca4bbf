"""Customers: who is calling, looked up by number or account."""

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
           c.created_at, c.updated_at,
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

        async def write(conn: asyncpg.Connection) -> None:
            await conn.execute(
                """INSERT INTO customers (id, name, account_number, tier, value, attributes)
                   VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING""",
                cid, name, account_number, tier, value, dict(attributes or {}))
            await _insert_phones(conn, cid, numbers)

        await self._db.transaction(write)
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
            if not await conn.fetchval("SELECT 1 FROM customers WHERE id = $1 FOR UPDATE", cid):
                raise NoSuchCustomer(cid)
            await _insert_phones(conn, cid, [phone])
            await conn.execute("UPDATE customers SET updated_at = now() WHERE id = $1", cid)

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


async def _insert_phones(conn: asyncpg.Connection, cid: UUID, phones: list[Phone]) -> None:
    if phones:
        await conn.executemany(
            """INSERT INTO customer_phones (customer_id, digits, number, label)
               VALUES ($1, $2, $3, $4)
               ON CONFLICT (customer_id, digits)
               DO UPDATE SET label = coalesce(EXCLUDED.label, customer_phones.label)""",
            [(cid, p.digits, p.number, p.label) for p in phones])

