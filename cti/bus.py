"""The in-process event bus: the stream's domain events to the parts that show or
count them (WebSocket hub, wallboard, metrics, tests).

``publish`` never blocks and never raises: each subscriber has its own bounded
queue, and a subscriber that falls behind loses its oldest events (it is told
how many through ``Subscription.dropped``) instead of slowing the routing loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field

import structlog

from cti.events import DomainEvent

log = structlog.get_logger(__name__)


@dataclass(eq=False)
class Subscription:
    """A subscriber's queue; iterate it with ``async for``."""

    accepts: Callable[[DomainEvent], bool]
    queue: asyncio.Queue[DomainEvent] = field(default_factory=lambda: asyncio.Queue(1000))
    dropped: int = 0

    def offer(self, event: DomainEvent) -> None:
        if not self.accepts(event):
            return
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(event)

    async def __aiter__(self) -> AsyncIterator[DomainEvent]:
        while True:
            yield await self.queue.get()


class EventBus:
    def __init__(self) -> None:
        self._subscribers: list[Subscription] = []

    def subscribe(self, accepts: Callable[[DomainEvent], bool] = lambda _e: True,
                  maxsize: int = 1000) -> Subscription:
        sub = Subscription(accepts, asyncio.Queue(maxsize))
        self._subscribers.append(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        if sub in self._subscribers:
            self._subscribers.remove(sub)

    def publish(self, events: Sequence[DomainEvent]) -> None:
        """The stream's consumer: offer each event to every subscriber."""
        for event in events:
            for sub in self._subscribers:
                try:
                    sub.offer(event)
                except Exception:  # a broken filter must not stop the others
                    log.exception("bus subscriber failed", type=event.TYPE)
