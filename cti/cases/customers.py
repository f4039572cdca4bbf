"""The customer commands (create, update) and lookups of the case service.

Account and document numbers identify one customer each: a command that would
give one to a second customer is refused (the database's unique indexes are
the last guard). The unidentified customer is not a person: it cannot change.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from cti.cases import events as ce
from cti.cases.errors import CaseRefused, CustomerConflict
from cti.cases.model import UNIDENTIFIED_CUSTOMER_ID
from cti.cases.publish import Publisher, Receipt
from cti.errors import BadRequest
from cti.store import NoSuchCustomer, Store
from cti.store.models import Customer
from cti.store.phone import phone_digits

#: Fields an update may change.
UPDATABLE = ("name", "account_number", "document", "tier", "value", "phones", "attributes")


class CustomerService:
    def __init__(self, store: Store, publisher: Publisher, *,
                 new_id: Callable[[], str]) -> None:
        self._store = store
        self._publisher = publisher
        self._new_id = new_id

    async def create(self, name: str, *, by: str, account_number: str | None = None,
                     document: str | None = None, tier: str = "standard",
                     phones: Sequence[str] = (), attributes: Mapping[str, Any] | None = None,
                     value: float | None = None) -> Receipt:
        fields = _checked({"name": name, "account_number": account_number,
                           "document": document, "tier": tier, "phones": list(phones),
                           "attributes": dict(attributes or {}), "value": value})
        async with self._publisher.command():
            await self._unique(None, fields)
            customer_id = self._new_id()
            return await self._publisher.publish([(ce.CustomerCreated, {
                "customer_id": customer_id, "by": by, **fields,
                "phones": tuple(fields["phones"])})], made=customer_id)

    async def update(self, customer_id: str, changes: Mapping[str, Any], *,
                     by: str) -> Receipt:
        unknown = sorted(set(changes) - set(UPDATABLE))
        if unknown:
            raise BadRequest(f"customer has no field {', '.join(unknown)}; "
                             f"fields: {', '.join(UPDATABLE)}")
        fields = _checked(dict(changes))
        async with self._publisher.command():
            current = await self.get(customer_id)
            if str(current.id) == UNIDENTIFIED_CUSTOMER_ID:
                raise CaseRefused("the unidentified customer stands for callers nobody "
                                  "identified: create a customer instead of changing it")
            await self._unique(current.id, fields)
            if not fields:
                return await self._publisher.publish([], made=str(current.id))
            return await self._publisher.publish([(ce.CustomerUpdated, {
                "customer_id": str(current.id), "changes": fields, "by": by})],
                made=str(current.id))

    async def get(self, customer_id: str) -> Customer:
        try:
            key = uuid.UUID(str(customer_id))
        except ValueError:
            raise BadRequest(f"customer id must be a UUID, got {customer_id!r}") from None
        found = await self._store.customers.get(key)
        if found is None:
            raise NoSuchCustomer(customer_id)
        return found

    async def find(self, *, phone: str | None = None, account: str | None = None,
                   document: str | None = None, name: str | None = None,
                   limit: int = 20) -> list[Customer]:
        """Customers by one key: phone (any formatting), account, document or name part."""
        customers = self._store.customers
        if phone:
            return (await customers.find_by_phone(phone))[:limit]
        if account:
            return [c for c in [await customers.find_by_account(account)] if c is not None]
        if document:
            return [c for c in [await customers.find_by_document(document)] if c is not None]
        if name:
            return await customers.search(name, limit=limit)
        raise BadRequest("give one of phone, account, document or name to search customers")

    async def _unique(self, customer_id: uuid.UUID | None, fields: Mapping[str, Any]) -> None:
        for key, find in (("account_number", self._store.customers.find_by_account),
                          ("document", self._store.customers.find_by_document)):
            value = fields.get(key)
            if not value:
                continue
            other = await find(value)
            if other is not None and other.id != customer_id:
                raise CustomerConflict(f"{key.replace('_', ' ')} {value!r} belongs to customer "
                                       f"{other.id} ({other.name})")


def _checked(fields: dict[str, Any]) -> dict[str, Any]:
    """Trimmed values; raises BadRequest on a bad one."""
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if key in ("name", "tier"):
            if not isinstance(value, str) or not value.strip():
                raise BadRequest(f"customer {key} must be a non-empty string")
            out[key] = value.strip()
        elif key in ("account_number", "document"):
            if value is not None and not isinstance(value, str):
                raise BadRequest(f"customer {key} must be a string")
            out[key] = (value or "").strip() or None
        elif key == "phones":
            out[key] = _phones(value)
        elif key == "attributes":
            if not isinstance(value, Mapping):
                raise BadRequest("customer attributes must be an object")
            out[key] = dict(value)
        elif key == "value":
            out[key] = _number(value)
    return out


def _phones(value: Any) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise BadRequest("customer phones must be a list of numbers")
    numbers = []
    for number in value:
        try:
            phone_digits(str(number))
        except ValueError:
            raise BadRequest(f"phone number {number!r} has no digits") from None
        numbers.append(str(number).strip())
    return numbers


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        return float(Decimal(str(value)))
    except ArithmeticError:
        raise BadRequest(f"customer value must be a number, got {value!r}") from None
