"""A queue's waiting calls for one channel, in routing order.

Order: higher priority first, then earlier original arrival, then call_id
(the stable tie-break). Kept as a sorted list: insert/remove are a bisect and
a memmove, the head is index 0, a position is a bisect. The statistics keep
one too, ordered by entry into the queue, for the longest wait.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterator
from typing import Any, Generic, TypeVar

Key = tuple[int, float, str]
K = TypeVar("K", bound=tuple[Any, ...])


class WaitingList(Generic[K]):
    __slots__ = ("_items",)

    def __init__(self) -> None:
        self._items: list[K] = []

    def add(self, key: K) -> int:
        """Insert; returns the 1-based position."""
        insort(self._items, key)
        return bisect_left(self._items, key) + 1

    def remove(self, key: K) -> None:
        i = bisect_left(self._items, key)
        if i < len(self._items) and self._items[i] == key:
            del self._items[i]

    def position(self, key: K) -> int | None:
        i = bisect_left(self._items, key)
        if i < len(self._items) and self._items[i] == key:
            return i + 1
        return None

    def first(self) -> K | None:
        return self._items[0] if self._items else None

    def __iter__(self) -> Iterator[K]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)
