"""The forecast of one queue: contacts per interval, handle time, patience.

The pipeline around a method (``cti.wfm.methods``):

1. history: the ``train_days`` whole days before ``start``; holidays in it are
   replaced by the mean of the same weekday a week before and a week after, so a
   closed Christmas does not teach the model that Thursdays are empty;
2. the method's forecast, clipped at zero;
3. intervals with no contact on any of the last four same weekdays stay at
   zero (the centre is closed then: no agent is planned for a stray 0.1 call);
4. holidays in the horizon follow the holiday pattern: ``closed`` (zero) or
   ``like`` a weekday (that weekday's average of the last four weeks).

Handle time per interval is the average of the same weekday and interval over
the last eight weeks (talk + wrap-up of answered calls), falling back to the
interval of any weekday, then to the queue's average. Patience, for Erlang A,
is the maximum-likelihood estimate for exponential patience: total time callers
spent waiting (answered or not) divided by the number who hung up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from cti.wfm.methods import METHODS
from cti.wfm.params import DAYS, HOLIDAY_PATTERNS
from cti.wfm.series import IntervalSeries

TRAIN_DAYS = 84                  # twelve weeks
MIN_HISTORY_DAYS = 14
AHT_WEEKS = 8
MIN_CALLS_FOR_AHT = 5


@dataclass(frozen=True)
class Forecast:
    """Expected contacts and handle time per interval of ``days`` days from ``start``."""

    queue: str
    channel: str
    start: date
    interval_minutes: int
    method: str
    offered: np.ndarray          # days x slots, expected contacts
    aht: np.ndarray              # days x slots, seconds
    patience: float | None       # mean seconds before hanging up; None: nobody hung up
    holidays: dict[date, str] = field(default_factory=dict)   # in the horizon: pattern

    @property
    def days(self) -> int:
        return int(self.offered.shape[0])

    @property
    def slots_per_day(self) -> int:
        return int(self.offered.shape[1])

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]

    def slot_label(self, slot: int) -> str:
        minutes = slot * self.interval_minutes
        return f"{minutes // 60:02d}:{minutes % 60:02d}"

    def rows(self) -> list[dict[str, Any]]:
        """One JSON-able dict per interval: date, weekday, interval, calls, aht."""
        out = []
        for d, day in enumerate(self.dates()):
            for s in range(self.slots_per_day):
                out.append({"date": day.isoformat(), "weekday": DAYS[day.weekday()],
                            "interval": self.slot_label(s),
                            "calls": round(float(self.offered[d, s]), 2),
                            "aht": round(float(self.aht[d, s]), 1),
                            "holiday": self.holidays.get(day, "")})
        return out


def forecast(series: IntervalSeries, start: date, days: int, method: str, *,
             holiday_pattern: str = "closed", train_days: int = TRAIN_DAYS,
             holidays: frozenset[date] | None = None) -> Forecast:
    """Forecast ``days`` days from ``start`` with ``method`` from the history before ``start``.

    ``holidays`` (default: the series' own) must include those of the horizon.

    Raises:
        ValueError: an unknown method or pattern, or too little history.
    """
    offered = forecast_offered(series, start, days, method, holiday_pattern=holiday_pattern,
                               train_days=train_days, holidays=holidays)
    history = series.between(start - timedelta(days=train_days), start)
    known = series.holidays if holidays is None else holidays
    horizon = [start + timedelta(days=i) for i in range(days)]
    return Forecast(series.queue, series.channel, start, series.interval_minutes, method,
                    offered, handle_times(history, horizon), patience(history),
                    {d: holiday_pattern for d in horizon if d in known})


def forecast_offered(series: IntervalSeries, start: date, days: int, method: str, *,
                     holiday_pattern: str = "closed", train_days: int = TRAIN_DAYS,
                     holidays: frozenset[date] | None = None) -> np.ndarray:
    """Steps 1 to 4 of the module docstring: ``days x slots`` expected contacts."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    if holiday_pattern not in HOLIDAY_PATTERNS:
        raise ValueError(f"holiday pattern {holiday_pattern!r}: use one of "
                         f"{', '.join(HOLIDAY_PATTERNS)}")
    known = series.holidays if holidays is None else holidays
    history = series.between(start - timedelta(days=train_days), start)
    if history.days < MIN_HISTORY_DAYS or history.end_day != start:
        raise ValueError(f"a forecast from {start} needs at least {MIN_HISTORY_DAYS} days "
                         f"of history just before it, got {history.days}")
    clean = without_holidays(history.offered,
                             np.array([d in known for d in history.dates()]))
    first_weekday = history.first_day.weekday()
    out = np.maximum(METHODS[method](clean, first_weekday, days), 0.0)
    n = len(clean)
    for d in range(days):
        same = clean[[n - 7 * k + d % 7 for k in range(1, 5) if n - 7 * k + d % 7 >= 0]]
        out[d, same.max(axis=0) == 0] = 0.0
        day = start + timedelta(days=d)
        if day in known:
            out[d] = _holiday_row(clean, first_weekday, holiday_pattern)
    return out


def without_holidays(offered: np.ndarray, holiday: np.ndarray) -> np.ndarray:
    """Each holiday row replaced by the mean of the same weekday one week before and
    one week after (those that exist and are not holidays themselves)."""
    out = offered.copy()
    n = len(offered)
    for i in np.flatnonzero(holiday):
        near = [j for j in (i - 7, i + 7, i - 14, i + 14) if 0 <= j < n and not holiday[j]]
        if near:
            out[i] = offered[near[:2]].mean(axis=0)
    return out


def _holiday_row(clean: np.ndarray, first_weekday: int, pattern: str) -> np.ndarray:
    if pattern == "closed":
        return np.zeros(clean.shape[1])
    weekday = DAYS.index(pattern)
    rows = [i for i in range(len(clean)) if (first_weekday + i) % 7 == weekday][-4:]
    return clean[rows].mean(axis=0) if rows else np.zeros(clean.shape[1])


def handle_times(history: IntervalSeries, horizon: list[date]) -> np.ndarray:
    """Average handle time per interval of each horizon day (module docstring)."""
    recent = history.last(7 * AHT_WEEKS)
    answered, handle = recent.answered, recent.handle_seconds
    overall = handle.sum() / answered.sum() if answered.sum() else 0.0
    by_slot_calls, by_slot_time = answered.sum(axis=0), handle.sum(axis=0)
    by_slot = np.where(by_slot_calls >= MIN_CALLS_FOR_AHT,
                       by_slot_time / np.maximum(by_slot_calls, 1), overall)
    weekdays = recent.weekdays()
    out = np.empty((len(horizon), history.slots_per_day))
    for d, day in enumerate(horizon):
        rows = weekdays == day.weekday()
        calls, time_ = answered[rows].sum(axis=0), handle[rows].sum(axis=0)
        out[d] = np.where(calls >= MIN_CALLS_FOR_AHT, time_ / np.maximum(calls, 1), by_slot)
    return out


def patience(history: IntervalSeries) -> float | None:
    """Mean patience in seconds (exponential MLE), or None when nobody hung up."""
    abandoned = history.abandoned.sum()
    return float(history.wait_seconds.sum() / abandoned) if abandoned else None
