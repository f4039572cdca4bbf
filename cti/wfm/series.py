"""``IntervalSeries``: what happened in one queue and channel, per interval of each day.

Days are local calendar days of the contact centre (hours.yaml time zone) and
intervals are wall-clock slots of ``interval_minutes`` from local midnight, so
"Monday 09:00-09:30" is the same slot all year. On the day clocks go forward the
missing slot stays empty; on the day they go back the repeated hour's calls
add up in its slot. Arrays are ``days x slots`` floats.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import numpy as np

from cti.wfm.buckets import Bucket

INTERVALS = (15, 30, 60)


@dataclass(frozen=True)
class IntervalSeries:
    queue: str
    channel: str
    first_day: date
    interval_minutes: int
    offered: np.ndarray
    answered: np.ndarray
    abandoned: np.ndarray
    handle_seconds: np.ndarray
    wait_seconds: np.ndarray
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.interval_minutes not in INTERVALS:
            raise ValueError(f"interval {self.interval_minutes} min: use one of "
                             f"{', '.join(map(str, INTERVALS))}")
        shapes = {a.shape for a in (self.offered, self.answered, self.abandoned,
                                    self.handle_seconds, self.wait_seconds)}
        if len(shapes) != 1 or self.offered.ndim != 2 or \
                self.offered.shape[1] != self.slots_per_day:
            raise ValueError(f"arrays must all be days x {self.slots_per_day}, got {shapes}")

    @property
    def slots_per_day(self) -> int:
        return 24 * 60 // self.interval_minutes

    @property
    def days(self) -> int:
        return int(self.offered.shape[0])

    @property
    def end_day(self) -> date:
        """The day after the last one."""
        return self.first_day + timedelta(days=self.days)

    def dates(self) -> list[date]:
        return [self.first_day + timedelta(days=i) for i in range(self.days)]

    def weekdays(self) -> np.ndarray:
        """Weekday of each day, Monday = 0."""
        return (np.arange(self.days) + self.first_day.weekday()) % 7

    def slot_label(self, slot: int) -> str:
        minutes = slot * self.interval_minutes
        return f"{minutes // 60:02d}:{minutes % 60:02d}"

    def between(self, start: date, end: date) -> IntervalSeries:
        """The days in [start, end), clipped to what the series holds."""
        i = max(0, (start - self.first_day).days)
        j = min(self.days, max(i, (end - self.first_day).days))
        return replace(self, first_day=self.first_day + timedelta(days=i),
                       **{k: getattr(self, k)[i:j] for k in _ARRAYS})

    def last(self, days: int) -> IntervalSeries:
        return self.between(self.end_day - timedelta(days=days), self.end_day)

    def active_days(self) -> int:
        """Days with at least one call offered."""
        return int((self.offered.sum(axis=1) > 0).sum())

    @classmethod
    def empty(cls, queue: str, channel: str, first_day: date, days: int,
              interval_minutes: int, holidays: Iterable[date] = ()) -> IntervalSeries:
        shape = (days, 24 * 60 // interval_minutes)
        return cls(queue, channel, first_day, interval_minutes,
                   *(np.zeros(shape) for _ in _ARRAYS), holidays=frozenset(holidays))

    @classmethod
    def from_buckets(cls, queue: str, channel: str, buckets: Iterable[Bucket],
                     first_day: date, end_day: date, interval_minutes: int,
                     holidays: Iterable[date] = ()) -> IntervalSeries:
        """Lay buckets on the grid of days [first_day, end_day); others are dropped."""
        series = cls.empty(queue, channel, first_day, (end_day - first_day).days,
                           interval_minutes, holidays)
        for b in buckets:
            day = (b.start.date() - first_day).days
            if not 0 <= day < series.days:
                continue
            slot = (b.start.hour * 60 + b.start.minute) // interval_minutes
            for name in _ARRAYS:
                getattr(series, name)[day, slot] += getattr(b, name)
        return series


_ARRAYS = ("offered", "answered", "abandoned", "handle_seconds", "wait_seconds")
