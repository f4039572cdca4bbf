"""Deadlines as a heap with lazy deletion.

Entries are (at, seq, kind, id). A cancelled or moved deadline is not removed:
the owner remembers the token ``push`` returned, and the engine checks on pop
whether the record still holds that token (``is_live``), so re-arming is
O(log n) and cancelling is free.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

Entry = tuple[float, int, str, str]


class TimerHeap:
    __slots__ = ("_heap", "_seq")

    def __init__(self) -> None:
        self._heap: list[Entry] = []
        self._seq = 0

    def push(self, at: float, kind: str, ident: str) -> int:
        """Arm a deadline; returns its token (the seq) for the owner to remember."""
        self._seq += 1
        heapq.heappush(self._heap, (at, self._seq, kind, ident))
        return self._seq

    def next_at(self, is_live: Callable[[Entry], bool]) -> float | None:
        heap = self._heap
        while heap and not is_live(heap[0]):
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def pop_due(self, now: float, is_live: Callable[[Entry], bool]) -> Entry | None:
        heap = self._heap
        while heap and heap[0][0] <= now:
            entry = heapq.heappop(heap)
            if is_live(entry):
                return entry
        return None

    def clear(self) -> None:
        self._heap.clear()
