"""A queue's waiting calls for one channel, in routing order.

Order: higher priority first, then earlier original arrival, then call_id
(the stable tie-break). Kept as a sorted list: insert/remove are a bisect and
a memmove, the head is index 0, a position is a bisect.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterator

Key = tuple[int, float, str]


class WaitingList:
    __slots__ = ("_items",)

    def __init__(self) -> None:
        self._items: list[Key] = []

    def add(self, key: Key) -> int:
        """Insert; returns the 1-based position."""
        insort(self._items, key)
        return bisect_left(self._items, key) + 1

    def remove(self, key: Key) -> None:
        i = bisect_left(self._items, key)
        if i < len(self._items) and self._items[i] == key:
            del self._items[i]

    def position(self, key: Key) -> int | None:
        i = bisect_left(self._items, key)
        if i < len(self._items) and self._items[i] == key:
            return i + 1
        return None

    def __iter__(self) -> Iterator[Key]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)
