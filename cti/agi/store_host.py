"""``cti ivr simulate --store``: the in-memory host, but customers come from PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass

from cti.agi.host import Customer
from cti.agi.memory_host import MemoryHost
from cti.store import Store


@dataclass
class StoreLookupHost(MemoryHost):
    """Looks customers up in the store; records everything else in memory only,
    so a simulation never writes to the database."""

    store: Store | None = None

    async def find_customer(self, *, phone: str | None = None,
                            account: str | None = None) -> Customer | None:
        assert self.store is not None
        if account:
            found = await self.store.customers.find_by_account(account)
        elif phone:
            matches = await self.store.customers.find_by_phone(phone)
            found = matches[0] if matches else None
        else:
            return None
        if found is None:
            return None
        open_cases = await self.store.interactions.open_cases_for_customer(found.id)
        return Customer(id=str(found.id), name=found.name, tier=found.tier,
                        value=int(found.value or 0), open_cases=len(open_cases),
                        attributes=dict(found.attributes))
