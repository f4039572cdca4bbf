"""Helpers of the case tests: a case service on the real database, with the event
stream and the recorder the service runs (a unique module name: no conftest imports)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from cti import events as ev
from cti.cases.service import CaseService
from cti.config import Config, load_config
from cti.events import DomainEvent
from cti.recorder import Recorder
from cti.store import Store
from cti.stream import EventStream

ROOT = Path(__file__).resolve().parents[3]
FULL = {"topic": "bookings", "reason": "new booking", "sub_reason": "package holiday",
        "question": "what is included"}


@dataclass
class Cases:
    """The service under test and everything it published."""

    service: CaseService
    store: Store
    stream: EventStream
    recorder: Recorder
    published: list[DomainEvent] = field(default_factory=list)

    async def call(self, customer_id: str | None = None, *, topic: str | None = None,
                   at: float | None = None, direction: str = "inbound") -> str:
        """An interaction as the routing step opens it (through the stream)."""
        iid = str(uuid.uuid4())
        events = [self.stream.new(ev.InteractionOpened, interaction_id=iid, at=at,
                                  caller_number="5551234", direction=direction)]
        if customer_id:
            events.append(self.stream.new(ev.CustomerIdentified, interaction_id=iid, at=at,
                                          customer_id=customer_id, how="phone"))
        if topic:
            events.append(self.stream.new(ev.InteractionClassified, interaction_id=iid, at=at,
                                          topic=topic))
        self.stream.publish(events)
        assert await self.recorder.stored(self.stream.last_seq)
        return iid

    async def customer(self, name: str = "Ana Ruiz", **fields) -> str:
        receipt = await self.service.customers.create(name, by="test", **fields)
        assert receipt.stored and receipt.id
        return receipt.id


@asynccontextmanager
async def case_service(store: Store, config: Config | None = None) -> AsyncIterator[Cases]:
    config = config or load_config(ROOT / "config")
    epoch, last = await store.events.position()
    stream = EventStream(epoch, last + 1)
    recorder = Recorder(store, stored_seq=last)
    await recorder.start()
    stream.subscribe(recorder.accept)
    cases = Cases(CaseService(store, stream, recorder, config), store, stream, recorder)
    stream.subscribe(cases.published.extend)
    try:
        yield cases
    finally:
        await recorder.stop()
