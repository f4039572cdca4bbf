"""``cti ivr simulate --store``: the in-memory host, but customers come from PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass

from cti.agi.host import Customer
from cti.agi.memory_host import MemoryHost
from cti.store import Store


@dataclass
class StoreLookupHost(MemoryHost):
    """Looks customers up in the store; records everything else (cases included) in
    memory only, so a simulation never writes to the database."""

    store: Store | None = None

    async def find_customer(self, *, phone: str | None = None, account: str | None = None,
                            document: str | None = None) -> Customer | None:
        from cti.cases.ivr import find_customer

        assert self.store is not None
        return await find_customer(self.store, phone=phone, account=account,
                                   document=document, timeout=5.0)
