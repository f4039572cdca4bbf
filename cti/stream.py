"""The event stream: sequence numbers, and one ordered hand-off to every consumer.

Producers (the routing step, the IVR through it, the case service) build
events with ``new``, which stamps the next sequence number and the wall time,
and hand them back with ``publish`` in the order they were made. Each
consumer (the recorder, the bus, the log) receives every published batch, in
order; a consumer only appends to its own buffer and never blocks, so the
routing loop never waits for one.

The sequence continues across restarts: the service starts it after the
highest number already stored (database and journal). ``epoch`` names the
stream; it changes only when the database is new, so a desktop that
reconnects with an epoch it does not know reloads its snapshot.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import structlog

from cti.events import DomainEvent

log = structlog.get_logger("cti.events")

E = TypeVar("E", bound=DomainEvent)
Consumer = Callable[[Sequence[DomainEvent]], None]


class EventStream:
    def __init__(self, epoch: str, next_seq: int = 1,
                 clock: Callable[[], float] = time.time) -> None:
        self.epoch = epoch
        self._next = next_seq
        self._clock = clock
        self._consumers: list[Consumer] = []

    @property
    def last_seq(self) -> int:
        """The sequence number of the newest event made."""
        return self._next - 1

    def new(self, cls: type[E], *, at: float | None = None, **fields: Any) -> E:
        """An event of type ``cls`` with the next sequence number (``at``: now by default)."""
        seq = self._next
        self._next += 1
        return cls(seq=seq, at=self._clock() if at is None else at, **fields)

    def subscribe(self, consumer: Consumer) -> None:
        self._consumers.append(consumer)

    def publish(self, events: Sequence[DomainEvent]) -> None:
        """Hand ``events`` (in sequence order) to every consumer; a failing one is logged."""
        if not events:
            return
        for consumer in self._consumers:
            try:
                consumer(events)
            except Exception:
                log.exception("event consumer failed", consumer=repr(consumer))


def log_events(events: Sequence[DomainEvent]) -> None:
    """The log consumer: one debug line per fact, with the ids it concerns."""
    for event in events:
        log.debug(event.TYPE, seq=event.seq, interaction_id=event.interaction_id,
                  agent_id=event.agent_id, queue=event.queue)
