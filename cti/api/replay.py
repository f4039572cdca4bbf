"""The last events, serialised once, for desktops that reconnect (no I/O)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from cti.events import DomainEvent


@dataclass(frozen=True, slots=True)
class Entry:
    event: DomainEvent
    frame: str   #: the event's JSON text, as every desktop receives it


class ReplayBuffer:
    """The newest ``capacity`` events in sequence order."""

    def __init__(self, capacity: int) -> None:
        self._entries: deque[Entry] = deque(maxlen=capacity)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def last_seq(self) -> int | None:
        return self._entries[-1].event.seq if self._entries else None

    def add(self, event: DomainEvent, frame: str) -> None:
        self._entries.append(Entry(event, frame))

    def after(self, seq: int, last_seq: int) -> Iterator[Entry] | None:
        """The entries after ``seq``, or None when the buffer cannot tell what came
        after it: older than what it holds, or newer than the stream (``last_seq``)."""
        if seq > last_seq:
            return None
        if seq == last_seq:
            return iter(())
        if not self._entries or self._entries[0].event.seq > seq + 1:
            return None
        return (e for e in self._entries if e.event.seq > seq)
