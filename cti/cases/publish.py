"""How a case or customer command turns into stored facts.

One command at a time (``command()`` holds a lock): first wait until every
event published so far is stored (so the state read next includes what the
routing loop or an earlier command just published), then the caller reads
the case, applies the rules, and hands the events' specs to ``publish``,
which builds and publishes them with no await in between (their sequence
numbers follow each other in the stream) and waits until they are stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog

from cti.cases.errors import CaseError
from cti.events import DomainEvent
from cti.stream import EventStream

if TYPE_CHECKING:
    from cti.recorder import Recorder

log = structlog.get_logger(__name__)

EventSpec = tuple[type[DomainEvent], dict[str, Any]]


class NotStored(CaseError):
    """The database refused an event the command published (a bug, not an outage)."""

    status, code = 500, "not-stored"


@dataclass(frozen=True, slots=True)
class Receipt:
    """What a command published. ``stored``: False when the database did not store it
    in time (it is kept in memory and stored when the database is back)."""

    events: tuple[DomainEvent, ...]
    stored: bool
    id: str | None = None   #: the id the command made (case, note, derivation, customer)

    @property
    def seq(self) -> int | None:
        return self.events[-1].seq if self.events else None


class Publisher:
    def __init__(self, stream: EventStream, recorder: Recorder, *,
                 store_timeout: float = 5.0) -> None:
        self._stream = stream
        self._recorder = recorder
        self._lock = asyncio.Lock()
        self.store_timeout = store_timeout

    @property
    def database_up(self) -> bool:
        """False while the recorder finds PostgreSQL unreachable (commands would wait)."""
        return self._recorder.database_up

    @asynccontextmanager
    async def command(self) -> AsyncIterator[None]:
        """Run one command alone, after everything published before it is stored."""
        async with self._lock:
            await self._recorder.stored(self._stream.last_seq, self.store_timeout)
            yield

    async def publish(self, specs: Sequence[EventSpec], made: str | None = None) -> Receipt:
        events = tuple(self._stream.new(cls, **kwargs) for cls, kwargs in specs)
        self._stream.publish(events)
        if not events:
            return Receipt(events, True, made)
        stored = await self._recorder.stored(events[-1].seq, self.store_timeout)
        refused = [e for e in events if any(r is e for r in self._recorder.rejected)]
        if refused:
            raise NotStored(f"the database refused {refused[0].TYPE} (event {refused[0].seq}); "
                            "see the service log")
        if not stored:
            log.warning("command published but not stored yet", seq=events[-1].seq)
        return Receipt(events, stored, made)
