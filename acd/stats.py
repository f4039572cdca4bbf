"""Counters and rolling windows per queue, fed by the engine as things happen."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass(slots=True)
class QueueCounters:
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    exited: int = 0
    removed: int = 0
    transferred_out: int = 0
    #: (at, wait) of answered calls, oldest first
    answers: deque[tuple[float, float]] = field(default_factory=deque)
    #: (at, wait) of abandoned calls
    abandons: deque[tuple[float, float]] = field(default_factory=deque)
    #: (at, seconds) talk durations and wrap-up durations
    talks: deque[tuple[float, float]] = field(default_factory=deque)
    wraps: deque[tuple[float, float]] = field(default_factory=deque)

    def prune(self, now: float, window: float) -> None:
        horizon = now - window
        for dq in (self.answers, self.abandons, self.talks, self.wraps):
            while dq and dq[0][0] < horizon:
                dq.popleft()

    def service_level(self, sl_seconds: float) -> float | None:
        inside = sum(1 for _, w in self.answers if w <= sl_seconds)
        late_abandons = sum(1 for _, w in self.abandons if w > sl_seconds)
        total = len(self.answers) + late_abandons
        return None if total == 0 else 100.0 * inside / total

    def asa(self) -> float | None:
        return (sum(w for _, w in self.answers) / len(self.answers)) if self.answers else None

    def aht(self) -> float | None:
        """Average talk + average wrap-up over the window."""
        if not self.talks:
            return None
        talk = sum(t for _, t in self.talks) / len(self.talks)
        wrap = (sum(t for _, t in self.wraps) / len(self.wraps)) if self.wraps else 0.0
        return talk + wrap


class Recorder:
    """Counters per queue; the window bounds the memory of the rolling figures."""

    __slots__ = ("queues", "window")

    def __init__(self, window: float) -> None:
        self.window = window
        self.queues: dict[str, QueueCounters] = {}

    def q(self, queue: str) -> QueueCounters:
        c = self.queues.get(queue)
        if c is None:
            c = self.queues[queue] = QueueCounters()
        return c

    def _push(self, dq: deque[tuple[float, float]], now: float, value: float) -> None:
        dq.append((now, value))
        horizon = now - self.window
        while dq and dq[0][0] < horizon:
            dq.popleft()

    def answered(self, queue: str, now: float, wait: float) -> None:
        c = self.q(queue)
        c.answered += 1
        self._push(c.answers, now, wait)

    def abandoned(self, queue: str, now: float, wait: float) -> None:
        c = self.q(queue)
        c.abandoned += 1
        self._push(c.abandons, now, wait)

    def talked(self, queue: str, now: float, seconds: float) -> None:
        self._push(self.q(queue).talks, now, seconds)

    def wrapped(self, queue: str, now: float, seconds: float) -> None:
        self._push(self.q(queue).wraps, now, seconds)
