"""A callback that keeps what it is given and lets a test wait for a condition.

Use it as the client's sink, the feed's consumer or the client's ``on_bytes``
tap; ``await collector.wait(predicate)`` returns as soon as the predicate holds
(re-checked on every new item), so tests wait on what they test, never on the
wall clock. Callers bound the wait with ``asyncio.timeout``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any


class Collector:
    def __init__(self, stamp: Callable[[], float] | None = None) -> None:
        self.items: list[Any] = []
        self.stamps: list[float] = []  # stamp() of each item, when asked for
        self._stamp = stamp
        self._changed = asyncio.Event()

    def __call__(self, item: Any) -> None:
        self.items.append(item)
        if self._stamp is not None:
            self.stamps.append(self._stamp())
        self._changed.set()

    async def wait(self, predicate: Callable[[list[Any]], bool]) -> None:
        while not predicate(self.items):
            self._changed.clear()
            await self._changed.wait()

    async def wait_for(self, kind: type, count: int = 1) -> list[Any]:
        """Wait until ``count`` items of ``kind`` arrived; returns them."""
        await self.wait(lambda items: len(self.of(kind)) >= count)
        return self.of(kind)

    def of(self, kind: type) -> list[Any]:
        return [i for i in self.items if isinstance(i, kind)]

    def events(self, name: str) -> list[dict[str, str]]:
        """Raw AMI messages (dicts) with this Event name."""
        return [m for m in self.items if isinstance(m, dict) and m.get("Event") == name]

    @property
    def data(self) -> bytes:
        """All bytes received, for an ``on_bytes`` tap."""
        return b"".join(i for i in self.items if isinstance(i, bytes))
